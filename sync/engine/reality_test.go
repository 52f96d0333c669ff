package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

// Strava's real behaviours (issue 10), each against the simulator over HTTP.

func orders() []stravasim.ListOrder {
	return []stravasim.ListOrder{stravasim.OldestFirst, stravasim.NewestFirst}
}

func TestIncremental450NewUnderEveryOrder(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.String(), func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: 50, afterOrder: v.after, tieOrder: v.ties})
			w.sync(engine.Options{})
			newest, _ := w.store.Newest()
			// 450 new activities, every seventh in the same second as the one
			// before (two devices), so ties fall on the pages' boundaries too.
			start := newest.StartDate
			for i := range 450 {
				if i%7 != 0 {
					start = start.Add(time.Hour)
				}
				if _, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{StartDate: start}); err != nil {
					t.Fatal(err)
				}
			}
			w.sim.ResetRequestCounts()
			rep, err := w.eng.Sync(context.Background(), engine.Options{})
			if err != nil && !errors.Is(err, strava.ErrRateLimited) { // details of 450 new ones exceed the budget share: fine
				t.Fatal(err)
			}
			if rep.Added != 450 || rep.Mode != "incremental" {
				t.Fatalf("added %d, want 450 (%+v)", rep.Added, rep)
			}
			w.assertMirrors(true)
			// 451+ in the window: 3 pages, plus at most one per boundary tie.
			if n := w.listRequests(); n > 3+2 {
				t.Errorf("%d list requests", n)
			}
			w.sim.ResetRequestCounts()
			if rep := w.sync(engine.Options{}); rep.Added != 0 || w.listRequests() > 3+2 {
				t.Errorf("second sync %+v, %d list requests", rep, w.listRequests())
			}
		})
	}
}

// variants are the simulator's switches for Strava's undocumented orders.
type variant struct {
	after stravasim.ListOrder
	ties  stravasim.TieOrder
}

func (v variant) String() string {
	s := v.after.String()
	if v.ties == stravasim.TiesUnstable {
		s += ",unstable-ties"
	}
	return s
}

func variants() []variant {
	var out []variant
	for _, o := range orders() {
		for _, t := range []stravasim.TieOrder{stravasim.TiesByID, stravasim.TiesUnstable} {
			out = append(out, variant{o, t})
		}
	}
	return out
}

func TestFullImportWithTiesUnderEveryOrder(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.String(), func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: 2345, afterOrder: v.after, tieOrder: v.ties})
			w.sim.SetRateLimits(roomyLimits)
			w.sync(engine.Options{})
			w.assertMirrors(true) // the simulator's count, no duplicates
			budget, straddles := w.importBudget()
			if n := w.listRequests(); n > budget || straddles == 0 {
				t.Errorf("%d list requests, budget %d (%d straddling ties)", n, budget, straddles)
			}
			// --full reconciles with ties too: nothing is put on the 404 schedule.
			rep := w.sync(engine.Options{Full: true})
			st, _ := w.store.SyncState()
			if rep.Added+rep.Updated+rep.Removed != 0 || len(st.DetailBackfill.NotFound) != 0 {
				t.Errorf("full sync %+v, 404 schedule %v", rep, st.DetailBackfill.NotFound)
			}
		})
	}
}

func TestFutureDatedActivity(t *testing.T) {
	for _, order := range orders() {
		t.Run(order.String(), func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: 300, afterOrder: order})
			future, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Name: "Clock says 2040", StartDate: w.clock.Now().AddDate(14, 0, 0)})
			if err != nil {
				t.Fatal(err)
			}
			w.sync(engine.Options{}) // full import: no upper bound
			if _, err := w.store.Get(future); err != nil {
				t.Fatalf("future-dated activity not imported: %v", err)
			}
			// The next syncs (newest stored is in the future) never send a
			// future `after` (Strava: 400 "future") and still see new ones.
			w.sim.ResetRequestCounts()
			if rep := w.sync(engine.Options{}); rep.Mode != "incremental" || w.listRequests() != 1 {
				t.Fatalf("no-op sync %+v, %d list requests", rep, w.listRequests())
			}
			fresh, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{})
			if err != nil {
				t.Fatal(err)
			}
			future2, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{StartDate: w.clock.Now().AddDate(1, 0, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if rep := w.sync(engine.Options{}); rep.Added != 2 {
				t.Fatalf("sync after new ones: %+v", rep)
			}
			for _, id := range []int64{fresh, future2} {
				if _, err := w.store.Get(id); err != nil {
					t.Errorf("activity %d: %v", id, err)
				}
			}
			w.assertMirrors(true)
		})
	}
}

