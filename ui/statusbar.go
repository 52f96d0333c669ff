package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusBar is the window's bottom line: import progress, last sync,
// webhook state, rate-limit meter and the sync action.
type statusBar struct {
	progress    *widget.ProgressBar
	progressInf *widget.ProgressBarInfinite
	phase       *widget.Label
	account     *widget.Label
	lastSync    *widget.Label
	webhooks    *widget.Label
	rate        *widget.ProgressBar
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
		rate:        widget.NewProgressBar(),
		syncNow:     widget.NewButtonWithIcon(labelSyncNow, theme.ViewRefreshIcon(), syncNow),
	}
	b.progressInf.Stop()
	b.progressInf.Hide()
	b.progress.Hide()
	b.rate.Hide()
	b.progressRow = container.NewBorder(nil, nil, b.phase, nil, container.NewStack(b.progress, b.progressInf))
	b.progressRow.Hide()
	rate := container.NewGridWrap(fyne.NewSize(320, b.rate.MinSize().Height), b.rate)
	b.content = container.NewVBox(widget.NewSeparator(), b.progressRow, container.NewHBox(
		b.account, b.lastSync, b.webhooks, layout.NewSpacer(), rate, b.syncNow))
	return b
}

// update shows st.
func (b *statusBar) update(st Status, syncStarting bool, now time.Time) {
	b.showProgress(st)
	b.account.SetText(connectionText(st))
	b.lastSync.SetText(lastSyncText(st, now))
	b.webhooks.SetText(webhookDetail(st.Webhooks))
	b.showRate(st.RateLimit)
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

func (b *statusBar) showRate(r RateLimit) {
	if r.Limit <= 0 {
		b.rate.Hide()
		return
	}
	text := joinNonEmpty(" · ", rateText(r), dailyRateText(r))
	b.rate.TextFormatter = func() string { return text }
	b.rate.Max = float64(r.Limit)
	b.rate.SetValue(float64(min(r.Used, r.Limit)))
	b.rate.Show()
}
