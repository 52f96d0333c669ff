package ui

import (
	"context"
)

// pageSize is how many activities one backend query returns; pages are
// fetched as the list scrolls to them.
const pageSize = 200

// loadState is what the list shows when it has no rows to show.
type loadState int

const (
	stateLoading loadState = iota
	stateReady
	stateFailed
)

// pager holds the rows of the current query for a virtualised list: the
// total count and the pages fetched so far. Rows of the previous query stay
// visible until the first page of the new one arrives, so typing does not
// flicker. Use it on the UI goroutine only.
type pager struct {
	w        worker
	query    func(context.Context, Filter) (ActivityPage, error)
	onChange func() // after rows, total or state changed

	filter   Filter
	run      latest
	runCtx   context.Context
	total    int
	pages    map[int][]Activity
	pagesGen uint64 // generation the pages belong to
	pending  map[int]bool
	state    loadState
	err      error
}

func newPager(w worker, query func(context.Context, Filter) (ActivityPage, error), onChange func()) *pager {
	return &pager{w: w, query: query, onChange: onChange, pages: map[int][]Activity{}, pending: map[int]bool{}}
}

// load starts a new query; rows arrive asynchronously.
func (p *pager) load(f Filter) {
	p.filter = f
	p.runCtx, _ = p.run.next(p.w.ctx)
	p.pending = map[int]bool{}
	if p.state == stateFailed {
		p.state = stateLoading
	}
	p.fetch(0)
}

// reload repeats the current query, e.g. after the stored data changed.
func (p *pager) reload() { p.load(p.filter) }

// busy reports whether a page of the current query is being fetched.
func (p *pager) busy() bool { return len(p.pending) > 0 }

// find returns the row of activity id among the fetched pages, -1 when it
// is not there.
func (p *pager) find(id int64) int {
	if p.pagesGen != p.run.gen {
		return -1
	}
	for page, items := range p.pages {
		for i, a := range items {
			if a.ID == id {
				return page*pageSize + i
			}
		}
	}
	return -1
}

// loadedAll reports whether every row of the current query is fetched.
func (p *pager) loadedAll() bool {
	return p.pagesGen == p.run.gen && len(p.pages)*pageSize >= p.total
}

// len is the number of rows of the current query.
func (p *pager) len() int { return p.total }

// row returns row i, or false while its page is being fetched.
func (p *pager) row(i int) (Activity, bool) {
	page, idx := i/pageSize, i%pageSize
	items, ok := p.pages[page]
	if (p.pagesGen != p.run.gen || !ok) && p.state != stateFailed {
		p.fetch(page)
	}
	if !ok || idx >= len(items) {
		return Activity{}, false
	}
	return items[idx], true
}

func (p *pager) fetch(page int) {
	if p.pending[page] {
		return
	}
	p.pending[page] = true
	gen, f := p.run.gen, p.filter
	f.Limit, f.Offset = pageSize, page*pageSize
	background(p.runCtx, p.w.do, func(ctx context.Context) (ActivityPage, error) {
		res, err := p.query(ctx, f)
		if err == nil {
			p.w.warmActivities(res.Items...)
		}
		return res, err
	}, func(res ActivityPage, err error) {
		if !p.run.current(gen) {
			return // a newer query has started
		}
		delete(p.pending, page)
		p.apply(gen, page, res, err)
		p.onChange()
	})
}

func (p *pager) apply(gen uint64, page int, res ActivityPage, err error) {
	if err != nil {
		p.state, p.err = stateFailed, err
		p.total, p.pages = 0, map[int][]Activity{}
		return
	}
	if p.pagesGen != gen {
		p.pages, p.pagesGen = map[int][]Activity{}, gen
	}
	p.pages[page] = res.Items
	p.total, p.state, p.err = res.Total, stateReady, nil
}
