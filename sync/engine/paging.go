package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// listing walks one listing of GET /athlete/activities whose bounds never
// move (Before or After, or neither), with page=1, 2, …: see the package
// doc for why. Between two pages it compares the second of the last
// activity of one with the first of the next; when they are equal a tie
// straddles the boundary and, because Strava does not document the order
// within a second (and reorders its pages, javastravav3api#18), the whole
// second is fetched once more by itself.
type listing struct {
	e     *Engine
	opts  strava.ListOptions // fixed bounds; Page advances
	last  *strava.Activity   // last activity of the previous page
	prev  map[int64]bool     // ids of the previous page
	pages int                // requests sent
}

// next fetches the next page. ties holds the activities of a straddling
// second fetched by themselves (nil when none); acts is empty at the end.
func (l *listing) next(ctx context.Context) (acts, ties []strava.Activity, err error) {
	if l.opts.Page < 1 {
		l.opts.Page = 1
	}
	l.opts.PerPage = PageSize
	acts, err = l.e.client.ListActivities(ctx, l.opts)
	l.pages++
	if err != nil {
		return nil, nil, fmt.Errorf("listing activities (%s, page %d): %w", describe(l.opts), l.opts.Page, err)
	}
	if err := checkPage(acts); err != nil {
		return nil, nil, err
	}
	if len(acts) > 0 && l.last != nil && acts[0].StartDate.Unix() == l.last.StartDate.Unix() {
		ties, err = l.second(ctx, l.last.StartDate)
		if err != nil {
			return nil, nil, err
		}
	}
	if len(acts) > 0 {
		ids := make(map[int64]bool, len(acts))
		repeated := l.prev != nil
		for _, a := range acts {
			ids[a.ID] = true
			repeated = repeated && l.prev[a.ID]
		}
		if repeated {
			//lint:ignore ST1005 "Strava" is a name and keeps its capital
			return nil, nil, fmt.Errorf("Strava answered page %d with the activities of page %d: %w", l.opts.Page, l.opts.Page-1, strava.ErrBadResponse)
		}
		l.last, l.prev = &acts[len(acts)-1], ids
	}
	l.opts.Page++
	return acts, ties, nil
}

// second lists every activity that starts in t's second: before=t+1 s,
// newest first, keeping those of that second. A second before 1970 is not
// asked for (Strava's epoch parameters are not known to take negative
// values); its order is then trusted.
func (l *listing) second(ctx context.Context, t time.Time) ([]strava.Activity, error) {
	sec := t.Unix()
	if sec+1 <= 0 {
		return nil, nil
	}
	acts, err := l.e.client.ListActivities(ctx, strava.ListOptions{Before: time.Unix(sec+1, 0), PerPage: PageSize})
	l.pages++
	if err != nil {
		return nil, fmt.Errorf("listing the activities of %s (a tie at a page boundary): %w", t.UTC().Format(time.RFC3339), err)
	}
	if err := checkPage(acts); err != nil {
		return nil, err
	}
	out := secondOf(acts, t)
	if len(out) == PageSize {
		l.e.cfg.Logger.Warn("200 or more activities start in one second; some may be missed", "second", t.UTC())
	}
	return out, nil
}

func describe(o strava.ListOptions) string {
	switch {
	case !o.Before.IsZero():
		return "before " + o.Before.UTC().Format(time.RFC3339)
	case !o.After.IsZero():
		return "after " + o.After.UTC().Format(time.RFC3339)
	}
	return "newest first"
}

// checkPage refuses list entries without id or start date.
func checkPage(acts []strava.Activity) error {
	for _, a := range acts {
		if a.ID <= 0 || a.StartDate.IsZero() {
			//lint:ignore ST1005 "Strava" is a name and keeps its capital
			return fmt.Errorf("Strava listed an activity without id or start_date (id %d): %w", a.ID, strava.ErrBadResponse)
		}
	}
	return nil
}

// pageOf merges a page, its straddling second and carried activities into
// one store page without duplicate ids.
func pageOf(groups ...[]strava.Activity) []store.Activity {
	seen := map[int64]bool{}
	var out []store.Activity
	for _, g := range groups {
		for _, a := range g {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			out = append(out, store.FromStrava(a))
		}
	}
	return out
}

// oldestSecond returns the activities of acts in its oldest second, and that second.
func oldestSecond(acts []strava.Activity) ([]strava.Activity, time.Time) {
	if len(acts) == 0 {
		return nil, time.Time{}
	}
	oldest := acts[0].StartDate
	for _, a := range acts {
		if a.StartDate.Before(oldest) {
			oldest = a.StartDate
		}
	}
	return secondOf(acts, oldest), time.Unix(oldest.Unix(), 0)
}

