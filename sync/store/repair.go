package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/owtray/owtray/sync/strava"

	bolt "go.etcd.io/bbolt"
)

// RepairReport says what Repair copied and what it could not read.
type RepairReport struct {
	Kept, Lost int // activities
	Rebuilt    int // of Kept: index rows rebuilt from Strava's JSON
	// Orphaned: of Kept, activities found on leaf pages whose branch page
	// was lost (then the next sync reconciles with Strava, which settles
	// whether such a copy is current or was deleted meanwhile).
	Orphaned                 int
	StreamsKept, StreamsLost int
	EventsKept, EventsLost   int
	CheckpointKept           bool // the sync state was readable
	UnreadablePages          int
	// Empty: the database was missing or 0 bytes; a new one was started.
	Empty bool
	// Damaged is where the damaged file was kept (owtray.db.damaged-<date>).
	Damaged  string
	Duration time.Duration
}

// Resync says whether the next sync must walk the whole history again to
// fetch what was lost.
func (r RepairReport) Resync() bool { return r.Lost > 0 || r.UnreadablePages > 0 || !r.CheckpointKept }

// repaired is what Repair read from the damaged file.
type repaired struct {
	rows      map[int64][]byte // id -> row whose order key is the doc's
	rowKeys   map[int64][]byte
	docs      map[int64][]byte
	seen      map[int64]bool // every id any record names
	streams   map[int64][]byte
	events    map[string]PendingEvent
	eventSeq  uint64
	dedupe    [][2][]byte
	sync      []byte
	athlete   []byte
	stats     []byte
	badEvents int
	badStream int
	orphans   map[int64]bool // ids read from orphaned leaf pages only
}

// Repair copies every readable activity, stream, sync checkpoint and queued
// webhook event of the database at path into a new file, reading bbolt's
// pages itself (see pages.go) and skipping what cannot be decoded. The
// damaged file is kept as <path>.damaged-<date>; the new one takes its place.
// When anything was lost the sync state asks for a full import, so the next
// sync fetches it again from Strava. The database must not be open
// (ErrInUse).
func Repair(path string, now time.Time, opts Options) (RepairReport, error) {
	opts = opts.withDefaults()
	started := time.Now()
	var rep RepairReport
	if err := ensureNotInUse(path, opts); err != nil {
		return rep, err
	}
	if fi, err := os.Stat(path); errors.Is(err, os.ErrNotExist) || (err == nil && fi.Size() == 0) {
		return startAfresh(path, now, opts)
	}
	f, closeFn, err := openRaw(path)
	if errors.Is(err, errNotBolt) {
		return rep, fmt.Errorf("repair %s: nothing is readable (no valid meta page; an empty or overwritten file). Restore a backup with `owtray restore FILE`: %w", path, ErrDamaged)
	}
	if err != nil {
		return rep, fmt.Errorf("repair %s: %w", path, err)
	}
	r := readDamaged(f)
	rep.UnreadablePages = f.lostPages
	closeFn()

	tmp := path + ".repair-" + strconv.Itoa(os.Getpid())
	_ = os.Remove(tmp)
	_ = os.Remove(tmp + OpenMarkerSuffix)
	ns, err := Open(tmp, Options{Logger: opts.Logger, Now: opts.Now, Timeout: opts.Timeout, fresh: true})
	if err != nil {
		return rep, fmt.Errorf("repair: creating the new file: %w", err)
	}
	err = ns.update("repair", func(tx *bolt.Tx) error { return r.write(tx, ns, &rep) })
	if cerr := ns.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		_, err = Check(tmp, opts)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("repair: writing the new file (nothing was changed): %w", err)
	}
	rep.Damaged = setAside(path, "damaged", now)
	if err := os.Rename(path, rep.Damaged); err != nil {
		_ = os.Remove(tmp)
		return rep, fmt.Errorf("repair: keeping the damaged file aside (nothing was changed): %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return rep, fmt.Errorf("repair: the damaged file is now %s, but the repaired one could not take its place (it is %s): %w", rep.Damaged, tmp, err)
	}
	_ = os.Remove(path + OpenMarkerSuffix)
	rep.Duration = time.Since(started)
	return rep, nil
}

