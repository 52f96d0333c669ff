package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// The durable webhook event queue.
//
// Events are not kept one by one: every acknowledged event is merged into the
// pending entry of its object (one activity, or one athlete), because what
// the worker does for any activity event is the same — ask Strava for the
// activity — and one answer settles every event received before the question
// was asked. Each entry keeps the parsed fields (never the POST body) with
// the update fields bounded, so a flood of events costs at most one small
// record per distinct object, and the number of distinct pending objects is
// bounded by Options.MaxPendingEvents (ErrQueueFull beyond: the HTTP handler
// answers 503 and Strava delivers the event again later).
//
// Buckets: bucketEvents maps an object key (kind, owner, id) to its
// PendingEvent JSON; bucketEventDue maps (due time, queue position, object
// key) to the object key and orders the work; bucketDedupe remembers recent deliveries by
// event_time and a hash of their fields so a redelivered event is not counted
// again.

// ErrQueueFull means the event is for an object that is not pending yet and the
// queue already holds Options.MaxPendingEvents distinct objects. Nothing was
// stored; the caller must not acknowledge the event.
var ErrQueueFull = errors.New("webhook event queue is full")

// Bounds on what one event may store.
const (
	// MaxUpdateValue is the longest updates value kept (longer ones are cut
	// at a UTF-8 boundary); Strava's activity titles fit.
	MaxUpdateValue = 256
	// DefaultMaxPendingEvents is Options.MaxPendingEvents' default.
	DefaultMaxPendingEvents = 10_000
	// DefaultMaxDedupeKeys is Options.MaxDedupeKeys' default (~50 bytes each).
	DefaultMaxDedupeKeys = 100_000
)

// NotFoundSchedule is the one retry schedule for a 404 from
// GET /activities/{id}, wherever it comes from (webhook worker, detail
// back-fill, reconcile): the n-th 404 in a row is asked again after the
// n-th wait, and only a 404 after the last wait removes the activity.
// Strava answers 404 for a while after an upload.
func NotFoundSchedule() []time.Duration {
	return []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour}
}

// keptUpdates are the updates fields Strava documents; others are dropped.
func keptUpdates() []string { return []string{"title", "type", "private", "authorized"} }

// QueuedEvent is one Strava webhook event as the handler parsed it: the input
// of EnqueueEvent.
type QueuedEvent struct {
	ObjectType     string            // "activity" or "athlete"
	ObjectID       int64             // activity id, or athlete id
	AspectType     string            // "create", "update", "delete"
	Updates        map[string]string // only keptUpdates are stored, values bounded
	OwnerID        int64
	SubscriptionID int64
	EventTime      int64 // unix seconds, as Strava sent it
	// Deauthorize: an athlete update with authorized "false".
	Deauthorize bool
}

// PendingEvent is one object with acknowledged events waiting: every event
// received for it since it was last processed, merged.
type PendingEvent struct {
	ObjectType     string `json:"object_type"`
	ObjectID       int64  `json:"object_id"`
	OwnerID        int64  `json:"owner_id"`
	SubscriptionID int64  `json:"subscription_id"` // of the latest event
	// Seq is the queue position (the first merged event's sequence number);
	// LastSeq the latest merged event's. A changed LastSeq means that events
	// arrived while the object was being processed.
	Seq     uint64 `json:"seq"`
	LastSeq uint64 `json:"last_seq"`
	// Events is how many acknowledged events are merged here; Creates,
	// Changes and Deletes count them by aspect.
	Events  int `json:"events"`
	Creates int `json:"creates,omitzero"`
	Changes int `json:"changes,omitzero"`
	Deletes int `json:"deletes,omitzero"`
	// Deauthorize: an athlete deauthorization is among the events.
	Deauthorize bool `json:"deauthorize,omitzero"`
	// Updates are the latest update event's fields (bounded).
	Updates map[string]string `json:"updates,omitempty"`
	// MinEventTime and MaxEventTime bound the events' event_time.
	MinEventTime int64     `json:"min_event_time"`
	MaxEventTime int64     `json:"max_event_time"`
	ReceivedAt   time.Time `json:"received_at"`      // first event
	LastAt       time.Time `json:"last_received_at"` // latest event
	// DueAt: not to be processed before then (zero: at once).
	DueAt time.Time `json:"due_at,omitzero"`
	// NotFound is how many times in a row Strava answered 404 (the step of
	// the retry schedule reached).
	NotFound int `json:"not_found,omitzero"`
	// Attempts and LastError record failed attempts (FailEvent).
	Attempts  int    `json:"attempts,omitzero"`
	LastError string `json:"last_error,omitzero"`
}

