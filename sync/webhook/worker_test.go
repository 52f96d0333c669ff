package webhook

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

const waitLong = 10 * time.Second

// storeSimActivity puts the simulator's detailed activity into the store,
// as a previous sync would have.
func (e *env) storeSimActivity(id int64) {
	e.t.Helper()
	a, err := e.client.Activity(context.Background(), id)
	if err != nil {
		e.t.Fatalf("Activity(%d): %v", id, err)
	}
	rec := detailRecord(a, time.Now().Add(-time.Hour)) // fetched a while ago
	if _, err := e.st.UpsertDetail(rec); err != nil {
		e.t.Fatalf("UpsertDetail: %v", err)
	}
}

func (e *env) stored(id int64) (store.Activity, bool) {
	e.t.Helper()
	a, err := e.st.Get(id)
	if errors.Is(err, store.ErrNotFound) {
		return a, false
	}
	if err != nil {
		e.t.Fatalf("Get(%d): %v", id, err)
	}
	return a, true
}

// TestEndToEnd: activity create, update (title, type, privacy), delete and
// the athlete's deauthorization, delivered by the simulator over HTTP.
func TestEndToEnd(t *testing.T) {
	clock := clocktest.New(time.Now())
	e := newEnv(t, envOptions{clock: clock})
	sim := e.sim.Sim

	// create → fetched and stored with its detail.
	id, err := sim.CreateActivity(stravasim.NewActivity{Name: "Lunch Run ☀️", SportType: "Run"})
	if err != nil {
		t.Fatal(err)
	}
	a := e.waitAppliedFor(id, waitLong)
	if a.ev.AspectType != AspectCreate || a.res.Outcome != OutcomeAdded || a.res.Activity == nil || a.res.Activity.Name != "Lunch Run ☀️" {
		t.Fatalf("create: %+v %+v", a.ev, a.res)
	}
	got, ok := e.stored(id)
	if !ok || !got.HasDetail() || got.SportType != "Run" {
		t.Fatalf("stored after create: %v %+v", ok, got)
	}

	// update: title and sport type.
	name, sport := "Évening Ride", "Ride"
	if err := sim.UpdateActivity(id, stravasim.ActivityUpdate{Name: &name, SportType: &sport}); err != nil {
		t.Fatal(err)
	}
	// (fetched moments ago: asked again after MinRefetch)
	a = e.advanceToApplied(clock, id)
	if a.ev.AspectType != AspectUpdate || a.ev.Updates["title"] != name || a.res.Outcome != OutcomeUpdated {
		t.Fatalf("update: %+v %+v", a.ev, a.res)
	}
	if got, _ := e.stored(id); got.Name != name || got.SportType != sport {
		t.Errorf("stored after update: %q %q", got.Name, got.SportType)
	}

	// update: private (we have activity:read_all, so it stays, marked private).
	priv := true
	if err := sim.UpdateActivity(id, stravasim.ActivityUpdate{Private: &priv}); err != nil {
		t.Fatal(err)
	}
	a = e.advanceToApplied(clock, id)
	if a.ev.Updates["private"] != "true" {
		t.Errorf("privacy update event: %+v", a.ev)
	}
	if got, _ := e.stored(id); !got.Private {
		t.Errorf("stored activity not private after the privacy update")
	}

	// delete → confirmed with Strava: 404 through the whole retry schedule,
	// then removed locally.
	sim.ResetRequestCounts()
	if err := sim.DeleteActivity(id); err != nil {
		t.Fatal(err)
	}
	e.advanceUntil(clock, 2*time.Hour, "delete applied", func() bool {
		select {
		case a = <-e.applied:
			return true
		default:
			return false
		}
	})
	if a.ev.AspectType != AspectDelete || a.res.Outcome != OutcomeRemoved {
		t.Fatalf("delete: %+v %+v", a.ev, a.res)
	}
	if _, ok := e.stored(id); ok {
		t.Error("activity still stored after delete")
	}
	if n, want := sim.RequestCounts()[routeActivity], len(DefaultNotFoundSchedule())+1; n != want {
		t.Errorf("delete made %d GETs, want %d (one per step of the schedule)", n, want)
	}

	// deauthorization → hook called, event completed, local data stays.
	other := sim.Activities(0, true)[0].ID
	e.storeSimActivity(other)
	if err := sim.DeauthorizeApp(); err != nil {
		t.Fatal(err)
	}
	select {
	case athlete := <-e.deauth:
		if athlete != sim.AthleteID() {
			t.Errorf("OnDeauthorized(%d), want %d", athlete, sim.AthleteID())
		}
	case <-time.After(waitLong):
		t.Fatal("OnDeauthorized not called")
	}
	a = e.waitApplied(waitLong)
	if a.res.Outcome != OutcomeDeauthorized || !a.ev.Deauthorization() {
		t.Errorf("deauthorization: %+v %+v", a.ev, a.res)
	}
	if _, ok := e.stored(other); !ok {
		t.Error("local data removed by the deauthorization")
	}
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
	ds, err := sim.WaitDeliveries(context.Background(), 5)
	if err != nil || len(ds) != 5 {
		t.Fatalf("%d deliveries, %v; want 5", len(ds), err)
	}
	for _, d := range ds {
		if !d.Delivered || len(d.Attempts) != 1 {
			t.Errorf("delivery %+v: want delivered at the first attempt", d)
		}
	}
}