func TestActivityDated1960(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 450})
	old, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Name: "GPS week rollover", StartDate: time.Date(1960, 5, 1, 8, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	older, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Manual: true, StartDate: time.Date(1955, 1, 1, 0, 0, 1, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	rep := w.sync(engine.Options{})
	if rep.Added != 452 {
		t.Fatalf("import %+v", rep)
	}
	for _, id := range []int64{old, older} {
		if _, err := w.store.Get(id); err != nil {
			t.Errorf("activity %d before 1970: %v", id, err)
		}
	}
	st, _ := w.store.SyncState()
	if st.FullImport.InProgress {
		t.Errorf("import stuck at its checkpoint: %+v", st.FullImport)
	}
	if rep := w.sync(engine.Options{Full: true}); rep.Removed != 0 {
		t.Errorf("full sync %+v", rep)
	}
	w.assertMirrors(true)
}

func TestTransient404sInDetailBackfillDeleteNothing(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 40})
	w.sim.SetRateLimits(roomyLimits)
	w.sync(engine.Options{})
	acts := w.sim.Activities(0, true)
	// Five activities answer 404 one to four times in a row, then are readable.
	var flaky []int64
	for i := range 5 {
		id := acts[i*3].ID
		flaky = append(flaky, id)
		w.sim.NotFoundNext(id, 1+i%4)
	}
	for round := range 6 { // the access token lives 6 h
		rep := w.sync(engine.Options{Details: true})
		if rep.Removed != 0 {
			t.Fatalf("round %d removed %d", round, rep.Removed)
		}
		w.clock.Advance(time.Hour + time.Minute) // past every wait of the schedule
	}
	w.assertMirrors(true)
	for _, id := range flaky {
		a, err := w.store.Get(id)
		if err != nil || !a.HasDetail() {
			t.Errorf("activity %d: detail %v, %v", id, a.HasDetail(), err)
		}
	}
	st, _ := w.store.SyncState()
	if len(st.DetailBackfill.NotFound) != 0 {
		t.Errorf("404 schedule left: %v", st.DetailBackfill.NotFound)
	}
}

func TestStreams404IsNoStreamsCached(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 5})
	manual, err := w.sim.CreateActivityNoEvent(stravasim.NewActivity{Manual: true, SportType: "Yoga"})
	if err != nil {
		t.Fatal(err)
	}
	w.sync(engine.Options{})
	const route = "GET /api/v3/activities/{id}/streams"
	for i := range 2 {
		s, err := w.eng.Streams(context.Background(), manual)
		if err != nil || s.Has("latlng") || len(s.Keys()) != 0 {
			t.Fatalf("call %d: %v %v", i, s.Keys(), err)
		}
		if n := w.sim.RequestCounts()[route]; n != 1 {
			t.Fatalf("call %d: %d streams requests, want 1", i, n)
		}
	}
}

// A checkpoint written by the moving-cursor import of earlier versions
// resumes with the new paging, without losing or repeating activities.
func TestResumesAMovingCursorCheckpoint(t *testing.T) {
	w := newWorld(t, worldOptions{activities: 900})
	acts := w.sim.Activities(0, true)
	cursor := acts[399].StartDate // the old import stored 400 and stopped
	if err := w.store.UpdateSyncState(func(s *store.SyncState) {
		s.FullImport = store.FullImportState{InProgress: true, Before: cursor, Pages: 2, Seen: 400}
	}); err != nil {
		t.Fatal(err)
	}
	rep := w.sync(engine.Options{})
	if rep.Mode != "import" || rep.Added < 900-400 {
		t.Fatalf("report %+v", rep)
	}
	// The ties at the cursor's second are listed again, never skipped; the
	// 400 newer ones were never stored here, so only the import of those
	// below the cursor is expected.
	for _, a := range acts[400:] {
		if _, err := w.store.Get(a.ID); err != nil {
			t.Fatalf("activity %d below the old cursor: %v", a.ID, err)
		}
	}
	st, _ := w.store.SyncState()
	if st.FullImport.InProgress {
		t.Errorf("import not finished: %+v", st.FullImport)
	}
}
