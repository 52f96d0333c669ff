package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// QueuedEvent is one Strava webhook event in the durable queue: the body as
// received plus its decoded fields.
type QueuedEvent struct {
	// Seq is the queue position, assigned by EnqueueEvent (ignored on input).
	Seq            uint64            `json:"seq"`
	ObjectType     string            `json:"object_type"` // "activity" or "athlete"
	ObjectID       int64             `json:"object_id"`
	AspectType     string            `json:"aspect_type"` // "create", "update", "delete"
	Updates        map[string]string `json:"updates,omitempty"`
	OwnerID        int64             `json:"owner_id"`
	SubscriptionID int64             `json:"subscription_id"`
	EventTime      int64             `json:"event_time"` // unix seconds
	// Raw is the POST body exactly as received (valid JSON or empty).
	Raw json.RawMessage `json:"raw,omitempty"`
	// ReceivedAt is set by EnqueueEvent; Attempts and LastError by FailEvent.
	ReceivedAt time.Time `json:"received_at"`
	Attempts   int       `json:"attempts,omitzero"`
	LastError  string    `json:"last_error,omitzero"`
}

// QueueStats is the queue's health information.
type QueueStats struct {
	Depth            int       `json:"-"` // pending events, computed on read
	Received         uint64    `json:"received"`
	Duplicates       uint64    `json:"duplicates"`
	Processed        uint64    `json:"processed"`
	LastReceivedAt   time.Time `json:"last_received_at,omitzero"`
	LastProcessedAt  time.Time `json:"last_processed_at,omitzero"`
	LastProcessedSeq uint64    `json:"last_processed_seq,omitzero"`
	LastResult       string    `json:"last_result,omitzero"`
}

// EventEffect is what processing one event does to the store. ApplyEvent
// commits it together with the event's removal from the queue.
type EventEffect struct {
	// Upsert stores this activity (typically the fetched detailed activity),
	// with the merge rules of ApplyPage.
	Upsert *Activity
	// Delete removes this activity id (0 = none).
	Delete int64
	// SyncState, when set, edits the sync state in the same transaction.
	SyncState func(*SyncState)
	// Result is a short description for health ("upserted 123", "ignored:
	// foreign owner"). Never a secret.
	Result string
}

// EnqueueEvent durably queues a webhook event and returns its sequence
// number; the event is committed (fsynced) when it returns, so the HTTP
// handler may answer 200 afterwards. An event equal to one received within
// the dedupe retention (same object_type, object_id, aspect_type, owner_id,
// event_time and updates) is not queued again: duplicate is true and seq is
// the first delivery's. Concurrent calls share commits (bbolt Batch).
func (s *Store) EnqueueEvent(e QueuedEvent) (seq uint64, duplicate bool, err error) {
	if e.ObjectType == "" || e.AspectType == "" {
		return 0, false, fmt.Errorf("enqueue event: object_type and aspect_type are required: %w", ErrInvalid)
	}
	if len(e.Raw) > 0 && !json.Valid(e.Raw) {
		return 0, false, fmt.Errorf("enqueue event: body is not valid JSON: %w", ErrInvalid)
	}
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
		if v := dedupe.Get(dk); len(v) == 8 {
			seq, duplicate = binary.BigEndian.Uint64(v), true
			st.Duplicates++
			return writeQueueStats(tx, &st)
		}
		if seq, err = events.NextSequence(); err != nil {
			return fmt.Errorf("next sequence: %w", err)
		}
		ev := e
		ev.Seq, ev.ReceivedAt, ev.Attempts, ev.LastError = seq, now, 0, ""
		raw, err := json.Marshal(&ev)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		if err := events.Put(binary8(seq), raw); err != nil {
			return fmt.Errorf("put event: %w", err)
		}
		if err := dedupe.Put(dk, binary8(seq)); err != nil {
			return fmt.Errorf("put dedupe key: %w", err)
		}
		if err := pruneDedupe(dedupe, cutoff); err != nil {
			return err
		}
		st.Received++
		return writeQueueStats(tx, &st)
	})
	if err != nil {
		return 0, false, fmt.Errorf("enqueue event: %w", err)
	}
	return seq, duplicate, nil
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

// pruneDedupe forgets up to 1000 dedupe keys with event_time before cutoff.
func pruneDedupe(b *bolt.Bucket, cutoff int64) error {
	limit := binary8(uint64(cutoff) ^ 1<<63)
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && len(old) < 1000 && string(k[:min(8, len(k))]) < string(limit); k, _ = c.Next() {
		old = append(old, k)
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("prune dedupe key: %w", err)
		}
	}
	return nil
}

