// Package ui is owtray's desktop window and tray menu. It only draws and
// forwards: everything else happens behind the Backend interface.
//
// Threading: all widgets are touched on the Fyne UI goroutine only. Backend
// calls that may block run in their own goroutine and hand their results
// back with fyne.Do; results of superseded requests (an older search, a
// previously selected activity) are dropped.
package ui

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Options configure the UI.
type Options struct {
	// Icon is the window and tray icon (assets.Icon); nil keeps Fyne's default.
	Icon fyne.Resource
	// Logger receives failures the user is shown too; nil: slog.Default().
	Logger *slog.Logger
	// OnFirstRows, when set, is called once on the UI goroutine when the
	// activity list first shows rows (for the cold-start benchmark).
	OnFirstRows func()
	// Hidden starts with the tray only (`owtray --hidden`, start at login):
	// the window opens from the tray's "Open owtray". Without a tray the
	// window shows anyway.
	Hidden bool
	// NoTray: the platform's tray cannot be reached (no D-Bus session on
	// Linux); closing the window quits.
	NoTray bool
	// TrayTooltip, when set, gets the tray's tooltip text whenever it
	// changes: the last sync and the webhook state.
	TrayTooltip func(string)
	// About is shown in Settings.
	About About
}

// About is what the Settings' About section shows.
type About struct {
	Version string
	DataDir string
	License string // e.g. "MIT"
}

// minWindowSize is the smallest window size at which everything is
// reachable and no text overlaps (TestMinimumSize): the content's minimum
// size stays within it in every state, so the window never grows by itself.
func minWindowSize() fyne.Size { return fyne.NewSize(960, 600) }

// UI is the window and the tray menu of one running app.
type UI struct {
	opts   Options
	app    fyne.App
	be     Backend
	log    *slog.Logger
	w      worker
	cancel context.CancelFunc
	closed atomic.Bool

	win            fyne.Window
	tray           *trayMenu
	hasTray        bool
	setup          *setupScreen
	list           *activitiesScreen
	detail         *detailPanel
	settings       *settingsScreen
	status         *statusBar
	banners        *bannerArea
	tabs           *container.AppTabs
	main           fyne.CanvasObject
	keychain       fyne.CanvasObject // the no-keychain screen
	keychainDetail *widget.Label
	connect        *connectDialog
	exporter       *listExporter
	tooltip        string

	st           Status
	prefs        Settings
	onSetup      bool   // the setup screen is showing
	setupByUser  bool   // it was opened from the main window
	syncStarting bool   // Sync now was clicked and has not returned yet
	syncErr      string // why the last Sync now could not start
	unsubscribe  func()
}

// New builds the window and the tray menu (when the platform has a tray)
// and subscribes to the backend's events. Call it on the main goroutine
// before Run.
func New(a fyne.App, be Backend, opts Options) *UI {
	return newUI(a, be, opts, fyne.Do)
}

// newUI is New with the function that runs work on the UI goroutine; tests
// pass a queue they drain themselves.
func newUI(a fyne.App, be Backend, opts Options, do func(func())) *UI {
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{app: a, be: be, log: opts.Logger, cancel: cancel, opts: opts}
	if u.log == nil {
		u.log = slog.Default()
	}
	u.w = worker{ctx: ctx, do: func(fn func()) {
		do(func() {
			if !u.closed.Load() {
				fn()
			}
		})
	}, glyphs: newGlyphWarmer(a.Driver())}
	u.win = a.NewWindow("owtray")
	u.win.Resize(fyne.NewSize(1180, 760))
	if opts.Icon != nil {
		a.SetIcon(opts.Icon)
		u.win.SetIcon(opts.Icon)
	}
	u.prefs = be.Settings()
	u.build()
	if !opts.NoTray {
		u.installTray(a, opts.Icon)
	}
	u.win.SetCloseIntercept(u.closeWindow)
	u.addShortcuts()

	u.unsubscribe = be.Subscribe(func(e Event) { u.w.do(func() { u.handle(e) }) })
	u.applyStatus(be.Status())
	if !u.onSetup && u.win.Content() != u.keychain {
		u.showMain()
	}
	u.list.start()
	return u
}

// units are the units the user chose.
func (u *UI) units() Units { return u.prefs.Units }

