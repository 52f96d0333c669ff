package ui

import (
	"fmt"
	"slices"
	"testing"
	"time"

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

// BenchmarkSortChange is a click on a column header with 20,000
// activities, cycling through every column and direction, until the new
// first rows are drawn (the in-memory fake orders all 20,000 each time, as
// app/desktop does; BenchmarkSortChange20000 there measures a real store).
func BenchmarkSortChange(b *testing.B) {
	h := newHarness(b, newFakeBackend(benchActivities))
	l := h.ui.list
	i := 0
	for b.Loop() {
		test.Tap(l.header[i%int(numSortKeys)])
		h.waitListReady()
		i++
	}
	b.StopTimer()
	if rows := visibleRows(l.list); len(rows) == 0 {
		b.Fatal("no rows after sorting")
	}
}

// BenchmarkFilterChange is a change of the sport filter with 20,000
// activities sorted by distance, until the rows are drawn.
func BenchmarkFilterChange(b *testing.B) {
	h := newHarness(b, newFakeBackend(benchActivities))
	l := h.ui.list
	test.Tap(l.header[SortDistance])
	h.waitListReady()
	options := l.sport.Options
	i := 0
	for b.Loop() {
		l.sport.SetSelected(options[i%len(options)])
		h.waitListReady()
		i++
	}
}

// BenchmarkImportLongestFrame imports 20,000 activities in Strava's pages
// of 200 while the list shows them (each page an EventActivitiesChanged
// and a progress status) and reports the longest piece of work on the UI
// goroutine after the first page: the longest the window could stall.
// Target: < 50 ms. The first page's frames (creating the visible rows'
// widgets, once) are reported apart, with the median and the 99th
// percentile of all.
func BenchmarkImportLongestFrame(b *testing.B) {
	all := makeActivities(benchActivities)
	var longest, first time.Duration // after the first page; the first page's
	var frames []time.Duration
	for b.Loop() {
		be := newFakeBackend(0)
		h := newHarness(b, be)
		h.pump.longest = 0
		h.pump.frames = &frames
		for done := 200; done <= benchActivities; done += 200 {
			be.setActivities(all[:done])
			be.setStatus(func(s *Status) { s.Syncing, s.Progress = true, Progress{Phase: PhaseImport, Done: done} })
			be.emit(Event{Kind: EventActivitiesChanged})
			h.pump.drain()
			if done == 200 {
				// The first page creates the visible rows' widgets once.
				h.until("the first rows", func() bool { return h.ui.list.rows.len() > 0 })
				first = max(first, h.pump.longest)
				h.pump.longest = 0
			}
		}
		want := plural(benchActivities, "activity")
		h.until(want, func() bool { return h.ui.list.count.Text == want })
		longest = max(longest, h.pump.longest)
		h.ui.Close()
	}
	slices.Sort(frames)
	b.ReportMetric(float64(longest.Microseconds())/1000, "ms/longest-frame")
	b.ReportMetric(float64(first.Microseconds())/1000, "ms/first-page-frame")
	b.ReportMetric(float64(frames[len(frames)*99/100].Microseconds())/1000, "ms/p99-frame")
	b.ReportMetric(float64(frames[len(frames)/2].Microseconds())/1000, "ms/median-frame")
}
