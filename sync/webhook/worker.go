package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// ActivityFetcher is the part of the Strava client the worker uses: the
// activity, and the rate-limit snapshot its share of the budget is taken
// from.
type ActivityFetcher interface {
	Activity(ctx context.Context, id int64) (strava.Activity, error)
	RateLimits() strava.RateLimitSnapshot
}

// AccessChecker confirms an athlete's deauthorization event with Strava
// before the tokens are wiped.
type AccessChecker interface {
	// AccessRevoked reports whether Strava refuses owtray's grant: true when
	// a token refresh or GET /athlete was answered 401, false when Strava
	// accepted the token. Any other error is returned (and retried).
	AccessRevoked(ctx context.Context) (bool, error)
}

// AccessCheckFunc adapts a function to AccessChecker.
type AccessCheckFunc func(ctx context.Context) (bool, error)

// AccessRevoked calls f.
func (f AccessCheckFunc) AccessRevoked(ctx context.Context) (bool, error) { return f(ctx) }

// Worker defaults.
const (
	DefaultMaxAttempts  = 5
	DefaultRetryInitial = time.Second
	DefaultRetryMax     = 5 * time.Minute
	DefaultPollInterval = time.Minute
	// DefaultMinRefetch: events that arrive while their activity is being
	// fetched (and are newer than the fetch) get the next fetch this much
	// later, so a flood of updates costs one fetch per activity per period.
	DefaultMinRefetch = 30 * time.Second
	// DefaultCoverMargin: an event counts as answered by a fetch that
	// started at least this long after its event_time (clock skew between
	// Strava and this computer, and Strava's own propagation delay).
	DefaultCoverMargin = 10 * time.Second
	// DefaultBudgetShare is the share of each of Strava's read limits
	// (15 minutes and daily) that event-driven requests may use.
	DefaultBudgetShare = 0.3
	// Strava's default read limits, assumed until its headers say otherwise.
	defaultRead15   = 100
	defaultReadDay  = 1000
	pendingBatch    = 64
	minBudgetWindow = 1
)

// DefaultNotFoundSchedule is when a 404 from GET /activities/{id} is asked
// again: store.NotFoundSchedule, the one schedule the engine's back-fill
// uses too.
func DefaultNotFoundSchedule() []time.Duration { return store.NotFoundSchedule() }

// ErrWorkerRunning means Run was called while another Run is active.
var ErrWorkerRunning = errors.New("webhook worker is already running")

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// OnDeauthorized is called when the athlete revoked the application
	// (athlete update, authorized "false") and Access confirmed it: the app
	// deletes the tokens from the keychain, shows "disconnected — reconnect"
	// and stops polling; local data stays. It must be idempotent: after a
	// crash it may be called again for the same event. An error is retried
	// with backoff.
	OnDeauthorized func(ctx context.Context, athleteID int64) error
	// Access confirms a deauthorization with Strava. Nil: deauthorization
	// events are never believed (logged and ignored).
	Access AccessChecker
	// OnApplied is called after an event took effect (or was given up), from
	// the worker's goroutine; it must return quickly. Events merged into one
	// pending object are reported once, with the latest one's fields.
	OnApplied func(Event, Result)
	// OnPaused is called when the worker pauses because the connection needs
	// the user (401, missing permission, inactive app); the app shows it and
	// calls Resume after a reconnect.
	OnPaused func(err error)
	// NeedsReconnect reports errors (besides Strava's 401 and 403) that mean
	// the connection needs the user, e.g. the token source's "not connected".
	NeedsReconnect func(error) bool
	// MaxAttempts: an event failing this often with a permanent error (a
	// response owtray cannot use, a record the store refuses) is completed
	// as "failed: …" so the queue does not wedge. Transient errors (5xx,
	// network), rate limits and 404s never count. Default 5.
	MaxAttempts int
	// RetryInitial and RetryMax bound the exponential backoff between
	// attempts. Defaults 1 s and 5 min.
	RetryInitial time.Duration
	RetryMax     time.Duration
	// NotFoundSchedule: see DefaultNotFoundSchedule (the default).
	NotFoundSchedule []time.Duration
	// MinRefetch: see DefaultMinRefetch (the default).
	MinRefetch time.Duration
	// CoverMargin: see DefaultCoverMargin (the default).
	CoverMargin time.Duration
	// BudgetShare: see DefaultBudgetShare (the default); at least one
	// request per window is always allowed.
	BudgetShare float64
	// PollInterval: the queue is also checked this often without a Notify.
	// Default 1 min.
	PollInterval time.Duration
	Logger       *slog.Logger
	// Now and After are the clock (default time.Now and time.After); tests
	// pass a fake one to run the retry schedule and the budget windows.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
}

