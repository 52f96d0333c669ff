package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app/tunnel"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/webhook"
)

func TestEveryTunnelModeIsMapped(t *testing.T) {
	seen := map[WebhookMode]tunnel.Mode{}
	for _, m := range tunnel.Modes() {
		got := webhookMode(m)
		if !slices.Contains(WebhookModes(), got) || got == WebhooksNotRunning {
			t.Errorf("tunnel mode %q maps to %q", m, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("tunnel modes %q and %q both map to %q", other, m, got)
		}
		seen[got] = m
	}
	if webhookMode("") != WebhooksConnecting {
		t.Error("a tunnel that has not reported yet is not connecting")
	}
}

func TestSetupFieldNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range SetupFields() {
		name := f.String()
		if seen[name] || name == "" || strings.HasPrefix(name, "SetupField(") {
			t.Errorf("field %d is named %q", f, name)
		}
		seen[name] = true
	}
}

// TestTunnelHandlerRoutes: what the tunnel serves answers the webhook and
// the health report only, on their exact paths.
func TestTunnelHandlerRoutes(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "owtray.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	healthCalls := 0
	hooks := &webhookHandler{cfg: webhook.Config{Store: st}, health: func(w http.ResponseWriter, _ *http.Request) {
		healthCalls++ // the real one: TestHealthRoute over the loopback server
		w.WriteHeader(http.StatusOK)
	}}
	hooks.cfg.Observer = hooks
	if err := hooks.setVerifyToken("tunnel-test-verify-token"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/oauth/strava/callback?code=x&state=y", 404},
		{"GET", "/", 404},
		{"GET", "/api/v1/strava/health/", 404},
		{"GET", "/API/V1/STRAVA/HEALTH", 404},
		{"GET", "/api/v1/strava/healthz", 404},
		{"GET", "/api/v1/strava/health", 200},
		{"HEAD", "/api/v1/strava/health", 200},
		{"GET", "/api/v1/strava/webhook", 400}, // no hub.* parameters
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		hooks.ServeHTTP(rec, httptest.NewRequest(tt.method, "http://x"+tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
	}
	if healthCalls != 2 {
		t.Errorf("the health route answered %d requests, want 2", healthCalls)
	}
}

func TestAssessHealth(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	healthy := func() Status {
		return Status{Connected: true, Webhooks: WebhookStatus{Mode: WebhooksLive, Subscribed: true,
			Worker: webhook.WorkerStatus{State: webhook.StateIdle}}}
	}
	tests := []struct {
		name   string
		change func(*Status)
		want   string // "" healthy, else a reason's substring
	}{
		{"healthy", func(*Status) {}, ""},
		{"not running: the instance's parts do not count", func(s *Status) {
			s.Webhooks.Mode, s.Webhooks.Worker = WebhooksNotRunning, webhook.WorkerStatus{}
		}, ""},
		{"worker stopped", func(s *Status) { s.Webhooks.Worker.State = webhook.StateStopped }, "stopped"},
		{"worker paused", func(s *Status) {
			s.Webhooks.Worker = webhook.WorkerStatus{State: webhook.StatePaused, Reason: "Strava refused the token"}
		}, "paused: Strava refused the token"},
		{"worker rate limited", func(s *Status) { s.Webhooks.Worker.State = webhook.StateRateLimited }, "rate limit"},
		{"no subscription", func(s *Status) { s.Webhooks.Subscribed = false }, "no webhook subscription"},
		{"subscription failed", func(s *Status) { s.Webhooks.Subscription = "callback URL refused" }, "webhook subscription: callback URL refused"},
		{"tunnel error", func(s *Status) { s.Webhooks.Mode, s.Webhooks.Message = WebhooksError, "ngrok refused" }, "tunnel: ngrok refused"},
		{"tunnel off", func(s *Status) { s.Webhooks.Mode, s.Webhooks.Message = WebhooksOff, "set NGROK_AUTHTOKEN" }, "tunnel: set NGROK_AUTHTOKEN"},
		{"last sync failed", func(s *Status) { s.LastSyncError = "rate limit reached" }, "last sync failed: rate limit reached"},
		{"stale events", func(s *Status) {
			s.Webhooks.QueueDepth, s.Webhooks.OldestPendingAt = 3, now.Add(-6*time.Minute)
		}, "3 webhook events waiting since 2026-05-01T11:54:00Z"},
		{"fresh events", func(s *Status) {
			s.Webhooks.QueueDepth, s.Webhooks.OldestPendingAt = 3, now.Add(-time.Minute)
		}, ""},
		{"reconnect needed", func(s *Status) {
			s.Connected, s.Problem = false, Problem{ProblemReconnectNeeded, ConnectionLost}
		}, "reconnect"},
		{"not connected", func(s *Status) {
			s.Connected, s.Problem = false, Problem{ProblemNotConnected, "run `owtray login`"}
		}, "not connected to Strava (run `owtray login`)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := healthy()
			tt.change(&st)
			got, reasons := assessHealth(st, now)
			switch {
			case tt.want == "" && (got != HealthOK || len(reasons) != 0):
				t.Errorf("%q %q, want ok", got, reasons)
			case tt.want != "" && (got != HealthDegraded || !strings.Contains(strings.Join(reasons, ";"), tt.want)):
				t.Errorf("%q %q, want degraded: %s", got, reasons, tt.want)
			}
			st.Health, st.HealthReasons = got, reasons
			if h := healthOf(st, nil, now); h.Status != got {
				t.Errorf("public health %q, status %q", h.Status, got)
			}
		})
	}
	if h := healthOf(Status{}, errors.New("disk"), now); h.Status != HealthDegraded {
		t.Errorf("a status that cannot be read is %q", h.Status)
	}
}

func TestWaitingSince(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		p     store.PendingEvent
		want  time.Time
		stale bool // with 3 entries, at now
	}{
		{"due at once, arrived 6 min ago", store.PendingEvent{ReceivedAt: now.Add(-6 * time.Minute)}, now.Add(-6 * time.Minute), true},
		{"held on the 404 schedule until later", store.PendingEvent{ReceivedAt: now.Add(-70 * time.Minute), DueAt: now.Add(3 * time.Minute)}, now.Add(3 * time.Minute), false},
		{"due again 6 min ago", store.PendingEvent{ReceivedAt: now.Add(-70 * time.Minute), DueAt: now.Add(-6 * time.Minute)}, now.Add(-6 * time.Minute), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := waitingSince(tt.p)
			if !got.Equal(tt.want) {
				t.Fatalf("waitingSince = %v, want %v", got, tt.want)
			}
			st := Status{Connected: true, Webhooks: WebhookStatus{Mode: WebhooksNotRunning, Subscribed: true, QueueDepth: 3, OldestPendingAt: got}}
			h, reasons := assessHealth(st, now)
			if stale := h == HealthDegraded; stale != tt.stale {
				t.Errorf("degraded = %v (%v), want %v", stale, reasons, tt.stale)
			}
		})
	}
}
