package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/assets"
	"github.com/owtray/owtray/ui"
)

func runGUI(ctx context.Context, e *env, args []string) error {
	if err := parse(flags(e, "gui"), args, 0); err != nil {
		return err
	}
	a, release, err := e.open()
	if err != nil {
		return err // a database in use is forwarded: the running window comes forward
	}
	defer release()
	return showDesktop(ctx, e, a, desktop.Options{StartDemo: restartAsDemo})
}

// showDesktop runs the window and tray on the main goroutine and the app's
// long-running parts beside it, until Quit or ctx ends.
func showDesktop(ctx context.Context, e *env, a *app.App, opts desktop.Options) error {
	fa := fyneapp.NewWithID(app.ID)
	be := desktop.New(a, opts)
	if opts.StartDemo != nil {
		// Restarting as the demo quits this window first.
		start := opts.StartDemo
		opts.StartDemo = func(ctx context.Context) error {
			if err := start(ctx); err != nil {
				return err
			}
			fyne.Do(fa.Quit)
			return nil
		}
		be = desktop.New(a, opts)
	}
	u := ui.New(fa, be, ui.Options{Icon: assets.Icon, Logger: e.log})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		err := a.Run(runCtx, app.RunOptions{Forward: RunShared(a, e.log, func() { fyne.Do(u.ShowWindow) })})
		done <- err
		if err != nil || ctx.Err() != nil {
			fyne.Do(fa.Quit) // the background part failed, or a signal asked to stop
		}
	}()
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
	u.Run()
	stop()
	err := <-done
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// restartAsDemo starts `owtray demo` as a new process; the caller quits.
func restartAsDemo(context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding owtray's executable: %w", err)
	}
	cmd := exec.Command(exe, "demo")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the demo: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
