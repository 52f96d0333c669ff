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
	for _, l := range []*widget.Label{b.account, b.lastSync, b.webhooks, b.rate} {
		l.Truncation = fyne.TextTruncateEllipsis
	}
	b.rate.Alignment = fyne.TextAlignTrailing
	b.progressRow = container.NewBorder(nil, nil, b.phase, nil, container.NewStack(b.progress, b.progressInf))
	b.progressRow.Hide()
	left := container.NewGridWithColumns(3, b.account, b.lastSync, b.webhooks)
	b.content = container.NewVBox(widget.NewSeparator(), b.progressRow,
		container.NewBorder(nil, nil, nil, b.syncNow, container.NewGridWithColumns(2, left, b.rate)))
	return b
}

// update shows st.
func (b *statusBar) update(st Status, syncStarting bool, now time.Time) {
	b.showProgress(st)
	connected := st.Connected && st.NeedsReconnect == ""
	b.account.SetText(connectionText(st))
	b.lastSync.SetText(lastSyncText(st, now))
	b.webhooks.SetText("")
	b.rate.SetText("")
	if connected { // otherwise neither says anything true
		b.webhooks.SetText(webhookDetail(st.Webhooks))
		b.rate.SetText(budgetText(st.RateLimit, now))
	}
	b.syncNow.SetText(syncLabel(st, syncStarting))
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
	setVisible(b.progressInf, st.Syncing && !determinate)
	if st.Syncing && !determinate {
		b.progressInf.Start()
	} else {
		b.progressInf.Stop()
	}
	if determinate {
		b.progress.Max = float64(p.Total)
		b.progress.SetValue(float64(min(p.Done, p.Total)))
	}
	b.phase.SetText(joinNonEmpty(" ", p.Phase.String(), progressText(p)))
}
