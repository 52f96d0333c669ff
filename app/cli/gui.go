package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/autostart"
	"github.com/owtray/owtray/app/ipc"
	"github.com/owtray/owtray/sync/store"
)

// GUI runs the desktop window and tray for a until the user quits or ctx
// ends: app/desktop's Run. main hands it to Main; a build without a window
// hands none.
type GUI func(ctx context.Context, a *app.App, opts GUIOptions) error

// GUIOptions is what the window gets from the command line.
type GUIOptions struct {
	// Demo marks a demo session (against the built-in simulator); other
	// sessions offer to restart as the demo.
	Demo bool
	// Logger is the command's logger (the log file included).
	Logger *slog.Logger
	// LookupEnv reads the environment (GOMEMLIMIT, OWTRAY_STARTUP_PROBE,
	// OWTRAY_PPROF).
	LookupEnv func(string) (string, bool)
	// Stderr is the command's standard error.
	Stderr io.Writer
	// Forward is the runner of commands forwarded from another process to
	// this instance; showWindow brings the window forward (`owtray` started
	// a second time).
	Forward func(showWindow func()) ipc.Runner
	// Hidden starts with the tray only (`owtray --hidden`, start at login).
	Hidden bool
	// Autostart is the start-at-login entry the Settings switch edits; nil
	// in the demo.
	Autostart *autostart.Autostart
}

// RepairGUI runs the window when the database failed its check (and only
// then): it says what is wrong, offers the repair of `owtray repair`, and
// after it continues as GUI does. opts has no Forward: nothing runs yet.
type RepairGUI func(ctx context.Context, d Damaged, opts GUIOptions) error

// Damaged is what RepairGUI gets about the database that failed its check.
type Damaged struct {
	// Err says what is wrong; nothing was changed.
	Err *store.DamagedError
	// Repair runs the repair of `owtray repair` (app.RepairDatabase).
	Repair func() (store.RepairReport, error)
	// Open opens the app on the repaired database, with the options GUI
	// gets for it (Forward included); release closes it.
	Open func() (a *app.App, opts GUIOptions, release func(), err error)
}

// Options adjust Main.
type Options struct {
	// GUI starts the window; nil in a build without one (-tags nogui).
	GUI GUI
	// RepairGUI starts the window on a damaged database; nil: the command
	// fails with the damage and the command that repairs it.
	RepairGUI RepairGUI
}

// ErrNoWindow is the answer of `owtray`, `owtray gui` and `owtray demo`
// (without --no-gui) in a build without a window.
var ErrNoWindow = errors.New("this build has no window; use owtray serve")

func runGUI(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "gui")
	hidden := fs.Bool("hidden", false, "start with the tray only; the window opens from the tray's \"Open owtray\"")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if e.gui == nil {
		return ErrNoWindow
	}
	defer e.useLogFile()()
	a, release, err := e.open()
	var damaged *store.DamagedError
	if errors.As(err, &damaged) && e.repairGUI != nil && e.shared == nil {
		return e.showRepairWindow(ctx, damaged, e.windowOptions(*hidden))
	}
	if err != nil {
		return err // a database in use is forwarded: the running window comes forward
	}
	defer release()
	return e.showWindow(ctx, a, e.windowOptions(*hidden))
}

// windowOptions are the options of the desktop app's window.
func (e *env) windowOptions(hidden bool) GUIOptions {
	opts := GUIOptions{Hidden: hidden}
	if as, err := e.newAutostart(); err == nil {
		opts.Autostart = as
	} else {
		e.log.Warn("start at login is not available", "err", err)
	}
	return opts
}

// showWindow runs the window and tray of a (see GUI) with opts and this
// command's logger, environment and forwarding.
func (e *env) showWindow(ctx context.Context, a *app.App, opts GUIOptions) error {
	return e.gui(ctx, a, e.guiOptions(a, opts))
}

// guiOptions completes opts with this command's logger, environment and
// the forwarding to a (none without a).
func (e *env) guiOptions(a *app.App, opts GUIOptions) GUIOptions {
	opts.Logger, opts.LookupEnv, opts.Stderr = e.log, e.lookup, e.stdio.Err
	if a != nil {
		opts.Forward = func(showWindow func()) ipc.Runner { return RunShared(a, e.log, showWindow) }
	}
	return opts
}

// showRepairWindow runs the window on the damaged database (see RepairGUI)
// with the repair of `owtray repair`; RepairGUI releases the app it opens
// afterwards.
func (e *env) showRepairWindow(ctx context.Context, damaged *store.DamagedError, opts GUIOptions) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	d := Damaged{
		Err:    damaged,
		Repair: func() (store.RepairReport, error) { return app.RepairDatabase(cfg, time.Now(), e.log) },
		Open: func() (*app.App, GUIOptions, func(), error) {
			a, release, err := e.open()
			if err != nil {
				return nil, GUIOptions{}, nil, err
			}
			return a, e.guiOptions(a, opts), release, nil
		},
	}
	return e.repairGUI(ctx, d, e.guiOptions(nil, opts))
}
