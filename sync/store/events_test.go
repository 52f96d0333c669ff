package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	bolt "go.etcd.io/bbolt"
)

func event(objectID int64, aspect string, eventTime int64, updates map[string]string) QueuedEvent {
	return QueuedEvent{
		ObjectType: "activity", ObjectID: objectID, AspectType: aspect, Updates: updates,
		OwnerID: testAthlete, SubscriptionID: 120475, EventTime: eventTime,
	}
}

func mustEnqueue(t testing.TB, s *Store, e QueuedEvent) (uint64, bool) {
	t.Helper()
	seq, dup, err := s.EnqueueEvent(e)
	if err != nil {
		t.Fatalf("EnqueueEvent: %v", err)
	}
	return seq, dup
}

func pendingIDs(t *testing.T, s *Store) []int64 {
	t.Helper()
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, e := range evs {
		out = append(out, e.ObjectID)
	}
	return out
}

func mustPending(t *testing.T, s *Store, id int64) PendingEvent {
	t.Helper()
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.ObjectID == id {
			return e
		}
	}
	t.Fatalf("activity %d not pending", id)
	return PendingEvent{}
}

func TestQueueMergeDedupeAndReopen(t *testing.T) {
	clock := clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
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
		{"create redelivered", event(1, "create", now, nil), 0, true},
		{"update redelivered, same updates", event(1, "update", now, map[string]string{"type": "Run", "title": "Neu"}), 0, true},
		{"update with other updates", event(1, "update", now, map[string]string{"title": "Neuer"}), 3, false},
		{"other activity", event(2, "create", now+1, nil), 4, false},
		{"delete", event(1, "delete", now+2, nil), 5, false},
	}
	for _, st := range steps {
		seq, dup := mustEnqueue(t, s, st.e)
		if seq != st.wantSeq || dup != st.wantDup {
			t.Errorf("%s: seq %d dup %v, want %d %v", st.name, seq, dup, st.wantSeq, st.wantDup)
		}
	}
	if got := pendingIDs(t, s); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("pending %v, want activities [1 2] in order", got)
	}
	p := mustPending(t, s, 1)
	want := PendingEvent{ObjectType: "activity", ObjectID: 1, OwnerID: testAthlete, SubscriptionID: 120475,
		Seq: 1, LastSeq: 5, Events: 4, Creates: 1, Changes: 2, Deletes: 1, Updates: map[string]string{"title": "Neuer"},
		MinEventTime: now, MaxEventTime: now + 2, ReceivedAt: clock.Now(), LastAt: clock.Now()}
	if b1, b2 := mustJSON(t, p), mustJSON(t, want); b1 != b2 {
		t.Errorf("pending activity 1 =\n%s\nwant\n%s", b1, b2)
	}
	if err := s.CompleteEvent(mustPending(t, s, 2), "stored 2"); err != nil {
		t.Fatal(err)
	}
	if _, dup := mustEnqueue(t, s, event(2, "create", now+1, nil)); !dup {
		t.Error("an event redelivered after it was processed was queued again")
	}
	if _, err := s.FailEvent(p, "strava: 503"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	// After a restart the acknowledged events are still pending.
	s, err = Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p = mustPending(t, s, 1)
	if p.Events != 4 || p.Attempts != 1 || p.LastError != "strava: 503" {
		t.Errorf("after reopen: %+v", p)
	}
	if seq, _ := mustEnqueue(t, s, event(3, "create", now, nil)); seq != 6 {
		t.Errorf("sequence after reopen %d, want 6", seq)
	}
	st, err := s.QueueStats()
	if err != nil {
		t.Fatal(err)
	}
	wantSt := QueueStats{Depth: 2, Received: 6, Merged: 3, Duplicates: 3, Processed: 1, LastReceivedAt: clock.Now(),
		LastProcessedAt: clock.Now(), LastProcessedSeq: 4, LastResult: "stored 2", DedupeKeys: 6}
	if st != wantSt {
		t.Errorf("QueueStats =\n%+v\nwant\n%+v", st, wantSt)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQueueDedupeRetentionAndBound(t *testing.T) {
	clock := clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	opts := quietOptions()
	opts.Now = clock.Now
	opts.EventDedupeRetention = 24 * time.Hour
	opts.MaxDedupeKeys = 5
	s, _ := openTemp(t, opts)
	e := event(1, "create", clock.Now().Unix(), nil)
	mustEnqueue(t, s, e)
	clock.Advance(2 * time.Hour)
	if _, dup := mustEnqueue(t, s, e); !dup {
		t.Error("redelivery within retention queued twice")
	}
	clock.Advance(48 * time.Hour)
	mustEnqueue(t, s, event(2, "create", clock.Now().Unix(), nil)) // prunes
	if _, dup := mustEnqueue(t, s, e); dup {
		t.Error("dedupe key kept past retention")
	}
	// Far more distinct events than MaxDedupeKeys: the count stays bounded.
	for i := range 50 {
		mustEnqueue(t, s, event(3, "update", clock.Now().Unix()+int64(i), map[string]string{"title": "x"}))
	}
	st, err := s.QueueStats()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.View(func(tx *bolt.Tx) error { n = countKeys(bucket(tx, bucketDedupe)); return nil }); err != nil {
		t.Fatal(err)
	}
	if st.DedupeKeys != n || n > 5 {
		t.Errorf("dedupe keys: counted %d, stored %d, want at most 5", st.DedupeKeys, n)
	}
}

func TestQueueBound(t *testing.T) {
	opts := quietOptions()
	opts.MaxPendingEvents = 3
	s, _ := openTemp(t, opts)
	now := time.Now().Unix()
	for id := range int64(3) {
		mustEnqueue(t, s, event(id+1, "create", now, nil))
	}
	// A new object past the bound is refused, nothing stored.
	if _, _, err := s.EnqueueEvent(event(4, "create", now, nil)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("4th object: %v, want ErrQueueFull", err)
	}
	// Events for pending objects still merge.
	for i := range 100 {
		mustEnqueue(t, s, event(2, "update", now+int64(i), map[string]string{"title": "t"}))
	}
	if got := pendingIDs(t, s); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("pending %v", got)
	}
	// Once one is settled there is room again.
	if err := s.CompleteEvent(mustPending(t, s, 1), "done"); err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, s, event(4, "create", now, nil))
	st, _ := s.QueueStats()
	if st.Depth != 3 || st.Refused != 1 || st.Received != 104 || st.Merged != 100 {
		t.Errorf("stats %+v", st)
	}
	checkQueue(t, s)
}

