// Package engine is owtray's polling sync: the resumable full import, the
// incremental sync with a look-back window, the reconciling full sync, the
// budgeted back-fill of detailed activities and the streams cache. It moves
// data from the Strava client into the store and nothing else.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// Client is the part of the Strava client the engine uses.
type Client interface {
	ListActivities(ctx context.Context, opts strava.ListOptions) ([]strava.Activity, error)
	Activity(ctx context.Context, id int64) (strava.Activity, error)
	Streams(ctx context.Context, id int64, keys []string) (strava.Streams, error)
	ReadBudget() strava.Budget
	RateLimits() strava.RateLimitSnapshot
}

// Defaults.
const (
	PageSize           = 200 // Strava's maximum per_page
	DefaultLookBack    = 7 * 24 * time.Hour
	DefaultDetailShare = 0.5
	// maxDetailFailures: an activity whose detail failed this often is skipped by the back-fill.
	maxDetailFailures = 3
)

// streamKeys are the streams fetched for the detail view and GPX export.
func streamKeys() []string {
	return []string{"time", "latlng", "distance", "altitude", "heartrate", "cadence", "watts", "temp", "moving", "velocity_smooth", "grade_smooth"}
}

// ErrAlreadyRunning: a sync is in progress.
var ErrAlreadyRunning = errors.New("a sync is already running")

// Config adjusts an Engine.
type Config struct {
	// LookBack: the incremental sync re-lists activities started within this
	// window before the newest stored one, to catch late uploads.
	LookBack time.Duration
	// DetailShare is the largest share of the remaining 15-minute read budget
	// the detail back-fill may use (0 < share <= 1).
	DetailShare float64
	Logger      *slog.Logger
	Now         func() time.Time
	// Progress receives progress events; it must not block.
	Progress func(Progress)
}

// Engine syncs one athlete's activities into a store.
type Engine struct {
	client Client
	store  *store.Store
	cfg    Config

	running  chan struct{} // a one-slot semaphore held by Sync and Backfill
	lookBack atomic.Int64
}

// SetLookBack changes the incremental sync's look-back window (d > 0).
func (e *Engine) SetLookBack(d time.Duration) {
	if d > 0 {
		e.lookBack.Store(int64(d))
	}
}