func (u *UI) build() {
	u.tray = newTrayMenu(u.ShowWindow, u.syncNow, u.app.Quit, func(d time.Duration, fn func()) {
		time.AfterFunc(d, func() { u.w.do(fn) })
	})
	u.status = newStatusBar(u.syncNow)
	u.banners = newBannerArea(u.bannerAction)
	u.setup = newSetupScreen(u.be, u.w, u.openURL, u.showMain, u.leaveSetup)
	u.detail = newDetailPanel(u.be, u.w, u.units, u.openURL, u.saveAs)
	u.list = newActivitiesScreen(u.be, u.w, u.units, u.detail.show)
	u.list.onFirstRows = u.opts.OnFirstRows
	u.list.onOpen = u.openActivity
	u.exporter = newListExporter(u.be, u.w, u.win, u.showInFolder)
	u.list.onExport = u.exporter.start
	u.connect = newConnectDialog(u.be, u.w, u.win, u.openURL, u.connected)
	u.settings = newSettingsScreen(u.be, u.be, u.w, u.win, u.settingsSaved, func() { u.showSetup(true) })
	u.settings.addAbout(u.opts.About)
	u.keychain, u.keychainDetail = newKeychainScreen(u.quit)

	// The detail pane scrolls rather than set the window's minimum size.
	split := container.NewHSplit(u.list.content, container.NewScroll(u.detail.content))
	split.Offset = 0.45 // the list keeps at least its minimum width; the detail gets the rest
	u.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Activities", theme.ListIcon(), split),
		container.NewTabItemWithIcon("Settings", theme.SettingsIcon(), u.settings.content))
	u.main = container.NewStack(container.NewBorder(u.banners.box, u.status.content, nil, nil, u.tabs), u.list.tips.content)
}

// installTray puts the menu into the system tray when the platform has one.
func (u *UI) installTray(a fyne.App, icon fyne.Resource) {
	d, ok := a.(desktop.App)
	if !ok {
		return
	}
	u.hasTray = true
	d.SetSystemTrayMenu(u.tray.menu) // its title is the app's name: FyneApp.toml or app.SetMetadata
	if icon != nil {
		d.SetSystemTrayIcon(icon)
	}
}

// TrayMenu is the tray menu: Open owtray · Sync now · status line · Quit.
func (u *UI) TrayMenu() *fyne.Menu { return u.tray.menu }

// Run shows the window (unless Options.Hidden and there is a tray) and runs
// the Fyne event loop until Quit; then it releases the backend
// subscription. Call it on the main goroutine.
func (u *UI) Run() {
	if !u.opts.Hidden || !u.hasTray {
		u.win.Show()
	}
	u.app.Run()
	u.Close()
}

// ShowWindow shows the window and brings it to the front. Call it on the
// UI goroutine; from elsewhere (e.g. a second instance asking) wrap it in
// fyne.Do.
func (u *UI) ShowWindow() {
	u.win.Show()
	u.win.RequestFocus()
}

// Close stops listening to the backend and drops results still on their
// way. It is safe to call more than once.
func (u *UI) Close() {
	if u.closed.Swap(true) {
		return
	}
	u.cancel()
	u.unsubscribe()
}

// closeWindow hides the window while a tray keeps the app reachable.
func (u *UI) closeWindow() {
	if u.hasTray {
		u.win.Hide()
		return
	}
	u.app.Quit()
}

func (u *UI) handle(e Event) {
	switch e.Kind {
	case EventStatus:
		u.applyStatus(u.be.Status())
	case EventNewActivity:
		u.notifyNew(e.Activity)
		fallthrough
	case EventActivitiesChanged:
		u.list.refresh()
		u.detail.reload()
	}
}

// applyStatus shows st in the tray, the status bar and the banners, and
// switches between the setup screen and the activities.
func (u *UI) applyStatus(st Status) {
	u.st = st
	u.refreshSyncState()
	u.scheduleBudgetRefresh(st.RateLimit)
	if st.NoKeychain != "" {
		u.keychainDetail.SetText("The keychain said: " + st.NoKeychain)
		u.onSetup = false
		u.win.SetContent(u.keychain)
		return
	}
	if u.win.Content() == u.keychain {
		u.win.SetContent(u.main)
	}
	// First run: nothing set up and nothing stored. After a logout the
	// activities stay browsable, with a calm "Not connected" and Connect.
	wantSetup := !st.Connected && st.NeedsReconnect == "" && !st.Configured && st.Activities == 0
	switch {
	case wantSetup && !u.onSetup:
		u.showSetup(false)
	case !wantSetup && u.onSetup && !u.setupByUser:
		u.showMain()
	}
}

// refreshSyncState redraws everything that shows the sync and connection state.
func (u *UI) refreshSyncState() {
	now := time.Now()
	if u.tray.update(u.st, u.syncStarting, now) {
		u.tray.refresh(now)
	}
	u.status.update(u.st, u.syncStarting, now)
	u.setTooltip(trayTooltip(u.st, now))
	specs := bannersFor(u.st)
	if u.syncErr != "" {
		specs = append(specs, bannerSpec{message: u.syncErr, severe: true})
	}
	u.banners.update(specs)
}