func TestUpdatesBounded(t *testing.T) {
	s, _ := openTemp(t, Options{})
	long := strings.Repeat("é", MaxUpdateValue) // 2 bytes each
	mustEnqueue(t, s, event(1, "update", 1, map[string]string{"title": long, "junk": strings.Repeat("x", 60_000)}))
	p := mustPending(t, s, 1)
	if len(p.Updates) != 1 || len(p.Updates["title"]) > MaxUpdateValue || !strings.HasPrefix(long, p.Updates["title"]) {
		t.Errorf("updates kept: %d keys, title %d bytes", len(p.Updates), len(p.Updates["title"]))
	}
}

func TestDueAndRetry(t *testing.T) {
	s, _ := openTemp(t, Options{})
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	mustEnqueue(t, s, event(1, "create", t0.Unix(), nil))
	mustEnqueue(t, s, event(2, "create", t0.Unix(), nil))
	due, next, err := s.DueEvents(t0, 0)
	if err != nil || len(due) != 2 || !next.IsZero() {
		t.Fatalf("DueEvents = %d, %v, %v", len(due), next, err)
	}
	if _, err := s.RetryEvent(due[0], t0.Add(30*time.Second), 1, "404"); err != nil {
		t.Fatal(err)
	}
	due, next, _ = s.DueEvents(t0, 0)
	if len(due) != 1 || due[0].ObjectID != 2 || !next.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("after retry: %+v next %v", due, next)
	}
	// A later event merges without moving the schedule.
	mustEnqueue(t, s, event(1, "update", t0.Unix()+5, map[string]string{"title": "x"}))
	due, _, _ = s.DueEvents(t0.Add(30*time.Second), 0)
	if len(due) != 2 || due[1].ObjectID != 1 || due[1].NotFound != 1 || due[1].Events != 2 {
		t.Fatalf("at +30 s: %+v", due)
	}
	if _, err := s.RetryEvent(PendingEvent{ObjectType: "activity", ObjectID: 9, OwnerID: testAthlete}, t0, 1, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("RetryEvent(unknown) = %v", err)
	}
}