// New returns an Engine.
func New(client Client, st *store.Store, cfg Config) *Engine {
	if cfg.LookBack <= 0 {
		cfg.LookBack = DefaultLookBack
	}
	if cfg.DetailShare <= 0 || cfg.DetailShare > 1 {
		cfg.DetailShare = DefaultDetailShare
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Progress == nil {
		cfg.Progress = func(Progress) {}
	}
	e := &Engine{client: client, store: st, cfg: cfg, running: make(chan struct{}, 1)}
	e.lookBack.Store(int64(cfg.LookBack))
	return e
}

// Options select what Sync does.
type Options struct {
	// Full re-lists the whole history and removes activities that are no
	// longer on Strava. Without it, the first sync is a full import and the
	// later ones are incremental.
	Full bool
	// Details back-fills detailed activities within the budget afterwards.
	Details bool
}

// Mode is the kind of sync a Report describes.
type Mode string

// Sync modes.
const (
	ModeImport      Mode = "import"
	ModeFull        Mode = "full"
	ModeIncremental Mode = "incremental"
)

// Report says what a sync did.
type Report struct {
	Mode           Mode
	Pages          int
	Added          int
	Updated        int
	Unchanged      int
	Removed        int
	DetailsFetched int
	DetailsPending int // activities still without details
	Elapsed        time.Duration
}

func (r Report) String() string {
	s := fmt.Sprintf("%s: %d added, %d updated, %d removed", r.Mode, r.Added, r.Updated, r.Removed)
	if r.DetailsFetched > 0 || r.DetailsPending > 0 {
		s += fmt.Sprintf("; details fetched for %d (%d still to fetch)", r.DetailsFetched, r.DetailsPending)
	}
	return s
}

func (r *Report) add(u store.UpsertResult) {
	r.Added += u.Added
	r.Updated += u.Updated
	r.Unchanged += u.Unchanged
	r.Removed += u.Removed
}

// Sync brings the store up to date. On a rate limit it stops, keeps every
// page it fetched and returns an error matching strava.ErrRateLimited whose
// message says when it can resume; the next Sync continues where it stopped.
func (e *Engine) Sync(ctx context.Context, opts Options) (rep Report, err error) {
	if !e.tryAcquire() {
		return Report{}, ErrAlreadyRunning
	}
	defer e.release()
	return e.sync(ctx, opts)
}

// SyncAfterRunning is Sync, but when a sync is running it waits for it to
// end (or ctx) and then syncs: what a user who asks for a sync expects.
func (e *Engine) SyncAfterRunning(ctx context.Context, opts Options) (Report, error) {
	select {
	case e.running <- struct{}{}:
	case <-ctx.Done():
		return Report{}, ctx.Err()
	}
	defer e.release()
	return e.sync(ctx, opts)
}

func (e *Engine) tryAcquire() bool {
	select {
	case e.running <- struct{}{}:
		return true
	default:
		return false
	}
}

func (e *Engine) release() { <-e.running }

func (e *Engine) sync(ctx context.Context, opts Options) (rep Report, err error) {
	started := e.cfg.Now()
	defer func() {
		rep.Elapsed = e.cfg.Now().Sub(started)
		e.finish(rep, err)
	}()

	st, err := e.store.SyncState()
	if err != nil {
		return rep, err
	}
	_, newestErr := e.store.Newest()
	switch {
	case opts.Full || (st.FullImport.InProgress && st.FullImport.Reconcile):
		rep.Mode = ModeFull
		err = e.fullImport(ctx, st.FullImport, true, &rep)
	case st.FullImport.InProgress || errors.Is(newestErr, store.ErrNotFound):
		rep.Mode = ModeImport
		err = e.fullImport(ctx, st.FullImport, false, &rep)
	case newestErr != nil:
		return rep, newestErr
	default:
		rep.Mode = ModeIncremental
		var added []int64
		added, err = e.incremental(ctx, &rep)
		if err == nil {
			n, derr := e.fetchDetails(ctx, added, &rep)
			rep.DetailsFetched += n
			err = e.detailsFailure(ctx, derr)
		}
	}
	if err == nil && opts.Details {
		_, derr := e.backfill(ctx, 0, &rep)
		err = e.detailsFailure(ctx, derr)
	}
	if pending, perr := e.store.MissingDetails(0); perr == nil {
		rep.DetailsPending = len(pending)
	}
	return rep, err
}

// detailsFailure is what a failed detail fetch means for the sync: the
// activities are stored and their details stay pending for the next
// back-fill, so Strava's rate limit does not make the sync fail (a sync the
// user started must not fail on the back-fill's share). A refused token or
// a cancelled sync still does.
func (e *Engine) detailsFailure(ctx context.Context, err error) error {
	if err == nil || errors.Is(err, strava.ErrUnauthorized) || ctx.Err() != nil {
		return err
	}
	e.cfg.Logger.Info("detail back-fill paused; the details stay pending", "err", err)
	return nil
}

// finish records the outcome and the rate-limit snapshot for status and for
// the next process.
func (e *Engine) finish(rep Report, err error) {
	now := e.cfg.Now()
	snap := e.client.RateLimits()
	uerr := e.store.UpdateSyncState(func(s *store.SyncState) {
		s.LastSyncAt = now
		s.RateLimit = snap
		if err != nil {
			s.LastSyncError = err.Error()
			return
		}
		s.LastSyncError = ""
		s.LastSyncResult = rep.String()
		switch rep.Mode {
		case ModeIncremental:
			s.LastIncrementalSync = now
		case ModeImport, ModeFull:
			s.LastFullSync = now
			s.LastIncrementalSync = now
		}
	})
	if uerr != nil {
		e.cfg.Logger.Error("saving sync state", "err", uerr)
	}
}

// fullImport walks back through the whole history with a `before` cursor,
// one page of 200 at a time, checkpointing the cursor in the same
// transaction as the page. With reconcile, every page also removes stored
// activities of its time span that Strava no longer lists.
func (e *Engine) fullImport(ctx context.Context, fi store.FullImportState, reconcile bool, rep *Report) error {
	if !fi.InProgress || fi.Reconcile != reconcile {
		now := e.cfg.Now()
		// A day of slack for clocks that are off; activities cannot start later.
		fi = store.FullImportState{InProgress: true, Reconcile: reconcile, StartedAt: now, Upper: now.Add(24 * time.Hour).Truncate(time.Second)}
		if err := e.store.UpdateSyncState(func(s *store.SyncState) { s.FullImport = fi }); err != nil {
			return err
		}
	} else {
		e.cfg.Logger.Info("resuming full import", "before", fi.Before, "pages_done", fi.Pages)
	}
	phase := PhaseImport
	if reconcile {
		phase = PhaseFullSync
	}
	for {
		before := fi.Before
		if before.IsZero() {
			before = fi.Upper
		}
		acts, err := e.client.ListActivities(ctx, strava.ListOptions{Before: before, PerPage: PageSize})
		if err != nil {
			return fmt.Errorf("listing activities before %s: %w", before.UTC().Format(time.RFC3339), err)
		}
		if len(acts) == 0 {
			return e.finishImport(fi, reconcile, before, rep)
		}
		page, oldest, err := toStorePage(acts)
		if err != nil {
			return err
		}
		if !oldest.Before(before) {
			return fmt.Errorf("Strava listed an activity starting at %s for before=%s: refusing to loop", oldest.UTC().Format(time.RFC3339), before.UTC().Format(time.RFC3339))
		}
		next := fi
		next.Before = oldest
		next.Pages++
		next.Seen += len(acts)
		p := store.Page{Activities: page}
		if reconcile {
			// Everything in (oldest, before) is on this page. Ties at the
			// oldest second may continue on the next page, so that second is
			// left out of the span.
			p.Complete = &store.Span{From: oldest.Add(time.Second), To: before}
		}
		p.Checkpoint = func(s *store.SyncState) { s.FullImport = next }
		res, err := e.store.ApplyPage(p)
		if err != nil {
			return err
		}
		fi = next
		rep.Pages++
		rep.add(res)
		e.cfg.Progress(Progress{Phase: phase, Pages: fi.Pages, Activities: fi.Seen})
	}
}

func (e *Engine) finishImport(fi store.FullImportState, reconcile bool, before time.Time, rep *Report) error {
	p := store.Page{Checkpoint: func(s *store.SyncState) { s.FullImport = store.FullImportState{} }}
	if reconcile {
		p.Complete = &store.Span{To: before} // nothing older exists on Strava
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
// minus the look-back window. With only `after`, Strava lists oldest first,
// so the cursor moves forward to the newest start of each page. A short page
// that changed nothing ends the walk, so a sync with nothing new costs one
// request. It returns the ids of the activities it added.
func (e *Engine) incremental(ctx context.Context, rep *Report) ([]int64, error) {
	newest, err := e.store.Newest()
	if err != nil {
		return nil, err
	}
	after := newest.StartDate.Add(-time.Duration(e.lookBack.Load()))
	var added []int64
	for {
		acts, err := e.client.ListActivities(ctx, strava.ListOptions{After: after, PerPage: PageSize})
		if err != nil {
			return added, fmt.Errorf("listing activities after %s: %w", after.UTC().Format(time.RFC3339), err)
		}
		if len(acts) == 0 {
			return added, nil
		}
		page, _, err := toStorePage(acts)
		if err != nil {
			return added, err
		}
		known, err := e.knownIDs(page)
		if err != nil {
			return added, err
		}
		res, err := e.store.ApplyPage(store.Page{Activities: page})
		if err != nil {
			return added, err
		}
		rep.Pages++
		rep.add(res)
		latest := after
		for _, a := range page {
			if !known[a.ID] {
				added = append(added, a.ID)
			}
			if a.StartDate.After(latest) {
				latest = a.StartDate
			}
		}
		e.cfg.Progress(Progress{Phase: PhaseIncremental, Pages: rep.Pages, Activities: rep.Added + rep.Updated + rep.Unchanged})
		if len(acts) < PageSize && res.Added == 0 && res.Updated == 0 {
			return added, nil
		}
		if !latest.After(after) {
			return added, nil // a page of ties at `after`: nothing later
		}
		after = latest
	}
}

func (e *Engine) knownIDs(page []store.Activity) (map[int64]bool, error) {
	known := make(map[int64]bool, len(page))
	for _, a := range page {
		_, err := e.store.Get(a.ID)
		switch {
		case err == nil:
			known[a.ID] = true
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	return known, nil
}

// toStorePage converts a list page and returns its oldest start.
func toStorePage(acts []strava.Activity) ([]store.Activity, time.Time, error) {
	out := make([]store.Activity, 0, len(acts))
	var oldest time.Time
	for _, a := range acts {
		if a.ID <= 0 || a.StartDate.IsZero() {
			return nil, time.Time{}, fmt.Errorf("Strava listed an activity without id or start_date (id %d): %w", a.ID, strava.ErrBadResponse)
		}
		out = append(out, store.FromStrava(a))
		if oldest.IsZero() || a.StartDate.Before(oldest) {
			oldest = a.StartDate
		}
	}
	return out, oldest, nil
}
