package desktop_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/app/memtrim"
	"github.com/owtray/owtray/sync/stravasim"
)

// BenchmarkColdStart20000 starts the real desktop app on a data dir holding
// 20,000 activities and measures the time from exec to the window showing
// the first rows, and the process's peak RSS then. Targets: < 1 s, < 150 MB.
// Needs an X display (make bench runs it under Xvfb).
func BenchmarkColdStart20000(b *testing.B) {
	bin, p := windowBenchProfile(b)
	var totalMS, totalRSS float64
	for b.Loop() {
		w := startWindow(b, p, bin, "quit")
		if err := w.wait(); err != nil {
			b.Fatal(err)
		}
		totalMS += float64(w.shown.Milliseconds())
		totalRSS += w.peakRSSMB
	}
	b.ReportMetric(totalMS/float64(b.N), "ms-to-first-rows")
	b.ReportMetric(totalRSS/float64(b.N), "MB-peak-RSS")
}

// BenchmarkImportFrames20000 starts the real window on a data dir that is
// connected but holds nothing, so its first sync imports 20,000 activities
// from the simulator (in this process, as Strava is in another), and
// reports the longest frame of Fyne's event loop while that sync runs, as
// desktop's frame probe (EnvFrameProbe) measures it: input, animations and
// painting, with the list filling page by page. Target: < 50 ms. Needs an
// X display (make bench runs it under Xvfb, whose software GL paints).
//
// Two cases: pages answered at once (the worst case: the import decodes
// and stores page after page, competing with the window for the CPU), and
// each answer 300 ms late, nearer to a real Strava's list requests.
func BenchmarkImportFrames20000(b *testing.B) {
	for _, latency := range []time.Duration{0, 300 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			var longest, worst float64
			for b.Loop() {
				b.StopTimer()
				bin, p := windowProfileFor(b, false)
				p.sim.Sim.SetLatency(latency)
				b.StartTimer()
				cmd := p.command(bin, "gui")
				cmd.Env = append(cmd.Env, desktop.EnvFrameProbe+"=1", "LANG=en_US.UTF-8")
				w := startUntil(b, cmd, "syncing=true")
				ms := w.untilSyncEnds(b)
				w.stop(b)
				longest += ms
				worst = max(worst, ms)
			}
			b.ReportMetric(longest/float64(b.N), "ms-longest-frame-importing")
			b.ReportMetric(worst, "ms-worst-frame-importing")
		})
	}
}

// untilSyncEnds reads the frame probe's lines until the sync has ended and
// returns the longest frame while it ran.
func (w *benchWindow) untilSyncEnds(b *testing.B) float64 {
	b.Helper()
	deadline := time.After(5 * time.Minute)
	for {
		select {
		case <-deadline:
			w.mu.Lock()
			defer w.mu.Unlock()
			b.Fatalf("the import did not end within 5 minutes:\n%s", w.rest.String())
		case <-w.drained:
			b.Fatalf("the window exited during the import:\n%s", w.rest.String())
		case <-time.After(100 * time.Millisecond):
		}
		w.mu.Lock()
		last := w.lastProbe
		w.mu.Unlock()
		if strings.Contains(last, "syncing=false") {
			_, v, _ := strings.Cut(last, "longest_syncing_ms=")
			ms, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			if err != nil {
				b.Fatalf("frame probe line %q: %v", last, err)
			}
			return ms
		}
	}
}

// BenchmarkScrollMemory20000 scrolls the real window through thousands of
// rows of a 20,000-activity history and reports its resident set right
// after (Fyne's text textures of the last minute are alive then) and once
// those textures have expired and memtrim has handed the freed C heap back.
// FYNE_CACHE shortens Fyne's one-minute texture expiry to 5 s.
func BenchmarkScrollMemory20000(b *testing.B) {
	bin, p := windowBenchProfile(b)
	var scrolled, settled float64
	for b.Loop() {
		w := startWindow(b, p, bin, "1", "FYNE_CACHE=5s")
		xdotool(b, "mousemove", "500", "400")
		for range 20 {
			xdotool(b, "click", "--repeat", "100", "--delay", "2", "5") // wheel down
		}
		scrolled += residentMB(b, w.cmd.Process.Pid)
		time.Sleep(6 * time.Second) // the textures expire
		// Fyne frees expired textures when it next paints: hover a row.
		xdotool(b, "mousemove", "500", "300")
		time.Sleep(desktop.MemoryTrimInterval + time.Second)
		settled += residentMB(b, w.cmd.Process.Pid)
		w.stop(b)
	}
	b.ReportMetric(scrolled/float64(b.N), "MB-RSS-after-scroll")
	b.ReportMetric(settled/float64(b.N), "MB-RSS-settled")
}

