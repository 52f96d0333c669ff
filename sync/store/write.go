package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// UpsertResult counts what one write did to the stored activities.
type UpsertResult struct {
	Added     int // new ids
	Updated   int // stored ids whose record changed
	Unchanged int // stored ids written again with identical data
	Removed   int // ids removed (Page.Complete reconciliation or an event's delete)
}

func (r *UpsertResult) add(o UpsertResult) {
	r.Added += o.Added
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Removed += o.Removed
}

// Span is a range of start_date: From inclusive, To exclusive. A zero bound is
// open (the beginning or the end of time).
type Span struct {
	From, To time.Time
}

func (sp Span) contains(sec, nsec int64) bool {
	if !sp.From.IsZero() {
		if fs, fn := sp.From.Unix(), int64(sp.From.Nanosecond()); sec < fs || (sec == fs && nsec < fn) {
			return false
		}
	}
	if !sp.To.IsZero() {
		if ts, tn := sp.To.Unix(), int64(sp.To.Nanosecond()); sec > ts || (sec == ts && nsec >= tn) {
			return false
		}
	}
	return true
}

// Page is one fetched page of activities and what goes with it; ApplyPage
// writes all of it in one transaction.
type Page struct {
	Activities []Activity
	// Complete, when set, says Activities is everything Strava has whose
	// start_date lies in this span: stored activities in the span that are
	// not in Activities were deleted on Strava and are removed (with their
	// streams). Used by a reconciling full sync, so that a run interrupted
	// between pages has already reconciled every page it committed.
	Complete *Span
	// ConfirmMissing: instead of removing what Complete says is gone, put
	// it in SyncState.DetailBackfill.NotFound (to be asked for by id; only
	// Strava's 404 then removes it). Ids already there keep their schedule.
	ConfirmMissing bool
	// Checkpoint, when set, edits the persisted SyncState in the same
	// transaction, so a page is never stored without its checkpoint or the
	// other way round.
	Checkpoint func(*SyncState)
}

// UpsertPage stores acts (upsert by id) and applies checkpoint to the sync
// state, all in one write transaction. See ApplyPage.
func (s *Store) UpsertPage(acts []Activity, checkpoint func(*SyncState)) (UpsertResult, error) {
	return s.ApplyPage(Page{Activities: acts, Checkpoint: checkpoint})
}

// ApplyPage upserts p.Activities by id in one write transaction, removes
// what p.Complete says is gone, and applies p.Checkpoint. Repeating a page is
// harmless (the repeat counts as Unchanged and writes nothing). Either all of
// it is committed or, on error, none of it.
//
// Merge rules for an id already stored:
//   - decoded fields are replaced; a changed start_date moves the record to
//     its new place in the newest-first order;
//   - a nil Summary keeps the stored Summary (a detail-only write);
//   - a nil Detail keeps the stored Detail and DetailFetchedAt: list pages
//     never erase fetched details. When a decoded field changed, the kept
//     Detail is marked DetailStale so the back-fill can fetch it again;
//   - a non-nil Detail replaces the stored one and clears DetailStale;
//     a zero DetailFetchedAt then becomes now.
//
// Activities must have a positive ID and valid (or empty) JSON; an activity
// of another athlete than the stored AthleteID fails with ErrOtherAthlete.
func (s *Store) ApplyPage(p Page) (UpsertResult, error) {
	for i := range p.Activities {
		if err := validateActivity(&p.Activities[i]); err != nil {
			return UpsertResult{}, fmt.Errorf("apply page: %w", err)
		}
	}
	var res UpsertResult
	err := s.update("apply page", func(tx *bolt.Tx) error {
		res = UpsertResult{}
		w, err := s.newWriter(tx)
		if err != nil {
			return err
		}
		w.packAppends(p.Activities)
		for i := range p.Activities {
			r, err := w.upsert(p.Activities[i])
			if err != nil {
				return err
			}
			res.add(r)
		}
		if p.Complete != nil {
			keep := make(map[int64]struct{}, len(p.Activities))
			for i := range p.Activities {
				keep[p.Activities[i].ID] = struct{}{}
			}
			gone, err := w.missing(*p.Complete, keep)
			if err != nil {
				return err
			}
			if p.ConfirmMissing {
				if err := updateSyncState(tx, func(s *SyncState) { addNotFound(s, gone) }); err != nil {
					return err
				}
			} else {
				for _, id := range gone {
					if _, err := w.delete(id); err != nil {
						return err
					}
				}
				res.Removed += len(gone)
			}
		}
		if p.Checkpoint != nil {
			return updateSyncState(tx, p.Checkpoint)
		}
		return nil
	})
	return res, err
}

// UpsertDetail stores a freshly fetched detailed activity: a.Detail is
// required; a nil a.Summary keeps the stored summary. Merge rules as ApplyPage.
func (s *Store) UpsertDetail(a Activity) (UpsertResult, error) {
	if len(a.Detail) == 0 {
		return UpsertResult{}, fmt.Errorf("upsert detail of activity %d: no detail JSON: %w", a.ID, ErrInvalid)
	}
	return s.UpsertPage([]Activity{a}, nil)
}

