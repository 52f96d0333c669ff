package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2/test"
)

// benchActivities is the history size the issue sets the targets for.
const benchActivities = 20000

// BenchmarkSearchKeystroke measures one keystroke in the search field with
// 20,000 activities: the query to the in-memory fake backend (a scan of all
// 20,000 names), the hand-back to the UI goroutine, the count and the
// visible rows redrawn. The store's own query speed is benchmarked in
// sync/store.
//
//	go test -run '^$' -bench . -benchmem ./ui/
func BenchmarkSearchKeystroke(b *testing.B) {
	h := newHarness(b, newFakeBackend(benchActivities))
	l := h.ui.list
	keystrokes := []string{"r", "ri", "rid", "ride", "rid", "ri", "r", ""}
	i := 0
	for b.Loop() {
		l.search.SetText(keystrokes[i%len(keystrokes)])
		h.waitListReady()
		i++
	}
	b.StopTimer()
	l.search.SetText("ride")
	h.waitListReady()
	if got, want := l.count.Text, plural(benchActivities/5, "activity"); got != want {
		b.Fatalf("count = %q, want %q", got, want)
	}
	if rows := visibleRows(l.list); len(rows) == 0 || rows[0][1] != fmt.Sprintf("Evening Ride %d", benchActivities-1) {
		b.Fatalf("first row after the search = %q", rows)
	}
}

// BenchmarkFirstRows measures building the window until the first rows of
// 20,000 activities are shown (the UI's share of the cold start).
func BenchmarkFirstRows(b *testing.B) {
	be := newFakeBackend(benchActivities)
	for b.Loop() {
		p := newPump()
		u := newUI(test.NewTempApp(b), be, Options{}, p.do)
		u.win.Show()
		p.until(b, "the first rows", func() bool { return u.list.rows.state == stateReady })
		if len(visibleRows(u.list.list)) == 0 {
			b.Fatal("no rows shown")
		}
		u.Close()
	}
}
