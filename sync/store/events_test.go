package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func event(objectID int64, aspect string, eventTime int64, updates map[string]string) QueuedEvent {
	body, _ := json.Marshal(map[string]any{
		"object_type": "activity", "object_id": objectID, "aspect_type": aspect, "updates": updates,
		"owner_id": testAthlete, "subscription_id": 120475, "event_time": eventTime,
	})
	return QueuedEvent{
		ObjectType: "activity", ObjectID: objectID, AspectType: aspect, Updates: updates,
		OwnerID: testAthlete, SubscriptionID: 120475, EventTime: eventTime, Raw: body,
	}
}

func mustEnqueue(t *testing.T, s *Store, e QueuedEvent) (uint64, bool) {
	t.Helper()
	seq, dup, err := s.EnqueueEvent(e)
	if err != nil {
		t.Fatalf("EnqueueEvent: %v", err)
	}
	return seq, dup
}

func pendingSeqs(t *testing.T, s *Store) []uint64 {
	t.Helper()
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

func TestQueueOrderDedupeAndReopen(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	opts := quietOptions()
	opts.Now = clock.Now
	path := filepath.Join(t.TempDir(), "q.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now().Unix()
	steps := []struct {
		name    string
		e       QueuedEvent
		wantSeq uint64
		wantDup bool
	}{
		{"create", event(1, "create", now, nil), 1, false},
		{"update", event(1, "update", now, map[string]string{"title": "Neu", "type": "Run"}), 2, false},
		{"create redelivered", event(1, "create", now, nil), 1, true},
		{"update redelivered, same updates", event(1, "update", now, map[string]string{"type": "Run", "title": "Neu"}), 2, true},
		{"update with other updates", event(1, "update", now, map[string]string{"title": "Neuer"}), 3, false},
		{"same event later", event(1, "update", now+1, map[string]string{"title": "Neu", "type": "Run"}), 4, false},
		{"delete", event(1, "delete", now+2, nil), 5, false},
	}
	for _, st := range steps {
		seq, dup := mustEnqueue(t, s, st.e)
		if seq != st.wantSeq || dup != st.wantDup {
			t.Errorf("%s: seq %d dup %v, want %d %v", st.name, seq, dup, st.wantSeq, st.wantDup)
		}
	}
	evs, err := s.PendingEvents(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 || evs[1].Updates["title"] != "Neu" ||
		evs[0].OwnerID != testAthlete || evs[0].SubscriptionID != 120475 || !evs[0].ReceivedAt.Equal(clock.Now()) || !json.Valid(evs[0].Raw) {
		t.Errorf("PendingEvents(2) = %+v", evs)
	}
	if err := s.CompleteEvent(1, "upserted 1"); err != nil {
		t.Fatal(err)
	}
	if _, dup := mustEnqueue(t, s, event(1, "create", now, nil)); !dup {
		t.Error("an event redelivered after it was processed was queued again")
	}
	if _, err := s.FailEvent(2, "strava: 503"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	// After a restart the acknowledged events are still pending, in order.
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := pendingSeqs(t, s); !slices.Equal(got, []uint64{2, 3, 4, 5}) {
		t.Errorf("pending after reopen %v", got)
	}
	evs, _ = s.PendingEvents(1)
	if evs[0].Attempts != 1 || evs[0].LastError != "strava: 503" {
		t.Errorf("failure not kept: %+v", evs[0])
	}
	if seq, _ := mustEnqueue(t, s, event(2, "create", now, nil)); seq != 6 {
		t.Errorf("sequence after reopen %d, want 6", seq)
	}
	st, err := s.QueueStats()
	if err != nil {
		t.Fatal(err)
	}
	want := QueueStats{Depth: 5, Received: 6, Duplicates: 3, Processed: 1, LastReceivedAt: clock.Now(), LastProcessedAt: clock.Now(), LastProcessedSeq: 1, LastResult: "upserted 1"}
	if st != want {
		t.Errorf("QueueStats =\n%+v\nwant\n%+v", st, want)
	}
	if d, err := s.QueueDepth(); err != nil || d != 5 {
		t.Errorf("QueueDepth = %d, %v", d, err)
	}
}

func TestQueueDedupeRetention(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	opts := quietOptions()
	opts.Now = clock.Now
	opts.EventDedupeRetention = 24 * time.Hour
	s, _ := openTemp(t, opts)
	e := event(1, "create", clock.Now().Unix(), nil)
	mustEnqueue(t, s, e)
	clock.Add(2 * time.Hour)
	if _, dup := mustEnqueue(t, s, e); !dup {
		t.Error("redelivery within retention queued twice")
	}
	clock.Add(48 * time.Hour)
	mustEnqueue(t, s, event(2, "create", clock.Now().Unix(), nil)) // prunes
	if _, dup := mustEnqueue(t, s, e); dup {
		t.Error("dedupe key kept past retention")
	}
}

func TestApplyEvent(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 2, "2024-01-02T10:00:00Z", "to delete", "Run"))
	now := time.Now().Unix()
	seqCreate, _ := mustEnqueue(t, s, event(1, "create", now, nil))
	seqDelete, _ := mustEnqueue(t, s, event(2, "delete", now, nil))
	detailed := act(t, 1, "2024-01-01T10:00:00Z", "from webhook", "Run")
	detailed.Detail = detailed.Summary
	res, err := s.ApplyEvent(seqCreate, EventEffect{Upsert: &detailed, Result: "upserted 1",
		SyncState: func(st *SyncState) { st.LastSyncResult = "webhook" }})
	if err != nil || res != (UpsertResult{Added: 1}) {
		t.Fatalf("ApplyEvent = %+v, %v", res, err)
	}
	// Processing the same event again (a second worker, a retry after a
	// crash that did commit) is refused and changes nothing.
	renamed := detailed
	renamed.Name = "must not be stored"
	if _, err := s.ApplyEvent(seqCreate, EventEffect{Upsert: &renamed}); !errors.Is(err, ErrNotFound) {
		t.Errorf("second ApplyEvent err = %v, want ErrNotFound", err)
	}
	if a, err := s.Get(1); err != nil || a.Name != "from webhook" || !a.HasDetail() {
		t.Errorf("Get(1) = %+v, %v", a, err)
	}
	if res, err := s.ApplyEvent(seqDelete, EventEffect{Delete: 2}); err != nil || res.Removed != 1 {
		t.Errorf("delete ApplyEvent = %+v, %v", res, err)
	}
	if _, err := s.Get(2); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted activity still there: %v", err)
	}
	// An invalid effect is rejected and the event stays pending.
	seqBad, _ := mustEnqueue(t, s, event(3, "create", now, nil))
	if _, err := s.ApplyEvent(seqBad, EventEffect{Upsert: &Activity{ID: 3, Summary: []byte("{")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid effect err = %v", err)
	}
	if got := pendingSeqs(t, s); !slices.Equal(got, []uint64{seqBad}) {
		t.Errorf("pending %v, want [%d]", got, seqBad)
	}
	if st, _ := s.SyncState(); st.LastSyncResult != "webhook" {
		t.Errorf("sync state not updated with the event: %+v", st)
	}
	if _, err := s.FailEvent(999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FailEvent(unknown) = %v", err)
	}
}

func TestEnqueueInvalid(t *testing.T) {
	s, _ := openTemp(t, Options{})
	tests := []struct {
		name string
		e    QueuedEvent
	}{
		{"no object type", QueuedEvent{AspectType: "create", ObjectID: 1}},
		{"no aspect type", QueuedEvent{ObjectType: "activity", ObjectID: 1}},
		{"body not JSON", QueuedEvent{ObjectType: "activity", AspectType: "create", ObjectID: 1, Raw: []byte("{")}},
	}
	for _, tt := range tests {
		if _, _, err := s.EnqueueEvent(tt.e); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
	}
	if d, _ := s.QueueDepth(); d != 0 {
		t.Errorf("depth %d after invalid events", d)
	}
}

func TestEnqueueConcurrent(t *testing.T) {
	s, _ := openTemp(t, Options{})
	const n = 60
	now := time.Now().Unix()
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		for range 2 { // every event delivered twice, concurrently
			wg.Go(func() {
				if _, _, err := s.EnqueueEvent(event(int64(i), "create", now, nil)); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i, e := range evs {
		if seen[e.ObjectID] {
			t.Errorf("object %d queued twice", e.ObjectID)
		}
		seen[e.ObjectID] = true
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("out of order: %d after %d", e.Seq, evs[i-1].Seq)
		}
	}
	if len(evs) != n {
		t.Errorf("%d events queued, want %d", len(evs), n)
	}
	if st, _ := s.QueueStats(); st.Received != n || st.Duplicates != n {
		t.Errorf("stats %+v", st)
	}
}
