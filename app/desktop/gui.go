package desktop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/hostguard"
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

// EnvPprof names the variable that, set to a loopback address such as
// 127.0.0.1:6060, serves Go's profiles (net/http/pprof) there while the
// window runs: for diagnosing memory and CPU use.
const EnvPprof = "OWTRAY_PPROF"

var _ cli.GUI = Run

func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Warn("OWTRAY_PPROF must be a loopback address such as 127.0.0.1:6060; profiling stays off", "addr", addr)
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("pprof server", "err", err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Loopback Host names only, like the loopback server: a web page cannot
	// read the profiles through DNS rebinding. (No write timeout: a CPU
	// profile takes its 30 s.)
	srv := &http.Server{Handler: hostguard.New(hostguard.PortOf(ln), nil, log).Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof server", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { srv.Close() })
}

// Run is the desktop app (cli.GUI): it runs the window and tray on the
// main goroutine and the app's long-running parts beside it, until Quit or
// ctx ends.
func Run(ctx context.Context, a *app.App, opts cli.GUIOptions) error {
	fa, limit, err := newDesktopApp(opts)
	if err != nil {
		return err
	}
	m := startMain(ctx, fa, a, opts, limit)
	quitOnDone(ctx, fa)
	m.u.Run()
	return m.wait()
}

// newDesktopApp is the Fyne app, once the display was found (GLFW panics
// without one), with the desktop's memory limit; the returned
// syncMemoryLimit lifts that limit while a sync runs (nil when GOMEMLIMIT
// sets a limit of its own).
func newDesktopApp(opts cli.GUIOptions) (fyne.App, *syncMemoryLimit, error) {
	if err := CheckDisplay(opts.LookupEnv); err != nil {
		return nil, nil, err
	}
	var limit *syncMemoryLimit
	if _, ok := opts.LookupEnv("GOMEMLIMIT"); !ok {
		limit = &syncMemoryLimit{limit: desktopMemoryLimit, set: debug.SetMemoryLimit}
		limit.syncing(false)
	}
	return NewFyneApp(), limit, nil
}

// syncMemoryLimit is the Go runtime's soft memory limit of the desktop app.
// A tray app lives for days: the limit keeps the Go heap near its live size
// (~40 MB, mostly Fyne's parsed fonts) instead of letting garbage double it
// between collections. While a sync runs it is lifted: an import makes
// garbage fast, and with the heap at the limit the collector ran back to
// back and every allocation on the UI goroutine had to help it: the
// window's longest frame during a 20,000-activity import under Xvfb on two
// cores was 99–110 ms with the limit, 40–52 ms without it (EnvFrameProbe,
// BenchmarkImportFrames20000). When the sync ends the limit returns and
// the heap shrinks to it again.
type syncMemoryLimit struct {
	limit int64
	set   func(int64) int64 // debug.SetMemoryLimit
}

// syncing sets the limit for a sync that starts (true) or ends (false).
func (m *syncMemoryLimit) syncing(on bool) {
	if m == nil {
		return
	}
	if on {
		m.set(math.MaxInt64)
		return
	}
	m.set(m.limit)
}

// mainWindow is the normal window and tray of a, with a's Run beside them.
type mainWindow struct {
	u    *ui.UI
	stop context.CancelFunc
	done chan error
}

// startMain builds the window and tray of a on fa and starts a's Run; the
// caller shows the window (UI.Run before fa's loop, ShowWindow within it).
// Call it on the main goroutine.
func startMain(ctx context.Context, fa fyne.App, a *app.App, opts cli.GUIOptions, limit *syncMemoryLimit) *mainWindow {
	beOpts := Options{Demo: opts.Demo, Autostart: opts.Autostart, OnSyncing: limit.syncing}
	if !opts.Demo {
		// Restarting as the demo quits this window first.
		beOpts.StartDemo = func(ctx context.Context) error {
			if err := restartAsDemo(ctx); err != nil {
				return err
			}
			fyne.Do(fa.Quit)
			return nil
		}
	}
	var frames *frameProbe
	if probe, ok := opts.LookupEnv(EnvFrameProbe); ok && probe == "1" {
		frames = &frameProbe{}
		beOpts.OnSyncing = func(on bool) {
			frames.syncing.Store(on)
			limit.syncing(on)
		}
	}
	be := New(a, beOpts)
	uiOpts := UIOptions(a, ui.Options{Icon: assets.Icon, Logger: opts.Logger, Hidden: opts.Hidden})
	if probe, ok := opts.LookupEnv(EnvStartupProbe); ok && probe != "" {
		// The cold-start benchmark waits for this line (and may ask to quit).
		uiOpts.OnFirstRows = func() {
			fmt.Fprintf(opts.Stderr, "%s peak_rss_kb=%d\n", startupProbeLine, peakRSSKB())
			if probe == "quit" {
				// A benchmark run: leave at once. (Quitting the GL driver
				// while X still delivers pointer events can crash Fyne 2.7.)
				os.Exit(0)
			}
		}
	}
	u := ui.New(fa, be, uiOpts)
	if addr, ok := opts.LookupEnv(EnvPprof); ok && addr != "" {
		servePprof(ctx, addr, opts.Logger)
	}
	runCtx, stop := context.WithCancel(ctx)
	go memtrim.Run(runCtx, memoryTrimInterval)
	if frames != nil {
		go frames.run(runCtx, opts.Stderr)
	}
	m := &mainWindow{u: u, stop: stop, done: make(chan error, 1)}
	go func() {
		err := a.Run(runCtx, app.RunOptions{Forward: opts.Forward(func() { fyne.Do(u.ShowWindow) })})
		m.done <- err
		switch {
		case ctx.Err() != nil:
			fyne.Do(fa.Quit) // a signal asked to stop
		case err != nil:
			opts.Logger.Error("owtray cannot run", "err", err)
			fyne.Do(func() { u.ShowFatal(err.Error()) })
		}
	}()
	return m
}

// wait ends a's Run after fa's loop returned, and returns its error.
func (m *mainWindow) wait() error {
	m.u.Close()
	m.stop()
	err := <-m.done
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// quitOnDone quits fa when ctx ends (a signal).
func quitOnDone(ctx context.Context, fa fyne.App) {
	go func() {
		<-ctx.Done()
		fyne.Do(fa.Quit)
	}()
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
