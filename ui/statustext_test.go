package ui

import (
	"strings"
	"testing"
	"time"
)

func TestSyncLabel(t *testing.T) {
	tests := []struct {
		name     string
		st       Status
		starting bool
		want     string
		enabled  bool
	}{
		{"idle", Status{Connected: true}, false, "Sync now", true},
		{"starting", Status{Connected: true}, true, "Starting sync…", false},
		{"progress with total", Status{Connected: true, Syncing: true, Progress: Progress{Done: 1200, Total: 4000}}, false,
			"Syncing… 1,200 of 4,000", false},
		{"progress without total", Status{Connected: true, Syncing: true, Progress: Progress{Done: 15000}}, false,
			"Syncing… 15,000", false},
		{"just started", Status{Connected: true, Syncing: true}, false, "Syncing…", false},
		{"not connected", Status{}, false, "Sync now", false},
		{"needs reconnect", Status{Connected: true, NeedsReconnect: "revoked"}, false, "Sync now", false},
	}
	for _, tt := range tests {
		if got := syncLabel(tt.st, tt.starting); got != tt.want {
			t.Errorf("%s: label %q, want %q", tt.name, got, tt.want)
		}
		if got := canSync(tt.st, tt.starting); got != tt.enabled {
			t.Errorf("%s: enabled %v, want %v", tt.name, got, tt.enabled)
		}
	}
}

