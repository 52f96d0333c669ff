package webhook

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/stravasim"
)

// nextApplied returns a processed event if one is waiting.
func (e *env) nextApplied(id int64) func() bool {
	return func() bool {
		select {
		case a := <-e.applied:
			if a.res.ActivityID != id {
				return false
			}
			e.applied <- a // keep it for waitAppliedFor
			return true
		default:
			return false
		}
	}
}

// advanceToApplied runs the fake clock until an event about id is processed.
func (e *env) advanceToApplied(c *clocktest.Clock, id int64) applied {
	e.t.Helper()
	e.advanceUntil(c, 2*time.Hour, "event applied", e.nextApplied(id))
	return e.waitAppliedFor(id, waitLong)
}

// TestCreateReadableLater: Strava answers 404 for a while after an upload;
// the create event brings the activity in when it becomes readable, without
// a manual sync, and the 404s remove nothing.
func TestCreateReadableLater(t *testing.T) {
	clock := clocktest.New(time.Now())
	e := newEnv(t, envOptions{clock: clock, simConfig: stravasim.Config{UploadProcessing: 2 * time.Minute}})
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "Processing…"})
	if err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "first 404", waitLong, func() bool {
		p, err := e.st.PendingEvents(0)
		return err == nil && len(p) == 1 && p[0].NotFound == 1
	})
	e.advanceUntil(clock, time.Hour, "activity added", e.nextApplied(id))
	a := e.waitAppliedFor(id, waitLong)
	if a.res.Outcome != OutcomeAdded || a.res.Activity == nil || a.res.Activity.Name != "Processing…" {
		t.Fatalf("result %+v", a.res)
	}
	// 404 at 0 s and +30 s, readable at +2 m 30 s.
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 3 {
		t.Errorf("%d fetches, want 3", n)
	}
	if e.depth() != 0 {
		t.Errorf("queue depth %d", e.depth())
	}
}

// TestUpdateTransient404: an update whose first two fetches are answered
// 404 keeps the stored activity and then updates it.
func TestUpdateTransient404(t *testing.T) {
	clock := clocktest.New(time.Now())
	e := newEnv(t, envOptions{clock: clock})
	id := e.sim.Sim.Activities(0, true)[0].ID
	e.storeSimActivity(id)
	e.sim.Sim.NotFoundNext(id, 2)
	name := "renamed after a hiccup"
	if err := e.sim.Sim.UpdateActivity(id, stravasim.ActivityUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "first 404", waitLong, func() bool {
		p, err := e.st.PendingEvents(0)
		return err == nil && len(p) == 1 && p[0].NotFound == 1
	})
	if got, ok := e.stored(id); !ok || got.Name == name {
		t.Fatalf("after the first 404: stored %v %q", ok, got.Name)
	}
	e.advanceUntil(clock, time.Hour, "activity updated", e.nextApplied(id))
	if a := e.waitAppliedFor(id, waitLong); a.res.Outcome != OutcomeUpdated {
		t.Errorf("result %+v", a.res)
	}
	if got, ok := e.stored(id); !ok || got.Name != name {
		t.Errorf("stored %v %q, want %q", ok, got.Name, name)
	}
}

// TestDuplicateCreates: Strava delivers one create event twice: one fetch,
// one row.
func TestDuplicateCreates(t *testing.T) {
	e := newEnv(t, envOptions{simConfig: stravasim.Config{DuplicateCreateEvents: true}})
	before, err := e.st.Count()
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "twice"})
	if err != nil {
		t.Fatal(err)
	}
	if ds, err := e.sim.Sim.WaitDeliveries(context.Background(), 2); err != nil || len(ds) != 2 {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	e.waitAppliedFor(id, waitLong)
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
	if n, _ := e.st.Count(); n != before+1 {
		t.Errorf("%d rows, want %d", n, before+1)
	}
	// The same create POSTed again later (not remembered as a delivery any
	// more, e.g. after the dedupe window) costs no fetch either.
	ev := e.event(ObjectActivity, AspectCreate, id, nil)
	ev.EventTime -= 3600
	if status, body := e.post(mustJSON(t, ev)); status != 200 || !strings.Contains(body, "queued") {
		t.Fatalf("late duplicate: %d %s", status, body)
	}
	if a := e.waitAppliedFor(id, waitLong); a.res.Outcome != OutcomeUnchanged {
		t.Errorf("late duplicate: %+v", a.res)
	}
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 1 {
		t.Errorf("%d fetches after the late duplicate, want 1", n)
	}
}

