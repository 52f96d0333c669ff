package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Query selects activities; every set field must match. Results come newest
// start_date first (ties: highest id first).
type Query struct {
	// Sport is an exact sport_type ("Run", "MountainBikeRide"), compared
	// case-insensitively. Empty matches all.
	Sport string
	// Since (inclusive) and Until (exclusive) bound start_date_local, the
	// wall-clock time where the activity happened, compared with the wall
	// clock of Since/Until in their own location. So Since =
	// time.Date(2024, 1, 1, 0, 0, 0, 0, time.Local) selects activities that
	// started on or after New Year's Day where they took place, whatever the
	// time zone. For a whole-day --until DATE pass the next day's midnight.
	// Zero means unbounded.
	Since, Until time.Time
	// Search is a case-insensitive, Unicode-aware substring of the name
	// ("ärger" finds "Ärger im Wald", "東京" finds "東京マラソン"). Surrounding
	// spaces are ignored; empty matches all.
	Search string
	// Limit caps the number of results (0 = no limit); Offset skips that many
	// matches first.
	Limit, Offset int
	// IndexOnly leaves Strava's JSON (Summary, Detail) and DetailFetchedAt
	// out of the results, which then come from the compact index alone: for
	// lists that show only the indexed fields, such as the window's.
	IndexOnly bool
}

// matcher is a Query prepared for scanning rows without allocation.
type matcher struct {
	sport, search       []byte
	hasSince, hasUntil  bool
	sinceSec, sinceNsec int64
	untilSec, untilNsec int64
	limit, offset       int
	unfiltered          bool
	indexOnly           bool
}

func newMatcher(q Query) (*matcher, error) {
	if q.Limit < 0 || q.Offset < 0 {
		return nil, fmt.Errorf("query limit %d / offset %d: must not be negative: %w", q.Limit, q.Offset, ErrInvalid)
	}
	m := &matcher{limit: q.Limit, offset: q.Offset, indexOnly: q.IndexOnly}
	if s := strings.TrimSpace(q.Sport); s != "" {
		m.sport = []byte(s)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		m.search = []byte(fold(s))
	}
	if !q.Since.IsZero() {
		m.hasSince = true
		m.sinceSec, m.sinceNsec = wallSeconds(q.Since)
	}
	if !q.Until.IsZero() {
		m.hasUntil = true
		m.untilSec, m.untilNsec = wallSeconds(q.Until)
	}
	m.unfiltered = m.sport == nil && m.search == nil && !m.hasSince && !m.hasUntil
	return m, nil
}

func (m *matcher) match(rv *rowView) bool {
	if m.unfiltered {
		return true
	}
	if m.hasSince && (rv.localSec < m.sinceSec || (rv.localSec == m.sinceSec && rv.localNsec < m.sinceNsec)) {
		return false
	}
	if m.hasUntil && (rv.localSec > m.untilSec || (rv.localSec == m.untilSec && rv.localNsec >= m.untilNsec)) {
		return false
	}
	if m.sport != nil && !bytes.EqualFold(rv.sport, m.sport) {
		return false
	}
	return m.search == nil || bytes.Contains(rv.folded, m.search)
}