func (u *UI) showSetup(byUser bool) {
	u.setup.reset(byUser)
	u.setup.setDemo(u.st.Demo)
	u.onSetup, u.setupByUser = true, byUser
	u.win.SetContent(u.setup.content)
}

func (u *UI) showMain() {
	wasSetup := u.onSetup
	u.onSetup, u.setupByUser = false, false
	u.win.SetContent(u.main)
	if wasSetup {
		u.list.refresh() // connected or demo: the data may be new
	}
}

// leaveSetup returns from the setup screen opened by the user, unless
// nothing is connected any more.
func (u *UI) leaveSetup() {
	u.setupByUser = false
	u.showMain()
	u.applyStatus(u.st)
}

func (u *UI) bannerAction(a bannerAction) {
	u.ShowWindow()
	if a == actionConnect {
		u.connect.start()
		return
	}
	u.showSetup(true)
	if a == actionSetNgrok {
		u.setup.optional.Open(0)
		u.win.Canvas().Focus(u.setup.entries[FieldNgrokAuthtoken])
	}
}

// syncNow starts a sync unless one runs.
func (u *UI) syncNow() {
	if !canSync(u.st, u.syncStarting) {
		return
	}
	u.syncStarting, u.syncErr = true, ""
	u.refreshSyncState()
	backgroundErr(u.w.ctx, u.w.do, u.be.SyncNow, func(err error) {
		u.syncStarting = false
		if err != nil {
			u.log.Warn("sync now", "err", err)
			u.syncErr = "Sync could not start: " + err.Error()
		}
		u.applyStatus(u.be.Status())
	})
}

func (u *UI) settingsSaved(s Settings) {
	u.prefs = s
	u.list.redraw()
	u.detail.redraw()
}

// ShowFatal tells the user why owtray cannot keep running (e.g. its port is
// taken) and quits when they close the message. Call it on the UI goroutine.
// Without a keychain it shows the screen that says how to get one.
func (u *UI) ShowFatal(message string) {
	u.ShowWindow()
	if st := u.be.Status(); st.NoKeychain != "" {
		u.applyStatus(st)
		return
	}
	d := dialog.NewInformation("owtray cannot run", message, u.win)
	d.SetOnClosed(u.quit)
	d.Show()
}

// quit ends the app.
func (u *UI) quit() { u.app.Quit() }

// addShortcuts: Ctrl+F (Cmd+F) focuses the search, also from the filter
// entries; Escape clears the search and filters.
func (u *UI) addShortcuts() {
	find := &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	focusSearch := func(fyne.Shortcut) {
		u.tabs.SelectIndex(0)
		u.win.Canvas().Focus(u.list.search)
	}
	u.win.Canvas().AddShortcut(find, focusSearch)
	for _, e := range u.list.entries() {
		e.onShortcut = func(s fyne.Shortcut) bool {
			if s.ShortcutName() != find.ShortcutName() {
				return false
			}
			focusSearch(s)
			return true
		}
	}
	u.win.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) {
		if u.onSetup || u.tabs.SelectedIndex() != 0 {
			return
		}
		if !u.list.typedKey(e) {
			return
		}
		if e.Name != fyne.KeyEscape {
			u.win.Canvas().Focus(u.list.list)
		}
	})
}

// openActivity opens an activity in a window of its own (Enter or a
// double click in the list).
func (u *UI) openActivity(a Activity) {
	w := u.app.NewWindow(a.Name)
	d := newDetailPanel(u.be, u.w, u.units, u.openURL, u.saveAs)
	w.SetContent(d.content)
	w.Resize(fyne.NewSize(720, 640))
	d.show(a)
	w.Show()
}

// connected is told that Connect succeeded.
func (u *UI) connected() { u.applyStatus(u.be.Status()) }

// setTooltip hands the tray's tooltip on when it changed.
func (u *UI) setTooltip(text string) {
	if u.opts.TrayTooltip == nil || text == u.tooltip {
		return
	}
	u.tooltip = text
	u.opts.TrayTooltip(text)
}

// scheduleBudgetRefresh redraws the sync state when a spent rate limit
// resets, so "Sync now" comes back by itself.
func (u *UI) scheduleBudgetRefresh(r RateLimit) {
	if !budgetSpent(r, time.Now()) {
		return
	}
	at := r.ResetsAt
	time.AfterFunc(time.Until(at)+time.Second, func() {
		u.w.do(func() {
			if u.st.RateLimit.ResetsAt.Equal(at) {
				u.refreshSyncState()
			}
		})
	})
}
