package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/autostart"
	"github.com/owtray/owtray/app/ipc"
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

// Options adjust Main.
type Options struct {
	// GUI starts the window; nil in a build without one (-tags nogui).
	GUI GUI
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
	if err != nil {
		return err // a database in use is forwarded: the running window comes forward
	}
	defer release()
	opts := GUIOptions{Hidden: *hidden}
	if as, err := e.newAutostart(); err == nil {
		opts.Autostart = as
	} else {
		e.log.Warn("start at login is not available", "err", err)
	}
	return e.showWindow(ctx, a, opts)
}

// showWindow runs the window and tray of a (see GUI) with opts and this
// command's logger, environment and forwarding.
func (e *env) showWindow(ctx context.Context, a *app.App, opts GUIOptions) error {
	opts.Logger, opts.LookupEnv, opts.Stderr = e.log, e.lookup, e.stdio.Err
	opts.Forward = func(showWindow func()) ipc.Runner { return RunShared(a, e.log, showWindow) }
	return e.gui(ctx, a, opts)
}