// OnlyCreates reports whether every merged event is a create.
func (p PendingEvent) OnlyCreates() bool { return p.Creates == p.Events }

// QueueStats is the queue's health information.
type QueueStats struct {
	// Depth is the number of distinct objects with events pending.
	Depth int `json:"pending"`
	// Received counts events accepted; Merged those of them that joined an
	// object already pending; Duplicates redeliveries not counted again;
	// Refused events answered "queue full".
	Received   uint64 `json:"received"`
	Merged     uint64 `json:"merged"`
	Duplicates uint64 `json:"duplicates"`
	Refused    uint64 `json:"refused,omitzero"`
	// Processed counts events settled (each merged event counts).
	Processed        uint64    `json:"processed"`
	LastReceivedAt   time.Time `json:"last_received_at,omitzero"`
	LastProcessedAt  time.Time `json:"last_processed_at,omitzero"`
	LastProcessedSeq uint64    `json:"last_processed_seq,omitzero"`
	LastResult       string    `json:"last_result,omitzero"`
	// DedupeKeys is the number of deliveries remembered for dedupe.
	DedupeKeys int `json:"dedupe_keys,omitzero"`
}

// EventEffect is what processing one pending object does to the store.
// ApplyEvent commits it together with the object's removal from the queue.
type EventEffect struct {
	// Upsert stores this activity (typically the fetched detailed activity),
	// with the merge rules of ApplyPage.
	Upsert *Activity
	// Delete removes this activity id (0 = none).
	Delete int64
	// SyncState, when set, edits the sync state in the same transaction.
	SyncState func(*SyncState)
	// CoveredBefore: events that arrived while the object was processed
	// count as settled too when their event_time is before this (unix
	// seconds; the fetch that settles them started later). 0: none does.
	CoveredBefore int64
	// Requeue is when the object is due again when events arrived while it
	// was processed that the effect does not settle.
	Requeue time.Time
	// Result is a short description for health ("stored activity 123").
	// Never a secret.
	Result string
}

const (
	objKeyLen     = 1 + 8 + 8         // kind, owner, id
	dueKeyLen     = 8 + 8 + objKeyLen // due (unix ns, 0 = now), seq, object key
	dedupeKeyLen  = 8 + 16            // event_time (sortable) + truncated SHA-256
	kindActivity  = 'a'
	kindAthlete   = 'u'
	pruneMaxBatch = 1000
)

