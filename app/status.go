package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/tunnel"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/webhook"
)

// Status is what `owtray status` and the window show. It never holds a secret.
type Status struct {
	Connected   bool      `json:"connected"`
	AthleteID   int64     `json:"athlete_id,omitempty"`
	AthleteName string    `json:"athlete_name,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	TokenExpiry time.Time `json:"token_expiry,omitzero"`
	// Problem says why the app is not connected, or what needs fixing;
	// zero when connected.
	Problem        Problem                  `json:"problem,omitzero"`
	Activities     int                      `json:"activities"`
	LastSync       time.Time                `json:"last_sync,omitzero"`
	LastSyncResult string                   `json:"last_sync_result,omitempty"`
	LastSyncError  string                   `json:"last_sync_error,omitempty"`
	ImportPending  bool                     `json:"import_pending,omitempty"` // a full import stopped midway and will resume
	Syncing        bool                     `json:"syncing,omitempty"`
	Progress       engine.Progress          `json:"progress,omitzero"`
	Webhooks       WebhookStatus            `json:"webhooks"`
	RateLimit      string                   `json:"rate_limit"`
	RateLimits     strava.RateLimitSnapshot `json:"rate_limits"`
	DataDir        string                   `json:"data_dir"`
	// Health is what the health endpoint reports; HealthReasons say why it
	// is degraded (they may name the athlete's data: not in the endpoint).
	Health        HealthStatus `json:"health"`
	HealthReasons []string     `json:"health_reasons,omitempty"`
	// LastBackup is the newest copy in <data dir>/backups (zero: none).
	LastBackup time.Time `json:"last_backup,omitzero"`
	// DamagedRecords counts stored activities that cannot be read (skipped
	// by list and the window; `owtray repair` fixes it).
	DamagedRecords int `json:"damaged_records,omitempty"`
}

// WebhookStatus says whether new activities arrive in real time.
type WebhookStatus struct {
	Mode         WebhookMode `json:"mode"`
	PublicURL    string      `json:"public_url,omitempty"`
	Message      string      `json:"message,omitempty"`
	Subscription string      `json:"subscription_error,omitempty"`
	QueueDepth   int         `json:"queue_depth"`
	Paused       string      `json:"paused,omitempty"` // why event processing waits
	// Subscribed: a push subscription is registered (SubscriptionID, for
	// CallbackURL).
	Subscribed     bool   `json:"subscribed"`
	SubscriptionID int64  `json:"subscription_id,omitempty"`
	CallbackURL    string `json:"callback_url,omitempty"`
	// The event queue.
	LastEventAt     time.Time `json:"last_event_at,omitzero"` // last event received
	OldestPendingAt time.Time `json:"oldest_pending_at,omitzero"`
	LastProcessedAt time.Time `json:"last_processed_at,omitzero"`
	LastResult      string    `json:"last_result,omitempty"`
	Received        uint64    `json:"received"`
	Duplicates      uint64    `json:"duplicates"`
	Processed       uint64    `json:"processed"`
	// Ignored (foreign owner or subscription) and Rejected (bad requests)
	// count since the running instance started; such events are not stored.
	Ignored  uint64 `json:"ignored"`
	Rejected uint64 `json:"rejected"`
	// Worker is the event worker of the running instance.
	Worker webhook.WorkerStatus `json:"worker,omitzero"`
}

// WebhookMode says how, if at all, new activities reach owtray in real
// time. Its text is what `owtray status` prints.
type WebhookMode string

// Webhook modes.
const (
	WebhooksNotRunning WebhookMode = "not running" // no serve or desktop app runs
	WebhooksOff        WebhookMode = "off"         // no ngrok authtoken, no own callback URL
	WebhooksConnecting WebhookMode = "connecting"  // the ngrok tunnel is being opened
	WebhooksLive       WebhookMode = "live"        // through the ngrok tunnel
	WebhooksExternal   WebhookMode = "external"    // through the user's own callback URL
	WebhooksError      WebhookMode = "error"       // the tunnel failed; see Message
)

// WebhookModes lists every mode, for exhaustive mappings.
func WebhookModes() []WebhookMode {
	return []WebhookMode{WebhooksNotRunning, WebhooksOff, WebhooksConnecting, WebhooksLive, WebhooksExternal, WebhooksError}
}

// webhookMode is the mode of a running tunnel; the zero Mode is a tunnel
// that has not reported yet.
func webhookMode(m tunnel.Mode) WebhookMode {
	switch m {
	case "", tunnel.ModeConnecting:
		return WebhooksConnecting
	case tunnel.ModeOff:
		return WebhooksOff
	case tunnel.ModeLive:
		return WebhooksLive
	case tunnel.ModeExternal:
		return WebhooksExternal
	case tunnel.ModeError:
		return WebhooksError
	}
	return WebhooksError // unreachable: TestEveryTunnelModeIsMapped
}

// Problem is why owtray is not connected, or what needs fixing.
type Problem struct {
	Kind    ProblemKind `json:"kind"`
	Message string      `json:"message"` // for people, e.g. "run `owtray login`"
}

// ProblemKind classifies a Problem.
type ProblemKind string

// Problem kinds; the zero kind is no problem.
const (
	ProblemNone ProblemKind = ""
	// ProblemNotConnected: no Strava grant is stored and no athlete's data.
	ProblemNotConnected ProblemKind = "not_connected"
	// ProblemReconnectNeeded: an athlete's data is stored but access was
	// revoked, ended or its refresh refused.
	ProblemReconnectNeeded ProblemKind = "reconnect_needed"
	// ProblemNoKeychain: the OS keychain cannot be reached.
	ProblemNoKeychain ProblemKind = "no_keychain"
	// ProblemAppInactive: Strava answers 403 Application Inactive (the API
	// application's owner must renew it); owtray resumes by itself.
	ProblemAppInactive ProblemKind = "app_inactive"
	// ProblemOther: reading the tokens failed otherwise; see Message.
	ProblemOther ProblemKind = "other"
)

// ProblemKinds lists every kind, for exhaustive mappings.
func ProblemKinds() []ProblemKind {
	return []ProblemKind{ProblemNone, ProblemNotConnected, ProblemReconnectNeeded, ProblemNoKeychain, ProblemAppInactive, ProblemOther}
}

// tokenProblem classifies the error of reading the tokens.
func (a *App) tokenProblem(err error) Problem {
	switch {
	case errors.Is(err, auth.ErrNotConnected) && a.wasConnected():
		return Problem{ProblemReconnectNeeded, ConnectionLost + " (access was revoked or you logged out; run `owtray login`)"}
	case errors.Is(err, auth.ErrNotConnected):
		return Problem{ProblemNotConnected, "run `owtray login`"}
	case errors.Is(err, auth.ErrNeedsReconnect):
		return Problem{ProblemReconnectNeeded, ProblemReconnect + ": Strava no longer accepts owtray's access (run `owtray login`)"}
	case errors.Is(err, secrets.ErrUnavailable):
		return Problem{ProblemNoKeychain, err.Error()}
	}
	return Problem{ProblemOther, err.Error()}
}

// AppInactiveMessage is the Problem's message while Strava answers 403
// Application Inactive: the fix is the developer's, and owtray resumes by itself.
const AppInactiveMessage = "Strava says the API application is inactive: its owner must renew the Strava subscription " +
	"and reactivate the app at https://www.strava.com/settings/api; owtray resumes by itself once Strava answers again, no new login needed"

// Status reports the connection, the stored data and the rate limits.
func (a *App) Status(ctx context.Context) (Status, error) {
	st, err := a.status(ctx)
	if err == nil {
		st.Health, st.HealthReasons = assessHealth(st, a.opts.Now())
	}
	return st, err
}

func (a *App) status(_ context.Context) (Status, error) {
	st := Status{DataDir: a.conf().DataDir, RateLimit: "unknown until the first request"}
	if tok, err := a.tokens.Token(); err == nil {
		st.Connected = true
		st.AthleteID, st.AthleteName, st.Scopes, st.TokenExpiry = tok.AthleteID, tok.AthleteName, tok.Scopes, tok.Expiry
	} else {
		st.Problem = a.tokenProblem(err)
	}
	n, err := a.store.Count()
	if err != nil {
		return st, err
	}
	st.Activities = n
	sync, err := a.store.SyncState()
	if err != nil {
		return st, err
	}
	st.LastSync, st.LastSyncResult, st.LastSyncError = sync.LastSyncAt, sync.LastSyncResult, sync.LastSyncError
	if since, inactive := a.client.AppInactive(); inactive && st.Problem.Kind == ProblemNone {
		st.Problem = Problem{ProblemAppInactive, fmt.Sprintf("%s (since %s)", AppInactiveMessage, since.Local().Format("2006-01-02 15:04"))}
	}
	st.ImportPending = sync.FullImport.InProgress
	st.LastBackup = a.lastBackup().Time
	if st.DamagedRecords, err = a.store.DamagedRows(); err != nil {
		return st, err
	}
	now := a.opts.Now()
	st.RateLimits = a.limits.Snapshot().Current(now)
	st.RateLimit = describeLimits(st.RateLimits)
	w := &st.Webhooks
	w.SubscriptionID, w.CallbackURL = sync.Webhook.SubscriptionID, sync.Webhook.CallbackURL
	w.Subscribed = w.SubscriptionID != 0
	if err := a.queueStatus(w); err != nil {
		return st, err
	}
	a.stateMu.Lock()
	st.Syncing, st.Progress = a.syncing > 0, a.progress
	in := a.running
	a.stateMu.Unlock()
	st.Webhooks.Mode = WebhooksNotRunning
	if in != nil {
		in.webhookStatus(&st.Webhooks)
	}
	return st, nil
}

// queueStatus fills in the webhook event queue's figures.
func (a *App) queueStatus(w *WebhookStatus) error {
	q, err := a.store.QueueStats()
	if err != nil {
		return err
	}
	w.QueueDepth, w.LastEventAt, w.LastProcessedAt, w.LastResult = q.Depth, q.LastReceivedAt, q.LastProcessedAt, q.LastResult
	w.Received, w.Duplicates, w.Processed = q.Received, q.Duplicates, q.Processed
	if q.Depth > 0 {
		pending, err := a.store.PendingEvents(1)
		if err != nil {
			return err
		}
		if len(pending) == 1 {
			w.OldestPendingAt = waitingSince(pending[0])
		}
	}
	return nil
}

// describeLimits reads like "12/100 reads this 15 min, 40/1000 today".
func describeLimits(s strava.RateLimitSnapshot) string {
	r := s.Read
	if !r.Known() {
		r = s.Overall
	}
	if !r.Known() {
		return "unknown until the first request to Strava"
	}
	return fmt.Sprintf("%d/%d reads this 15 min, %d/%d today", r.Usage15, r.Limit15, r.UsageDay, r.LimitDay)
}

// waitingSince is when a queued entry began to wait for the worker: when it
// arrived, or when it became due again if it is held back on the 404
// schedule (Strava confirming a delete), which is not being stuck.
func waitingSince(p store.PendingEvent) time.Time {
	if p.DueAt.After(p.ReceivedAt) {
		return p.DueAt
	}
	return p.ReceivedAt
}
