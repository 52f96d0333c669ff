package ui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/owtray/owtray/app/textfmt"
)

// Repairer runs the repair the repair window offers.
type Repairer interface {
	// Repair copies everything readable of the damaged database into a new
	// file (as `owtray repair` does) and readies owtray on it.
	Repair(ctx context.Context) (RepairResult, error)
}

// Damage is what the repair window says is wrong.
type Damage struct {
	Path     string   // the database file
	Problems []string // what its check found
}

// RepairResult is what a repair kept and lost.
type RepairResult struct {
	// Outcome says it in words, e.g. "kept 19,991 activities, lost 9; the
	// next sync fetches the 9 again from Strava".
	Outcome    string
	Kept, Lost int // activities
	// Damaged is where the damaged file was kept.
	Damaged string
}

// RepairOptions configure the repair window.
type RepairOptions struct {
	// Icon is the window and tray icon; nil keeps Fyne's default.
	Icon fyne.Resource
	// Logger receives a failed repair; nil: slog.Default().
	Logger *slog.Logger
	// NoTray: the platform's tray cannot be reached. With a tray, the
	// repair window puts "Open owtray" and "Quit" there: the normal window's
	// tray menu replaces them (a tray only starts with the app's event loop).
	NoTray bool
	// OnContinue opens the normal window after a repair, on the UI
	// goroutine; the repair window closes then.
	OnContinue func()
}

// Texts of the repair window.
const (
	titleDamaged   = "owtray's database is damaged"
	titleRepaired  = "owtray repaired its database"
	msgDamaged     = "owtray checked its database %s before using it and found it damaged, so it did not open it. Nothing was changed."
	msgRepairOffer = "Repair reads the file page by page and copies every readable activity, stream, sync checkpoint and queued webhook event into a new file (as `owtray repair` does); the damaged file is kept beside it. The next sync fetches what was lost again from Strava. Or quit and bring back a backup with `owtray restore FILE`."
	msgRepairing   = "Repairing… this takes a few seconds for a large database."
	msgRepairFail  = "The repair could not be completed: %s"
	labelRepair    = "Repair"
	labelContinue  = "Open owtray"
	// maxProblems is how many of the check's problems are listed.
	maxProblems = 8
)

// RepairWindow is the window shown instead of the normal one when the
// database failed its check: it says what is wrong, offers the repair, shows
// its outcome and then leads into the normal window, or quits.
type RepairWindow struct {
	app    fyne.App
	win    fyne.Window
	r      Repairer
	opts   RepairOptions
	log    *slog.Logger
	w      worker
	cancel context.CancelFunc

	content  fyne.CanvasObject
	title    *widget.Label
	icon     *widget.Icon
	offer    *widget.Label
	problems *widget.Label
	progress *widget.ProgressBarInfinite
	result   *widget.Label // the outcome, or the error
	kept     *widget.Label // where the damaged file was kept
	repair   *widget.Button
	cont     *widget.Button
	quit     *widget.Button
	busy     bool
	done     bool // the repair succeeded
	closed   bool
}

// NewRepairWindow builds the repair window for d (and, unless
// opts.NoTray, a tray menu). Call it on the main goroutine before the
// app's Run, then Show.
func NewRepairWindow(a fyne.App, r Repairer, d Damage, opts RepairOptions) *RepairWindow {
	return newRepairWindow(a, r, d, opts, fyne.Do)
}

func newRepairWindow(a fyne.App, r Repairer, d Damage, opts RepairOptions, do func(func())) *RepairWindow {
	ctx, cancel := context.WithCancel(context.Background())
	rw := &RepairWindow{app: a, r: r, opts: opts, log: opts.Logger, cancel: cancel, w: worker{ctx: ctx, do: do}}
	if rw.log == nil {
		rw.log = slog.Default()
	}
	rw.win = a.NewWindow("owtray")
	rw.win.Resize(fyne.NewSize(760, 520))
	if opts.Icon != nil {
		a.SetIcon(opts.Icon)
		rw.win.SetIcon(opts.Icon)
	}
	rw.build(d)
	rw.win.SetContent(rw.content)
	rw.win.SetCloseIntercept(rw.app.Quit) // nothing runs behind this window
	if dt, ok := a.(desktop.App); ok && !opts.NoTray {
		open := fyne.NewMenuItem(labelOpen, rw.Show)
		quit := fyne.NewMenuItem(labelQuit, rw.app.Quit)
		quit.IsQuit = true
		dt.SetSystemTrayMenu(fyne.NewMenu("owtray", open, fyne.NewMenuItemSeparator(), quit))
		if opts.Icon != nil {
			dt.SetSystemTrayIcon(opts.Icon)
		}
	}
	return rw
}

