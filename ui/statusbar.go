package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusBar is the window's bottom line: import progress, last sync,
// webhook state, Strava's read budget in words and the sync action. Its
// labels truncate instead of growing the window.
type statusBar struct {
	progress    *widget.ProgressBar
	progressInf *widget.ProgressBarInfinite
	phase       *widget.Label
	account     *widget.Label
	lastSync    *widget.Label
	webhooks    *widget.Label
	rate        *widget.Label
	syncNow     *widget.Button
	progressRow *fyne.Container
	content     fyne.CanvasObject
}

func newStatusBar(syncNow func()) *statusBar {
	b := &statusBar{
		progress:    widget.NewProgressBar(),
		progressInf: widget.NewProgressBarInfinite(),
		phase:       widget.NewLabel(""),
		account:     widget.NewLabel(""),
		lastSync:    widget.NewLabel(""),
		webhooks:    widget.NewLabel(""),
		rate:        widget.NewLabel(""),
		syncNow:     widget.NewButtonWithIcon(labelSyncNow, theme.ViewRefreshIcon(), syncNow),
	}
	b.progressInf.Stop()
	b.progressInf.Hide()
	b.progress.Hide()
	// The account (any name) and the budget truncate; the last sync and
	// the webhook state are short and shown whole.
	b.account.Truncation = fyne.TextTruncateEllipsis
	b.rate.Truncation = fyne.TextTruncateEllipsis
	b.rate.Alignment = fyne.TextAlignTrailing
	b.progressRow = container.NewBorder(nil, nil, b.phase, nil, container.NewStack(b.progress, b.progressInf))
	b.progressRow.Hide()
	account := container.NewGridWrap(fyne.NewSize(170, b.account.MinSize().Height), b.account)
	b.content = container.NewVBox(widget.NewSeparator(), b.progressRow,
		container.NewBorder(nil, nil, container.NewHBox(account, b.lastSync, b.webhooks), b.syncNow, b.rate))
	return b
}

// update shows st.
func (b *statusBar) update(st Status, syncStarting bool, now time.Time) {
	b.showProgress(st)
	connected := st.Connected && st.NeedsReconnect == ""
	setLabel(b.account, connectionText(st))
	setLabel(b.lastSync, lastSyncText(st, now))
	webhooks, rate := "", ""
	if connected { // otherwise neither says anything true
		webhooks, rate = webhookDetail(st.Webhooks), budgetText(st.RateLimit, now)
	}
	setLabel(b.webhooks, webhooks)
	setLabel(b.rate, rate)
	label := syncLabel(st, syncStarting)
	if st.Syncing {
		// The progress row above counts; a button whose text changes with
		// every page re-lays out the whole bar.
		label = labelSyncing
	}
	if b.syncNow.Text != label {
		b.syncNow.SetText(label)
	}
	if canSync(st, syncStarting) {
		b.syncNow.Enable()
	} else {
		b.syncNow.Disable()
	}
}

func (b *statusBar) showProgress(st Status) {
	p := st.Progress
	setVisible(b.progressRow, st.Syncing)
	determinate := st.Syncing && p.Total > 0
	setVisible(b.progress, determinate)
	setRunning(b.progressInf, st.Syncing && !determinate)
	if determinate {
		b.progress.Max = float64(p.Total)
		b.progress.SetValue(float64(min(p.Done, p.Total)))
	}
	setLabel(b.phase, joinNonEmpty(" ", p.Phase.String(), progressText(p)))
}

// setLabel changes l's text only when it differs: a truncated label
// shapes its text again on every change.
func setLabel(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}