// Outcome says what processing an event did.
type Outcome string

// Outcomes.
const (
	OutcomeAdded        Outcome = "added"
	OutcomeUpdated      Outcome = "updated"
	OutcomeUnchanged    Outcome = "unchanged"
	OutcomeRemoved      Outcome = "removed"
	OutcomeDeauthorized Outcome = "deauthorized"
	OutcomeIgnored      Outcome = "ignored"
	OutcomeFailed       Outcome = "failed"
	// OutcomeDeferred: Strava answered 404; asked again later (not reported
	// to OnApplied).
	OutcomeDeferred Outcome = "deferred"
)

// Result is what one event did.
type Result struct {
	Seq     uint64
	Outcome Outcome
	// ActivityID is the activity concerned (0 for athlete events).
	ActivityID int64
	// Events is how many acknowledged events this settled.
	Events int
	// Activity is the stored activity after an add or update.
	Activity *store.Activity
	// Detail is the short text recorded for health, e.g. "added activity 1".
	Detail string
}

// Worker states.
const (
	StateStopped     = "stopped"
	StateIdle        = "idle"
	StateProcessing  = "processing"
	StateRetrying    = "retrying"
	StateRateLimited = "rate limited"
	StatePaused      = "paused"
)

// WorkerStatus is the worker's state for health and status displays.
type WorkerStatus struct {
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"` // why paused, retrying or rate limited
	RetryAt   time.Time `json:"retry_at,omitzero"`
	Processed uint64    `json:"processed"` // events finished since start
	Failed    uint64    `json:"failed"`    // events given up since start
	// Requests15 is the event-driven requests sent in the current
	// 15-minute window, of at most Share15.
	Requests15 int `json:"requests_15min"`
	Share15    int `json:"share_15min"`
}

// Describe is the status in words, e.g. "event processing paused: …".
func (s WorkerStatus) Describe() string {
	switch s.State {
	case StatePaused:
		return "event processing paused: " + s.Reason
	case StateRateLimited:
		return "event processing waits for the rate limit: " + s.Reason
	case StateStopped:
		return "event processing stopped"
	}
	return "event processing " + s.State
}

// Worker applies queued webhook events to the store, one pending object
// (activity or athlete) at a time, oldest first. Every effect is committed
// together with the events' removal from the queue (store.ApplyEvent), so
// after a crash an event is either pending (and processed again: upserts
// and deletes are idempotent) or done.
type Worker struct {
	store  *store.Store
	client ActivityFetcher
	cfg    WorkerConfig
	log    *slog.Logger

	wake    chan struct{} // Notify
	resumed chan struct{} // Resume
	running sync.Mutex    // held by Run

	mu          sync.Mutex
	status      WorkerStatus
	paused      bool
	pauseReason string
	budget      shareBudget // last seen, for Status
}

