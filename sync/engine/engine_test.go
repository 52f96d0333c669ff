package engine_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

func TestFullImportMirrorsStrava(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 1234})
	rep := w.sync(engine.Options{})
	if rep.Mode != "import" || rep.Added != 1234 || rep.Removed != 0 {
		t.Fatalf("report %+v", rep)
	}
	w.assertMirrors(true) // same count as the simulator: none missing, none twice
	// ceil(1234/200) pages, the empty page that ends the walk, and one page
	// per tie straddling a boundary (the history has one at every boundary).
	budget, straddles := w.importBudget()
	if n := w.listRequests(); n != budget || straddles != 6 {
		t.Errorf("%d list requests, want %d (%d straddling ties)", n, budget, straddles)
	}
	st, _ := w.store.SyncState()
	if st.FullImport.InProgress || st.LastFullSync.IsZero() || st.RateLimit.Read.Limit15 == 0 {
		t.Errorf("sync state after import: %+v", st)
	}
}

func TestUnicodeNamesAndUnknownSportTypes(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 800})
	w.sync(engine.Options{})
	acts := w.sim.Activities(0, true)
	var nonASCII string
	sports := map[string]bool{}
	for _, a := range acts {
		sports[a.SportType] = true
		if nonASCII == "" && strings.ContainsFunc(a.Name, func(r rune) bool { return r > 0x2000 }) {
			nonASCII = a.Name
		}
	}
	if nonASCII == "" {
		t.Fatal("simulated history has no non-Latin names")
	}
	found, err := w.store.List(store.Query{Search: nonASCII})
	if err != nil || len(found) == 0 || found[0].Name != nonASCII {
		t.Fatalf("search %q: %v %v", nonASCII, found, err)
	}
	if !sports[stravasim.UnknownSportType] {
		t.Fatalf("history lacks the unknown sport type %q", stravasim.UnknownSportType)
	}
	got, err := w.store.List(store.Query{Sport: stravasim.UnknownSportType, Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("unknown sport type not stored: %v %v", got, err)
	}
}

func TestIncrementalWithNothingNewCostsOneRequest(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 500})
	w.sync(engine.Options{})
	w.sim.ResetRequestCounts()
	rep := w.sync(engine.Options{})
	if rep.Mode != "incremental" || rep.Added+rep.Updated+rep.Removed != 0 {
		t.Fatalf("report %+v", rep)
	}
	if n := w.sim.RequestCount(); n != 1 {
		t.Errorf("%d requests, want 1 (%v)", n, w.sim.RequestCounts())
	}
}

func TestIncrementalCatchesLateUploadAndFetchesDetails(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 300})
	w.sync(engine.Options{})
	newest, _ := w.store.Newest()
	late, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Name: "Vergessene Radtour 🚲", SportType: "Ride", StartDate: newest.StartDate.Add(-3 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Name: "Evening Run", StartDate: newest.StartDate.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	rep := w.sync(engine.Options{})
	if rep.Added != 2 || rep.DetailsFetched != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, id := range []int64{late, fresh} {
		a, err := w.store.Get(id)
		if err != nil || !a.HasDetail() {
			t.Errorf("activity %d: %+v %v", id, a.ID, err)
		}
	}
	w.assertMirrors(true)
}

func TestFullSyncRemovesActivitiesDeletedWhileOffline(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 700})
	w.sync(engine.Options{})
	all := w.sim.Activities(0, true)
	gone := []int64{all[0].ID, all[350].ID, all[len(all)-1].ID} // newest, middle, oldest
	for _, id := range gone {
		if err := w.sim.DeleteActivityNoEvent(id); err != nil {
			t.Fatal(err)
		}
	}
	renamed := all[10].ID
	name := "Renamed while offline ✨"
	if err := w.sim.UpdateActivityNoEvent(renamed, stravasim.ActivityUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	rep := w.sync(engine.Options{Full: true})
	if rep.Mode != "full" || rep.Removed != 0 || rep.Updated != 1 || rep.Added != 0 {
		t.Fatalf("report %+v", rep)
	}
	// Not listed is not yet gone: each is asked for by id on the 404
	// schedule and removed only when Strava still answers 404 after it.
	st, _ := w.store.SyncState()
	if len(st.DetailBackfill.NotFound) != 3 {
		t.Fatalf("on the 404 schedule: %v", st.DetailBackfill.NotFound)
	}
	removed := w.runNotFoundSchedule(gone)
	if removed != 3 {
		t.Fatalf("removed %d", removed)
	}
	for _, id := range gone {
		if _, err := w.store.Get(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted activity %d still stored: %v", id, err)
		}
	}
	w.assertMirrors(true)
}