// fullImport lists the whole history, newest first, with a fixed bound and
// page=, checkpointing the page number in the same transaction as each
// page. The first run has no upper bound at all (future-dated activities
// are listed first); a resumed run fetches the page before its checkpoint
// again (a deletion on Strava meanwhile shifts later pages back by one). With
// reconcile, stored activities that a page's span no longer holds are put on
// the 404 schedule (checked by id, removed only on Strava's 404).
func (e *Engine) fullImport(ctx context.Context, fi store.FullImportState, reconcile bool, rep *Report) error {
	switch {
	case !fi.InProgress || fi.Reconcile != reconcile:
		fi = store.FullImportState{InProgress: true, Reconcile: reconcile, StartedAt: e.cfg.Now(), Page: 1}
		if err := e.store.UpdateSyncState(func(s *store.SyncState) { s.FullImport = fi }); err != nil {
			return err
		}
	case fi.Page == 0 && !fi.Before.IsZero(): // checkpoint of a moving cursor
		fi.Upper, fi.Page, fi.Before = fi.Before.Add(time.Second), 1, time.Time{}
	default:
		e.cfg.Logger.Info("resuming full import", "page", fi.Page, "pages_done", fi.Pages)
		fi.Page = max(1, fi.Page-1)
	}
	phase := PhaseImport
	if reconcile {
		phase = PhaseFullSync
	}
	l := &listing{e: e, opts: strava.ListOptions{Before: fi.Upper, Page: fi.Page}}
	resumed := fi.Page > 1
	var carry []strava.Activity // previous page's activities of its oldest second
	to := fi.Upper              // the span a page completes ends here (zero: open)
	defer func() { rep.Pages += l.pages }()
	for {
		acts, ties, err := l.next(ctx)
		if err != nil {
			return err
		}
		next := fi
		next.Page = l.opts.Page
		next.Pages++
		next.Seen += len(acts)
		if len(acts) == 0 {
			return e.finishImport(fi, reconcile, carry, to, rep)
		}
		page := pageOf(acts, ties, carry)
		p := store.Page{Activities: page, Checkpoint: func(s *store.SyncState) { s.FullImport = next }}
		oldestActs, oldest := oldestSecond(acts)
		if reconcile && !(resumed && carry == nil) {
			// Everything from the second after the oldest up to the end of
			// the previous page's oldest second is on this page, its ties
			// or the previous page.
			p.Complete = &store.Span{From: oldest.Add(time.Second), To: to}
			p.ConfirmMissing = true
		}
		res, err := e.store.ApplyPage(p)
		if err != nil {
			return err
		}
		rep.add(res)
		fi = next
		carry = append(oldestActs, secondOf(ties, oldest)...)
		to = oldest.Add(time.Second)
		e.cfg.Progress(Progress{Phase: phase, Pages: fi.Pages, Activities: fi.Seen})
	}
}

// secondOf returns the activities of acts that start in t's second.
func secondOf(acts []strava.Activity, t time.Time) []strava.Activity {
	var out []strava.Activity
	for _, a := range acts {
		if a.StartDate.Unix() == t.Unix() {
			out = append(out, a)
		}
	}
	return out
}

func (e *Engine) finishImport(fi store.FullImportState, reconcile bool, carry []strava.Activity, to time.Time, rep *Report) error {
	p := store.Page{Checkpoint: func(s *store.SyncState) { s.FullImport = store.FullImportState{} }}
	if reconcile && (carry != nil || fi.Pages == 0) {
		p.Activities = pageOf(carry)
		p.Complete = &store.Span{To: to} // nothing older exists on Strava
		p.ConfirmMissing = true
	}
	res, err := e.store.ApplyPage(p)
	if err != nil {
		return err
	}
	rep.add(res)
	e.cfg.Progress(Progress{Phase: PhaseDone, Pages: fi.Pages, Activities: fi.Seen, Total: fi.Seen, Done: true})
	e.cfg.Logger.Info("full import finished", "pages", fi.Pages, "activities", fi.Seen)
	return nil
}

// incremental lists everything started since the newest stored activity
// minus the look-back window, with that fixed `after` and page= (so the
// undocumented order of an after-only listing does not matter). A short page
// ends the walk: a sync with nothing new costs one request. `after` is never
// in the future (Strava answers 400 "future"): a future-dated newest
// activity counts as now. It returns the ids of the activities it added.
func (e *Engine) incremental(ctx context.Context, rep *Report) ([]int64, error) {
	newest, err := e.store.Newest()
	if err != nil {
		return nil, err
	}
	from := newest.StartDate
	if now := e.cfg.Now(); from.After(now) {
		from = now
	}
	after := from.Add(-time.Duration(e.lookBack.Load())).Truncate(time.Second)
	if after.Unix() < 0 {
		after = time.Unix(0, 0) // a history before 1970 only: everything since then
	}
	l := &listing{e: e, opts: strava.ListOptions{After: after}}
	defer func() { rep.Pages += l.pages }()
	var added []int64
	for {
		acts, ties, err := l.next(ctx)
		if err != nil {
			return added, err
		}
		if len(acts) == 0 {
			return added, nil
		}
		page := pageOf(acts, ties)
		known, err := e.knownIDs(page)
		if err != nil {
			return added, err
		}
		res, err := e.store.ApplyPage(store.Page{Activities: page})
		if err != nil {
			return added, err
		}
		rep.add(res)
		for _, a := range page {
			if !known[a.ID] {
				added = append(added, a.ID)
			}
		}
		e.cfg.Progress(Progress{Phase: PhaseIncremental, Pages: l.pages, Activities: rep.Added + rep.Updated + rep.Unchanged})
		if len(acts) < PageSize {
			return added, nil
		}
	}
}