// NewWorker returns a stopped worker; start it with Run.
func NewWorker(st *store.Store, client ActivityFetcher, cfg WorkerConfig) *Worker {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = DefaultRetryInitial
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.NotFoundSchedule == nil {
		cfg.NotFoundSchedule = DefaultNotFoundSchedule()
	}
	if cfg.MinRefetch <= 0 {
		cfg.MinRefetch = DefaultMinRefetch
	}
	if cfg.CoverMargin <= 0 {
		cfg.CoverMargin = DefaultCoverMargin
	}
	if cfg.BudgetShare <= 0 || cfg.BudgetShare > 1 {
		cfg.BudgetShare = DefaultBudgetShare
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.After == nil {
		cfg.After = time.After
	}
	return &Worker{
		store: st, client: client, cfg: cfg, log: cfg.Logger.With("component", "webhook-worker"),
		wake: make(chan struct{}, 1), resumed: make(chan struct{}, 1),
		status: WorkerStatus{State: StateStopped},
	}
}

// Notify wakes the worker: an event was queued. It never blocks.
func (w *Worker) Notify() { signal(w.wake) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Pause stops processing after the current event until Resume; pending
// events stay queued.
func (w *Worker) Pause(reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused, w.pauseReason = true, reason
	if w.status.State != StateStopped {
		w.status.State, w.status.Reason, w.status.RetryAt = StatePaused, reason, time.Time{}
	}
}

// Resume continues after a pause (e.g. once the athlete reconnected).
func (w *Worker) Resume() {
	w.mu.Lock()
	if w.paused {
		w.paused, w.pauseReason = false, ""
		if w.status.State != StateStopped {
			w.status.State, w.status.Reason = StateIdle, ""
		}
	}
	w.mu.Unlock()
	signal(w.resumed)
}

// Status returns the worker's state.
func (w *Worker) Status() WorkerStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.status
	st.Requests15, st.Share15 = w.budget.used15, w.budget.share15
	return st
}

func (w *Worker) setState(state, reason string, retryAt time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.paused && state != StateStopped {
		state, reason, retryAt = StatePaused, w.pauseReason, time.Time{}
	}
	w.status.State, w.status.Reason, w.status.RetryAt = state, reason, retryAt
}

func (w *Worker) isPaused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused
}

// Run processes the queue until ctx ends, starting with the events left
// pending by an earlier run. It returns nil when ctx ends (the event being
// processed stays queued) and ErrWorkerRunning when already running.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.TryLock() {
		return ErrWorkerRunning
	}
	defer w.running.Unlock()
	defer w.setState(StateStopped, "", time.Time{})
	w.setState(StateIdle, "", time.Time{})
	w.log.Info("webhook worker started")
	defer w.log.Info("webhook worker stopped")
	for ctx.Err() == nil {
		if w.isPaused() {
			w.waitResume(ctx)
			continue
		}
		due, next, err := w.due(ctx)
		if err != nil {
			return nil // ctx ended
		}
		if len(due) == 0 {
			w.waitWork(ctx, next)
			continue
		}
		for _, p := range due {
			if ctx.Err() != nil || w.isPaused() {
				break
			}
			if resume, ok := w.handle(ctx, p); !ok {
				w.waitBudget(ctx, resume)
				break
			}
		}
	}
	return nil
}

// due reads the next batch, retrying store errors with backoff.
func (w *Worker) due(ctx context.Context) ([]store.PendingEvent, time.Time, error) {
	type batch struct {
		due  []store.PendingEvent
		next time.Time
	}
	b, err := backoff.Retry(ctx, func() (batch, error) {
		due, next, err := w.store.DueEvents(w.cfg.Now(), pendingBatch)
		return batch{due, next}, err
	}, w.retryOptions(func(err error, d time.Duration) {
		w.log.Error("webhook worker cannot read the event queue", "err", err, "retry_in", d)
	})...)
	return b.due, b.next, err
}

func (w *Worker) retryOptions(notify backoff.Notify) []backoff.RetryOption {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     w.cfg.RetryInitial,
		RandomizationFactor: 0.3,
		Multiplier:          2,
		MaxInterval:         w.cfg.RetryMax,
	}
	return []backoff.RetryOption{backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0), backoff.WithNotify(notify)}
}

// waitWork waits for a Notify, a Resume, the next scheduled retry (next,
// zero when none) or PollInterval.
func (w *Worker) waitWork(ctx context.Context, next time.Time) {
	w.setState(StateIdle, "", time.Time{})
	d := w.cfg.PollInterval
	if !next.IsZero() {
		d = min(d, max(next.Sub(w.cfg.Now()), time.Millisecond))
	}
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-w.resumed:
	case <-w.cfg.After(d):
	}
}

// waitBudget waits until the event budget is available again at resume.
func (w *Worker) waitBudget(ctx context.Context, resume time.Time) {
	reason := "the share of Strava's read limit kept for events is used up"
	w.setState(StateRateLimited, reason, resume)
	w.log.Warn("webhook events wait for the next rate-limit window", "reason", reason, "resume_at", resume)
	select {
	case <-ctx.Done():
	case <-w.resumed:
	case <-w.cfg.After(max(resume.Sub(w.cfg.Now()), time.Millisecond)):
	}
}

