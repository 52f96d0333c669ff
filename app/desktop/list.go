package desktop

import (
	"sync"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/ui"
)

// sortedRows is the list's order for the sorts the store has no index for
// (every column but the newest-first date): the matching compact rows
// (IndexOnly: the indexed fields, no JSON) read once per filter, and their
// order for the current sort, kept until the filter or the stored data
// changes, so scrolling pages through them costs nothing and a click on
// another column only orders the kept rows again
// (BenchmarkSortChange20000, BenchmarkFilterChangeSorted20000). The rows
// stay in the store's form (232 bytes each; a ui.Activity takes 488, most
// of it the detail view's fields): only a page is turned into list items.
type sortedRows struct {
	mu    sync.Mutex
	gen   uint64 // bumped by every change of the stored activities
	rows  rowsKey
	items []store.Activity // nil: none kept
	sort  ui.Filter        // the sort order is for (Sort and Ascending)
	order []int32          // indexes into items in sort's order
}

// rowsKey says which query items answer.
type rowsKey struct {
	gen uint64
	f   ui.Filter // without Limit, Offset and the sort
}

// changed drops the kept rows: stored activities changed.
func (s *sortedRows) changed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.items, s.order = nil, nil
}

// page returns f's page of the matches in f's order, and their total.
func (s *sortedRows) page(a *app.App, q store.Query, f ui.Filter) ([]ui.Activity, int, error) {
	f.Limit, f.Offset = 0, 0
	sortBy := ui.Filter{Sort: f.Sort, Ascending: f.Ascending}
	f.Sort, f.Ascending = ui.SortDate, false
	s.mu.Lock()
	key := rowsKey{gen: s.gen, f: f}
	items, order := s.items, s.order
	if s.items == nil || s.rows != key {
		items, order = nil, nil
	} else if s.sort != sortBy {
		order = nil
	}
	s.mu.Unlock()
	if items == nil {
		q.Limit, q.Offset = 0, 0
		rows, err := a.Activities(q)
		if err != nil {
			return nil, 0, err
		}
		items = rows
		if items == nil {
			items = []store.Activity{} // none match: kept all the same
		}
	}
	if order == nil {
		order = ui.SortOrder(len(items), func(i int) ui.Activity { return listItem(items[i]) }, sortBy)
		s.mu.Lock()
		if s.gen == key.gen { // no change meanwhile
			s.rows, s.items, s.sort, s.order = key, items, sortBy, order
		}
		s.mu.Unlock()
	}
	lo := min(q.Offset, len(items))
	hi := len(items)
	if q.Limit > 0 {
		hi = min(lo+q.Limit, hi)
	}
	page := make([]ui.Activity, 0, hi-lo)
	for i := lo; i < hi; i++ {
		at := i
		if order != nil { // nil: the stored order
			at = int(order[i])
		}
		page = append(page, listItem(items[at]))
	}
	return page, len(items), nil
}