// TestDuplicateDelivery: Strava delivers an event again when the first 200
// came too late; it is queued and processed once.
func TestDuplicateDelivery(t *testing.T) {
	// A slow front: the first POST is processed, but its answer comes after
	// Strava's timeout (once Strava has closed the connection), so Strava
	// tries again.
	first := make(chan struct{}, 1)
	first <- struct{}{}
	slow := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if r.Method == http.MethodPost {
				select {
				case <-first:
					select {
					case <-r.Context().Done():
					case <-time.After(waitLong):
					}
				default:
				}
			}
		})
	}
	e := newEnv(t, envOptions{simConfig: stravasim.Config{DeliveryTimeout: 500 * time.Millisecond}, wrap: slow})
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "twice"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e.sim.Sim.WaitDeliveries(context.Background(), 1)
	if err != nil || len(ds) != 1 || len(ds[0].Attempts) < 2 || !ds[0].Delivered {
		t.Fatalf("deliveries %+v %v: want one event delivered after a retry", ds, err)
	}
	e.waitAppliedFor(id, waitLong)
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
	select {
	case a := <-e.applied:
		t.Fatalf("event processed twice: %+v", a)
	case <-time.After(200 * time.Millisecond):
	}
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 1 {
		t.Errorf("activity fetched %d times, want 1", n)
	}
	st, err := e.st.QueueStats()
	if err != nil || st.Received != 1 || st.Duplicates < 1 || st.Processed != 1 {
		t.Errorf("queue stats %+v %v", st, err)
	}
	// The same body POSTed again directly is also a duplicate.
	ev := e.event(ObjectActivity, AspectCreate, id, nil)
	ev.EventTime = ds[0].Event.EventTime
	ev.SubscriptionID = ds[0].Event.SubscriptionID
	if status, body := e.post(mustJSON(t, ev)); status != 200 || !strings.Contains(body, "duplicate") {
		t.Errorf("repeat POST: %d %s", status, body)
	}
}