func (w *Worker) waitResume(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-w.resumed:
	}
}

// errPause carries an error that needs the user.
type errPause struct{ err error }

func (e *errPause) Error() string { return e.err.Error() }
func (e *errPause) Unwrap() error { return e.err }

// errNoBudget: the event share of the read budget is used up until resume.
type errNoBudget struct{ resume time.Time }

func (e *errNoBudget) Error() string {
	return "event budget used up until " + e.resume.UTC().Format(time.RFC3339)
}

// handle processes one pending object until it is done, deferred, the
// worker pauses or ctx ends, retrying with backoff in between. It returns
// false (and when to try again) when the event budget is used up.
func (w *Worker) handle(ctx context.Context, p store.PendingEvent) (time.Time, bool) {
	w.setState(StateProcessing, "", time.Time{})
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		return struct{}{}, w.attempt(ctx, p)
	}, w.retryOptions(func(err error, d time.Duration) {
		at := w.cfg.Now().Add(d)
		if errors.Is(err, strava.ErrRateLimited) {
			w.setState(StateRateLimited, err.Error(), at)
			w.log.Warn("webhook event waits for the Strava rate limit", "seq", p.Seq, "err", err, "resume_at", at)
			return
		}
		w.setState(StateRetrying, err.Error(), at)
		w.log.Warn("webhook event processing failed, will retry", "seq", p.Seq, "err", err, "retry_in", d)
	})...)
	if nb, ok := errors.AsType[*errNoBudget](err); ok {
		return nb.resume, false
	}
	if pe, ok := errors.AsType[*errPause](err); ok {
		w.Pause(pe.err.Error())
		w.log.Warn("webhook worker paused: the Strava connection needs the user", "seq", p.Seq, "err", pe.err)
		if w.cfg.OnPaused != nil {
			w.cfg.OnPaused(pe.err)
		}
	}
	return time.Time{}, true
}

// attempt processes one pending object once. It returns nil when it is
// done, an errPause or errNoBudget (permanent for backoff) to pause or
// wait, an error wrapping a backoff.RetryAfterError to wait for the rate
// limit, or another error to retry with backoff.
func (w *Worker) attempt(ctx context.Context, p store.PendingEvent) error {
	res, err := w.apply(ctx, p)
	switch _, noBudget := errors.AsType[*errNoBudget](err); {
	case err == nil:
	case errors.Is(err, errNotPending):
		w.log.Info("webhook event already processed", "seq", p.Seq)
		return nil
	case noBudget:
		return backoff.Permanent(err)
	case ctx.Err() != nil:
		return backoff.Permanent(ctx.Err())
	case w.needsReconnect(err):
		return backoff.Permanent(&errPause{err: err})
	case errors.Is(err, strava.ErrRateLimited):
		return fmt.Errorf("%w: %w", err, &backoff.RetryAfterError{Duration: w.rateLimitWait(err)})
	case transient(err):
		return err
	default:
		if res, err = w.fail(p, err); err != nil {
			return err
		}
	}
	w.done(p, res)
	return nil
}

// errNotPending marks ApplyEvent's "no longer pending" answer.
var errNotPending = errors.New("event no longer pending")

func (w *Worker) done(p store.PendingEvent, res Result) {
	w.log.Info("webhook event processed", "seq", res.Seq, "outcome", res.Outcome, "events", res.Events, "detail", res.Detail)
	w.setState(StateProcessing, "", time.Time{})
	if res.Outcome == OutcomeDeferred {
		return
	}
	w.mu.Lock()
	w.status.Processed += uint64(max(res.Events, 1))
	if res.Outcome == OutcomeFailed {
		w.status.Failed++
	}
	w.mu.Unlock()
	if w.cfg.OnApplied != nil {
		w.cfg.OnApplied(eventOf(p), res)
	}
}

