package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Messages of the list's states.
const (
	msgLoading     = "Loading activities…"
	msgNoData      = "No activities yet. They appear here as owtray imports your history from Strava."
	msgNoMatch     = "No activities match these filters."
	msgLoadFailed  = "Couldn't load activities: "
	labelRetry     = "Retry"
	labelClearFilt = "Clear filters"
)

// listState is drawn over the list when it has no rows: loading, empty
// (no data yet, or nothing matches) or failed, each with its way out.
type listState struct {
	spinner *widget.Activity
	message *widget.Label
	clear   *widget.Button
	retry   *widget.Button
	content *fyne.Container
}

func newListState(clearFilters, retry func()) *listState {
	s := &listState{
		spinner: widget.NewActivity(),
		message: widget.NewLabel(""),
		clear:   widget.NewButton(labelClearFilt, clearFilters),
		retry:   widget.NewButton(labelRetry, retry),
	}
	s.message.Alignment = fyne.TextAlignCenter
	s.content = container.NewCenter(container.NewVBox(container.NewCenter(s.spinner), s.message,
		container.NewCenter(container.NewHBox(s.clear, s.retry))))
	return s
}

// show picks the state for a query's outcome.
func (s *listState) show(state loadState, rows int, err error, unfiltered bool) {
	switch {
	case state == stateFailed:
		s.set(msgLoadFailed+err.Error(), false, false, true)
	case state == stateLoading && rows == 0:
		s.set(msgLoading, true, false, false)
	case state == stateReady && rows == 0 && unfiltered:
		s.set(msgNoData, false, false, false)
	case state == stateReady && rows == 0:
		s.set(msgNoMatch, false, true, false)
	default:
		s.content.Hide()
		s.spinner.Stop()
	}
}

func (s *listState) set(message string, loading, clear, retry bool) {
	s.message.SetText(message)
	setVisible(s.clear, clear)
	setVisible(s.retry, retry)
	setRunning(s.spinner, loading)
	s.content.Show()
}

// setVisible shows or hides o.
func setVisible(o fyne.CanvasObject, visible bool) {
	if visible {
		o.Show()
	} else {
		o.Hide()
	}
}

// animated is a busy indicator: widget.Activity or ProgressBarInfinite.
type animated interface {
	fyne.CanvasObject
	Start()
	Stop()
}

// setRunning shows and starts a, or stops and hides it.
func setRunning(a animated, on bool) {
	setVisible(a, on)
	if on {
		a.Start()
	} else {
		a.Stop()
	}
}
