package desktop

import (
	"sync"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/ui"
)

// sortedRows is the list's order for the sorts the store has no index for
// (every column but the newest-first date): the matching compact rows
// (IndexOnly, ~100 bytes each) read once, ordered in memory and kept until
// the query or the stored data changes, so scrolling pages through them
// costs nothing. 20,000 rows are read and ordered in ~20 ms
// (BenchmarkSortChange20000).
type sortedRows struct {
	mu    sync.Mutex
	gen   uint64 // bumped by every change of the stored activities
	key   sortedKey
	keyOK bool
	items []ui.Activity
}

type sortedKey struct {
	gen uint64
	f   ui.Filter // without Limit and Offset
}

// changed drops the cached order: stored activities changed.
func (s *sortedRows) changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.items, s.keyOK = nil, false
}

// page returns f's page of the matches in f's order, and their total.
func (s *sortedRows) page(a *app.App, q store.Query, f ui.Filter) ([]ui.Activity, int, error) {
	f.Limit, f.Offset = 0, 0
	s.mu.Lock()
	key := sortedKey{gen: s.gen, f: f}
	items, ok := s.items, s.keyOK && s.key == key
	s.mu.Unlock()
	if !ok {
		q.Limit, q.Offset = 0, 0
		rows, err := a.Activities(q)
		if err != nil {
			return nil, 0, err
		}
		items = make([]ui.Activity, len(rows))
		for i, r := range rows {
			items[i] = listItem(r)
		}
		ui.SortActivities(items, f)
		s.mu.Lock()
		if s.gen == key.gen { // no change meanwhile
			s.key, s.keyOK, s.items = key, true, items
		}
		s.mu.Unlock()
	}
	lo := min(q.Offset, len(items))
	hi := len(items)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, hi)
	}
	return items[lo:hi], len(items), nil
}
