// Package engine is owtray's polling sync: the resumable full import, the
// incremental sync with a look-back window, the reconciling full sync, the
// budgeted back-fill of detailed activities and the streams cache. It moves
// data from the Strava client into the store and nothing else.
//
// # Paging
//
// GET /athlete/activities is walked with bounds that never move and page=1,
// 2, …, not with a cursor that moves to the oldest start seen. Start times
// tie (hidden start times, one ride uploaded by two devices), and a page of
// 200 can end inside a second whose other activities are on the next page:
// `before=<oldest start>` then skips them, and `before=<oldest>+1 s` (an
// overlap of one second, de-duplicated by id) would list the oldest
// activity of every page twice, so a 20,000-activity history would need
// N/199 pages — more than the ceil(N/200)+1 minimum even without a tie.
// With page= every page brings 200 new activities whatever the ties, and the
// undocumented order of an after-only listing (oldest or newest first) does
// not matter either.
//
// Strava does not document the order within one second, and its feeds have
// been seen to reorder between page sizes (javastravav3api#18): when the
// last activity of a page and the first of the next start in the same
// second, that second is listed once more by itself (before = second+1,
// keeping the activities of that second). That costs one request per tie
// group straddling a boundary and nothing otherwise: a full import of N costs
// at most ceil(N/200)+1 list requests plus one per straddling tie, a sync
// with nothing new one request.
//
// Offsets move when Strava's list changes during a walk: a new upload pushes
// one activity down (listed twice, de-duplicated by id), a deletion pulls
// one up, which the page before would have held. A run therefore keeps its
// bound only while it runs; a resumed import fetches the page before its
// checkpoint again. A full sync (--full) never removes on the listing alone:
// stored activities a page no longer holds go on the 404 schedule below and
// are removed only when Strava answers 404 for them by id.
//
// Dates: the first page of a full import has no upper bound (future-dated
// activities from devices with wrong clocks come first), the import ends on
// an empty page rather than at a date (activities before 1970 are listed
// like any other), and an incremental `after` is at most now minus the
// look-back window (Strava answers a future `after` with 400).
//
// # 404s
//
// A 404 from GET /activities/{id} is never final on first sight: right after
// an upload Strava answers 404 for a while. The activity is kept and asked
// for again after 30 s, 2 min, 10 min and 1 h (persisted in the sync state,
// so a restart keeps the schedule); only a 404 after the last wait removes
// it. A 404 from the streams endpoint means the activity has no streams
// (manual and sensorless indoor activities): cached as an empty set.
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

// ErrAlreadyRunning means a sync is in progress.
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