// readDamaged collects the records of every readable page.
func readDamaged(f *rawFile) *repaired {
	r := &repaired{rows: map[int64][]byte{}, rowKeys: map[int64][]byte{}, docs: map[int64][]byte{}, seen: map[int64]bool{},
		streams: map[int64][]byte{}, events: map[string]PendingEvent{}}
	bks := f.buckets()
	each := func(name string, fn func(k, v []byte)) {
		b, ok := bks[name]
		if !ok {
			return
		}
		f.walk(name, b, func(e kv) {
			if !e.bucket {
				fn(e.k, e.v)
			}
		})
	}
	each(bucketRows, func(k, v []byte) {
		if len(k) != orderKeyLen {
			return
		}
		id := keyID(k)
		r.seen[id] = true
		if _, err := parseRow(v); err == nil {
			r.rows[id], r.rowKeys[id] = slices.Clone(v), slices.Clone(k)
		}
	})
	each(bucketDocs, func(k, v []byte) {
		if len(k) != 8 {
			return
		}
		id := docID(k)
		r.seen[id] = true
		if _, err := parseValidDoc(v); err == nil {
			r.docs[id] = slices.Clone(v)
		}
	})
	each(bucketStreams, func(k, v []byte) {
		if len(k) != 8 {
			return
		}
		if !json.Valid(v) {
			r.badStream++
			return
		}
		r.streams[docID(k)] = slices.Clone(v)
	})
	if b, ok := bks[bucketEvents]; ok {
		r.eventSeq = b.seq
	}
	each(bucketEvents, func(k, v []byte) {
		p, err := decodePending(k, v)
		if err != nil {
			r.badEvents++
			return
		}
		r.events[string(k)] = p
		r.eventSeq = max(r.eventSeq, p.Seq)
	})
	each(bucketDedupe, func(k, v []byte) {
		if len(k) == dedupeKeyLen && len(v) > 0 {
			r.dedupe = append(r.dedupe, [2][]byte{slices.Clone(k), slices.Clone(v)})
		}
	})
	each(bucketSync, func(k, v []byte) {
		var st SyncState
		if string(k) == keySyncState && json.Unmarshal(v, &st) == nil {
			r.sync = slices.Clone(v)
		}
	})
	if f.lostPages > 0 {
		r.readOrphans(f)
	}
	each(bucketMeta, func(k, v []byte) {
		switch string(k) {
		case keyAthlete:
			if len(v) == 8 {
				r.athlete = slices.Clone(v)
			}
		case keyEventStats:
			if json.Valid(v) {
				r.stats = slices.Clone(v)
			}
		}
	})
	return r
}

// readOrphans adds the activities and streams of leaf pages that no tree
// reached (their branch page was lost), telling the buckets apart by their
// records' shapes. Only ids the trees did not already give are taken; never
// events or sync state, which an old copy would bring back wrongly.
func (r *repaired) readOrphans(f *rawFile) {
	rows, rowKeys, docs, streams := map[int64][]byte{}, map[int64][]byte{}, map[int64][]byte{}, map[int64][]byte{}
	f.orphans(func(e kv) {
		if e.bucket {
			return
		}
		switch len(e.k) {
		case orderKeyLen:
			if _, err := parseRow(e.v); err == nil {
				rows[keyID(e.k)], rowKeys[keyID(e.k)] = slices.Clone(e.v), slices.Clone(e.k)
			}
		case 8:
			id := docID(e.k)
			if id <= 0 {
				return // an event sequence number, not an activity id
			}
			if _, err := parseValidDoc(e.v); err == nil && len(e.v) > 0 && e.v[0] == docFormat {
				docs[id] = slices.Clone(e.v)
			} else if json.Valid(e.v) {
				streams[id] = slices.Clone(e.v)
			}
		}
	})
	r.orphans = map[int64]bool{}
	for id, doc := range docs {
		if _, ok := r.docs[id]; ok {
			continue
		}
		r.docs[id], r.seen[id], r.orphans[id] = doc, true, true
		if _, ok := r.rows[id]; !ok && rows[id] != nil {
			r.rows[id], r.rowKeys[id] = rows[id], rowKeys[id]
		}
	}
	for id, row := range rows {
		if _, ok := r.rows[id]; !ok {
			r.rows[id], r.rowKeys[id], r.seen[id] = row, rowKeys[id], true
		}
	}
	for id, raw := range streams {
		if _, ok := r.streams[id]; !ok {
			r.streams[id] = raw
		}
	}
}

