package ui

import (
	"time"

	"fyne.io/fyne/v2"
)

// Tray menu labels.
const (
	labelOpen = "Open owtray"
	labelQuit = "Quit"
)

// trayRefreshInterval is the least time between two rebuilds of the tray
// menu. Fyne rebuilds the whole menu over D-Bus on the UI goroutine, item
// by item, and a status arrives with every stored page of an import: in an
// execution trace of a 20,000-activity import on two cores, the UI
// goroutine spent ~2 s of 8 waiting inside those rebuilds.
const trayRefreshInterval = time.Second

// trayMenu is the system tray menu: Open owtray · Sync now · a status line · Quit.
type trayMenu struct {
	menu                     *fyne.Menu
	open, sync, status, quit *fyne.MenuItem

	// rebuild shows the menu's items in the tray (menu.Refresh).
	rebuild func()
	// after runs fn on the UI goroutine once d has passed.
	after       func(d time.Duration, fn func())
	rebuiltAt   time.Time
	rebuildSoon bool // a rebuild is scheduled
}

func newTrayMenu(open, syncNow, quit func(), after func(time.Duration, func())) *trayMenu {
	t := &trayMenu{after: after,
		open:   fyne.NewMenuItem(labelOpen, open),
		sync:   fyne.NewMenuItem(labelSyncNow, syncNow),
		status: fyne.NewMenuItem("", nil),
		quit:   fyne.NewMenuItem(labelQuit, quit),
	}
	t.status.Disabled = true
	t.quit.IsQuit = true
	t.menu = fyne.NewMenu("owtray", t.open, t.sync, fyne.NewMenuItemSeparator(), t.status,
		fyne.NewMenuItemSeparator(), t.quit)
	t.rebuild = t.menu.Refresh
	return t
}

// refresh shows the items' current labels in the tray: now, or when
// trayRefreshInterval has passed since the last rebuild (that rebuild shows
// the labels as they are then). Call it on the UI goroutine.
func (t *trayMenu) refresh(now time.Time) {
	if t.rebuildSoon {
		return
	}
	wait := t.rebuiltAt.Add(trayRefreshInterval).Sub(now)
	if wait <= 0 {
		t.rebuiltAt = now
		t.rebuild()
		return
	}
	t.rebuildSoon = true
	t.after(wait, func() {
		t.rebuildSoon, t.rebuiltAt = false, now.Add(wait)
		t.rebuild()
	})
}

// update shows st and reports whether any item changed, so the menu is
// only rebuilt in the tray when needed.
func (t *trayMenu) update(st Status, syncStarting bool, now time.Time) bool {
	label, disabled, line := syncLabel(st, syncStarting), !canSync(st, syncStarting), statusLine(st, now)
	if t.sync.Label == label && t.sync.Disabled == disabled && t.status.Label == line {
		return false
	}
	t.sync.Label, t.sync.Disabled, t.status.Label = label, disabled, line
	return true
}
