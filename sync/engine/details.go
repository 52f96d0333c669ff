package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// detailBudget is how many detail requests the back-fill may send now: at
// most DetailShare of the remaining 15-minute read budget and never past the
// daily one. Before any rate-limit header was seen, one request is allowed
// so the headers become known.
func (e *Engine) detailBudget() int {
	b := e.client.ReadBudget()
	if !b.Known {
		return 1
	}
	n := int(math.Floor(float64(b.Remaining15) * e.cfg.DetailShare))
	return max(0, min(n, b.RemainingDay))
}

// Backfill fetches detailed activities, newest first, within the budget
// (and at most limit when limit > 0). It returns how many it fetched.
func (e *Engine) Backfill(ctx context.Context, limit int) (int, error) {
	if !e.tryAcquire() {
		return 0, ErrAlreadyRunning
	}
	defer e.release()
	var rep Report
	return e.backfill(ctx, limit, &rep)
}

func (e *Engine) backfill(ctx context.Context, limit int, rep *Report) (int, error) {
	budget := e.detailBudget()
	if limit > 0 {
		budget = min(budget, limit)
	}
	if budget == 0 {
		return 0, nil
	}
	st, err := e.store.SyncState()
	if err != nil {
		return 0, err
	}
	candidates, err := e.store.MissingDetails(0)
	if err != nil {
		return 0, err
	}
	now := e.cfg.Now()
	ids := make([]int64, 0, budget)
	// Activities on the 404 schedule whose time has come go first.
	for id, c := range st.DetailBackfill.NotFound {
		if len(ids) < budget && !now.Before(c.NextTry) {
			ids = append(ids, id)
		}
	}
	for _, id := range candidates {
		if len(ids) == budget {
			break
		}
		if _, waiting := st.DetailBackfill.NotFound[id]; waiting || st.DetailBackfill.Failed[id] >= maxDetailFailures {
			continue
		}
		ids = append(ids, id)
	}
	n, err := e.fetchDetails(ctx, ids, rep)
	rep.DetailsFetched += n
	return n, err
}

// fetchDetails fetches and stores the detailed activities of ids, within the
// budget, reporting progress. A 404 puts the activity on the 404 schedule
// (removed only when Strava keeps answering 404); other per-activity errors
// are counted and skipped.
func (e *Engine) fetchDetails(ctx context.Context, ids []int64, rep *Report) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	clock := newETA(e.cfg.Now)
	fetched := 0
	for i, id := range ids {
		if i > 0 && e.detailBudget() == 0 {
			e.cfg.Logger.Info("detail back-fill paused: read budget used", "fetched", fetched, "left", len(ids)-i)
			break
		}
		_, err := e.fetchDetail(ctx, id)
		var gone *GoneError
		switch {
		case err == nil:
			fetched++
		case errors.As(err, &gone):
			if gone.Removed {
				rep.Removed++
			}
		case errors.Is(err, strava.ErrRateLimited), errors.Is(err, strava.ErrUnauthorized), errors.Is(err, strava.ErrForbidden), ctx.Err() != nil:
			return fetched, err
		default:
			e.cfg.Logger.Warn("fetching activity details failed", "id", id, "err", err)
			if uerr := e.store.UpdateSyncState(func(s *store.SyncState) {
				if s.DetailBackfill.Failed == nil {
					s.DetailBackfill.Failed = map[int64]int{}
				}
				s.DetailBackfill.Failed[id]++
			}); uerr != nil {
				return fetched, uerr
			}
		}
		e.cfg.Progress(Progress{Phase: PhaseDetails, Activities: i + 1, Total: len(ids), ETA: clock.estimate(i+1, len(ids))})
	}
	return fetched, nil
}

// GoneError is a 404 from GET /activities/{id}. It matches strava.ErrNotFound.
type GoneError struct {
	ID int64
	// Count is the number of 404s in a row; Removed: this one was past the
	// schedule and the activity was removed here. Otherwise NextTry is when
	// it is asked for again.
	Count   int
	Removed bool
	NextTry time.Time
	Err     error
}

func (g *GoneError) Error() string {
	if g.Removed {
		return fmt.Sprintf("activity %d: Strava kept answering 404 (%d times over more than an hour): it was deleted or made private, removed here", g.ID, g.Count)
	}
	return fmt.Sprintf("activity %d: Strava answered 404 (%d in a row; it may still be processing): kept, asked for again at %s", g.ID, g.Count, g.NextTry.Local().Format("15:04:05"))
}

func (g *GoneError) Unwrap() error { return g.Err }

// FetchDetail fetches one activity's details now (the detail view's button)
// and stores them. A 404 is not final: it returns a *GoneError (matching
// strava.ErrNotFound) and the activity is kept and asked for again on the
// 404 schedule, then removed if Strava still answers 404.
func (e *Engine) FetchDetail(ctx context.Context, id int64) (store.Activity, error) {
	return e.fetchDetail(ctx, id)
}