// eventOf is the latest event merged into p, as far as it is kept.
func eventOf(p store.PendingEvent) Event {
	aspect := AspectUpdate
	switch {
	case p.OnlyCreates():
		aspect = AspectCreate
	case p.Deletes > 0 && p.Changes == 0:
		aspect = AspectDelete
	}
	u := map[string]string{}
	maps.Copy(u, p.Updates)
	return Event{ObjectType: p.ObjectType, ObjectID: p.ObjectID, AspectType: aspect, Updates: u,
		OwnerID: p.OwnerID, SubscriptionID: p.SubscriptionID, EventTime: p.MaxEventTime}
}

// fail records a permanent failure; after MaxAttempts the object is
// completed as failed and the returned error is nil.
func (w *Worker) fail(p store.PendingEvent, cause error) (Result, error) {
	cur, err := w.store.FailEvent(p, cause.Error())
	if err != nil {
		return Result{}, fmt.Errorf("recording the failure of event %d (%w): %w", p.Seq, cause, err)
	}
	if cur.Attempts < w.cfg.MaxAttempts {
		return Result{}, fmt.Errorf("event %d, attempt %d of %d: %w", p.Seq, cur.Attempts, w.cfg.MaxAttempts, cause)
	}
	res := Result{Seq: p.Seq, Outcome: OutcomeFailed, ActivityID: activityID(p), Events: cur.Events,
		Detail: fmt.Sprintf("failed after %d attempts: %s", cur.Attempts, cause)}
	if err := w.store.CompleteEvent(cur, res.Detail); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("giving up event %d: %w", p.Seq, err)
	}
	w.log.Error("WEBHOOK EVENT GIVEN UP: its change may be missing until the next full sync",
		"seq", p.Seq, "object_type", p.ObjectType, "object_id", p.ObjectID, "events", cur.Events,
		"attempts", cur.Attempts, "err", cause)
	return res, nil
}

func activityID(p store.PendingEvent) int64 {
	if p.ObjectType == ObjectActivity {
		return p.ObjectID
	}
	return 0
}

func (w *Worker) needsReconnect(err error) bool {
	if errors.Is(err, strava.ErrUnauthorized) || errors.Is(err, strava.ErrForbidden) {
		return true
	}
	return w.cfg.NeedsReconnect != nil && w.cfg.NeedsReconnect(err)
}

// transient errors are retried without counting as attempts.
func transient(err error) bool {
	return errors.Is(err, strava.ErrServer) || errors.Is(err, strava.ErrNetwork) ||
		errors.Is(err, context.DeadlineExceeded)
}

// rateLimitWait is how long to wait before trying again after err.
func (w *Worker) rateLimitWait(err error) time.Duration {
	now := w.cfg.Now()
	resume := strava.Next15MinReset(now)
	if rl, ok := errors.AsType[*strava.RateLimitError](err); ok && !rl.ResumeAt.IsZero() {
		resume = rl.ResumeAt
	}
	return max(resume.Sub(now), time.Second)
}

// apply performs the pending object's effect.
func (w *Worker) apply(ctx context.Context, p store.PendingEvent) (Result, error) {
	res := Result{Seq: p.Seq, ActivityID: activityID(p), Events: p.Events}
	athlete, err := w.store.AthleteID()
	if err != nil {
		return res, err
	}
	switch {
	case p.OwnerID != athlete:
		// The athlete changed after the event was acknowledged.
		res.Outcome, res.Detail = OutcomeIgnored, fmt.Sprintf("ignored: event of athlete %d, not the stored athlete", p.OwnerID)
		return res, w.complete(p, res.Detail)
	case p.ObjectType == ObjectActivity:
		return w.applyActivity(ctx, p, res)
	case p.Deauthorize:
		return w.applyDeauthorization(ctx, p, res)
	default:
		res.Outcome, res.Detail = OutcomeIgnored, fmt.Sprintf("ignored: %s update", p.ObjectType)
		return res, w.complete(p, res.Detail)
	}
}