// runNotFoundSchedule runs the back-fill through the whole 404 schedule
// (30 s, 2 min, 10 min, 1 h), checking ids stay stored until its end; it
// returns how many the last run removed.
func (w *world) runNotFoundSchedule(ids []int64) int {
	w.t.Helper()
	w.sim.SetRateLimits(roomyLimits) // the back-fill of the others must leave room
	removed := 0
	for step, wait := range []time.Duration{0, 30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour} {
		backfill := func(want int) {
			if _, err := w.eng.Backfill(context.Background(), len(ids)); err != nil {
				w.t.Fatal(err)
			}
			st, _ := w.store.SyncState()
			for _, id := range ids {
				if got := st.DetailBackfill.NotFound[id].Count; got != want {
					w.t.Fatalf("step %d: activity %d has had %d 404s, want %d", step, id, got, want)
				}
			}
		}
		if step > 0 {
			w.clock.Advance(wait / 2)
			backfill(step) // before its time an activity is not asked for again
		}
		w.clock.Advance(wait - wait/2 + time.Second)
		if step > 0 && step < 4 {
			backfill(step + 1)
		} else {
			var rep engine.Report
			var err error
			rep, err = w.eng.Sync(context.Background(), engine.Options{Details: true})
			if err != nil {
				w.t.Fatal(err)
			}
			removed = rep.Removed
		}
		if step < 4 {
			for _, id := range ids {
				if _, err := w.store.Get(id); err != nil {
					w.t.Fatalf("step %d: activity %d removed before the schedule ended: %v", step, id, err)
				}
			}
		}
	}
	return removed
}

func TestPrivateActivitiesNeedReadAll(t *testing.T) {
	for _, tt := range []struct {
		scope   string
		private bool
	}{
		{"activity:read_all,profile:read_all", true},
		{"activity:read,profile:read_all", false},
	} {
		t.Run(tt.scope, func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: 900, scopes: tt.scope})
			w.sync(engine.Options{})
			w.assertMirrors(tt.private)
			if all, vis := w.sim.ActivityCount(0, true), w.sim.ActivityCount(0, false); all == vis {
				t.Fatal("history has no private activities")
			}
		})
	}
}

func TestRateLimitMidImportResumesWithoutRefetching(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 3000, noTies: true}) // 15 pages
	// Strava lowers the read limit after the client has seen the headers,
	// so the 6th request is answered 429 by Strava itself.
	if _, err := w.client.Athlete(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.sim.SetRateLimits(stravasim.Limits{Read15: 6})
	w.sim.ResetRequestCounts()
	rep, err := w.eng.Sync(context.Background(), engine.Options{})
	var rl *strava.RateLimitError
	if !errors.As(err, &rl) || !strings.Contains(err.Error(), "resumes at") {
		t.Fatalf("err = %v, want a rate-limit error saying when it resumes", err)
	}
	stored, _ := w.store.Count()
	if stored != rep.Added || stored == 0 || stored%200 != 0 {
		t.Fatalf("kept %d activities, report %+v", stored, rep)
	}
	st, _ := w.store.SyncState()
	if !st.FullImport.InProgress || st.FullImport.Pages != stored/200 || !strings.Contains(st.LastSyncError, "rate limit") {
		t.Fatalf("checkpoint %+v", st.FullImport)
	}
	firstRun := w.listRequests()

	// The next window: the import resumes from its checkpoint.
	w.clock.Advance(15 * time.Minute)
	w.sim.SetRateLimits(stravasim.DefaultLimits())
	rep2 := w.sync(engine.Options{})
	if rep2.Added != 3000-stored {
		t.Fatalf("resume added %d, want %d", rep2.Added, 3000-stored)
	}
	// 15 pages + the empty one, the page before the checkpoint again (a
	// deletion meanwhile would shift it), plus at most the one refused by Strava.
	if total := w.listRequests(); total > 18 || total-firstRun != 15-stored/200+2 {
		t.Errorf("list requests: %d in all, %d on resume", total, total-firstRun)
	}
	w.assertMirrors(true)
}

func TestNeverSendsWhatTheHeadersSayIsRefused(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 1000})
	w.sim.SetUsage(stravasim.Usage{Read15: 97, Overall15: 97})
	_, err := w.eng.Sync(context.Background(), engine.Options{})
	var rl *strava.RateLimitError
	if !errors.As(err, &rl) || !rl.Refused() {
		t.Fatalf("err = %v, want a refusal before sending", err)
	}
	if n := w.sim.RequestCounts()[listRoute]; n != 3 {
		t.Errorf("%d list requests sent, want 3 (usage 97 → 100)", n)
	}
}