// TestRestartResumes: events acknowledged while no worker runs, or whose
// processing was cut off, are processed after a restart (store reopened),
// each exactly once.
func TestRestartResumes(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true})
	sim := e.sim.Sim
	var ids []int64
	for i := range 3 {
		id, err := sim.CreateActivity(stravasim.NewActivity{Name: "offline " + string(rune('A'+i))})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := sim.WaitDeliveries(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if n := e.depth(); n != 3 {
		t.Fatalf("depth = %d, want 3 acknowledged events", n)
	}

	// A worker that is stopped in the middle of its first API call.
	sim.SetLatency(time.Second)
	fetches := sim.RequestCounts()[routeActivity]
	e.startWorker()
	clocktest.WaitUntil(t, "first fetch in flight", waitLong, func() bool { return e.worker.Status().State == StateProcessing })
	clocktest.WaitUntil(t, "first fetch at Strava", waitLong, func() bool { return sim.RequestCounts()[routeActivity] > fetches })
	e.stopWorker()
	sim.SetLatency(0)
	if n := e.depth(); n != 3 {
		t.Fatalf("depth after the cut-off = %d, want 3", n)
	}

	// "Restart": close and reopen the database, new worker.
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	e.openStore()
	e.worker = NewWorker(e.st, e.client, e.worker.cfg)
	sim.ResetRequestCounts()
	e.startWorker()
	for _, id := range ids {
		a := e.waitAppliedFor(id, waitLong)
		if a.res.Outcome != OutcomeAdded {
			t.Errorf("activity %d: %+v", id, a.res)
		}
	}
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
	if n := sim.RequestCounts()[routeActivity]; n != 3 {
		t.Errorf("%d fetches after restart, want 3", n)
	}
	for _, id := range ids {
		if _, ok := e.stored(id); !ok {
			t.Errorf("activity %d missing after restart", id)
		}
	}
}

// TestTransientErrorsRetried: 5xx answers are retried with backoff without
// counting as attempts.
func TestTransientErrorsRetried(t *testing.T) {
	e := newEnv(t, envOptions{clientRetry: strava.RetryPolicy{MaxAttempts: 1}, worker: WorkerConfig{MaxAttempts: 2}})
	e.sim.Sim.FailNext(4, http.StatusServiceUnavailable, "/api/v3/activities/")
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	a := e.waitAppliedFor(id, waitLong)
	if a.res.Outcome != OutcomeAdded {
		t.Errorf("result %+v", a.res)
	}
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 5 {
		t.Errorf("%d fetches, want 5 (4 failures, then success)", n)
	}
}

// TestPermanentErrorGivesUp: an event failing permanently is completed as
// failed after MaxAttempts, and the queue moves on.
func TestPermanentErrorGivesUp(t *testing.T) {
	e := newEnv(t, envOptions{clientRetry: strava.RetryPolicy{MaxAttempts: 1}, worker: WorkerConfig{MaxAttempts: 3}})
	e.sim.Sim.FailNext(3, http.StatusBadRequest, "/api/v3/activities/")
	bad, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	good, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "good"})
	if err != nil {
		t.Fatal(err)
	}
	a := e.waitAppliedFor(bad, waitLong)
	if a.res.Outcome != OutcomeFailed || !strings.Contains(a.res.Detail, "failed after 3 attempts") {
		t.Errorf("bad event: %+v", a.res)
	}
	if a = e.waitAppliedFor(good, waitLong); a.res.Outcome != OutcomeAdded {
		t.Errorf("next event: %+v", a.res)
	}
	if !strings.Contains(e.logs.String(), "WEBHOOK EVENT GIVEN UP") {
		t.Error("giving up was not logged loudly")
	}
	if st := e.worker.Status(); st.Failed != 1 {
		t.Errorf("worker status %+v", st)
	}
	qs, err := e.st.QueueStats()
	if err != nil || qs.Depth != 0 || qs.Processed != 2 {
		t.Errorf("queue %+v %v", qs, err)
	}
}

// TestUnauthorizedPauses: a rejected token pauses the worker with the event
// kept; after a reconnect and Resume it is processed.
func TestUnauthorizedPauses(t *testing.T) {
	e := newEnv(t, envOptions{worker: WorkerConfig{NotFoundSchedule: []time.Duration{}}})
	e.sim.Sim.ExpireAllTokens()
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.paused:
		if !errors.Is(err, strava.ErrUnauthorized) {
			t.Errorf("paused with %v", err)
		}
	case <-time.After(waitLong):
		t.Fatal("worker did not pause")
	}
	if st := e.worker.Status(); st.State != StatePaused || e.depth() != 1 {
		t.Fatalf("status %+v depth %d", st, e.depth())
	}
	if d := e.worker.Status().Describe(); !strings.Contains(d, "paused") { // the app's health reason
		t.Errorf("status while paused described as %q", d)
	}
	// New events are still acknowledged and queued while paused; one for the
	// same activity merges into the pending one.
	if err := e.sim.Sim.DeleteActivity(id); err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "second event merged", waitLong, func() bool {
		st, err := e.st.QueueStats()
		return err == nil && st.Received == 2 && st.Merged == 1 && st.Depth == 1
	})

	e.auth.set(login(t, e.sim, "read,activity:read_all"))
	e.worker.Resume()
	// Fetched after the delete: 404, then removed once the schedule is through.
	a := e.waitAppliedFor(id, waitLong)
	if a.res.Outcome != OutcomeRemoved || a.res.Events != 2 {
		t.Errorf("after resume: %+v", a.res)
	}
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
}