func objectKey(objectType string, owner, id int64) []byte {
	kind := byte(kindAthlete)
	if objectType == "activity" {
		kind = kindActivity
	}
	k := make([]byte, 0, objKeyLen)
	k = append(k, kind)
	k = binary.BigEndian.AppendUint64(k, uint64(owner))
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

func (p *PendingEvent) key() []byte { return objectKey(p.ObjectType, p.OwnerID, p.ObjectID) }

func dueKey(p *PendingEvent) []byte {
	var due uint64
	if !p.DueAt.IsZero() {
		due = uint64(max(p.DueAt.UnixNano(), 1))
	}
	k := binary.BigEndian.AppendUint64(make([]byte, 0, dueKeyLen), due)
	k = binary.BigEndian.AppendUint64(k, p.Seq)
	return append(k, p.key()...)
}

// EnqueueEvent durably queues a webhook event and returns its sequence
// number; the event is committed (fsynced) when it returns, so the HTTP
// handler may answer 200 afterwards. An event for an object already pending
// is merged into it. An event equal to one received within the dedupe
// retention (same object_type, object_id, aspect_type, owner_id, event_time
// and updates) is not counted again: duplicate is true and seq is 0. An event
// for a new object while MaxPendingEvents objects are pending fails with
// ErrQueueFull. Concurrent calls share commits (bbolt Batch).
func (s *Store) EnqueueEvent(e QueuedEvent) (seq uint64, duplicate bool, err error) {
	if e.ObjectType != "activity" && e.ObjectType != "athlete" || e.AspectType == "" {
		return 0, false, fmt.Errorf("enqueue event: object_type (activity or athlete) and aspect_type are required: %w", ErrInvalid)
	}
	e.Updates = boundUpdates(e.Updates)
	dk := dedupeKey(&e)
	now := s.opts.Now()
	cutoff := now.Add(-s.opts.EventDedupeRetention).Unix()
	// Batch may run the function more than once: it only sets the results.
	err = s.db.Batch(func(tx *bolt.Tx) error {
		seq, duplicate = 0, false
		dedupe, events := bucket(tx, bucketDedupe), bucket(tx, bucketEvents)
		st, err := readQueueStats(tx)
		if err != nil {
			return err
		}
		st.LastReceivedAt = now
		if dedupe.Get(dk) != nil {
			duplicate = true
			st.Duplicates++
			return writeQueueStats(tx, &st)
		}
		k := objectKey(e.ObjectType, e.OwnerID, e.ObjectID)
		var p *PendingEvent
		if v := events.Get(k); v != nil {
			cur, err := decodePending(k, v)
			if err != nil {
				return err
			}
			p = &cur
		} else if st.Depth >= s.opts.MaxPendingEvents {
			return fmt.Errorf("%d objects pending: %w", st.Depth, ErrQueueFull)
		}
		if seq, err = events.NextSequence(); err != nil {
			return fmt.Errorf("next sequence: %w", err)
		}
		if p == nil {
			p = &PendingEvent{ObjectType: e.ObjectType, ObjectID: e.ObjectID, OwnerID: e.OwnerID,
				Seq: seq, ReceivedAt: now, MinEventTime: e.EventTime, MaxEventTime: e.EventTime}
			if err := bucket(tx, bucketEventDue).Put(dueKey(p), k); err != nil {
				return fmt.Errorf("put due key: %w", err)
			}
			st.Depth++
		} else {
			st.Merged++
		}
		merge(p, &e, seq, now)
		if err := putPending(events, k, p); err != nil {
			return err
		}
		if err := dedupe.Put(dk, []byte{1}); err != nil {
			return fmt.Errorf("put dedupe key: %w", err)
		}
		st.DedupeKeys++
		if err := s.pruneDedupe(dedupe, cutoff, &st); err != nil {
			return err
		}
		st.Received++
		return writeQueueStats(tx, &st)
	})
	if errors.Is(err, ErrQueueFull) {
		s.countRefused()
	}
	if err != nil {
		return 0, false, fmt.Errorf("enqueue event: %w", err)
	}
	return seq, duplicate, nil
}

// countRefused records a refused event for health; best effort.
func (s *Store) countRefused() {
	_ = s.db.Batch(func(tx *bolt.Tx) error {
		st, err := readQueueStats(tx)
		if err != nil {
			return err
		}
		st.Refused++
		return writeQueueStats(tx, &st)
	})
}

// merge folds event e (sequence number seq, received at now) into p.
func merge(p *PendingEvent, e *QueuedEvent, seq uint64, now time.Time) {
	p.LastSeq, p.LastAt, p.SubscriptionID = seq, now, e.SubscriptionID
	p.Events++
	switch e.AspectType {
	case "create":
		p.Creates++
	case "delete":
		p.Deletes++
	default:
		p.Changes++
	}
	if e.Deauthorize {
		p.Deauthorize = true
	}
	if len(e.Updates) > 0 {
		p.Updates = e.Updates
	}
	p.MinEventTime = min(p.MinEventTime, e.EventTime)
	p.MaxEventTime = max(p.MaxEventTime, e.EventTime)
}

// boundUpdates keeps the documented updates fields with bounded values.
func boundUpdates(u map[string]string) map[string]string {
	var out map[string]string
	for _, k := range keptUpdates() {
		v, ok := u[k]
		if !ok {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = truncateUTF8(v, MaxUpdateValue)
	}
	return out
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// dedupeKey is the event_time (sortable, for pruning) and a hash of the
// fields that identify a delivery.
func dedupeKey(e *QueuedEvent) []byte {
	var b []byte
	appendStr := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	appendStr(e.ObjectType)
	appendStr(e.AspectType)
	b = binary.AppendVarint(b, e.ObjectID)
	b = binary.AppendVarint(b, e.OwnerID)
	b = binary.AppendVarint(b, e.EventTime)
	keys := make([]string, 0, len(e.Updates))
	for k := range e.Updates {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		appendStr(k)
		appendStr(e.Updates[k])
	}
	sum := sha256.Sum256(b)
	return append(binary8(uint64(e.EventTime)^1<<63), sum[:16]...)
}

// pruneDedupe forgets dedupe keys with event_time before cutoff (up to 1000
// per call) and the oldest keys beyond MaxDedupeKeys, so that a flood of
// distinct events cannot grow the file without bound. (A redelivery that is
// no longer remembered merges into its pending object, or finds its activity
// already fetched: it costs no request either way.)
func (s *Store) pruneDedupe(b *bolt.Bucket, cutoff int64, st *QueueStats) error {
	limit := binary8(uint64(cutoff) ^ 1<<63)
	over := st.DedupeKeys - s.opts.MaxDedupeKeys
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(old) < pruneMaxBatch; k, _ = c.Next() {
		if len(old) >= over && string(k[:min(8, len(k))]) >= string(limit) {
			break
		}
		old = append(old, k)
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("prune dedupe key: %w", err)
		}
	}
	st.DedupeKeys = max(0, st.DedupeKeys-len(old))
	return nil
}

// DueEvents returns up to limit (0 = all) pending objects due at now, in
// order (due time, then queue position), and the due time of the next one
// that is not due yet (zero when there is none).
func (s *Store) DueEvents(now time.Time, limit int) ([]PendingEvent, time.Time, error) {
	if limit < 0 {
		return nil, time.Time{}, fmt.Errorf("due events: limit %d must not be negative: %w", limit, ErrInvalid)
	}
	var (
		out  []PendingEvent
		next time.Time
	)
	err := s.view("due events", func(tx *bolt.Tx) error {
		events := bucket(tx, bucketEvents)
		c := bucket(tx, bucketEventDue).Cursor()
		for dk, ok := c.First(); dk != nil; dk, ok = c.Next() {
			p, err := pendingAt(events, dk, ok)
			if err != nil {
				return err
			}
			if !p.DueAt.IsZero() && p.DueAt.After(now) {
				next = p.DueAt
				return nil
			}
			if limit > 0 && len(out) == limit {
				return nil
			}
			out = append(out, p)
		}
		return nil
	})
	return out, next, err
}

// PendingEvents returns up to limit (0 = all) pending objects in the order
// they will be processed.
func (s *Store) PendingEvents(limit int) ([]PendingEvent, error) {
	out, _, err := s.DueEvents(time.Unix(1<<62, 0), limit)
	return out, err
}

func pendingAt(events *bolt.Bucket, dk, k []byte) (PendingEvent, error) {
	if len(dk) != dueKeyLen {
		return PendingEvent{}, fmt.Errorf("event due key %x: %w", dk, ErrCorrupt)
	}
	v := events.Get(k)
	if v == nil {
		return PendingEvent{}, fmt.Errorf("event due key %x names no pending object: %w", dk, ErrCorrupt)
	}
	return decodePending(k, v)
}

func decodePending(k, v []byte) (PendingEvent, error) {
	var p PendingEvent
	if len(k) != objKeyLen {
		return p, fmt.Errorf("event key %x: %w", k, ErrCorrupt)
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return p, fmt.Errorf("pending event %x: %w: %w", k, err, ErrCorrupt)
	}
	return p, nil
}

func putPending(events *bolt.Bucket, k []byte, p *PendingEvent) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode pending event: %w", err)
	}
	if err := events.Put(k, raw); err != nil {
		return fmt.Errorf("put pending event: %w", err)
	}
	return nil
}