// write puts what was read into the new file's transaction.
func (r *repaired) write(tx *bolt.Tx, s *Store, rep *RepairReport) error {
	w, err := s.newWriter(tx)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(r.seen))
	for id := range r.seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	kept := map[int64]bool{}
	var rows, docs [][2][]byte // written in key order below: bbolt inserts into a node by copying, appends are cheap
	for _, id := range ids {
		ok, err := r.writeActivity(w, id, rep, func(row, doc [2][]byte) {
			rows, docs = append(rows, row), append(docs, doc)
		})
		if err != nil {
			return err
		}
		if ok {
			kept[id] = true
			rep.Kept++
			if r.orphans[id] {
				rep.Orphaned++
			}
		} else {
			rep.Lost++
		}
	}
	for _, kvs := range []struct {
		b   *bolt.Bucket
		kvs [][2][]byte
	}{{w.rows, rows}, {w.docs, docs}} {
		slices.SortFunc(kvs.kvs, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
		kvs.b.FillPercent = 0.9
		for _, e := range kvs.kvs {
			if err := kvs.b.Put(e[0], e[1]); err != nil {
				return fmt.Errorf("put activity: %w", err)
			}
		}
	}
	streamIDs := make([]int64, 0, len(r.streams))
	for id := range r.streams {
		streamIDs = append(streamIDs, id)
	}
	slices.SortFunc(streamIDs, func(a, b int64) int { return bytes.Compare(docKey(a), docKey(b)) })
	for _, id := range streamIDs {
		raw := r.streams[id]
		if !kept[id] {
			rep.StreamsLost++
			continue
		}
		if err := w.streams.Put(docKey(id), raw); err != nil {
			return fmt.Errorf("put streams: %w", err)
		}
		rep.StreamsKept++
	}
	rep.StreamsLost += r.badStream
	events, due := bucket(tx, bucketEvents), bucket(tx, bucketEventDue)
	for k, p := range r.events {
		if err := putPending(events, []byte(k), &p); err != nil {
			return err
		}
		if err := due.Put(dueKey(&p), []byte(k)); err != nil {
			return fmt.Errorf("put event due key: %w", err)
		}
	}
	if err := events.SetSequence(r.eventSeq); err != nil {
		return fmt.Errorf("event sequence: %w", err)
	}
	rep.EventsKept, rep.EventsLost = len(r.events), r.badEvents
	dedupe := bucket(tx, bucketDedupe)
	for _, e := range r.dedupe {
		if err := dedupe.Put(e[0], e[1]); err != nil {
			return fmt.Errorf("put dedupe key: %w", err)
		}
	}
	meta := bucket(tx, bucketMeta)
	for k, v := range map[string][]byte{keyAthlete: r.athlete, keyEventStats: r.stats} {
		if v != nil {
			if err := meta.Put([]byte(k), v); err != nil {
				return fmt.Errorf("put %s: %w", k, err)
			}
		}
	}
	rep.CheckpointKept = r.sync != nil
	if r.sync != nil {
		if err := bucket(tx, bucketSync).Put([]byte(keySyncState), r.sync); err != nil {
			return fmt.Errorf("put sync state: %w", err)
		}
	}
	if rep.Resync() {
		// Walk the whole history again: what was lost comes back, what was
		// kept is only compared. Not a reconcile: nothing is removed.
		return updateSyncState(tx, func(st *SyncState) {
			st.FullImport = freshImport(s.opts.Now(), rep.Orphaned > 0)
		})
	}
	return nil
}

// writeActivity keeps activity id when its JSON survived: with its own row
// when that survived too, else with a row rebuilt from the JSON.
func (r *repaired) writeActivity(w *writer, id int64, rep *RepairReport, put func(row, doc [2][]byte)) (bool, error) {
	doc, ok := r.docs[id]
	if !ok {
		return false, nil // the row alone has no Strava JSON
	}
	d, _ := parseDoc(doc)
	if row, ok := r.rows[id]; ok && bytes.Equal(d.key, r.rowKeys[id]) {
		put([2][]byte{r.rowKeys[id], row}, [2][]byte{docKey(id), doc})
		return true, nil
	}
	raw := d.detail
	if len(raw) == 0 {
		raw = d.summary
	}
	var sa strava.Activity
	if len(raw) == 0 || json.Unmarshal(raw, &sa) != nil || sa.ID != id {
		return false, nil
	}
	a := FromStrava(sa)
	a.Summary, a.Detail, a.DetailFetchedAt = cloneRaw(d.summary), cloneRaw(d.detail), d.fetchedAt
	if validateActivity(&a) != nil {
		return false, nil
	}
	if _, err := w.upsert(a); err != nil {
		return false, err
	}
	rep.Rebuilt++
	return true, nil
}

// startAfresh replaces a missing or empty (0-byte) database with a new one
// whose sync state asks for a full import; an empty file is kept aside.
func startAfresh(path string, now time.Time, opts Options) (RepairReport, error) {
	started := time.Now()
	rep := RepairReport{Empty: true}
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		rep.Damaged = setAside(path, "damaged", now)
		if err := os.Rename(path, rep.Damaged); err != nil {
			return rep, fmt.Errorf("repair: keeping the empty file aside: %w", err)
		}
	}
	_ = os.Remove(path + OpenMarkerSuffix)
	s, err := Open(path, Options{Logger: opts.Logger, Now: opts.Now, Timeout: opts.Timeout, fresh: true})
	if err != nil {
		return rep, err
	}
	err = s.UpdateSyncState(func(st *SyncState) { st.FullImport = freshImport(s.opts.Now(), false) })
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	rep.Duration = time.Since(started)
	return rep, err
}

// freshImport is the checkpoint of a full import that has not fetched a page
// yet, as sync/engine starts one: page 1 and no upper bound, so activities
// dated in the future are listed too.
func freshImport(now time.Time, reconcile bool) FullImportState {
	return FullImportState{InProgress: true, Reconcile: reconcile, StartedAt: now, Page: 1}
}