func TestStatusLine(t *testing.T) {
	now := time.Date(2024, 6, 1, 18, 0, 0, 0, time.Local)
	synced := time.Date(2024, 6, 1, 14, 5, 0, 0, time.Local)
	tests := []struct {
		name string
		st   Status
		want string
	}{
		{"live", Status{Connected: true, LastSync: synced, Webhooks: Webhooks{State: WebhooksLive},
			RateLimit: RateLimit{Used: 59, Limit: 100, Remaining: 41, ResetsAt: now.Add(10 * time.Minute)}},
			"Last sync 14:05 · Webhooks live · Strava allows 41 more requests until 18:10"},
		{"limit window over", Status{Connected: true, LastSync: synced, Webhooks: Webhooks{State: WebhooksLive},
			RateLimit: RateLimit{Used: 100, Limit: 100, ResetsAt: now.Add(-time.Minute)}}, "Last sync 14:05 · Webhooks live"},
		{"off, no limits yet", Status{Connected: true}, "Not synced yet · Webhooks off"},
		{"failed", Status{Connected: true, LastSync: synced, Webhooks: Webhooks{State: WebhooksFailed}},
			"Last sync 14:05 · Webhooks failed"},
		{"not connected", Status{}, "Not connected · Not synced yet"},
		{"reconnect", Status{Connected: true, NeedsReconnect: "x", LastSync: synced}, "Reconnect needed · Last sync 14:05"},
	}
	for _, tt := range tests {
		if got := statusLine(tt.st, now); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRateLimitInWords: the budget in plain words, and Sync now disabled
// with the time it resumes while the budget is spent.
func TestRateLimitInWords(t *testing.T) {
	now := time.Now()
	at := now.Add(12 * time.Minute)
	clock := formatWhen(at, time.Now())
	tests := []struct {
		name      string
		r         RateLimit
		text      string
		syncLabel string
		canSync   bool
	}{
		{"unknown", RateLimit{}, "", labelSyncNow, true},
		{"41 left", RateLimit{Used: 59, Limit: 100, Remaining: 41, ResetsAt: at},
			"Strava allows 41 more requests until " + clock, labelSyncNow, true},
		{"1 left", RateLimit{Used: 99, Limit: 100, Remaining: 1, ResetsAt: at},
			"Strava allows 1 more request until " + clock, labelSyncNow, true},
		{"spent", RateLimit{Used: 100, Limit: 100, Remaining: 0, ResetsAt: at},
			"Strava's limit is reached; syncing resumes at " + clock, "Sync resumes at " + clock, false},
		{"spent, window over", RateLimit{Used: 100, Limit: 100, Remaining: 0, ResetsAt: now.Add(-time.Second)},
			"", labelSyncNow, true},
	}
	for _, tt := range tests {
		st := Status{Connected: true, RateLimit: tt.r}
		if got := budgetText(tt.r, now); got != tt.text {
			t.Errorf("%s: text %q, want %q", tt.name, got, tt.text)
		}
		if got := syncLabel(st, false); got != tt.syncLabel {
			t.Errorf("%s: label %q, want %q", tt.name, got, tt.syncLabel)
		}
		if got := canSync(st, false); got != tt.canSync {
			t.Errorf("%s: can sync %v, want %v", tt.name, got, tt.canSync)
		}
		if strings.Contains(budgetText(tt.r, now), "/") {
			t.Errorf("%s: %q has a reads fraction", tt.name, budgetText(tt.r, now))
		}
	}
}

func TestBannersFor(t *testing.T) {
	tests := []struct {
		name    string
		st      Status
		actions []bannerAction
		words   []string
	}{
		{"all fine", Status{Connected: true, Webhooks: Webhooks{State: WebhooksLive}}, nil, nil},
		{"first run: the setup screen explains", Status{}, []bannerAction{actionReconnect}, []string{"Not connected"}},
		{"logged out: calm, with Connect", Status{Configured: true, Activities: 5, SyncError: "run `owtray login`",
			Webhooks: Webhooks{State: WebhooksLive}}, []bannerAction{actionConnect}, []string{"Not connected"}},
		{"demo has no webhooks to set", Status{Connected: true, Demo: true}, nil, nil},
		{"reconnect", Status{NeedsReconnect: "Strava revoked access.", Webhooks: Webhooks{State: WebhooksLive}},
			[]bannerAction{actionReconnect}, []string{"Strava revoked access.", "Reconnect"}},
		{"webhooks off", Status{Connected: true}, []bannerAction{actionSetNgrok}, []string{"NGROK_AUTHTOKEN"}},
		{"webhooks failed", Status{Connected: true, Webhooks: Webhooks{State: WebhooksFailed, Detail: "ERR_NGROK_105"}},
			[]bannerAction{actionSetNgrok}, []string{"ERR_NGROK_105"}},
		{"rate limited", Status{Connected: true, Webhooks: Webhooks{State: WebhooksLive},
			SyncError: "Strava rate limit reached (100/100 reads this 15 min); resumes at 14:45"},
			[]bannerAction{actionNone}, []string{"resumes at 14:45"}},
	}
	for _, tt := range tests {
		got := bannersFor(tt.st)
		if len(got) != len(tt.actions) {
			t.Errorf("%s: %d banners %+v, want %d", tt.name, len(got), got, len(tt.actions))
			continue
		}
		for i, b := range got {
			if b.action != tt.actions[i] {
				t.Errorf("%s: banner %d action %v, want %v", tt.name, i, b.action, tt.actions[i])
			}
		}
		for _, w := range tt.words {
			if len(got) > 0 && !strings.Contains(got[0].message, w) && got[0].action.label() != w {
				t.Errorf("%s: banner %q lacks %q", tt.name, got[0].message, w)
			}
		}
	}
}

func TestWebhookDetail(t *testing.T) {
	tests := []struct {
		w    Webhooks
		want string
	}{
		{Webhooks{State: WebhooksLive, PublicURL: "https://abc.ngrok.app/api/v1/strava/webhook"}, "Webhooks live via abc.ngrok.app"},
		{Webhooks{State: WebhooksLive}, "Webhooks live"},
		{Webhooks{State: WebhooksStarting, PublicURL: "https://abc.ngrok.app"}, "Webhooks starting…"},
		{Webhooks{State: WebhooksLive, PublicURL: "::bad"}, "Webhooks live"},
	}
	for _, tt := range tests {
		if got := webhookDetail(tt.w); got != tt.want {
			t.Errorf("webhookDetail(%+v) = %q, want %q", tt.w, got, tt.want)
		}
	}
}

func TestSyncPhaseNames(t *testing.T) {
	seen := map[string]SyncPhase{}
	for p := PhaseNone; p < numPhases; p++ {
		name := p.String()
		if (name == "") != (p == PhaseNone) || strings.HasPrefix(name, "Syncing (phase") {
			t.Errorf("phase %d is named %q", p, name)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("phases %d and %d are both %q", other, p, name)
		}
		seen[name] = p
	}
}