// PendingEvents returns up to limit (0 = all) queued events, oldest first.
func (s *Store) PendingEvents(limit int) ([]QueuedEvent, error) {
	if limit < 0 {
		return nil, fmt.Errorf("pending events: limit %d must not be negative: %w", limit, ErrInvalid)
	}
	var out []QueuedEvent
	err := s.view("pending events", func(tx *bolt.Tx) error {
		c := bucket(tx, bucketEvents).Cursor()
		for k, v := c.First(); k != nil && (limit == 0 || len(out) < limit); k, v = c.Next() {
			e, err := decodeEvent(k, v)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

func decodeEvent(k, v []byte) (QueuedEvent, error) {
	var e QueuedEvent
	if len(k) != 8 {
		return e, fmt.Errorf("event key %x: %w", k, ErrCorrupt)
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("event %d: %w: %w", binary.BigEndian.Uint64(k), err, ErrCorrupt)
	}
	e.Seq = binary.BigEndian.Uint64(k)
	return e, nil
}

// ApplyEvent commits the effect of processing event seq and removes the event
// from the queue, in one transaction: after a crash the event is either still
// pending (and is processed again; effects are idempotent upserts/deletes) or
// processed with its effect stored, never half. An event that is no longer
// pending fails with ErrNotFound and its effect is not applied, so no event
// takes effect twice.
func (s *Store) ApplyEvent(seq uint64, eff EventEffect) (UpsertResult, error) {
	if eff.Upsert != nil {
		if err := validateActivity(eff.Upsert); err != nil {
			return UpsertResult{}, fmt.Errorf("apply event %d: %w", seq, err)
		}
	}
	var res UpsertResult
	err := s.update(fmt.Sprintf("apply event %d", seq), func(tx *bolt.Tx) error {
		res = UpsertResult{}
		events := bucket(tx, bucketEvents)
		k := binary8(seq)
		if events.Get(k) == nil {
			return fmt.Errorf("event %d is not pending: %w", seq, ErrNotFound)
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
		if err := events.Delete(k); err != nil {
			return fmt.Errorf("remove event: %w", err)
		}
		st, err := readQueueStats(tx)
		if err != nil {
			return err
		}
		st.Processed++
		st.LastProcessedAt, st.LastProcessedSeq, st.LastResult = w.now, seq, eff.Result
		return writeQueueStats(tx, &st)
	})
	return res, err
}

// CompleteEvent removes a processed event that changed no activity (ignored
// events, deauthorization) and records result for health.
func (s *Store) CompleteEvent(seq uint64, result string) error {
	_, err := s.ApplyEvent(seq, EventEffect{Result: result})
	return err
}

// FailEvent records a failed processing attempt of a pending event and
// returns it with Attempts incremented. The event stays queued.
func (s *Store) FailEvent(seq uint64, errMsg string) (QueuedEvent, error) {
	var e QueuedEvent
	err := s.update(fmt.Sprintf("record failure of event %d", seq), func(tx *bolt.Tx) error {
		events := bucket(tx, bucketEvents)
		k := binary8(seq)
		v := events.Get(k)
		if v == nil {
			return fmt.Errorf("event %d is not pending: %w", seq, ErrNotFound)
		}
		var err error
		if e, err = decodeEvent(k, v); err != nil {
			return err
		}
		e.Attempts++
		e.LastError = errMsg
		raw, err := json.Marshal(&e)
		if err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		return events.Put(k, raw)
	})
	return e, err
}

// QueueDepth is the number of pending events.
func (s *Store) QueueDepth() (int, error) {
	var n int
	err := s.view("queue depth", func(tx *bolt.Tx) error {
		n = bucket(tx, bucketEvents).Stats().KeyN
		return nil
	})
	return n, err
}

// QueueStats returns the queue's counters, last received/processed times and
// depth.
func (s *Store) QueueStats() (QueueStats, error) {
	var st QueueStats
	err := s.view("queue stats", func(tx *bolt.Tx) error {
		var err error
		if st, err = readQueueStats(tx); err != nil {
			return err
		}
		st.Depth = bucket(tx, bucketEvents).Stats().KeyN
		return nil
	})
	return st, err
}

func readQueueStats(tx *bolt.Tx) (QueueStats, error) {
	var st QueueStats
	raw := bucket(tx, bucketMeta).Get([]byte(keyEventStats))
	if raw == nil {
		return st, nil
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return QueueStats{}, fmt.Errorf("event stats: %w: %w", err, ErrCorrupt)
	}
	return st, nil
}

func writeQueueStats(tx *bolt.Tx, st *QueueStats) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode event stats: %w", err)
	}
	if err := bucket(tx, bucketMeta).Put([]byte(keyEventStats), raw); err != nil {
		return fmt.Errorf("store event stats: %w", err)
	}
	return nil
}
