package ui

import (
	"net/url"
	"time"

	"github.com/owtray/owtray/app/textfmt"
)

// Labels of the sync action in the tray and the status bar.
const (
	labelSyncNow      = "Sync now"
	labelSyncStarting = "Starting sync…"
	labelSyncing      = "Syncing…"
)

// progressText: "1,200 of 4,000", "1,200" while the total is unknown, "" before the first activity.
func progressText(p Progress) string {
	switch {
	case p.Total > 0:
		return textfmt.Count(p.Done) + " of " + textfmt.Count(p.Total)
	case p.Done > 0:
		return textfmt.Count(p.Done)
	}
	return ""
}

// syncLabel is the sync action's label: "Sync now", the progress of a
// running sync, e.g. "Syncing… 1,200 of 4,000", or when the read budget
// is spent "Sync resumes at 14:45".
func syncLabel(st Status, starting bool) string {
	now := time.Now()
	switch {
	case st.Syncing:
		return joinNonEmpty(" ", labelSyncing, progressText(st.Progress))
	case starting:
		return labelSyncStarting
	case st.Connected && budgetSpent(st.RateLimit, now):
		return "Sync resumes at " + formatWhen(st.RateLimit.ResetsAt, now)
	}
	return labelSyncNow
}

// canSync reports whether the sync action is enabled: not while Strava's
// read budget is spent (Status.RateLimit).
func canSync(st Status, starting bool) bool {
	return canSyncAt(st, starting, time.Now())
}

func canSyncAt(st Status, starting bool, now time.Time) bool {
	return st.Connected && st.NeedsReconnect == "" && !st.Syncing && !starting && !budgetSpent(st.RateLimit, now)
}

// budgetSpent reports whether Strava allows no more reads until ResetsAt.
func budgetSpent(r RateLimit, now time.Time) bool {
	return r.Limit > 0 && r.Remaining <= 0 && now.Before(r.ResetsAt)
}

// budgetText says the read budget in words: "Strava allows 41 more
// requests until 14:45", "Strava's limit is reached; syncing resumes at
// 14:45", "" before Strava sent any limits or once the window has reset.
func budgetText(r RateLimit, now time.Time) string {
	if r.Limit <= 0 || r.ResetsAt.IsZero() || !now.Before(r.ResetsAt) {
		return ""
	}
	at := formatWhen(r.ResetsAt, now)
	if r.Remaining <= 0 {
		return "Strava's limit is reached; syncing resumes at " + at
	}
	return "Strava allows " + textfmt.Count(r.Remaining) + " more " + plural1(r.Remaining, "request", "requests") + " until " + at
}

func plural1(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// trayTooltip: "owtray · Last sync 14:05 · Webhooks live".
func trayTooltip(st Status, now time.Time) string {
	if !st.Connected || st.NeedsReconnect != "" {
		return joinNonEmpty(" · ", "owtray", connectionText(st), lastSyncText(st, now))
	}
	return joinNonEmpty(" · ", "owtray", lastSyncText(st, now), webhookText(st.Webhooks))
}

// lastSyncText: "Last sync 14:05" or "Not synced yet".
func lastSyncText(st Status, now time.Time) string {
	if st.LastSync.IsZero() {
		return "Not synced yet"
	}
	return "Last sync " + formatWhen(st.LastSync, now)
}

// webhookText names the webhook state.
func webhookText(w Webhooks) string {
	switch w.State {
	case WebhooksLive:
		return "Webhooks live"
	case WebhooksStarting:
		return "Webhooks starting…"
	case WebhooksFailed:
		return "Webhooks failed"
	}
	return "Webhooks off"
}

// webhookDetail names the webhook state with the public host when live:
// "Webhooks live via abc.ngrok.app".
func webhookDetail(w Webhooks) string {
	if u, err := url.Parse(w.PublicURL); err == nil && u.Host != "" && w.State == WebhooksLive {
		return webhookText(w) + " via " + u.Host
	}
	return webhookText(w)
}

// connectionText: who is connected, or what is wrong.
func connectionText(st Status) string {
	switch {
	case st.NeedsReconnect != "":
		return "Reconnect needed"
	case !st.Connected:
		return "Not connected"
	case st.Demo:
		return "Demo: " + st.Athlete
	}
	return st.Athlete
}

// statusLine is the tray's one-line summary, e.g.
// "Last sync 14:05 · Webhooks live · Strava allows 41 more requests until 14:45".
func statusLine(st Status, now time.Time) string {
	if !st.Connected || st.NeedsReconnect != "" {
		return joinNonEmpty(" · ", connectionText(st), lastSyncText(st, now))
	}
	return joinNonEmpty(" · ", lastSyncText(st, now), webhookText(st.Webhooks), budgetText(st.RateLimit, now))
}
