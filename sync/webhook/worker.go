package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// ActivityFetcher is the part of the Strava client the worker uses.
type ActivityFetcher interface {
	Activity(ctx context.Context, id int64) (strava.Activity, error)
}

// Worker defaults.
const (
	DefaultMaxAttempts  = 5
	DefaultRetryInitial = time.Second
	DefaultRetryMax     = 5 * time.Minute
	DefaultPollInterval = time.Minute
	pendingBatch        = 64
)

// ErrWorkerRunning means Run was called while another Run is active.
var ErrWorkerRunning = errors.New("webhook worker is already running")

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// OnDeauthorized is called when the athlete revoked the application
	// (athlete update, authorized "false"): the app deletes the tokens from
	// the keychain, shows "disconnected — reconnect" and stops polling;
	// local data stays. It must be idempotent: after a crash it may be
	// called again for the same event. An error is retried with backoff.
	OnDeauthorized func(ctx context.Context, athleteID int64) error
	// OnApplied is called after an event took effect (or was given up), from
	// the worker's goroutine; it must return quickly.
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
	// network) and rate limits never count. Default 5.
	MaxAttempts int
	// RetryInitial and RetryMax bound the exponential backoff between
	// attempts. Defaults 1 s and 5 min.
	RetryInitial time.Duration
	RetryMax     time.Duration
	// PollInterval: the queue is also checked this often without a Notify.
	// Default 1 min.
	PollInterval time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
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
)

// Result is what one event did.
type Result struct {
	Seq     uint64
	Outcome Outcome
	// ActivityID is the activity concerned (0 for athlete events).
	ActivityID int64
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
}

func (s WorkerStatus) describe() string {
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

// Worker applies queued webhook events to the store, oldest first, one at a
// time. Every effect is committed together with the event's removal from
// the queue (store.ApplyEvent), so after a crash an event is either pending
// (and processed again: upserts and deletes are idempotent) or done.
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
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
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
	return w.status
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
		pending, err := w.pending(ctx)
		if err != nil {
			return nil // ctx ended
		}
		if len(pending) == 0 {
			w.waitWork(ctx)
			continue
		}
		for _, ev := range pending {
			if ctx.Err() != nil || w.isPaused() {
				break
			}
			w.handle(ctx, ev)
		}
	}
	return nil
}