// applyActivity asks Strava for the activity (unless a fetch that started
// after every merged event already answered it) and stores the answer: 200
// upserts it, whatever the events said (so a forged or stale delete only
// refreshes it); a 404 is asked again along NotFoundSchedule and removes the
// local copy only when it persists through every step.
func (w *Worker) applyActivity(ctx context.Context, p store.PendingEvent, res Result) (Result, error) {
	id := p.ObjectID
	fetched, answered := w.answered(p)
	if answered {
		res.Outcome = OutcomeUnchanged
		res.Detail = fmt.Sprintf("activity %d already fetched after these events", id)
		return res, w.complete(p, res.Detail)
	}
	if next := fetched.Add(w.cfg.MinRefetch); w.cfg.Now().Before(next) {
		// Fetched moments ago: once more after MinRefetch, for all the
		// events arriving until then.
		why := "fetched less than " + w.cfg.MinRefetch.String() + " ago"
		if _, err := w.store.RetryEvent(p, next, p.NotFound, why); err != nil {
			return res, w.storeErr(p, err)
		}
		res.Outcome, res.Detail = OutcomeDeferred, fmt.Sprintf("activity %d: %s; again at %s", id, why, next.UTC().Format(time.RFC3339))
		return res, nil
	}
	if err := w.takeBudget(); err != nil {
		return res, err
	}
	start := w.cfg.Now()
	a, err := w.client.Activity(ctx, id)
	var eff store.EventEffect
	switch {
	case errors.Is(err, strava.ErrNotFound):
		if p.NotFound < len(w.cfg.NotFoundSchedule) {
			return w.deferNotFound(p, res)
		}
		// Deleted, or now private without activity:read_all.
		eff = store.EventEffect{Delete: id,
			Result: fmt.Sprintf("removed activity %d (not found on Strava after %d tries)", id, p.NotFound+1)}
	case err != nil:
		return res, fmt.Errorf("fetching activity %d: %w", id, err)
	default:
		rec := detailRecord(a, start)
		eff = store.EventEffect{Upsert: &rec, Result: fmt.Sprintf("stored activity %d", id)}
	}
	eff.CoveredBefore = start.Add(-w.cfg.CoverMargin).Unix()
	eff.Requeue = w.cfg.Now().Add(w.cfg.MinRefetch)
	up, err := w.store.ApplyEvent(p, eff)
	if err != nil {
		return res, w.storeErr(p, err)
	}
	res.Detail = eff.Result
	switch {
	case up.Added > 0:
		res.Outcome = OutcomeAdded
	case up.Updated > 0:
		res.Outcome = OutcomeUpdated
	case up.Removed > 0:
		res.Outcome = OutcomeRemoved
	case eff.Upsert != nil:
		res.Outcome = OutcomeUnchanged
	default:
		res.Outcome, res.Detail = OutcomeRemoved, eff.Result+" (was not stored)"
	}
	if eff.Upsert != nil {
		if a, err := w.store.Get(id); err == nil {
			res.Activity = &a
		}
	}
	return res, nil
}

// deferNotFound schedules the next question after a 404.
func (w *Worker) deferNotFound(p store.PendingEvent, res Result) (Result, error) {
	step := p.NotFound
	at := w.cfg.Now().Add(w.cfg.NotFoundSchedule[step])
	why := fmt.Sprintf("Strava answered 404 (%d of %d); asking again at %s", step+1, len(w.cfg.NotFoundSchedule)+1, at.UTC().Format(time.RFC3339))
	if _, err := w.store.RetryEvent(p, at, step+1, why); err != nil {
		return res, w.storeErr(p, err)
	}
	res.Outcome, res.Detail = OutcomeDeferred, fmt.Sprintf("activity %d: %s", p.ObjectID, why)
	return res, nil
}

// answered reports whether the stored activity already answers every event
// merged into p: its detail was fetched at least CoverMargin after the
// newest event, or the events are only creates (a duplicate delivery says
// nothing new about an activity already fetched). It also returns when the
// stored detail was fetched (zero: never).
func (w *Worker) answered(p store.PendingEvent) (time.Time, bool) {
	a, err := w.store.Get(p.ObjectID)
	if err != nil || a.DetailFetchedAt.IsZero() || !a.HasDetail() {
		return time.Time{}, false
	}
	at := a.DetailFetchedAt
	return at, p.OnlyCreates() || p.MaxEventTime < at.Add(-w.cfg.CoverMargin).Unix()
}