func (rw *RepairWindow) build(d Damage) {
	rw.title = widget.NewLabelWithStyle(titleDamaged, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	rw.icon = widget.NewIcon(theme.ErrorIcon())
	rw.offer = wrapped(msgRepairOffer)
	rw.problems = wrapped(problemList(d.Problems))
	rw.problems.Importance = widget.DangerImportance
	rw.progress = widget.NewProgressBarInfinite()
	rw.progress.Hide()
	rw.result = wrapped("")
	rw.result.Hide()
	rw.kept = wrapped("")
	rw.kept.Hide()
	rw.repair = widget.NewButtonWithIcon(labelRepair, theme.ViewRefreshIcon(), rw.startRepair)
	rw.repair.Importance = widget.HighImportance
	rw.cont = widget.NewButtonWithIcon(labelContinue, theme.NavigateNextIcon(), rw.continueToApp)
	rw.cont.Importance = widget.HighImportance
	rw.cont.Hide()
	rw.quit = widget.NewButtonWithIcon(labelQuit, theme.LogoutIcon(), rw.app.Quit)
	rw.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewHBox(rw.icon, rw.title),
		wrapped(fmt.Sprintf(msgDamaged, d.Path)), rw.problems, rw.offer,
		rw.progress, rw.result, rw.kept,
		container.NewHBox(rw.repair, rw.cont, rw.quit))))
}

// problemList is the check's problems, one a line, the first few only.
func problemList(problems []string) string {
	if len(problems) == 0 {
		return "The check did not say more."
	}
	shown := problems[:min(len(problems), maxProblems)]
	lines := make([]string, 0, len(shown)+1)
	for _, p := range shown {
		lines = append(lines, "• "+p)
	}
	if n := len(problems) - len(shown); n > 0 {
		lines = append(lines, fmt.Sprintf("… and %s more", textfmt.Count(n)))
	}
	return strings.Join(lines, "\n")
}

// Show shows the window and brings it to the front.
func (rw *RepairWindow) Show() {
	rw.win.Show()
	rw.win.RequestFocus()
}

// Close closes the window and drops a repair's result still on its way
// (the repair itself runs to its end). It is safe to call more than once.
func (rw *RepairWindow) Close() {
	if rw.closed {
		return
	}
	rw.closed = true
	rw.cancel()
	rw.win.Close()
}

// startRepair runs the repair off the UI goroutine.
func (rw *RepairWindow) startRepair() {
	if rw.busy || rw.done {
		return
	}
	rw.busy = true
	rw.repair.Disable()
	setRunning(rw.progress, true)
	rw.result.Importance = widget.MediumImportance
	rw.result.SetText(msgRepairing)
	rw.result.Show()
	background(rw.w.ctx, rw.w.do, rw.r.Repair, rw.repaired)
}

// repaired shows the repair's outcome, on the UI goroutine.
func (rw *RepairWindow) repaired(res RepairResult, err error) {
	if rw.w.ctx.Err() != nil {
		return // the window was closed
	}
	rw.busy = false
	setRunning(rw.progress, false)
	rw.repair.Hide()
	if err != nil {
		rw.log.Error("repairing the database", "err", err)
		rw.result.Importance = widget.DangerImportance
		rw.result.SetText(fmt.Sprintf(msgRepairFail, err))
		rw.quit.Importance = widget.HighImportance
		rw.quit.Refresh()
		return
	}
	rw.done = true
	rw.title.SetText(titleRepaired)
	rw.icon.SetResource(theme.ConfirmIcon())
	rw.offer.Hide()
	rw.result.Importance = widget.SuccessImportance
	rw.result.SetText("Repaired: " + capitalize(res.Outcome) + ".")
	if res.Damaged != "" {
		rw.kept.SetText("The damaged file is kept as " + res.Damaged + ".")
		rw.kept.Show()
	}
	rw.cont.Show()
}

// continueToApp opens the normal window and closes this one.
func (rw *RepairWindow) continueToApp() {
	if !rw.done {
		return
	}
	if rw.opts.OnContinue != nil {
		rw.opts.OnContinue()
	}
	rw.Close()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