// TestForgedDelete: a delete event with the right owner and subscription
// for an activity Strava still has keeps it and refreshes it.
func TestForgedDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	id := e.sim.Sim.Activities(0, true)[0].ID
	e.storeSimActivity(id)
	name := "renamed on Strava, no event"
	if err := e.sim.Sim.UpdateActivityNoEvent(id, stravasim.ActivityUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	ev := e.event(ObjectActivity, AspectDelete, id, nil)
	ev.EventTime += 60 // after the stored copy was fetched
	if status, body := e.post(mustJSON(t, ev)); status != 200 {
		t.Fatalf("forged delete: %d %s", status, body)
	}
	a := e.waitAppliedFor(id, waitLong)
	if a.res.Outcome != OutcomeUpdated {
		t.Errorf("result %+v", a.res)
	}
	got, ok := e.stored(id)
	if !ok || got.Name != name {
		t.Errorf("stored %v %q, want kept and refreshed to %q", ok, got.Name, name)
	}
}

// TestRealDeleteAfterSchedule: a real delete removes the local copy only
// after the last step of the schedule, and a restart keeps the step reached.
func TestRealDeleteAfterSchedule(t *testing.T) {
	clock := clocktest.New(time.Now())
	schedule := []time.Duration{time.Minute, 5 * time.Minute}
	e := newEnv(t, envOptions{clock: clock, worker: WorkerConfig{NotFoundSchedule: schedule}})
	id := e.sim.Sim.Activities(0, true)[0].ID
	e.storeSimActivity(id)
	if err := e.sim.Sim.DeleteActivity(id); err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "first 404", waitLong, func() bool {
		p, err := e.st.PendingEvents(0)
		return err == nil && len(p) == 1 && p[0].NotFound == 1
	})
	if _, ok := e.stored(id); !ok {
		t.Fatal("removed at the first 404")
	}
	// Restart: the step and its due time are kept.
	e.stopWorker()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	e.openStore()
	e.worker = NewWorker(e.st, e.client, e.worker.cfg)
	e.startWorker()
	p, err := e.st.PendingEvents(0)
	if err != nil || len(p) != 1 || p[0].NotFound != 1 || !p[0].DueAt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("after restart: %+v %v", p, err)
	}
	e.advanceUntil(clock, time.Hour, "removed", e.nextApplied(id))
	if a := e.waitAppliedFor(id, waitLong); a.res.Outcome != OutcomeRemoved || !strings.Contains(a.res.Detail, "after 3 tries") {
		t.Errorf("result %+v", a.res)
	}
	if _, ok := e.stored(id); ok {
		t.Error("still stored")
	}
	if n := e.sim.Sim.RequestCounts()[routeActivity]; n != 1+1+2 { // storeSimActivity, then 3 tries
		t.Errorf("%d fetches", n)
	}
}

// TestForgedDeauthorization: a deauthorization event while Strava still
// accepts the tokens wipes nothing.
func TestForgedDeauthorization(t *testing.T) {
	e := newEnv(t, envOptions{})
	ev := e.event(ObjectAthlete, AspectUpdate, e.sim.Sim.AthleteID(), map[string]string{"authorized": "false"})
	if status, body := e.post(mustJSON(t, ev)); status != 200 {
		t.Fatalf("forged deauthorization: %d %s", status, body)
	}
	a := e.waitApplied(waitLong)
	if a.res.Outcome != OutcomeIgnored || !strings.Contains(a.res.Detail, "not confirmed") {
		t.Errorf("result %+v", a.res)
	}
	select {
	case id := <-e.deauth:
		t.Fatalf("tokens wiped (OnDeauthorized(%d)) on a forged event", id)
	default:
	}
	if n := e.sim.Sim.RequestCounts()["GET /api/v3/athlete"]; n != 1 {
		t.Errorf("%d GET /athlete, want 1", n)
	}
	// The token still works.
	if _, err := e.client.Athlete(context.Background()); err != nil {
		t.Errorf("token after the forged event: %v", err)
	}
}
