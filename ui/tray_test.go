package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTrayMenuItems(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	m := h.ui.TrayMenu()
	labels := menuLabels(m)
	if len(labels) != 4 || labels[0] != labelOpen || labels[1] != labelSyncNow || labels[3] != labelQuit {
		t.Fatalf("tray items = %q, want Open owtray, Sync now, a status line, Quit", labels)
	}
	status := m.Items[3]
	if !status.Disabled {
		t.Error("the status line is clickable")
	}
	for _, want := range []string{"Last sync", "Webhooks live", "Strava allows 58 more requests until"} {
		if !strings.Contains(status.Label, want) {
			t.Errorf("status line %q lacks %q", status.Label, want)
		}
	}
	if quit := m.Items[len(m.Items)-1]; !quit.IsQuit || quit.Action == nil {
		t.Error("Quit is not marked as the quit item with an action")
	}
}

func TestTraySyncNow(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	item := menuItem(t, h.ui.TrayMenu(), labelSyncNow)
	item.Action()
	if !item.Disabled || item.Label != labelSyncStarting {
		t.Errorf("right after the click: label %q disabled %v", item.Label, item.Disabled)
	}
	h.until("the sync to start", func() bool { return h.ui.st.Syncing && !h.ui.syncStarting })
	if n := locked(h.be, func() int { return h.be.syncCalls }); n != 1 {
		t.Errorf("SyncNow called %d times, want 1", n)
	}
	if want := "Syncing… 1,200 of 4,000"; item.Label != want || !item.Disabled {
		t.Errorf("while syncing: label %q disabled %v, want %q disabled", item.Label, item.Disabled, want)
	}
	if b := h.ui.status; !b.syncNow.Disabled() || !b.progressRow.Visible() || b.progress.Value != 1200 {
		t.Errorf("status bar while syncing: button disabled %v, progress %v", b.syncNow.Disabled(), b.progress.Value)
	}
	item.Action() // disabled items may still be clicked over D-Bus: nothing happens
	h.pump.drain()
	if n := locked(h.be, func() int { return h.be.syncCalls }); n != 1 {
		t.Errorf("SyncNow called %d times while syncing, want 1", n)
	}

	h.be.setStatus(func(s *Status) { s.Progress.Done = 2500 })
	h.until("progress", func() bool { return item.Label == "Syncing… 2,500 of 4,000" })
	h.be.setStatus(func(s *Status) { s.Syncing = false })
	h.until("the sync to end", func() bool { return item.Label == labelSyncNow })
	if item.Disabled || h.ui.status.progressRow.Visible() {
		t.Error("Sync now stays disabled or the progress bar stays after the sync")
	}
}

func TestTraySyncNowFailure(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	h.be.syncNow = func() error { return errors.New("Strava rate limit reached") }
	menuItem(t, h.ui.TrayMenu(), labelSyncNow).Action()
	h.until("the failure", func() bool { return !h.ui.syncStarting })
	if !slices.ContainsFunc(h.ui.banners.shown, func(b bannerSpec) bool {
		return strings.Contains(b.message, "rate limit reached")
	}) {
		t.Errorf("banners = %+v, want the sync error", h.ui.banners.shown)
	}
	if item := menuItem(t, h.ui.TrayMenu(), labelSyncNow); item.Disabled {
		t.Error("Sync now stays disabled after a failed start")
	}
}

func TestTrayWhenNotConnected(t *testing.T) {
	be := newFakeBackend(0)
	be.status = Status{}
	h := newHarness(t, be)
	m := h.ui.TrayMenu()
	if !menuItem(t, m, labelSyncNow).Disabled {
		t.Error("Sync now is enabled without a connection")
	}
	if got := m.Items[3].Label; got != "Not connected · Not synced yet" {
		t.Errorf("status line = %q", got)
	}
}

// TestTrayMenuRebuildsAtMostOncePerInterval imports 100 pages in a second:
// the tray menu is rebuilt at once for the first and once more, a second
// later, with the labels of the last; a change after a quiet second is
// shown at once again.
func TestTrayMenuRebuildsAtMostOncePerInterval(t *testing.T) {
	var scheduled []func()
	var waits []time.Duration
	nop := func() {}
	tm := newTrayMenu(nop, nop, nop, func(d time.Duration, fn func()) {
		waits = append(waits, d)
		scheduled = append(scheduled, fn)
	})
	rebuilds := 0
	var shown []string
	tm.rebuild = func() {
		rebuilds++
		shown = append(shown, tm.sync.Label)
	}
	now := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	st := Status{Connected: true, Syncing: true}
	for i := range 100 {
		st.Progress = Progress{Phase: PhaseImport, Done: 200 * (i + 1)}
		if tm.update(st, false, now) {
			tm.refresh(now)
		}
		now = now.Add(10 * time.Millisecond)
	}
	// The second change came 10 ms after the first rebuild.
	if want := trayRefreshInterval - 10*time.Millisecond; rebuilds != 1 || len(scheduled) != 1 || waits[0] != want {
		t.Fatalf("100 changes in a second: %d rebuilds, %d scheduled (waits %v); want 1 at once and 1 after %v", rebuilds, len(scheduled), waits, want)
	}
	scheduled[0]()
	if rebuilds != 2 || !strings.Contains(shown[1], "20,000") {
		t.Fatalf("the scheduled rebuild showed %q, want the last page's progress (20,000)", shown)
	}
	now = now.Add(2 * time.Second)
	st.Syncing = false
	if tm.update(st, false, now) {
		tm.refresh(now)
	}
	if rebuilds != 3 || len(scheduled) != 1 || shown[2] != labelSyncNow {
		t.Fatalf("a change after a quiet second: %d rebuilds, %d scheduled, shown %q; want it shown at once", rebuilds, len(scheduled), shown)
	}
}
