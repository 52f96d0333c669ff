package desktop

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/assets"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/ui"
)

var _ cli.RepairGUI = RunRepair

// errQuitting answers a repair asked for once the window has ended.
var errQuitting = errors.New("owtray is quitting")

// RunRepair is the desktop app on a damaged database (cli.RepairGUI): a
// window that says what is wrong and offers the repair of `owtray repair`;
// after it, "Open owtray" continues into the normal window and tray (as Run)
// on the repaired database. It returns when the user quits or ctx ends; a
// repair that is running then finishes first.
func RunRepair(ctx context.Context, d cli.Damaged, opts cli.GUIOptions) error {
	fa, limit, err := newDesktopApp(opts)
	if err != nil {
		return err
	}
	r := NewRepairer(d)
	var m *mainWindow
	rw := ui.NewRepairWindow(fa, r, DamageView(d.Err), ui.RepairOptions{
		Icon: assets.Icon, Logger: opts.Logger, NoTray: !trayReachable(),
		OnContinue: func() {
			a, aopts, ok := r.Opened()
			if !ok {
				return
			}
			aopts.Hidden = false // the user is at the window
			m = startMain(ctx, fa, a, aopts, limit)
			m.u.ShowWindow()
		},
	})
	quitOnDone(ctx, fa)
	rw.Show()
	fa.Run()
	if m != nil {
		err = m.wait()
	}
	r.Close()
	return err
}

// DamageView is the repair window's view of what the check found.
func DamageView(e *store.DamagedError) ui.Damage {
	if e == nil {
		return ui.Damage{}
	}
	return ui.Damage{Path: e.Path, Problems: e.Problems}
}

// Repairer is the repair window's ui.Repairer: the repair of `owtray
// repair`, then the app opened on the repaired database, which Close
// releases.
type Repairer struct {
	d cli.Damaged

	mu      sync.Mutex // held for a whole repair: Close waits for it
	closed  bool
	app     *app.App
	opts    cli.GUIOptions
	release func()
}

// NewRepairer repairs what d names.
func NewRepairer(d cli.Damaged) *Repairer { return &Repairer{d: d} }

// Repair runs the repair and opens the app on the repaired file. Its result
// says what was kept and lost in the words of `owtray repair`.
func (r *Repairer) Repair(ctx context.Context) (ui.RepairResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ui.RepairResult{}, errQuitting
	}
	if r.app != nil {
		return ui.RepairResult{}, errors.New("the database was repaired already")
	}
	rep, err := r.d.Repair()
	if err != nil {
		return ui.RepairResult{}, err
	}
	res := RepairResultView(rep)
	if err := ctx.Err(); err != nil {
		return res, err // the window was closed: nothing to open
	}
	a, opts, release, err := r.d.Open()
	if err != nil {
		return res, fmt.Errorf("the database was repaired (%s; the damaged file is kept as %s), but opening it failed: %w", res.Outcome, res.Damaged, err)
	}
	r.app, r.opts, r.release = a, opts, release
	return res, nil
}

// RepairResultView is the repair window's view of a repair's report.
func RepairResultView(rep store.RepairReport) ui.RepairResult {
	return ui.RepairResult{Outcome: app.RepairOutcome(rep), Kept: rep.Kept, Lost: rep.Lost, Damaged: rep.Damaged}
}

// Opened is the app a successful repair opened, with the options of its
// window.
func (r *Repairer) Opened() (*app.App, cli.GUIOptions, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.app, r.opts, r.app != nil && !r.closed
}

// Close waits for a repair that is running, refuses new ones and releases
// the app the repair opened. Call it once the window's loop has ended.
func (r *Repairer) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.release != nil {
		r.release()
		r.release = nil
	}
}
