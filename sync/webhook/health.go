package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/owtray/owtray/sync/strava"
)

// Health statuses.
const (
	StatusOK       = "ok"
	StatusDegraded = "degraded"
)

// AppHealth is the part of the health report only the app knows. It must
// not hold a secret.
type AppHealth struct {
	// Connected: an athlete is connected and its tokens work.
	Connected bool
	// AthleteID of the connected athlete (0: the store's athlete is shown).
	AthleteID int64
	// Connection describes the connection, e.g. "connected" or
	// "disconnected — reconnect".
	Connection string
	Tunnel     TunnelHealth
	// RateLimit is the client's live snapshot; nil: the one persisted in the
	// sync state.
	RateLimit *strava.RateLimitSnapshot
	// Problems are further reasons for "degraded" (e.g. "polling stopped").
	Problems []string
}

// TunnelHealth describes how Strava reaches the webhook.
type TunnelHealth struct {
	// State: e.g. "online", "connecting", "off", "error", "external" (own
	// STRAVA_WEBHOOK_CALLBACK_URL).
	State     string `json:"state,omitempty"`
	PublicURL string `json:"public_url,omitempty"`
	// Error is why the tunnel is not online; it makes the health degraded.
	Error string `json:"error,omitempty"`
}

// HealthSource supplies AppHealth; it is called for every health request
// with a context that ends after 2 s.
type HealthSource func(ctx context.Context) AppHealth

// Health is the JSON of the health endpoint. It never holds a secret; URLs
// are shown without query or user info.
type Health struct {
	Status       string                   `json:"status"` // StatusOK or StatusDegraded
	Reasons      []string                 `json:"reasons,omitempty"`
	AthleteID    int64                    `json:"athlete_id,omitempty"`
	Connection   string                   `json:"connection,omitempty"`
	Subscription SubscriptionHealth       `json:"subscription"`
	Tunnel       TunnelHealth             `json:"tunnel"`
	Events       EventsHealth             `json:"events"`
	Worker       *WorkerStatus            `json:"worker,omitempty"`
	LastSync     SyncHealth               `json:"last_sync"`
	RateLimit    strava.RateLimitSnapshot `json:"rate_limit"`
	CheckedAt    time.Time                `json:"checked_at"`
}

// SubscriptionHealth is the registered push subscription.
type SubscriptionHealth struct {
	ID          int64  `json:"id,omitempty"`
	CallbackURL string `json:"callback_url,omitempty"`
}

// EventsHealth describes the event queue.
type EventsHealth struct {
	QueueDepth      int       `json:"queue_depth"`
	OldestPendingAt time.Time `json:"oldest_pending_at,omitzero"`
	LastReceivedAt  time.Time `json:"last_received_at,omitzero"`
	LastProcessedAt time.Time `json:"last_processed_at,omitzero"`
	LastResult      string    `json:"last_result,omitempty"`
	Received        uint64    `json:"received"`
	Duplicates      uint64    `json:"duplicates"`
	Processed       uint64    `json:"processed"`
	// Ignored (foreign owner or subscription) and Rejected (bad requests)
	// count since this process started; such events are not stored.
	Ignored  uint64 `json:"ignored"`
	Rejected uint64 `json:"rejected"`
}

// SyncHealth is the last polling sync.
type SyncHealth struct {
	At     time.Time `json:"at,omitzero"`
	Result string    `json:"result,omitempty"`
	Error  string    `json:"error,omitempty"`
}

// Health builds the health report. Reading the store or the app may fail
// partly; what failed becomes a reason and the status is degraded.
func (h *Handler) Health(ctx context.Context) Health {
	now := h.cfg.Now()
	out := Health{CheckedAt: now.UTC(), Connection: "unknown"}
	var reasons []string
	fail := func(what string, err error) {
		h.log.Error("health: "+what, "err", err)
		reasons = append(reasons, what+": storage error")
	}

	if st, err := h.cfg.Store.QueueStats(); err != nil {
		fail("queue", err)
	} else {
		out.Events = EventsHealth{
			QueueDepth: st.Depth, LastReceivedAt: st.LastReceivedAt, LastProcessedAt: st.LastProcessedAt,
			LastResult: st.LastResult, Received: st.Received, Duplicates: st.Duplicates, Processed: st.Processed,
		}
	}
	out.Events.Ignored, out.Events.Rejected = h.ignored.Load(), h.rejected.Load()
	if out.Events.QueueDepth > 0 {
		if pend, err := h.cfg.Store.PendingEvents(1); err != nil {
			fail("queue", err)
		} else if len(pend) == 1 {
			out.Events.OldestPendingAt = pend[0].ReceivedAt
			if now.Sub(pend[0].ReceivedAt) > h.cfg.StaleAfter {
				reasons = append(reasons, fmt.Sprintf("%d webhook events waiting since %s",
					out.Events.QueueDepth, pend[0].ReceivedAt.UTC().Format(time.RFC3339)))
			}
		}
	}

	if ss, err := h.cfg.Store.SyncState(); err != nil {
		fail("sync state", err)
	} else {
		out.Subscription = SubscriptionHealth{ID: ss.Webhook.SubscriptionID, CallbackURL: redactURL(ss.Webhook.CallbackURL)}
		out.LastSync = SyncHealth{At: ss.LastSyncAt, Result: ss.LastSyncResult, Error: ss.LastSyncError}
		out.RateLimit = ss.RateLimit
		if ss.LastSyncError != "" {
			reasons = append(reasons, "last sync failed: "+ss.LastSyncError)
		}
	}
	if out.Subscription.ID == 0 {
		reasons = append(reasons, "no webhook subscription")
	}
	if id, err := h.cfg.Store.AthleteID(); err != nil {
		fail("athlete", err)
	} else {
		out.AthleteID = id
	}

	if h.cfg.HealthSource != nil {
		app := h.cfg.HealthSource(ctx)
		out.Connection = app.Connection
		if app.AthleteID != 0 {
			out.AthleteID = app.AthleteID
		}
		if !app.Connected {
			reasons = append(reasons, "not connected to Strava ("+app.Connection+")")
		}
		out.Tunnel = TunnelHealth{State: app.Tunnel.State, PublicURL: redactURL(app.Tunnel.PublicURL), Error: app.Tunnel.Error}
		if app.Tunnel.Error != "" {
			reasons = append(reasons, "tunnel: "+app.Tunnel.Error)
		}
		if app.RateLimit != nil {
			out.RateLimit = *app.RateLimit
		}
		reasons = append(reasons, app.Problems...)
	}

	if h.cfg.Worker != nil {
		ws := h.cfg.Worker.Status()
		out.Worker = &ws
		switch ws.State {
		case StatePaused, StateRateLimited, StateStopped:
			reasons = append(reasons, ws.describe())
		}
	}

	out.Status, out.Reasons = StatusOK, reasons
	if len(reasons) > 0 {
		out.Status = StatusDegraded
	}
	return out
}