// pendingTx reads p's current entry in tx: ErrNotFound when it is no longer
// pending.
func pendingTx(tx *bolt.Tx, p *PendingEvent) (PendingEvent, error) {
	k := p.key()
	v := bucket(tx, bucketEvents).Get(k)
	if v == nil {
		return PendingEvent{}, fmt.Errorf("event %d (%s %d) is not pending: %w", p.Seq, p.ObjectType, p.ObjectID, ErrNotFound)
	}
	cur, err := decodePending(k, v)
	if err != nil {
		return cur, err
	}
	if cur.Seq != p.Seq {
		return cur, fmt.Errorf("event %d (%s %d) is not pending (now %d): %w", p.Seq, p.ObjectType, p.ObjectID, cur.Seq, ErrNotFound)
	}
	return cur, nil
}

// reschedule writes cur with a new due time, moving its due key.
func reschedule(tx *bolt.Tx, old, cur *PendingEvent) error {
	due := bucket(tx, bucketEventDue)
	if err := due.Delete(dueKey(old)); err != nil {
		return fmt.Errorf("remove due key: %w", err)
	}
	if err := due.Put(dueKey(cur), cur.key()); err != nil {
		return fmt.Errorf("put due key: %w", err)
	}
	return putPending(bucket(tx, bucketEvents), cur.key(), cur)
}

