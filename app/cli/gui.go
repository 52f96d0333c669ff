package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/app/memtrim"
	"github.com/owtray/owtray/assets"
	"github.com/owtray/owtray/ui"
)

// EnvStartupProbe makes the window report when it first shows activity rows
// ("1"), and quit then ("quit"): used by the cold-start benchmark.
const EnvStartupProbe = "OWTRAY_STARTUP_PROBE"

const startupProbeLine = "owtray: first rows shown"

// desktopMemoryLimit is the Go runtime's soft memory limit in the desktop app.
const desktopMemoryLimit = 64 << 20

// memoryTrimInterval is how often the desktop app hands the C heap's free
// pages back to the system (see app/memtrim).
const memoryTrimInterval = 30 * time.Second

// EnvPprof, set to a loopback address such as 127.0.0.1:6060, serves Go's
// profiles (net/http/pprof) there while the window runs: for diagnosing
// memory and CPU use.
const EnvPprof = "OWTRAY_PPROF"

func servePprof(ctx context.Context, addr string, e *env) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		e.log.Warn("OWTRAY_PPROF must be a loopback address such as 127.0.0.1:6060; profiling stays off", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Warn("pprof server", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { srv.Close() })
}

func runGUI(ctx context.Context, e *env, args []string) error {
	if err := parse(flags(e, "gui"), args, 0); err != nil {
		return err
	}
	defer e.useLogFile()()
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
	if err := desktop.CheckDisplay(e.lookup); err != nil {
		return err // before Fyne: GLFW panics without a display
	}
	if _, ok := e.lookup("GOMEMLIMIT"); !ok {
		// A tray app lives for days: keep the Go heap near its live size
		// (~40 MB, mostly Fyne's parsed fonts) instead of letting garbage
		// double it between collections.
		debug.SetMemoryLimit(desktopMemoryLimit)
	}
	fa := desktop.NewFyneApp()
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
	uiOpts := desktop.UIOptions(a, ui.Options{Icon: assets.Icon, Logger: e.log})
	if probe, ok := e.lookup(EnvStartupProbe); ok && probe != "" {
		// The cold-start benchmark waits for this line (and may ask to quit).
		uiOpts.OnFirstRows = func() {
			fmt.Fprintf(e.stdio.Err, "%s peak_rss_kb=%d\n", startupProbeLine, peakRSSKB())
			if probe == "quit" {
				// A benchmark run: leave at once. (Quitting the GL driver
				// while X still delivers pointer events can crash Fyne 2.7.)
				os.Exit(0)
			}
		}
	}
	u := ui.New(fa, be, uiOpts)
	if addr, ok := e.lookup(EnvPprof); ok && addr != "" {
		servePprof(ctx, addr, e)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go memtrim.Run(runCtx, memoryTrimInterval)
	done := make(chan error, 1)
	go func() {
		err := a.Run(runCtx, app.RunOptions{Forward: RunShared(a, e.log, func() { fyne.Do(u.ShowWindow) })})
		done <- err
		switch {
		case ctx.Err() != nil:
			fyne.Do(fa.Quit) // a signal asked to stop
		case err != nil:
			e.log.Error("owtray cannot run", "err", err)
			fyne.Do(func() { u.ShowFatal(err.Error()) })
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

// peakRSSKB is the process's peak resident set (VmHWM) on Linux, else 0.
func peakRSSKB() int {
	kb, _ := memtrim.StatusKB("/proc/self/status", "VmHWM:")
	return kb
}