func TestApplyEvent(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 2, "2024-01-02T10:00:00Z", "to delete", "Run"))
	now := time.Now().Unix()
	mustEnqueue(t, s, event(1, "create", now, nil))
	mustEnqueue(t, s, event(2, "delete", now, nil))
	pCreate, pDelete := mustPending(t, s, 1), mustPending(t, s, 2)
	detailed := act(t, 1, "2024-01-01T10:00:00Z", "from webhook", "Run")
	detailed.Detail = detailed.Summary
	res, err := s.ApplyEvent(pCreate, EventEffect{Upsert: &detailed, Result: "upserted 1",
		SyncState: func(st *SyncState) { st.LastSyncResult = "webhook" }})
	if err != nil || res != (UpsertResult{Added: 1}) {
		t.Fatalf("ApplyEvent = %+v, %v", res, err)
	}
	// Processing the same object again (a second worker, a retry after a
	// crash that did commit) is refused and changes nothing.
	renamed := detailed
	renamed.Name = "must not be stored"
	if _, err := s.ApplyEvent(pCreate, EventEffect{Upsert: &renamed}); !errors.Is(err, ErrNotFound) {
		t.Errorf("second ApplyEvent err = %v, want ErrNotFound", err)
	}
	if a, err := s.Get(1); err != nil || a.Name != "from webhook" || !a.HasDetail() {
		t.Errorf("Get(1) = %+v, %v", a, err)
	}
	if res, err := s.ApplyEvent(pDelete, EventEffect{Delete: 2}); err != nil || res.Removed != 1 {
		t.Errorf("delete ApplyEvent = %+v, %v", res, err)
	}
	if _, err := s.Get(2); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted activity still there: %v", err)
	}
	// An invalid effect is rejected and the event stays pending.
	mustEnqueue(t, s, event(3, "create", now, nil))
	if _, err := s.ApplyEvent(mustPending(t, s, 3), EventEffect{Upsert: &Activity{ID: 3, Summary: []byte("{")}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid effect err = %v", err)
	}
	if got := pendingIDs(t, s); !slices.Equal(got, []int64{3}) {
		t.Errorf("pending %v, want [3]", got)
	}
	if st, _ := s.SyncState(); st.LastSyncResult != "webhook" {
		t.Errorf("sync state not updated with the event: %+v", st)
	}
	if _, err := s.FailEvent(PendingEvent{ObjectType: "activity", ObjectID: 999, OwnerID: testAthlete}, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FailEvent(unknown) = %v", err)
	}
}