// BenchmarkPeakRSSVersusBareFyne measures the peak RSS of owtray's window
// and of testdata/barewindow, the smallest Fyne program showing the same
// screen with the same activity names, each 2 s after its window is up: the
// difference is owtray's own share.
func BenchmarkPeakRSSVersusBareFyne(b *testing.B) {
	bin, p := windowBenchProfile(b)
	bare := filepath.Join(b.TempDir(), "barewindow")
	if out, err := exec.Command("go", "build", "-o", bare, "./testdata/barewindow").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var names strings.Builder
	for _, a := range p.sim.Sim.Activities(0, true)[:40] {
		names.WriteString(a.Name + "\n")
	}
	namesFile := filepath.Join(b.TempDir(), "names")
	if err := os.WriteFile(namesFile, []byte(names.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	peakAfterSettling := func(w *benchWindow) float64 {
		time.Sleep(2 * time.Second)
		mb := statusMB(b, w.cmd.Process.Pid, "VmHWM:")
		w.stop(b)
		return mb
	}
	var owtray, fyneOnly float64
	for b.Loop() {
		owtray += peakAfterSettling(startWindow(b, p, bin, "1"))
		cmd := exec.Command(bare, namesFile)
		cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
		fyneOnly += peakAfterSettling(startUntil(b, cmd, "ready"))
	}
	b.ReportMetric(owtray/float64(b.N), "MB-peak-RSS-owtray")
	b.ReportMetric(fyneOnly/float64(b.N), "MB-peak-RSS-bare-Fyne")
}

// windowProfile is a data dir holding synced activities, the simulator
// they came from and the environment that points owtray at both.
type windowProfile struct {
	sim *stravasim.Server
	env []string
	dir string // the working directory: not the checkout (no ./.env)
}

// windowBenchProfile builds owtray and a data dir holding 20,000 synced
// activities; it skips without an X display.
func windowBenchProfile(b *testing.B) (string, *windowProfile) {
	b.Helper()
	return windowProfileFor(b, true)
}

// windowProfileFor builds owtray and a data dir connected to a simulator
// of 20,000 activities, synced when synced is set (else the window's
// first sync imports them all); it skips without an X display.
func windowProfileFor(b *testing.B, synced bool) (string, *windowProfile) {
	b.Helper()
	if os.Getenv("DISPLAY") == "" {
		b.Skip("needs an X display")
	}
	bin := owtray.Path(b)
	inst := apptest.Open(b, stravasim.Config{Activities: 20000, Seed: 3,
		RateLimits: stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: 300, ReadDaily: 15000}}, nil)
	ctx := context.Background()
	if _, err := inst.App.Login(ctx, app.LoginOptions{}); err != nil {
		b.Fatal(err)
	}
	if synced {
		if _, err := inst.App.Sync(ctx, app.SyncOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := inst.App.Close(); err != nil { // the window opens the database
		b.Fatal(err)
	}
	p := &windowProfile{sim: inst.Sim, env: append(os.Environ(), cli.EnvKeychainService+"="+inst.Service), dir: b.TempDir()}
	for k, v := range inst.Env {
		p.env = append(p.env, k+"="+v)
	}
	return bin, p
}

func (p *windowProfile) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Dir = slices.Clone(p.env), p.dir
	return cmd
}

// benchWindow is a running `owtray gui` whose window has shown its first rows.
type benchWindow struct {
	cmd       *exec.Cmd
	shown     time.Duration // from exec to the first rows
	readyLine string        // the line that said so
	peakRSSMB float64       // as the app reported it then
	drained   chan struct{}

	mu        sync.Mutex
	rest      strings.Builder // stderr after the first rows
	lastProbe string          // the frame probe's last line
}

// startWindow runs `owtray gui` with OWTRAY_STARTUP_PROBE=probe and the
// extra environment, and returns once the window shows its first rows.
func startWindow(b *testing.B, p *windowProfile, bin, probe string, env ...string) *benchWindow {
	b.Helper()
	cmd := p.command(bin, "gui")
	cmd.Env = append(cmd.Env, desktop.EnvStartupProbe+"="+probe, "LANG=en_US.UTF-8")
	cmd.Env = append(cmd.Env, env...)
	w := startUntil(b, cmd, desktop.StartupProbeLine)
	w.peakRSSMB = reportedRSSMB(w.readyLine)
	return w
}

// startUntil starts cmd and returns once it printed a line containing
// ready on stderr.
func startUntil(b *testing.B, cmd *exec.Cmd, ready string) *benchWindow {
	b.Helper()
	w := &benchWindow{cmd: cmd, drained: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.Contains(sc.Text(), ready) {
			w.shown, w.readyLine = time.Since(start), sc.Text()
			break
		}
	}
	go func() {
		for sc.Scan() {
			line := sc.Text()
			w.mu.Lock()
			w.rest.WriteString(line + "\n")
			if strings.Contains(line, desktop.FrameProbeLine) {
				w.lastProbe = line
			}
			w.mu.Unlock()
		}
		close(w.drained)
	}()
	if w.shown == 0 {
		<-w.drained
		_ = cmd.Wait()
		b.Fatalf("%s exited before it was ready:\n%s", cmd.Path, w.rest.String())
	}
	return w
}

// stop kills the process and waits for it.
func (w *benchWindow) stop(b *testing.B) {
	b.Helper()
	_ = w.cmd.Process.Kill()
	if err := w.wait(); err != nil {
		b.Fatal(err)
	}
}

// wait waits for the process to end: an error when it exited with a
// failure (not when the benchmark killed it), including its stderr.
func (w *benchWindow) wait() error {
	<-w.drained
	if err := w.cmd.Wait(); err != nil && w.cmd.ProcessState.Exited() {
		return fmt.Errorf("gui: %w\n%s", err, w.rest.String())
	}
	return nil
}

// reportedRSSMB reads the "peak_rss_kb=N" the app reports with the line.
func reportedRSSMB(line string) float64 {
	_, v, _ := strings.Cut(line, "peak_rss_kb=")
	kb, _ := strconv.ParseFloat(strings.Fields(v + " ")[0], 64)
	return kb / 1024
}

// residentMB is the current resident set (VmRSS) of process pid.
func residentMB(b *testing.B, pid int) float64 {
	b.Helper()
	return statusMB(b, pid, "VmRSS:")
}

// statusMB reads a kB figure such as "VmHWM:" from /proc/pid/status, in MB.
func statusMB(b *testing.B, pid int, field string) float64 {
	b.Helper()
	kb, err := memtrim.StatusKB(fmt.Sprintf("/proc/%d/status", pid), field)
	if err != nil {
		b.Fatal(err)
	}
	return float64(kb) / 1024
}

func xdotool(b *testing.B, args ...string) {
	b.Helper()
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		b.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