// ApplyEvent commits the effect of processing the pending object p (as
// DueEvents returned it) and settles its events, in one transaction: after a
// crash the object is either still pending (and is processed again; effects
// are idempotent upserts/deletes) or settled with its effect stored, never
// half. Events merged into the object after p was read stay pending (due at
// eff.Requeue) unless eff.CoveredBefore settles them. An object that is no
// longer pending fails with ErrNotFound and the effect is not applied.
func (s *Store) ApplyEvent(p PendingEvent, eff EventEffect) (UpsertResult, error) {
	if eff.Upsert != nil {
		if err := validateActivity(eff.Upsert); err != nil {
			return UpsertResult{}, fmt.Errorf("apply event %d: %w", p.Seq, err)
		}
	}
	var res UpsertResult
	err := s.update(fmt.Sprintf("apply event %d", p.Seq), func(tx *bolt.Tx) error {
		res = UpsertResult{}
		cur, err := pendingTx(tx, &p)
		if err != nil {
			return err
		}
		w, err := s.newWriter(tx)
		if err != nil {
			return err
		}
		if eff.Upsert != nil {
			if res, err = w.upsert(*eff.Upsert); err != nil {
				return err
			}
		}
		if eff.Delete != 0 {
			ok, err := w.delete(eff.Delete)
			if err != nil {
				return err
			}
			if ok {
				res.Removed++
			}
		}
		if eff.SyncState != nil {
			if err := updateSyncState(tx, eff.SyncState); err != nil {
				return err
			}
		}
		st, err := readQueueStats(tx)
		if err != nil {
			return err
		}
		settled := cur.Events
		if cur.LastSeq != p.LastSeq && cur.MaxEventTime >= eff.CoveredBefore {
			// Events arrived meanwhile that this answer may not reflect.
			settled = p.Events
			next := cur
			if next.Seq, err = bucket(tx, bucketEvents).NextSequence(); err != nil {
				return fmt.Errorf("next sequence: %w", err)
			}
			next.Events = cur.Events - p.Events
			next.Creates, next.Changes, next.Deletes = max(0, cur.Creates-p.Creates), max(0, cur.Changes-p.Changes), max(0, cur.Deletes-p.Deletes)
			next.DueAt, next.NotFound, next.Attempts, next.LastError = eff.Requeue, 0, 0, ""
			next.MinEventTime = max(cur.MinEventTime, p.MaxEventTime)
			if err := reschedule(tx, &cur, &next); err != nil {
				return err
			}
		} else {
			if err := bucket(tx, bucketEventDue).Delete(dueKey(&cur)); err != nil {
				return fmt.Errorf("remove due key: %w", err)
			}
			if err := bucket(tx, bucketEvents).Delete(cur.key()); err != nil {
				return fmt.Errorf("remove pending event: %w", err)
			}
			st.Depth = max(0, st.Depth-1)
		}
		st.Processed += uint64(settled)
		st.LastProcessedAt, st.LastProcessedSeq, st.LastResult = w.now, cur.LastSeq, eff.Result
		return writeQueueStats(tx, &st)
	})
	return res, err
}