// TestApplyEventInFlight: events merged while the object was processed stay
// pending unless the answer covers them.
func TestApplyEventInFlight(t *testing.T) {
	s, _ := openTemp(t, Options{})
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	rec := act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")
	rec.Detail = rec.Summary
	tests := []struct {
		name      string
		lateTime  int64 // event_time of the event arriving during the fetch
		covered   int64
		wantAfter int // pending objects after ApplyEvent
	}{
		{"newer event stays", t0.Unix() + 10, t0.Unix(), 1},
		{"older event covered", t0.Unix() - 10, t0.Unix(), 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := int64(10 + i)
			r := rec
			r.ID = id
			mustEnqueue(t, s, event(id, "update", t0.Unix()-60, map[string]string{"title": "a"}))
			p := mustPending(t, s, id)
			mustEnqueue(t, s, event(id, "update", tt.lateTime, map[string]string{"title": "b"}))
			if _, err := s.ApplyEvent(p, EventEffect{Upsert: &r, CoveredBefore: tt.covered, Requeue: t0.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			evs, _ := s.PendingEvents(0)
			if len(evs) != tt.wantAfter {
				t.Fatalf("pending %+v, want %d", evs, tt.wantAfter)
			}
			if tt.wantAfter == 1 {
				if e := evs[0]; e.Events != 1 || !e.DueAt.Equal(t0.Add(time.Minute)) || e.Updates["title"] != "b" {
					t.Errorf("kept %+v", e)
				}
				if err := s.CompleteEvent(evs[0], "x"); err != nil {
					t.Fatal(err)
				}
			}
			if st, _ := s.QueueStats(); st.Depth != 0 {
				t.Errorf("depth %d", st.Depth)
			}
		})
	}
	if st, _ := s.QueueStats(); st.Processed != 4 {
		t.Errorf("processed %d events, want 4", st.Processed)
	}
	checkQueue(t, s)
}

func TestEnqueueInvalid(t *testing.T) {
	s, _ := openTemp(t, Options{})
	tests := []struct {
		name string
		e    QueuedEvent
	}{
		{"no object type", QueuedEvent{AspectType: "create", ObjectID: 1}},
		{"unknown object type", QueuedEvent{ObjectType: "club", AspectType: "create", ObjectID: 1}},
		{"no aspect type", QueuedEvent{ObjectType: "activity", ObjectID: 1}},
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
	errs := make(chan error, 4*n)
	for i := range n {
		for j := range 4 { // every event delivered twice, and a second event per object
			wg.Go(func() {
				if _, _, err := s.EnqueueEvent(event(int64(i), "update", now+int64(j%2), nil)); err != nil {
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
		if seen[e.ObjectID] || e.Events != 2 {
			t.Errorf("object %d: %+v", e.ObjectID, e)
		}
		seen[e.ObjectID] = true
		if i > 0 && e.Seq <= evs[i-1].Seq {
			t.Errorf("out of order: %d after %d", e.Seq, evs[i-1].Seq)
		}
	}
	if len(evs) != n {
		t.Errorf("%d objects queued, want %d", len(evs), n)
	}
	if st, _ := s.QueueStats(); st.Received != 2*n || st.Duplicates != 2*n || st.Merged != n || st.Depth != n {
		t.Errorf("stats %+v", st)
	}
}

// TestMigrateEventQueueV1: events queued by schema version 1 (one record per
// event, with its body) are all still pending after the upgrade, merged.
func TestMigrateEventQueueV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	s, err := openWith(path, quietOptions(), migrations()[:1], 1)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	received := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	withBolt(t, path, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketEvents))
		for i, e := range []map[string]any{
			{"object_type": "activity", "object_id": 5, "aspect_type": "create", "owner_id": testAthlete, "event_time": 100},
			{"object_type": "activity", "object_id": 6, "aspect_type": "create", "owner_id": testAthlete, "event_time": 101},
			{"object_type": "activity", "object_id": 5, "aspect_type": "update", "owner_id": testAthlete, "event_time": 102, "updates": map[string]string{"title": "t"}},
			{"object_type": "athlete", "object_id": testAthlete, "aspect_type": "update", "owner_id": testAthlete, "event_time": 103, "updates": map[string]string{"authorized": "false"}},
		} {
			e["raw"] = json.RawMessage(`{"big":"` + strings.Repeat("x", 1000) + `"}`)
			e["received_at"] = received
			v, _ := json.Marshal(e)
			if err := b.Put(binary.BigEndian.AppendUint64(nil, uint64(i+1)), v); err != nil {
				return err
			}
		}
		return b.SetSequence(4)
	})
	s, err = Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 || evs[0].ObjectID != 5 || evs[0].Events != 2 || evs[1].ObjectID != 6 || !evs[2].Deauthorize {
		t.Fatalf("pending after migration %+v", evs)
	}
	checkQueue(t, s)
	if seq, _ := mustEnqueue(t, s, event(7, "create", 1, nil)); seq != 5 {
		t.Errorf("next seq %d", seq)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatal(err)
	}
}

// checkQueue: the depth counter, the pending objects and the due index agree.
func checkQueue(t *testing.T, s *Store) {
	t.Helper()
	st, err := s.QueueStats()
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.PendingEvents(0)
	if err != nil {
		t.Fatal(err)
	}
	var objects, due int
	if err := s.db.View(func(tx *bolt.Tx) error {
		objects, due = countKeys(bucket(tx, bucketEvents)), countKeys(bucket(tx, bucketEventDue))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if st.Depth != len(evs) || objects != len(evs) || due != len(evs) {
		t.Errorf("depth %d, %d pending listed, %d objects, %d due keys: want all equal", st.Depth, len(evs), objects, due)
	}
}

// TestRequeueSameTime: objects requeued to the same moment (one frozen
// clock) all stay listed.
func TestRequeueSameTime(t *testing.T) {
	s, _ := openTemp(t, Options{})
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	mustEnqueue(t, s, event(1, "update", t0.Unix(), map[string]string{"title": "a"}))
	pA := mustPending(t, s, 1)
	mustEnqueue(t, s, event(2, "update", t0.Unix(), nil))                               // a new object right after
	mustEnqueue(t, s, event(1, "update", t0.Unix()+1, map[string]string{"title": "b"})) // arrives while 1 is fetched
	at := t0.Add(time.Minute)
	if _, err := s.ApplyEvent(pA, EventEffect{Requeue: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryEvent(mustPending(t, s, 2), at, 0, ""); err != nil {
		t.Fatal(err)
	}
	if got := pendingIDs(t, s); len(got) != 2 {
		t.Errorf("pending %v, want both", got)
	}
	checkQueue(t, s)
}

func TestTakeEventBudget(t *testing.T) {
	s, path := openTemp(t, Options{})
	w1, d1 := time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		b, ok, err := s.TakeEventBudget(w1, d1, 3, 4)
		if err != nil || ok != (i < 3) || b.Used15 != min(i+1, 3) {
			t.Errorf("request %d: %+v %v %v", i, b, ok, err)
		}
	}
	_ = s.Close()
	s, err := Open(path, quietOptions()) // a restart keeps the counts
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, _ := s.TakeEventBudget(w1, d1, 3, 4); ok {
		t.Error("a restart granted a new share")
	}
	w2 := w1.Add(15 * time.Minute)
	if b, ok, _ := s.TakeEventBudget(w2, d1, 3, 4); !ok || b.Used15 != 1 || b.UsedDay != 4 {
		t.Errorf("next window: %+v %v", b, ok)
	}
	if _, ok, _ := s.TakeEventBudget(w2, d1, 3, 4); ok {
		t.Error("daily share exceeded")
	}
}
