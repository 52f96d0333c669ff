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

// trayMenu is the system tray menu: Open owtray · Sync now · a status line · Quit.
type trayMenu struct {
	menu                     *fyne.Menu
	open, sync, status, quit *fyne.MenuItem
}

func newTrayMenu(open, syncNow, quit func()) *trayMenu {
	t := &trayMenu{
		open:   fyne.NewMenuItem(labelOpen, open),
		sync:   fyne.NewMenuItem(labelSyncNow, syncNow),
		status: fyne.NewMenuItem("", nil),
		quit:   fyne.NewMenuItem(labelQuit, quit),
	}
	t.status.Disabled = true
	t.quit.IsQuit = true
	t.menu = fyne.NewMenu("owtray", t.open, t.sync, fyne.NewMenuItemSeparator(), t.status,
		fyne.NewMenuItemSeparator(), t.quit)
	return t
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