// pending reads the next batch, retrying store errors with backoff.
func (w *Worker) pending(ctx context.Context) ([]store.QueuedEvent, error) {
	return backoff.Retry(ctx, func() ([]store.QueuedEvent, error) {
		return w.store.PendingEvents(pendingBatch)
	}, w.retryOptions(func(err error, d time.Duration) {
		w.log.Error("webhook worker cannot read the event queue", "err", err, "retry_in", d)
	})...)
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

func (w *Worker) waitWork(ctx context.Context) {
	w.setState(StateIdle, "", time.Time{})
	t := time.NewTimer(w.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-w.resumed:
	case <-t.C:
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

// handle processes one event until it is done, the worker pauses or ctx
// ends, retrying with backoff in between.
func (w *Worker) handle(ctx context.Context, qe store.QueuedEvent) {
	ev := eventFromQueue(qe)
	w.setState(StateProcessing, "", time.Time{})
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		return struct{}{}, w.attempt(ctx, qe.Seq, ev)
	}, w.retryOptions(func(err error, d time.Duration) {
		at := w.cfg.Now().Add(d)
		if errors.Is(err, strava.ErrRateLimited) {
			w.setState(StateRateLimited, err.Error(), at)
			w.log.Warn("webhook event waits for the Strava rate limit", "seq", qe.Seq, "err", err, "resume_at", at)
			return
		}
		w.setState(StateRetrying, err.Error(), at)
		w.log.Warn("webhook event processing failed, will retry", "seq", qe.Seq, "err", err, "retry_in", d)
	})...)
	if p, ok := errors.AsType[*errPause](err); ok {
		w.Pause(p.err.Error())
		w.log.Warn("webhook worker paused: the Strava connection needs the user", "seq", qe.Seq, "err", p.err)
		if w.cfg.OnPaused != nil {
			w.cfg.OnPaused(p.err)
		}
	}
}

// attempt processes one event once. It returns nil when the event is done,
// an errPause (permanent for backoff) to pause, an error wrapping a
// backoff.RetryAfterError to wait for the rate limit, or another error to
// retry with backoff.
func (w *Worker) attempt(ctx context.Context, seq uint64, ev Event) error {
	res, err := w.apply(ctx, seq, ev)
	switch {
	case err == nil:
	case errors.Is(err, errNotPending):
		w.log.Info("webhook event already processed", "seq", seq)
		return nil
	case ctx.Err() != nil:
		return backoff.Permanent(ctx.Err())
	case w.needsReconnect(err):
		return backoff.Permanent(&errPause{err: err})
	case errors.Is(err, strava.ErrRateLimited):
		return fmt.Errorf("%w: %w", err, &backoff.RetryAfterError{Duration: w.rateLimitWait(err)})
	case transient(err):
		return err
	default:
		if res, err = w.fail(seq, ev, err); err != nil {
			return err
		}
	}
	w.done(ev, res)
	return nil
}

// errNotPending marks ApplyEvent's "no longer pending" answer.
var errNotPending = errors.New("event no longer pending")

func (w *Worker) done(ev Event, res Result) {
	w.mu.Lock()
	w.status.Processed++
	if res.Outcome == OutcomeFailed {
		w.status.Failed++
	}
	w.mu.Unlock()
	w.log.Info("webhook event processed", "seq", res.Seq, "outcome", res.Outcome, "detail", res.Detail)
	w.setState(StateProcessing, "", time.Time{})
	if w.cfg.OnApplied != nil {
		w.cfg.OnApplied(ev, res)
	}
}

// fail records a permanent failure; after MaxAttempts the event is completed
// as failed and the returned error is nil.
func (w *Worker) fail(seq uint64, ev Event, cause error) (Result, error) {
	qe, err := w.store.FailEvent(seq, cause.Error())
	if err != nil {
		return Result{}, fmt.Errorf("recording the failure of event %d (%w): %w", seq, cause, err)
	}
	if qe.Attempts < w.cfg.MaxAttempts {
		return Result{}, fmt.Errorf("event %d, attempt %d of %d: %w", seq, qe.Attempts, w.cfg.MaxAttempts, cause)
	}
	res := Result{Seq: seq, Outcome: OutcomeFailed, ActivityID: activityID(ev),
		Detail: fmt.Sprintf("failed after %d attempts: %s", qe.Attempts, cause)}
	if err := w.store.CompleteEvent(seq, res.Detail); err != nil && !errors.Is(err, store.ErrNotFound) {
		return Result{}, fmt.Errorf("giving up event %d: %w", seq, err)
	}
	w.log.Error("WEBHOOK EVENT GIVEN UP: its change may be missing until the next full sync",
		"seq", seq, "object_type", ev.ObjectType, "object_id", ev.ObjectID, "aspect_type", ev.AspectType,
		"attempts", qe.Attempts, "err", cause)
	return res, nil
}

func activityID(ev Event) int64 {
	if ev.ObjectType == ObjectActivity {
		return ev.ObjectID
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

// apply performs the event's effect.
func (w *Worker) apply(ctx context.Context, seq uint64, ev Event) (Result, error) {
	res := Result{Seq: seq, ActivityID: activityID(ev)}
	var eff store.EventEffect
	athlete, err := w.store.AthleteID()
	if err != nil {
		return res, err
	}
	switch {
	case ev.OwnerID != athlete:
		// The athlete changed after the event was acknowledged.
		res.Outcome, res.Detail = OutcomeIgnored, fmt.Sprintf("ignored: event of athlete %d, not the stored athlete", ev.OwnerID)
		return res, w.complete(seq, res.Detail)
	case ev.ObjectType == ObjectActivity && ev.AspectType == AspectDelete:
		eff = store.EventEffect{Delete: ev.ObjectID}
	case ev.ObjectType == ObjectActivity:
		a, err := w.client.Activity(ctx, ev.ObjectID)
		switch {
		case errors.Is(err, strava.ErrNotFound):
			// Deleted since, or now private without activity:read_all.
			eff = store.EventEffect{Delete: ev.ObjectID}
		case err != nil:
			return res, fmt.Errorf("fetching activity %d: %w", ev.ObjectID, err)
		default:
			rec := detailRecord(a, w.cfg.Now())
			eff = store.EventEffect{Upsert: &rec}
		}
	case ev.Deauthorization():
		if w.cfg.OnDeauthorized != nil {
			if err := w.cfg.OnDeauthorized(ctx, ev.OwnerID); err != nil {
				return res, fmt.Errorf("handling the deauthorization of athlete %d: %w", ev.OwnerID, err)
			}
		} else {
			w.log.Warn("athlete deauthorized the app, but no handler is set", "athlete_id", ev.OwnerID)
		}
		res.Outcome, res.Detail = OutcomeDeauthorized, fmt.Sprintf("athlete %d deauthorized the app", ev.OwnerID)
		return res, w.complete(seq, res.Detail)
	default:
		res.Outcome, res.Detail = OutcomeIgnored, fmt.Sprintf("ignored: %s %s", ev.ObjectType, ev.AspectType)
		return res, w.complete(seq, res.Detail)
	}

	switch {
	case eff.Upsert != nil:
		eff.Result = fmt.Sprintf("stored activity %d", ev.ObjectID)
	case ev.AspectType == AspectDelete:
		eff.Result = fmt.Sprintf("removed activity %d", ev.ObjectID)
	default:
		eff.Result = fmt.Sprintf("removed activity %d (not found on Strava)", ev.ObjectID)
	}
	up, err := w.store.ApplyEvent(seq, eff)
	if err != nil {
		return res, w.storeErr(seq, err)
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
		if a, err := w.store.Get(ev.ObjectID); err == nil {
			res.Activity = &a
		}
	}
	return res, nil
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

func (w *Worker) complete(seq uint64, result string) error {
	if err := w.store.CompleteEvent(seq, result); err != nil {
		return w.storeErr(seq, err)
	}
	return nil
}

// storeErr marks "event no longer pending" so attempt treats it as done.
func (w *Worker) storeErr(seq uint64, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("event %d: %w: %w", seq, errNotPending, err)
	}
	return err
}
