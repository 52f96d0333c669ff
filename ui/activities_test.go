package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestListShowsNewestFirstWithCount(t *testing.T) {
	h := newHarness(t, newFakeBackend(300))
	if got := h.ui.list.count.Text; got != "300 activities" {
		t.Fatalf("count = %q, want %q", got, "300 activities")
	}
	rows := visibleRows(h.ui.list.list)
	if len(rows) < 5 {
		t.Fatalf("only %d rows visible", len(rows))
	}
	want := rowTexts(h.be.acts[0], Metric)
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Errorf("first row = %q, want the newest activity %q", rows[0], want)
	}
	if rows[0][0] <= rows[1][0] {
		t.Errorf("rows not newest first: %q then %q", rows[0][0], rows[1][0])
	}
}

func TestListSearchAndFilters(t *testing.T) {
	tests := []struct {
		name       string
		search     string
		sport      string // label in the Select
		from, to   string
		wantCount  string
		wantInName string
	}{
		{name: "search by name", search: "swim", wantCount: "60 activities", wantInName: "Swim"},
		{name: "search is case-insensitive, unicode", search: "ÜBER", wantCount: "60 activities", wantInName: "Über"},
		{name: "search with number", search: "Run 300", wantCount: "1 activity", wantInName: "Run 300"},
		{name: "sport filter", sport: "Trail Run", wantCount: "60 activities", wantInName: "Trail Run"},
		{name: "search and sport", search: "morning", sport: "Run", wantCount: "60 activities", wantInName: "Morning"},
		{name: "date range", from: "2024-05-31", to: "2024-05-31", wantCount: "2 activities"},
		{name: "nothing matches", search: "zzz", wantCount: "0 activities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, newFakeBackend(300))
			l := h.ui.list
			if tt.sport != "" {
				l.sport.SetSelected(tt.sport)
			}
			test.Type(l.from, tt.from)
			test.Type(l.to, tt.to)
			h.search(tt.search)
			if got := l.count.Text; got != tt.wantCount {
				t.Fatalf("count = %q, want %q", got, tt.wantCount)
			}
			for _, row := range visibleRows(l.list) {
				if !strings.Contains(row[1], tt.wantInName) {
					t.Errorf("row %q does not match %q", row, tt.wantInName)
				}
			}
		})
	}
}

func TestListEveryKeystrokeQueries(t *testing.T) {
	h := newHarness(t, newFakeBackend(300))
	before := len(h.be.queries)
	h.search("ride")
	searches := map[string]bool{}
	for _, q := range locked(h.be, func() []Filter { return h.be.queries[before:] }) {
		searches[q.Search] = true
	}
	for _, want := range []string{"r", "ri", "rid", "ride"} {
		if !searches[want] {
			t.Errorf("no query for keystroke %q (got %v)", want, searches)
		}
	}
	if got := h.ui.list.count.Text; got != "60 activities" {
		t.Errorf("count = %q", got)
	}
}

func TestListIgnoresStaleResults(t *testing.T) {
	be := newFakeBackend(300)
	h := newHarness(t, be)
	release := make(chan struct{})
	be.mu.Lock()
	be.beforeQuery = func(ctx context.Context, f Filter) error {
		if f.Search == "r" { // the first keystroke (180 matches) answers last
			<-release
		}
		return nil
	}
	be.mu.Unlock()
	test.Type(h.ui.list.search, "ri")
	h.waitListReady()
	if got := h.ui.list.count.Text; got != "60 activities" {
		t.Fatalf("count after \"ri\" = %q", got)
	}
	// The stale "r" answer arrives now and must not replace the rows.
	h.handOff("the stale answer", func() { close(release) })
	if got := h.ui.list.count.Text; got != "60 activities" {
		t.Errorf("count after the stale answer = %q, want 60 activities", got)
	}
}

func TestListPagesLoadWhileScrolling(t *testing.T) {
	h := newHarness(t, newFakeBackend(1000))
	l := h.ui.list
	if len(l.rows.pages) != 1 {
		t.Fatalf("%d pages loaded at start, want 1", len(l.rows.pages))
	}
	l.list.ScrollTo(950)
	h.until("row 950", func() bool { _, ok := l.rows.row(950); return ok })
	a, _ := l.rows.row(950)
	if a.ID != h.be.acts[950].ID {
		t.Errorf("row 950 = activity %d, want %d", a.ID, h.be.acts[950].ID)
	}
}

func TestListDateValidation(t *testing.T) {
	h := newHarness(t, newFakeBackend(50))
	l := h.ui.list
	before := locked(h.be, func() int { return len(h.be.queries) })
	test.Type(l.from, "2024-13-01")
	if !strings.Contains(l.count.Text, "not a date") {
		t.Errorf("count line = %q, want a date error", l.count.Text)
	}
	if l.from.Validate() == nil {
		t.Error("the From entry accepts 2024-13-01")
	}
	if got := locked(h.be, func() int { return len(h.be.queries) }); got != before {
		t.Errorf("%d queries sent for an invalid date", got-before)
	}
}

func TestListStates(t *testing.T) {
	t.Run("empty store", func(t *testing.T) {
		h := newHarness(t, newFakeBackend(0))
		if !h.ui.list.state.content.Visible() || h.ui.list.state.message.Text != msgNoData {
			t.Errorf("state = %q, want %q", h.ui.list.state.message.Text, msgNoData)
		}
	})
	t.Run("no match offers clear filters", func(t *testing.T) {
		h := newHarness(t, newFakeBackend(20))
		h.search("nothing like this")
		st := h.ui.list.state
		if st.message.Text != msgNoMatch {
			t.Fatalf("state = %q, want %q", st.message.Text, msgNoMatch)
		}
		test.Tap(findButton(t, st.content, labelClearFilt))
		h.waitListReady()
		if h.ui.list.search.Text != "" || h.ui.list.count.Text != "20 activities" || st.content.Visible() {
			t.Errorf("after Clear filters: search %q, count %q", h.ui.list.search.Text, h.ui.list.count.Text)
		}
	})
	t.Run("error offers retry", func(t *testing.T) {
		be := newFakeBackend(20)
		h := newHarness(t, be)
		be.mu.Lock()
		be.beforeQuery = func(context.Context, Filter) error { return errors.New("database in use") }
		be.mu.Unlock()
		h.search("x")
		st := h.ui.list.state
		if !strings.Contains(st.message.Text, "database in use") {
			t.Fatalf("state = %q, want the error", st.message.Text)
		}
		be.mu.Lock()
		be.beforeQuery = nil
		be.mu.Unlock()
		test.Tap(findButton(t, st.content, labelRetry))
		h.waitListReady()
		if st.content.Visible() && st.message.Text != msgNoMatch {
			t.Errorf("after Retry the state still shows %q", st.message.Text)
		}
	})
	t.Run("loading", func(t *testing.T) {
		be := newFakeBackend(20)
		be.beforeQuery = func(ctx context.Context, f Filter) error { <-ctx.Done(); return ctx.Err() }
		p := newPump()
		u := newUI(test.NewTempApp(t), be, Options{}, p.do)
		defer u.Close()
		if u.list.state.message.Text != msgLoading || u.list.count.Text != "Loading…" {
			t.Errorf("state %q, count %q; want loading", u.list.state.message.Text, u.list.count.Text)
		}
	})
}

func TestListRefreshesWhenDataChanges(t *testing.T) {
	be := newFakeBackend(10)
	h := newHarness(t, be)
	be.setActivities(makeActivities(12))
	be.emit(Event{Kind: EventActivitiesChanged})
	h.until("the new count", func() bool { return h.ui.list.count.Text == "12 activities" })
}