// TestRateLimitWaits: a 429 keeps the event pending until the window resets,
// then it is processed. The clocks stand shortly before a 15-minute reset
// and run in real time (not a clocktest.Clock): the worker waits out a 429
// in its backoff, on the real clock.
func TestRateLimitWaits(t *testing.T) {
	var (
		mu    sync.Mutex
		base  = time.Date(2026, 3, 2, 10, 14, 50, 0, time.UTC)
		since = time.Now()
	)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return base.Add(time.Since(since))
	}
	e := newEnv(t, envOptions{
		simConfig:   stravasim.Config{Now: clock},
		clientClock: clock,
		clientRetry: strava.RetryPolicy{MaxAttempts: 1},
		worker:      WorkerConfig{Now: clock},
	})
	// Set up: now 1.5 s before the 15-minute window resets.
	mu.Lock()
	base, since = time.Date(2026, 3, 2, 10, 14, 58, 500_000_000, time.UTC), time.Now()
	mu.Unlock()
	limits, _ := e.sim.Sim.RateLimitStatus()
	e.sim.Sim.SetUsage(stravasim.Usage{Read15: limits.Read15, Overall15: limits.Read15})
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "rate-limited state", waitLong, func() bool { return e.worker.Status().State == StateRateLimited })
	st := e.worker.Status()
	if !strings.Contains(st.Reason, "rate limit") || st.RetryAt.Before(clock()) || e.depth() != 1 {
		t.Errorf("status %+v depth %d", st, e.depth())
	}
	a := e.waitAppliedFor(id, waitLong)
	if a.res.Outcome != OutcomeAdded {
		t.Errorf("after the reset: %+v", a.res)
	}
	if reset := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC); clock().Before(reset) {
		t.Errorf("processed at %s, before the window reset", clock())
	}
}

// TestWorkerChecksOwner: an acknowledged event whose owner is no longer the
// stored athlete is ignored without an API call.
func TestWorkerChecksOwner(t *testing.T) {
	e := newEnv(t, envOptions{noSubscribe: true})
	ev := e.event(ObjectActivity, AspectCreate, e.sim.Sim.Activities(0, true)[0].ID, nil)
	ev.OwnerID++
	if _, _, err := e.st.EnqueueEvent(ev.queued()); err != nil {
		t.Fatal(err)
	}
	e.worker.Notify()
	if a := e.waitApplied(waitLong); a.res.Outcome != OutcomeIgnored {
		t.Errorf("result %+v", a.res)
	}
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 0 {
		t.Errorf("%d API calls for a foreign event", n)
	}
}

// TestPauseResume: the app pauses the worker (e.g. the user disconnected);
// events are acknowledged and kept until Resume.
func TestPauseResume(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true})
	e.worker.Pause("disconnected — reconnect")
	e.startWorker()
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.Sim.WaitDeliveries(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	// Kept on the real clock: nothing marks "the paused worker did not
	// take the event"; this gives it the time it would need to.
	time.Sleep(50 * time.Millisecond)
	if st := e.worker.Status(); st.State != StatePaused || st.Reason != "disconnected — reconnect" || e.depth() != 1 {
		t.Fatalf("status %+v depth %d, want paused with the event kept", st, e.depth())
	}
	e.worker.Resume()
	if a := e.waitAppliedFor(id, waitLong); a.res.Outcome != OutcomeAdded {
		t.Errorf("after resume: %+v", a.res)
	}
}

// TestWorkerRunTwice: a second Run fails while one is running.
func TestWorkerRunTwice(t *testing.T) {
	e := newEnv(t, envOptions{noSubscribe: true})
	clocktest.WaitUntil(t, "worker running", waitLong, func() bool { return e.worker.Status().State != StateStopped })
	if err := e.worker.Run(context.Background()); !errors.Is(err, ErrWorkerRunning) {
		t.Errorf("second Run = %v, want ErrWorkerRunning", err)
	}
}
