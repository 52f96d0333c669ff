package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/owtray/owtray/sync/webhook"
)

// HealthPath is the health report's route, on the loopback server and
// through the tunnel.
const HealthPath = "/api/v1/strava/health"

// staleEventsAfter: webhook events pending longer make the health degraded.
const staleEventsAfter = 5 * time.Minute

// HealthStatus is the overall state of a running instance.
type HealthStatus string

// Health statuses.
const (
	HealthOK       HealthStatus = "ok"
	HealthDegraded HealthStatus = "degraded" // Status.HealthReasons says why
)

// Health is the public health report. Every web page can read it on the
// loopback server, and anyone through the tunnel, so it says nothing about
// the athlete: no athlete or subscription id, no callback URL, no token
// state and no result or error texts. `owtray status` (over the 0600 IPC
// socket) has the full picture.
type Health struct {
	Status HealthStatus `json:"status"`
	// WebhooksSubscribed: a Strava push subscription is registered.
	WebhooksSubscribed bool      `json:"webhooks_subscribed"`
	LastEventAt        time.Time `json:"last_event_at,omitzero"` // last webhook event received
	LastSyncAt         time.Time `json:"last_sync_at,omitzero"`
	QueueDepth         int       `json:"queue_depth"` // webhook events waiting to be applied
	CheckedAt          time.Time `json:"checked_at"`
}

// healthOf is the public part of a status; a status that could not be read
// whole (err) is degraded.
func healthOf(st Status, err error, now time.Time) Health {
	h := Health{
		Status: st.Health, WebhooksSubscribed: st.Webhooks.Subscribed, LastEventAt: st.Webhooks.LastEventAt,
		LastSyncAt: st.LastSync, QueueDepth: st.Webhooks.QueueDepth, CheckedAt: now.UTC(),
	}
	if err != nil || h.Status == "" {
		h.Status = HealthDegraded
	}
	return h
}

// assessHealth says whether st is healthy and, if not, why. The parts of a
// running instance (tunnel, worker) count only while one runs.
func assessHealth(st Status, now time.Time) (HealthStatus, []string) {
	var reasons []string
	w := st.Webhooks
	if w.QueueDepth > 0 && !w.OldestPendingAt.IsZero() && now.Sub(w.OldestPendingAt) > staleEventsAfter {
		reasons = append(reasons, fmt.Sprintf("%d webhook events waiting since %s",
			w.QueueDepth, w.OldestPendingAt.UTC().Format(time.RFC3339)))
	}
	if st.LastSyncError != "" {
		reasons = append(reasons, "last sync failed: "+st.LastSyncError)
	}
	if !w.Subscribed {
		reasons = append(reasons, "no webhook subscription")
	}
	if !st.Connected {
		reasons = append(reasons, "not connected to Strava ("+st.Problem.Message+")")
	}
	if st.Problem.Kind == ProblemReconnectNeeded {
		reasons = append(reasons, "the Strava connection needs to be reconnected")
	}
	if w.Mode != WebhooksNotRunning {
		if (w.Mode == WebhooksError || w.Mode == WebhooksOff) && w.Message != "" {
			reasons = append(reasons, "tunnel: "+w.Message)
		}
		if w.Subscription != "" {
			reasons = append(reasons, "webhook subscription: "+w.Subscription)
		}
		switch w.Worker.State {
		case webhook.StatePaused, webhook.StateRateLimited, webhook.StateStopped:
			reasons = append(reasons, w.Worker.Describe())
		}
	}
	if len(reasons) > 0 {
		return HealthDegraded, reasons
	}
	return HealthOK, nil
}

// serveHealth answers HealthPath with the public report.
func (a *App) serveHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"error":"method not allowed"}` + "\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	st, err := a.Status(ctx)
	if err != nil {
		a.log.Error("health: reading the status", "err", err)
	}
	body, _ := json.Marshal(healthOf(st, err, a.opts.Now())) // plain fields: cannot fail
	_, _ = w.Write(append(body, '\n'))
}

// The webhook handler's Observer: it wakes the worker and counts what was
// ignored or rejected since the instance started.

func (h *webhookHandler) Queued()   { h.worker.Notify() }
func (h *webhookHandler) Ignored()  { h.ignored.Add(1) }
func (h *webhookHandler) Rejected() { h.rejected.Add(1) }
