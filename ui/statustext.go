package ui

import (
	"net/url"
	"strconv"
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

// syncLabel is the sync action's label: "Sync now", or the progress of a
// running sync, e.g. "Syncing… 1,200 of 4,000".
func syncLabel(st Status, starting bool) string {
	switch {
	case st.Syncing:
		return joinNonEmpty(" ", labelSyncing, progressText(st.Progress))
	case starting:
		return labelSyncStarting
	}
	return labelSyncNow
}

// canSync reports whether the sync action is enabled.
func canSync(st Status, starting bool) bool {
	return st.Connected && st.NeedsReconnect == "" && !st.Syncing && !starting
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

// rateText: "42/100 reads this 15 min", "" before Strava sent any limits.
func rateText(r RateLimit) string {
	if r.Limit <= 0 {
		return ""
	}
	return strconv.Itoa(r.Used) + "/" + strconv.Itoa(r.Limit) + " reads this 15 min"
}

// dailyRateText: "420/1,000 reads today", "" before Strava sent any limits.
func dailyRateText(r RateLimit) string {
	if r.DailyLimit <= 0 {
		return ""
	}
	return textfmt.Count(r.DailyUsed) + "/" + textfmt.Count(r.DailyLimit) + " reads today"
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
// "Last sync 14:05 · Webhooks live · 42/100 reads this 15 min".
func statusLine(st Status, now time.Time) string {
	if !st.Connected || st.NeedsReconnect != "" {
		return joinNonEmpty(" · ", connectionText(st), lastSyncText(st, now))
	}
	return joinNonEmpty(" · ", lastSyncText(st, now), webhookText(st.Webhooks), rateText(st.RateLimit))
}