// CompleteEvent settles a pending object without changing an activity
// (ignored events, deauthorization) and records result for health.
func (s *Store) CompleteEvent(p PendingEvent, result string) error {
	_, err := s.ApplyEvent(p, EventEffect{Result: result, CoveredBefore: 1 << 62})
	return err
}

// RetryEvent keeps the pending object p for another try at dueAt, recording
// notFound (the step of the 404 retry schedule reached) and why.
func (s *Store) RetryEvent(p PendingEvent, dueAt time.Time, notFound int, why string) (PendingEvent, error) {
	var next PendingEvent
	err := s.update(fmt.Sprintf("reschedule event %d", p.Seq), func(tx *bolt.Tx) error {
		cur, err := pendingTx(tx, &p)
		if err != nil {
			return err
		}
		next = cur
		next.DueAt, next.NotFound, next.LastError = dueAt, notFound, why
		return reschedule(tx, &cur, &next)
	})
	return next, err
}

// FailEvent records a failed processing attempt of the pending object p and
// returns it with Attempts incremented. It stays queued.
func (s *Store) FailEvent(p PendingEvent, errMsg string) (PendingEvent, error) {
	var cur PendingEvent
	err := s.update(fmt.Sprintf("record failure of event %d", p.Seq), func(tx *bolt.Tx) error {
		var err error
		if cur, err = pendingTx(tx, &p); err != nil {
			return err
		}
		cur.Attempts++
		cur.LastError = errMsg
		return putPending(bucket(tx, bucketEvents), cur.key(), &cur)
	})
	return cur, err
}

// QueueDepth is the number of distinct objects with events pending.
func (s *Store) QueueDepth() (int, error) {
	st, err := s.QueueStats()
	return st.Depth, err
}

// QueueStats returns the queue's counters, last received/processed times and
// depth.
func (s *Store) QueueStats() (QueueStats, error) {
	var st QueueStats
	err := s.view("queue stats", func(tx *bolt.Tx) error {
		var err error
		st, err = readQueueStats(tx)
		return err
	})
	return st, err
}

func readQueueStats(tx *bolt.Tx) (QueueStats, error) {
	return getJSON[QueueStats](bucket(tx, bucketMeta), keyEventStats, "event stats")
}

func writeQueueStats(tx *bolt.Tx, st *QueueStats) error {
	return putJSON(bucket(tx, bucketMeta), keyEventStats, "event stats", st)
}

// legacyEvent is a queued event of schema version 1 (one record per event,
// with the body).
type legacyEvent struct {
	ObjectType     string            `json:"object_type"`
	ObjectID       int64             `json:"object_id"`
	AspectType     string            `json:"aspect_type"`
	Updates        map[string]string `json:"updates,omitempty"`
	OwnerID        int64             `json:"owner_id"`
	SubscriptionID int64             `json:"subscription_id"`
	EventTime      int64             `json:"event_time"`
	ReceivedAt     time.Time         `json:"received_at"`
}

