package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/strava"
)

// Status is what `owtray status` and the window show. It never holds a secret.
type Status struct {
	Connected   bool      `json:"connected"`
	AthleteID   int64     `json:"athlete_id,omitempty"`
	AthleteName string    `json:"athlete_name,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	TokenExpiry time.Time `json:"token_expiry,omitzero"`
	// Problem says why the app is not connected, or what needs fixing.
	Problem        string                   `json:"problem,omitempty"`
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
}

// WebhookStatus says whether new activities arrive in real time.
type WebhookStatus struct {
	// Mode: "not running" (no serve or desktop app), "off", "connecting",
	// "live", "external", "error".
	Mode         string `json:"mode"`
	PublicURL    string `json:"public_url,omitempty"`
	Message      string `json:"message,omitempty"`
	Subscription string `json:"subscription_error,omitempty"`
	QueueDepth   int    `json:"queue_depth"`
	Paused       string `json:"paused,omitempty"` // why event processing waits
}

// ProblemNotConnected is Status.Problem when no Strava grant is stored.
const ProblemNotConnected = "run `owtray login`"

// Status reports the connection, the stored data and the rate limits.
func (a *App) Status(_ context.Context) (Status, error) {
	st := Status{DataDir: a.conf().DataDir, RateLimit: "unknown until the first request"}
	tok, err := a.tokens.Token()
	switch {
	case err == nil:
		st.Connected = true
		st.AthleteID, st.AthleteName, st.Scopes, st.TokenExpiry = tok.AthleteID, tok.AthleteName, tok.Scopes, tok.Expiry
	case errors.Is(err, auth.ErrNotConnected) && a.wasConnected():
		st.Problem = ConnectionLost + " (access was revoked or you logged out; run `owtray login`)"
	case errors.Is(err, auth.ErrNotConnected):
		st.Problem = ProblemNotConnected
	default:
		st.Problem = err.Error()
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
	st.ImportPending = sync.FullImport.InProgress
	st.RateLimits = a.limits.Snapshot().Current(a.opts.Now())
	st.RateLimit = describeLimits(st.RateLimits)
	if st.Webhooks.QueueDepth, err = a.store.QueueDepth(); err != nil {
		return st, err
	}
	a.stateMu.Lock()
	st.Syncing, st.Progress = a.syncing > 0, a.progress
	in := a.running
	a.stateMu.Unlock()
	st.Webhooks.Mode = "not running"
	if in != nil {
		in.webhookStatus(&st.Webhooks)
	}
	return st, nil
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