func (e *Engine) fetchDetail(ctx context.Context, id int64) (store.Activity, error) {
	a, err := e.client.Activity(ctx, id)
	if errors.Is(err, strava.ErrNotFound) {
		return store.Activity{}, e.notFound(id, err)
	}
	if err != nil {
		return store.Activity{}, fmt.Errorf("fetching activity %d: %w", id, err)
	}
	if a.ID != id {
		return store.Activity{}, fmt.Errorf("asked Strava for activity %d, got %d: %w", id, a.ID, strava.ErrBadResponse)
	}
	rec := store.FromStrava(a)
	if !a.Detailed() {
		rec.Detail = json.RawMessage(a.Raw) // Strava answered with a summary: keep it as the detail
		rec.Summary = nil
	}
	rec.DetailFetchedAt = e.cfg.Now()
	if _, err := e.store.UpsertDetail(rec); err != nil {
		return store.Activity{}, err
	}
	if err := e.store.UpdateSyncState(func(s *store.SyncState) {
		delete(s.DetailBackfill.NotFound, id)
		delete(s.DetailBackfill.Failed, id)
	}); err != nil {
		return store.Activity{}, err
	}
	return e.store.Get(id)
}

// notFound records a 404 for id on the schedule, removing the activity when
// the 404 outlasted it.
func (e *Engine) notFound(id int64, cause error) error {
	g := &GoneError{ID: id, Err: cause}
	sched := store.NotFoundSchedule() // the n-th 404 waits sched[n-1]
	now := e.cfg.Now()
	err := e.store.UpdateSyncState(func(s *store.SyncState) {
		if s.DetailBackfill.NotFound == nil {
			s.DetailBackfill.NotFound = map[int64]store.NotFoundCheck{}
		}
		c := s.DetailBackfill.NotFound[id]
		c.Count++
		g.Count = c.Count
		if c.Count > len(sched) {
			g.Removed = true
			delete(s.DetailBackfill.NotFound, id)
			return
		}
		c.NextTry = now.Add(sched[c.Count-1])
		g.NextTry = c.NextTry
		s.DetailBackfill.NotFound[id] = c
	})
	if err != nil {
		return err
	}
	if g.Removed {
		if _, err := e.store.Delete(id); err != nil {
			return err
		}
		e.cfg.Logger.Info("activity removed: Strava kept answering 404", "id", id, "count", g.Count)
	}
	return g
}

// noStreams is the cached streams of an activity Strava has none for.
const noStreams = "{}"

// Streams returns an activity's streams (key_by_type JSON), from the cache
// or fetched once and cached. An activity without streams (Strava's 404)
// gives an empty set, also cached.
func (e *Engine) Streams(ctx context.Context, id int64) (strava.Streams, error) {
	raw, ok, err := e.store.Streams(id)
	if err != nil {
		return strava.Streams{}, err
	}
	if ok {
		return strava.ParseStreams(raw)
	}
	s, err := e.client.Streams(ctx, id, streamKeys())
	if errors.Is(err, strava.ErrNotFound) {
		// Manual and some indoor activities have no streams: Strava answers
		// 404 rather than an empty set. Cached as an empty set, so the
		// next export asks nothing.
		if err := e.store.PutStreams(id, json.RawMessage(noStreams)); err != nil {
			return strava.Streams{}, err
		}
		return strava.ParseStreams([]byte(noStreams))
	}
	if err != nil {
		return strava.Streams{}, fmt.Errorf("fetching streams of activity %d: %w", id, err)
	}
	if err := e.store.PutStreams(id, s.Raw); err != nil {
		return strava.Streams{}, err
	}
	return s, nil
}

// Progress is a sync progress event.
type Progress struct {
	Phase      Phase
	Pages      int
	Activities int           // handled so far in this phase
	Total      int           // 0 when unknown
	ETA        time.Duration // 0 when unknown
	Done       bool
}

// Phase is what a running sync does; its text is what `owtray status`
// prints and the JSON over the IPC socket carries.
type Phase string

// Sync phases.
const (
	PhaseImport      Phase = "import"      // the first full import of the history
	PhaseFullSync    Phase = "full sync"   // a full re-list that removes deleted activities
	PhaseIncremental Phase = "incremental" // new activities since the last sync
	PhaseDetails     Phase = "details"     // back-filling detailed activities
	PhaseDone        Phase = "done"        // the history pass ended (details may follow)
)

// Phases lists every phase, for exhaustive mappings.
func Phases() []Phase {
	return []Phase{PhaseImport, PhaseFullSync, PhaseIncremental, PhaseDetails, PhaseDone}
}

// eta estimates the time left from the rate so far.
type eta struct {
	now   func() time.Time
	start time.Time
}

func newETA(now func() time.Time) eta { return eta{now: now, start: now()} }

func (c eta) estimate(done, total int) time.Duration {
	if done <= 0 || total <= done {
		return 0
	}
	per := c.now().Sub(c.start) / time.Duration(done)
	return per * time.Duration(total-done)
}