// migrateEventQueue (schema 1 → 2) merges the per-event records of version 1
// into pending objects, dropping the stored bodies, and fills the counters
// the bounds use. Every acknowledged event stays pending.
func migrateEventQueue(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists([]byte(bucketEventDue)); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketEventDue, err)
	}
	events := bucket(tx, bucketEvents)
	var (
		keys [][]byte
		old  []legacyEvent
		seqs []uint64
	)
	if err := events.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return nil
		}
		var e legacyEvent
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("event %x: %w: %w", k, err, ErrCorrupt)
		}
		keys, old, seqs = append(keys, slices.Clone(k)), append(old, e), append(seqs, binary.BigEndian.Uint64(k))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := events.Delete(k); err != nil {
			return fmt.Errorf("remove version 1 event: %w", err)
		}
	}
	st, err := readQueueStats(tx)
	if err != nil {
		return err
	}
	for i, e := range old {
		if e.ObjectType != "activity" && e.ObjectType != "athlete" {
			continue
		}
		qe := QueuedEvent{ObjectType: e.ObjectType, ObjectID: e.ObjectID, AspectType: e.AspectType,
			Updates: boundUpdates(e.Updates), OwnerID: e.OwnerID, SubscriptionID: e.SubscriptionID, EventTime: e.EventTime,
			Deauthorize: e.ObjectType == "athlete" && e.Updates["authorized"] == "false"}
		k := objectKey(qe.ObjectType, qe.OwnerID, qe.ObjectID)
		var p PendingEvent
		if v := events.Get(k); v != nil {
			if p, err = decodePending(k, v); err != nil {
				return err
			}
		} else {
			p = PendingEvent{ObjectType: qe.ObjectType, ObjectID: qe.ObjectID, OwnerID: qe.OwnerID,
				Seq: seqs[i], ReceivedAt: e.ReceivedAt, MinEventTime: qe.EventTime, MaxEventTime: qe.EventTime}
			if err := bucket(tx, bucketEventDue).Put(dueKey(&p), k); err != nil {
				return fmt.Errorf("put due key: %w", err)
			}
		}
		merge(&p, &qe, seqs[i], e.ReceivedAt)
		if err := putPending(events, k, &p); err != nil {
			return err
		}
	}
	// (Bucket.Stats does not see this transaction's writes: count.)
	st.Depth, st.DedupeKeys = countKeys(events), countKeys(bucket(tx, bucketDedupe))
	return writeQueueStats(tx, &st)
}

func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// EventBudget counts the requests the webhook worker sent in the current
// 15-minute and daily windows (identified by when they end), so that a
// restart does not grant a new share.
type EventBudget struct {
	Window15 time.Time `json:"window_15min"`
	Used15   int       `json:"used_15min"`
	Day      time.Time `json:"day"`
	UsedDay  int       `json:"used_daily"`
}

// TakeEventBudget counts one request in the windows ending at window15 and
// day when fewer than share15 and shareDay were counted there, and returns
// the counts and whether it was counted. Counts of other windows are reset.
func (s *Store) TakeEventBudget(window15, day time.Time, share15, shareDay int) (EventBudget, bool, error) {
	var (
		b  EventBudget
		ok bool
	)
	err := s.update("event budget", func(tx *bolt.Tx) error {
		ok = false
		meta := bucket(tx, bucketMeta)
		var err error
		if b, err = getJSON[EventBudget](meta, keyEventBudget, "event budget"); err != nil {
			return err
		}
		if !b.Window15.Equal(window15) {
			b.Window15, b.Used15 = window15, 0
		}
		if !b.Day.Equal(day) {
			b.Day, b.UsedDay = day, 0
		}
		if b.Used15 >= share15 || b.UsedDay >= shareDay {
			return nil
		}
		b.Used15++
		b.UsedDay++
		ok = true
		return putJSON(meta, keyEventBudget, "event budget", &b)
	})
	return b, ok, err
}