// scanRows walks the rows newest first and calls fn for each one that m
// matches (all when m is nil) until fn returns false or an error. A row that
// does not decode is skipped and counted in *bad (nil: not counted).
func scanRows(tx *bolt.Tx, m *matcher, bad *int, fn func(k []byte, rv *rowView) (bool, error)) error {
	var rv rowView // one allocation for the whole walk: &rv escapes into fn
	c := bucket(tx, bucketRows).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var err error
		if len(k) != orderKeyLen {
			err = ErrCorrupt
		} else {
			rv, err = parseRow(v)
		}
		if err != nil {
			if bad != nil {
				*bad++
			}
			continue
		}
		if m != nil && !m.match(&rv) {
			continue
		}
		more, err := fn(k, &rv)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Each calls fn for every activity matching q, newest first, inside one read
// transaction (a consistent snapshot) without holding all of them in memory:
// use it for exports. fn must not call methods of s that write. An error
// from fn stops the walk and is returned. Records that do not decode are
// skipped (see Scan, which counts them).
func (s *Store) Each(q Query, fn func(Activity) error) error {
	_, err := s.Scan(q, fn)
	return err
}

// Scan is Each that also returns how many damaged activity records it
// skipped: a damaged row never aborts a list or an export (`owtray repair`
// copies the readable ones into a new file).
func (s *Store) Scan(q Query, fn func(Activity) error) (skipped int, err error) {
	m, err := newMatcher(q)
	if err != nil {
		return 0, err
	}
	err = s.view("list activities", func(tx *bolt.Tx) error {
		skipped = 0
		docs := bucket(tx, bucketDocs)
		load := func(k []byte, rv *rowView) (Activity, error) { return assemble(docs, k, rv) }
		if m.indexOnly {
			load = fromIndex
		}
		skip, n := m.offset, 0
		return scanRows(tx, m, &skipped, func(k []byte, rv *rowView) (bool, error) {
			if skip > 0 {
				skip--
				return true, nil
			}
			a, err := load(k, rv)
			if errors.Is(err, ErrCorrupt) {
				skipped++
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if err := fn(a); err != nil {
				return false, err
			}
			n++
			return m.limit == 0 || n < m.limit, nil
		})
	})
	if skipped > 0 {
		s.opts.Logger.Warn("damaged activity records skipped; run `owtray repair`", "count", skipped)
	}
	return skipped, err
}

// ListCounted is List that also returns how many damaged records it skipped.
func (s *Store) ListCounted(q Query) ([]Activity, int, error) {
	var out []Activity
	if q.Limit > 0 {
		out = make([]Activity, 0, min(q.Limit, 1024))
	}
	skipped, err := s.Scan(q, func(a Activity) error {
		out = append(out, a)
		return nil
	})
	return out, skipped, err
}

// List returns the activities matching q, newest first (damaged records
// skipped: see ListCounted).
func (s *Store) List(q Query) ([]Activity, error) {
	out, _, err := s.ListCounted(q)
	return out, err
}

// CountMatching counts the activities matching q, ignoring Limit and Offset.
func (s *Store) CountMatching(q Query) (int, error) {
	q.Limit, q.Offset = 0, 0
	m, err := newMatcher(q)
	if err != nil {
		return 0, err
	}
	if m.unfiltered {
		return s.Count()
	}
	var n int
	err = s.view("count activities", func(tx *bolt.Tx) error {
		return scanRows(tx, m, nil, func([]byte, *rowView) (bool, error) {
			n++
			return true, nil
		})
	})
	return n, err
}

// DamagedRows counts the activity rows of the index that do not decode
// (what list and the window skip); a walk of the compact index, done again
// only after a write committed.
func (s *Store) DamagedRows() (int, error) {
	bad := 0
	err := s.view("count damaged rows", func(tx *bolt.Tx) error {
		if n, ok := s.damagedRows.get(tx.ID()); ok {
			bad = n
			return nil
		}
		bad = 0
		if err := scanRows(tx, nil, &bad, func([]byte, *rowView) (bool, error) { return true, nil }); err != nil {
			return err
		}
		s.damagedRows.set(tx.ID(), bad)
		return nil
	})
	return bad, err
}

// Count is the number of stored activities.
func (s *Store) Count() (int, error) {
	var n int
	err := s.view("count activities", func(tx *bolt.Tx) error {
		n = bucket(tx, bucketRows).Stats().KeyN
		return nil
	})
	return n, err
}

// Get returns one activity with its JSON; ErrNotFound when it is not stored.
func (s *Store) Get(id int64) (Activity, error) {
	var a Activity
	err := s.view(fmt.Sprintf("get activity %d", id), func(tx *bolt.Tx) error {
		raw := bucket(tx, bucketDocs).Get(docKey(id))
		if raw == nil {
			return ErrNotFound
		}
		d, err := parseValidDoc(raw)
		if err != nil {
			return err
		}
		row := bucket(tx, bucketRows).Get(d.key)
		if row == nil {
			return fmt.Errorf("index points to a missing row: %w", ErrCorrupt)
		}
		rv, err := parseRow(row)
		if err != nil {
			return err
		}
		a = build(id, &rv, &d)
		return nil
	})
	return a, err
}

// Newest returns the activity with the latest start_date; ErrNotFound when
// the store is empty.
func (s *Store) Newest() (Activity, error) {
	var a Activity
	found := false
	err := s.view("newest activity", func(tx *bolt.Tx) error {
		docs := bucket(tx, bucketDocs)
		return scanRows(tx, nil, nil, func(k []byte, rv *rowView) (bool, error) {
			var err error
			a, err = assemble(docs, k, rv)
			if errors.Is(err, ErrCorrupt) {
				return true, nil // the newest readable one
			}
			found = err == nil
			return false, err
		})
	})
	if err == nil && !found {
		err = fmt.Errorf("newest activity: store is empty: %w", ErrNotFound)
	}
	return a, err
}

// AllIDs returns the ids of all stored activities in ascending order.
func (s *Store) AllIDs() ([]int64, error) {
	var ids []int64
	err := s.view("list ids", func(tx *bolt.Tx) error {
		rows := bucket(tx, bucketRows)
		ids = make([]int64, 0, rows.Stats().KeyN)
		c := rows.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if len(k) != orderKeyLen {
				return fmt.Errorf("activity key %x: %w", k, ErrCorrupt)
			}
			ids = append(ids, keyID(k))
		}
		return nil
	})
	slices.Sort(ids)
	return ids, err
}

// SportCount is one sport_type and how many activities have it.
type SportCount struct {
	SportType string
	Count     int
}

// Sports lists the distinct sport types with their counts, most frequent
// first (ties by name).
func (s *Store) Sports() ([]SportCount, error) {
	var out []SportCount
	index := map[string]int{} // sport -> position in out; lookups by string(bytes) do not allocate
	err := s.view("list sports", func(tx *bolt.Tx) error {
		return scanRows(tx, nil, nil, func(_ []byte, rv *rowView) (bool, error) {
			if i, ok := index[string(rv.sport)]; ok {
				out[i].Count++
				return true, nil
			}
			index[string(rv.sport)] = len(out)
			out = append(out, SportCount{SportType: string(rv.sport), Count: 1})
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b SportCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.SportType, b.SportType))
	})
	return out, nil
}

// MissingDetails returns up to limit ids (0 = all), newest first, of
// activities whose detailed JSON has never been fetched or is DetailStale:
// the work list of the detail back-fill.
func (s *Store) MissingDetails(limit int) ([]int64, error) {
	if limit < 0 {
		return nil, fmt.Errorf("missing details: limit %d must not be negative: %w", limit, ErrInvalid)
	}
	var ids []int64
	err := s.view("missing details", func(tx *bolt.Tx) error {
		return scanRows(tx, nil, nil, func(k []byte, rv *rowView) (bool, error) {
			if rv.flags&flagHasDetail == 0 || rv.flags&flagDetailStale != 0 {
				ids = append(ids, keyID(k))
			}
			return limit == 0 || len(ids) < limit, nil
		})
	})
	return ids, err
}

// assemble loads the document of the row under key k and builds the Activity.
func assemble(docs *bolt.Bucket, k []byte, rv *rowView) (Activity, error) {
	id := keyID(k)
	raw := docs.Get(docKey(id))
	if raw == nil {
		return Activity{}, fmt.Errorf("activity %d: row without document: %w", id, ErrCorrupt)
	}
	d, err := parseValidDoc(raw)
	if err != nil {
		return Activity{}, fmt.Errorf("activity %d: %w", id, err)
	}
	if !bytes.Equal(d.key, k) {
		return Activity{}, fmt.Errorf("activity %d: index and row disagree: %w", id, ErrCorrupt)
	}
	return build(id, rv, &d), nil
}

// fromIndex is the activity as far as its row in the index tells: no JSON.
func fromIndex(k []byte, rv *rowView) (Activity, error) {
	a := Activity{ID: keyID(k)}
	rv.fill(&a)
	return a, nil
}

func build(id int64, rv *rowView, d *docView) Activity {
	a := Activity{ID: id, Summary: cloneRaw(d.summary), Detail: cloneRaw(d.detail), DetailFetchedAt: d.fetchedAt}
	rv.fill(&a)
	return a
}