func TestDetailBackfillStaysWithinBudget(t *testing.T) {
	tests := []struct {
		name      string
		share     float64
		usage     stravasim.Usage
		wantFetch int
	}{
		// The import of 450 costs 4 reads (3 pages and the empty one).
		{"half of the 15-minute budget", 0.5, stravasim.Usage{Read15: 76, ReadDaily: 76}, 10}, // (100-80)/2
		{"never past the daily budget", 1, stravasim.Usage{Read15: 0, ReadDaily: 990}, 6},     // 1000-994
		{"nothing left", 0.5, stravasim.Usage{Read15: 95, ReadDaily: 95}, 0},                  // (100-99)/2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: 450, share: tt.share, noTies: true})
			w.sim.SetUsage(tt.usage)
			rep := w.sync(engine.Options{Details: true})
			if rep.DetailsFetched != tt.wantFetch {
				t.Fatalf("fetched %d details, want %d (%+v)", rep.DetailsFetched, tt.wantFetch, rep)
			}
			if rep.DetailsPending != 450-tt.wantFetch {
				t.Errorf("pending %d", rep.DetailsPending)
			}
			// Newest first.
			missing, _ := w.store.MissingDetails(0)
			acts := w.sim.Activities(0, true)
			for _, a := range acts[:tt.wantFetch] {
				if slices.Contains(missing, a.ID) {
					t.Errorf("activity %d (newest) was not fetched", a.ID)
				}
			}
		})
	}
}

func TestFetchDetailOf404IsNotFinal(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 20})
	w.sync(engine.Options{})
	id := w.sim.Activities(0, true)[5].ID
	if err := w.sim.DeleteActivityNoEvent(id); err != nil {
		t.Fatal(err)
	}
	_, err := w.eng.FetchDetail(context.Background(), id)
	var gone *engine.GoneError
	if !errors.Is(err, strava.ErrNotFound) || !errors.As(err, &gone) || gone.Removed || !strings.Contains(err.Error(), "asked for again at") {
		t.Fatalf("err = %v", err)
	}
	if _, err := w.store.Get(id); err != nil {
		t.Fatalf("removed on the first 404: %v", err)
	}
	// The schedule continues in the back-fill; then it is removed.
	if removed := w.runNotFoundSchedule([]int64{id}); removed != 1 {
		t.Fatalf("removed %d after the schedule", removed)
	}
	if _, err := w.store.Get(id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("still stored after the schedule: %v", err)
	}
}

func TestStreamsFetchedOnceThenCached(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 30})
	w.sync(engine.Options{})
	var id int64
	for _, a := range w.sim.Activities(0, true) {
		if a.SummaryPolyline != "" {
			id = a.ID
			break
		}
	}
	s, err := w.eng.Streams(context.Background(), id)
	if err != nil || len(s.Raw) == 0 || !s.Has("latlng") {
		t.Fatalf("streams: %v %v", s.Keys(), err)
	}
	before := w.sim.RequestCount()
	again, err := w.eng.Streams(context.Background(), id)
	if err != nil || !slices.Equal(again.Keys(), s.Keys()) || w.sim.RequestCount() != before {
		t.Fatalf("second call: %v %v (%d requests)", again.Keys(), err, w.sim.RequestCount()-before)
	}
}

func TestSyncIsExclusive(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 2000})
	w.sim.SetLatency(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() { _, err := w.eng.Sync(context.Background(), engine.Options{}); done <- err }()
	clocktest.WaitUntil(t, "the first sync's first list request", 5*time.Second, func() bool { return w.listRequests() > 0 })
	if _, err := w.eng.Sync(context.Background(), engine.Options{}); !errors.Is(err, engine.ErrAlreadyRunning) {
		t.Errorf("second sync: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestProgressEvents(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 450})
	w.sync(engine.Options{})
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.events) != 4 || w.events[0].Activities != 200 || !w.events[3].Done || w.events[3].Total != 450 {
		t.Fatalf("events %+v", w.events)
	}
}

// TestDetailsNeverFailTheSync: Strava refusing detail requests (429) leaves
// them pending for the next back-fill; the sync itself succeeds.
func TestDetailsNeverFailTheSync(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 30})
	w.sync(engine.Options{})
	w.sim.FailNext(50, http.StatusTooManyRequests, "/api/v3/activities/")
	rep, err := w.eng.Sync(context.Background(), engine.Options{Details: true})
	if err != nil {
		t.Fatalf("sync with refused details: %v", err)
	}
	if rep.DetailsFetched != 0 || rep.DetailsPending != 30 {
		t.Errorf("report %+v: want every detail still pending", rep)
	}
	st, _ := w.store.SyncState()
	if st.LastSyncError != "" {
		t.Errorf("last sync error %q", st.LastSyncError)
	}
}