// applyDeauthorization wipes the tokens only when Strava confirms that the
// grant is gone; a forged or stale deauthorization changes nothing.
func (w *Worker) applyDeauthorization(ctx context.Context, p store.PendingEvent, res Result) (Result, error) {
	if w.cfg.Access == nil {
		w.log.Warn("athlete deauthorization event not confirmed: no access checker; tokens kept", "athlete_id", p.OwnerID)
		res.Outcome, res.Detail = OutcomeIgnored, "ignored: deauthorization cannot be confirmed"
		return res, w.complete(p, res.Detail)
	}
	if err := w.takeBudget(); err != nil {
		return res, err
	}
	revoked, err := w.cfg.Access.AccessRevoked(ctx)
	if err != nil {
		return res, fmt.Errorf("confirming the deauthorization of athlete %d: %w", p.OwnerID, err)
	}
	if !revoked {
		w.log.Warn("deauthorization event not confirmed by Strava (forged or stale): tokens kept", "athlete_id", p.OwnerID)
		res.Outcome, res.Detail = OutcomeIgnored, "ignored: deauthorization not confirmed by Strava"
		return res, w.complete(p, res.Detail)
	}
	if w.cfg.OnDeauthorized != nil {
		if err := w.cfg.OnDeauthorized(ctx, p.OwnerID); err != nil {
			return res, fmt.Errorf("handling the deauthorization of athlete %d: %w", p.OwnerID, err)
		}
	}
	res.Outcome, res.Detail = OutcomeDeauthorized, fmt.Sprintf("athlete %d deauthorized the app", p.OwnerID)
	return res, w.complete(p, res.Detail)
}

// detailRecord is the store record of a freshly fetched activity.
func detailRecord(a strava.Activity, fetched time.Time) store.Activity {
	rec := store.FromStrava(a)
	if !a.Detailed() { // Strava answered with a summary: keep it as the detail
		rec.Detail, rec.Summary = json.RawMessage(a.Raw), nil
	}
	rec.DetailFetchedAt = fetched
	return rec
}

func (w *Worker) complete(p store.PendingEvent, result string) error {
	if err := w.store.CompleteEvent(p, result); err != nil {
		return w.storeErr(p, err)
	}
	return nil
}

// storeErr marks "event no longer pending" so attempt treats it as done.
func (w *Worker) storeErr(p store.PendingEvent, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("event %d: %w: %w", p.Seq, errNotPending, err)
	}
	return err
}

// shareBudget mirrors the store's event budget for Status.
type shareBudget struct {
	used15, share15 int
}

// takeBudget counts one event-driven request (durably, so a restart grants
// no new share), or returns errNoBudget when the share of the 15-minute or
// daily read limit is used up.
func (w *Worker) takeBudget() error {
	now := w.cfg.Now()
	limit15, limitDay := readLimits(w.client.RateLimits())
	share15 := max(minBudgetWindow, int(float64(limit15)*w.cfg.BudgetShare))
	shareDay := max(minBudgetWindow, int(float64(limitDay)*w.cfg.BudgetShare))
	reset15, resetDay := strava.Next15MinReset(now).UTC(), strava.NextDailyReset(now).UTC()
	b, ok, err := w.store.TakeEventBudget(reset15, resetDay, share15, shareDay)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.budget = shareBudget{used15: b.Used15, share15: share15}
	w.mu.Unlock()
	switch {
	case ok:
		return nil
	case b.UsedDay >= shareDay:
		return &errNoBudget{resume: resetDay}
	}
	return &errNoBudget{resume: reset15}
}

// readLimits are the read limits that bound GET requests (the smaller of
// the read and the overall limit), Strava's defaults until known.
func readLimits(s strava.RateLimitSnapshot) (per15, perDay int) {
	pick := func(vals ...int) int {
		out := 0
		for _, v := range vals {
			if v > 0 && (out == 0 || v < out) {
				out = v
			}
		}
		return out
	}
	per15, perDay = pick(s.Read.Limit15, s.Overall.Limit15), pick(s.Read.LimitDay, s.Overall.LimitDay)
	if per15 == 0 {
		per15 = defaultRead15
	}
	if perDay == 0 {
		perDay = defaultReadDay
	}
	return per15, perDay
}