// Delete removes one activity and its streams; false when it was not stored.
func (s *Store) Delete(id int64) (bool, error) {
	n, err := s.DeleteIDs([]int64{id})
	return n == 1, err
}

// DeleteIDs removes the activities (and their streams) in one transaction and
// returns how many were stored. Unknown ids are skipped.
func (s *Store) DeleteIDs(ids []int64) (int, error) {
	var n int
	err := s.update("delete activities", func(tx *bolt.Tx) error {
		n = 0
		w, err := s.newWriter(tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			ok, err := w.delete(id)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, err
}

// PutStreams caches the streams JSON of a stored activity (ErrNotFound
// otherwise). Deleting the activity deletes its streams.
func (s *Store) PutStreams(id int64, raw json.RawMessage) error {
	if len(raw) == 0 || !json.Valid(raw) {
		return fmt.Errorf("put streams of activity %d: not valid JSON: %w", id, ErrInvalid)
	}
	return s.update("put streams", func(tx *bolt.Tx) error {
		k := docKey(id)
		if bucket(tx, bucketDocs).Get(k) == nil {
			return fmt.Errorf("activity %d: %w", id, ErrNotFound)
		}
		return bucket(tx, bucketStreams).Put(k, append([]byte(nil), raw...))
	})
}

// Streams returns the cached streams JSON of an activity; false when none
// is cached.
func (s *Store) Streams(id int64) (json.RawMessage, bool, error) {
	var raw json.RawMessage
	err := s.view("get streams", func(tx *bolt.Tx) error {
		raw = cloneRaw(bucket(tx, bucketStreams).Get(docKey(id)))
		return nil
	})
	return raw, raw != nil, err
}

func validateActivity(a *Activity) error {
	if a.ID <= 0 {
		return fmt.Errorf("activity id %d: must be positive: %w", a.ID, ErrInvalid)
	}
	if len(a.Summary) > 0 && !json.Valid(a.Summary) {
		return fmt.Errorf("activity %d: summary is not valid JSON: %w", a.ID, ErrInvalid)
	}
	if len(a.Detail) > 0 && !json.Valid(a.Detail) {
		return fmt.Errorf("activity %d: detail is not valid JSON: %w", a.ID, ErrInvalid)
	}
	return nil
}

// writer bundles the buckets of one write transaction.
type writer struct {
	rows, docs, streams *bolt.Bucket
	athlete             int64
	now                 time.Time
}

func (s *Store) newWriter(tx *bolt.Tx) (*writer, error) {
	athlete, err := athleteID(tx)
	if err != nil {
		return nil, err
	}
	return &writer{
		rows:    bucket(tx, bucketRows),
		docs:    bucket(tx, bucketDocs),
		streams: bucket(tx, bucketStreams),
		athlete: athlete,
		now:     s.opts.Now(),
	}, nil
}

// packAppends fills pages completely when every activity of a page sorts
// after everything stored, in both buckets: the pattern of a full import,
// which walks back from the newest. bbolt's default (half-full pages on a
// split) suits inserts in the middle, and stays for everything else.
func (w *writer) packAppends(acts []Activity) {
	if len(acts) == 0 {
		return
	}
	minRow, minDoc := orderKey(acts[0].StartDate, acts[0].ID), docKey(acts[0].ID)
	for i := range acts[1:] {
		a := &acts[i+1]
		if k := orderKey(a.StartDate, a.ID); bytes.Compare(k, minRow) < 0 {
			minRow = k
		}
		if k := docKey(a.ID); bytes.Compare(k, minDoc) < 0 {
			minDoc = k
		}
	}
	for _, b := range []struct {
		bucket *bolt.Bucket
		min    []byte
	}{{w.rows, minRow}, {w.docs, minDoc}} {
		if last, _ := b.bucket.Cursor().Last(); bytes.Compare(b.min, last) > 0 {
			b.bucket.FillPercent = 1
		}
	}
}

// upsert writes a (already validated) following the merge rules of ApplyPage.
func (w *writer) upsert(a Activity) (UpsertResult, error) {
	if w.athlete != 0 && a.AthleteID != 0 && a.AthleteID != w.athlete {
		return UpsertResult{}, fmt.Errorf("activity %d of athlete %d, database holds athlete %d: %w", a.ID, a.AthleteID, w.athlete, ErrOtherAthlete)
	}
	idk := docKey(a.ID)
	newKey := orderKey(a.StartDate, a.ID)
	var flags byte
	if a.Private {
		flags |= flagPrivate
	}
	if len(a.Detail) > 0 && a.DetailFetchedAt.IsZero() {
		a.DetailFetchedAt = w.now
	}
	if len(a.Detail) == 0 {
		a.DetailFetchedAt = time.Time{}
	}

	oldDocRaw := w.docs.Get(idk)
	if oldDocRaw == nil {
		if len(a.Detail) > 0 {
			flags |= flagHasDetail
		}
		return UpsertResult{Added: 1}, w.put(idk, nil, newKey, encodeRowFlags(&a, flags), &a)
	}
	old, err := parseDoc(oldDocRaw)
	if err != nil {
		return UpsertResult{}, fmt.Errorf("activity %d: %w", a.ID, err)
	}
	oldRow := w.rows.Get(old.key)
	if oldRow != nil {
		if _, err := parseRow(oldRow); err != nil {
			return UpsertResult{}, fmt.Errorf("activity %d: %w", a.ID, err)
		}
	}
	if len(a.Summary) == 0 {
		a.Summary = old.summary
	}
	newRow := encodeRow(&a, 0)
	switch {
	case len(a.Detail) > 0:
		flags |= flagHasDetail
	case len(old.detail) > 0:
		a.Detail, a.DetailFetchedAt = old.detail, old.fetchedAt
		flags |= flagHasDetail
		if oldRow == nil || oldRow[rowFlagsAt]&flagDetailStale != 0 || !bytes.Equal(oldRow[rowFlagsAt+1:], newRow[rowFlagsAt+1:]) {
			flags |= flagDetailStale
		}
	}
	newRow[rowFlagsAt] = flags
	newDoc := encodeDoc(newKey, &a)
	if bytes.Equal(old.key, newKey) && bytes.Equal(oldRow, newRow) && bytes.Equal(oldDocRaw, newDoc) {
		return UpsertResult{Unchanged: 1}, nil
	}
	return UpsertResult{Updated: 1}, w.putEncoded(idk, old.key, newKey, newRow, newDoc)
}

func encodeRowFlags(a *Activity, flags byte) []byte {
	row := encodeRow(a, 0)
	row[rowFlagsAt] = flags
	return row
}

func (w *writer) put(idk, oldKey, newKey, row []byte, a *Activity) error {
	return w.putEncoded(idk, oldKey, newKey, row, encodeDoc(newKey, a))
}

// putEncoded writes row and doc, deleting the row under oldKey when the order
// key changed. Values are fresh slices: bbolt keeps them until commit.
func (w *writer) putEncoded(idk, oldKey, newKey, row, doc []byte) error {
	if oldKey != nil && !bytes.Equal(oldKey, newKey) {
		if err := w.rows.Delete(oldKey); err != nil {
			return fmt.Errorf("move activity %d: %w", keyID(newKey), err)
		}
	}
	if err := w.rows.Put(newKey, row); err != nil {
		return fmt.Errorf("put activity %d: %w", keyID(newKey), err)
	}
	if err := w.docs.Put(idk, doc); err != nil {
		return fmt.Errorf("put activity %d: %w", keyID(newKey), err)
	}
	return nil
}

// delete removes an activity, its id index entry and its streams.
func (w *writer) delete(id int64) (bool, error) {
	idk := docKey(id)
	raw := w.docs.Get(idk)
	if raw == nil {
		return false, nil
	}
	d, err := parseDoc(raw)
	if err != nil {
		return false, fmt.Errorf("delete activity %d: %w", id, err)
	}
	for _, del := range []struct {
		b *bolt.Bucket
		k []byte
	}{{w.rows, d.key}, {w.docs, idk}, {w.streams, idk}} {
		if err := del.b.Delete(del.k); err != nil {
			return false, fmt.Errorf("delete activity %d: %w", id, err)
		}
	}
	return true, nil
}

func addNotFound(s *SyncState, ids []int64) {
	if len(ids) == 0 {
		return
	}
	if s.DetailBackfill.NotFound == nil {
		s.DetailBackfill.NotFound = map[int64]NotFoundCheck{}
	}
	for _, id := range ids {
		if _, ok := s.DetailBackfill.NotFound[id]; !ok {
			s.DetailBackfill.NotFound[id] = NotFoundCheck{}
		}
	}
}

// missing returns the stored activities whose start_date is in span and
// whose id is not in keep.
func (w *writer) missing(span Span, keep map[int64]struct{}) ([]int64, error) {
	var gone []int64
	c := w.rows.Cursor()
	k, v := c.First()
	if !span.To.IsZero() {
		k, v = c.Seek(binary8(descSeconds(span.To.Unix())))
	}
	for ; k != nil; k, v = c.Next() {
		rv, err := parseRow(v)
		if err != nil {
			return nil, fmt.Errorf("activity %d: %w", keyID(k), err)
		}
		if !span.From.IsZero() && rv.startSec < span.From.Unix() {
			break
		}
		if _, ok := keep[keyID(k)]; !ok && span.contains(rv.startSec, rv.startNsec) {
			gone = append(gone, keyID(k))
		}
	}
	return gone, nil
}
