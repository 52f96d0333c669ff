package desktop_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/secrets/secretstest"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/logtest"
)

// owtray is the desktop build, built once for the package's tests.
var owtray apptest.Binary

func TestMain(m *testing.M) {
	code := m.Run()
	owtray.Remove()
	os.Exit(code)
}

// requireDesktop skips without an X display and a session bus, or fails
// when OWTRAY_REQUIRE_DESKTOP=1 (make test sets it).
func requireDesktop(t *testing.T) {
	t.Helper()
	var missing []string
	for _, v := range []string{"DISPLAY", "DBUS_SESSION_BUS_ADDRESS"} {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	for _, tool := range []string{"import", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("OWTRAY_REQUIRE_DESKTOP") == "1" {
		t.Fatalf("desktop session required (OWTRAY_REQUIRE_DESKTOP=1) but missing: %v", missing)
	}
	t.Skipf("no desktop session (run under `make test`): missing %v", missing)
}

// demoProcess is a running `owtray demo` with its window and tray.
type demoProcess struct {
	cmd     *exec.Cmd
	simURL  string
	dataDir string
	env     []string
}

func startDemo(t *testing.T, bin string, args ...string) *demoProcess {
	t.Helper()
	service := secretstest.NewService(t)
	t.Cleanup(func() { _ = secrets.New(secrets.OSKeyring{}, cli.DemoKeychainService(service)).DeleteAll() })
	d := &demoProcess{dataDir: t.TempDir()}
	d.env = append(os.Environ(), "OWTRAY_DATA_DIR="+d.dataDir, cli.EnvKeychainService+"="+service, "LANG=en_US.UTF-8")
	d.cmd = exec.Command(bin, append([]string{"demo", "--upload-every", "0"}, args...)...)
	d.cmd.Env = d.env
	d.cmd.Dir = t.TempDir() // not the checkout: no ./.env, no FyneApp.toml to read
	d.cmd.Stderr = os.Stderr
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			_ = d.cmd.Process.Kill()
			_ = d.cmd.Wait()
		}
	})
	urlRE := regexp.MustCompile(`simulated Strava at (http://\S+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
			d.simURL = m[1]
			break
		}
	}
	go io.Copy(io.Discard, out)
	if d.simURL == "" {
		t.Fatal("demo did not print the simulator URL")
	}
	return d
}

// status asks the running demo (forwarded over its IPC socket).
func (d *demoProcess) status(t *testing.T, bin string) map[string]any {
	t.Helper()
	cmd := exec.Command(bin, "status", "--json")
	cmd.Dir = d.cmd.Dir
	cmd.Env = append(d.env, "OWTRAY_DATA_DIR="+filepath.Join(d.dataDir, "demo"))
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	var st map[string]any
	_ = json.Unmarshal(out, &st)
	return st
}

func (d *demoProcess) simRequests(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(d.simURL + "/_sim/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Total
}

func (d *demoProcess) stop(t *testing.T) { apptest.StopGracefully(t, d.cmd, 15*time.Second) }

// screenshot saves the X root window and returns how many distinct colours
// the area of the window holds (a blank or black screen has one or two).
func screenshot(t *testing.T, path string) int {
	t.Helper()
	img := captureScreen(t, path)
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(colours)
}

// captureScreen saves the whole screen to path (PNG) and returns it decoded.
func captureScreen(t *testing.T, path string) image.Image {
	t.Helper()
	if out, err := exec.Command("import", "-window", "root", path).CombinedOutput(); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// waitScreenSettled waits until two screenshots in a row show the same
// pixels: the window has drawn what it was asked to (a list refresh, a
// detail loading its streams), instead of sleeping for a guess.
func waitScreenSettled(t *testing.T, what string, limit time.Duration) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "settle.png")
	var last [sha256.Size]byte
	clocktest.WaitUntil(t, what, limit, func() bool {
		h := screenPixels(t, path)
		same := h == last
		last = h
		return same
	})
}

// screenPixels is a hash of the screen's pixels (not of the PNG file,
// whose metadata holds a time stamp).
func screenPixels(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	img := captureScreen(t, path)
	h := sha256.New()
	b := img.Bounds()
	px := make([]byte, 0, 4*b.Dx())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		px = px[:0]
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			px = append(px, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
		h.Write(px)
	}
	var sum [sha256.Size]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// TestDemoWindowAndTray starts the real binary as `owtray demo` under Xvfb:
// the window renders the activity list, the tray's StatusNotifierItem is
// registered with the watcher, its dbusmenu has the items, and clicking
// "Sync now" over D-Bus makes the app sync.
func TestDemoWindowAndTray(t *testing.T) {
	requireDesktop(t)
	bin := owtray.Path(t)
	d := startDemo(t, bin, "--activities", "1500")
	clocktest.WaitUntil(t, "the demo's import", 60*time.Second, func() bool {
		st := d.status(t, bin)
		n, _ := st["activities"].(float64)
		return n == 1500
	})
	waitScreenSettled(t, "the list to redraw after the import", 60*time.Second)
	shot := filepath.Join(t.TempDir(), "demo.png")
	if n := screenshot(t, shot); n < 50 {
		t.Fatalf("the screen has %d colours: the window did not render", n)
	}
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		saveDocScreenshots(t, dir, shot)
	}
	checkMinimumWindow(t)

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	item, menu := waitTrayItem(t, conn, d.cmd.Process.Pid)
	checkTrayTitleAndTooltip(t, item)
	labels := menuLabels(t, menu)
	for _, want := range []string{"Open owtray", "Sync now", "Quit"} {
		if _, ok := labels[want]; !ok {
			t.Fatalf("tray menu lacks %q: %v", want, labels)
		}
	}
	// Wait for the start-up sync and detail back-fill to go quiet, so the
	// requests after the click are the click's.
	var before int
	clocktest.WaitUntil(t, "the background sync to go quiet", 60*time.Second, func() bool {
		before = d.simRequests(t)
		time.Sleep(1500 * time.Millisecond) // quiet means: no request over this span
		return d.simRequests(t) == before
	})
	if call := menu.Call("com.canonical.dbusmenu.Event", 0, labels["Sync now"], "clicked", dbus.MakeVariant(""), uint32(0)); call.Err != nil {
		t.Fatal(call.Err)
	}
	clocktest.WaitUntil(t, "a sync after clicking Sync now", 60*time.Second, func() bool { return d.simRequests(t) > before })

	// Starting the app a second time brings the hidden window forward.
	if out, err := exec.Command("xdotool", "search", "--name", "^owtray$", "windowunmap", "--sync").CombinedOutput(); err != nil {
		t.Fatalf("hiding the window: %v %s", err, out)
	}
	second := exec.Command(bin)
	second.Dir = d.cmd.Dir
	second.Env = append(d.env, "OWTRAY_DATA_DIR="+filepath.Join(d.dataDir, "demo"))
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second start: %v %s", err, out)
	}
	clocktest.WaitUntil(t, "the window to come back", 10*time.Second, func() bool {
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$").Output()
		return len(strings.TrimSpace(string(out))) > 0
	})
	d.stop(t)

	// The long-running app logs to the data dir, without secrets.
	logText, err := os.ReadFile(filepath.Join(d.dataDir, "demo", cli.LogFile))
	if err != nil || !strings.Contains(string(logText), "owtray is running") || strings.Contains(string(logText), cli.SimClientSecret) {
		t.Errorf("log file: %v\n%.500s", err, logText)
	}
}

// windowGeometry is the owtray window's size, e.g. "1180x760".
func windowGeometry(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$", "getwindowgeometry").CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	m := regexp.MustCompile(`Geometry: (\d+x\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no geometry in %q", out)
	}
	return m[1]
}

// checkMinimumWindow: the window accepts 960×600 (its size hints allow it)
// and keeps that size while it works (it never grows by itself).
func checkMinimumWindow(t *testing.T) {
	t.Helper()
	out, err := exec.Command("sh", "-c", "xprop -id $(xdotool search --onlyvisible --name '^owtray$' | head -1) WM_NORMAL_HINTS").CombinedOutput()
	if err != nil {
		t.Fatalf("xprop: %v %s", err, out)
	}
	if m := regexp.MustCompile(`minimum size: (\d+) by (\d+)`).FindStringSubmatch(string(out)); m != nil {
		if w, h := atoi(t, m[1]), atoi(t, m[2]); w > 960 || h > 600 {
			t.Errorf("the window's minimum size is %dx%d, more than 960x600", w, h)
		}
	}
	if o, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$", "windowsize", "960", "600").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, o)
	}
	clocktest.WaitUntil(t, "the window at 960x600", 5*time.Second, func() bool { return windowGeometry(t) == "960x600" })
	time.Sleep(3 * time.Second) // what is checked is that nothing grows it over time (status updates, list refreshes)
	if got := windowGeometry(t); got != "960x600" {
		t.Errorf("the window grew to %s by itself", got)
	}
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		screenshot(t, filepath.Join(os.TempDir(), "owtray-960x600.png")) // for a look, not for README
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkTrayTitleAndTooltip: the tray item is titled "owtray" (not the app
// ID) and its tooltip tells the last sync and the webhook state.
func checkTrayTitleAndTooltip(t *testing.T, item dbus.BusObject) {
	t.Helper()
	title, err := item.GetProperty("org.kde.StatusNotifierItem.Title")
	if err != nil || title.Value() != "owtray" {
		t.Errorf("tray title %v (%v), want owtray", title.Value(), err)
	}
	var tip struct {
		Icon   string
		Images []struct {
			W, H int32
			Data []byte
		}
		Title, Text string
	}
	clocktest.WaitUntil(t, "the tray tooltip", 10*time.Second, func() bool {
		v, err := item.GetProperty("org.kde.StatusNotifierItem.ToolTip")
		if err != nil || dbus.Store([]any{v.Value()}, &tip) != nil {
			return false
		}
		return strings.Contains(tip.Title, "Last sync") && strings.Contains(tip.Title, "Webhooks")
	})
	if !strings.HasPrefix(tip.Title, "owtray · ") {
		t.Errorf("tooltip %q", tip.Title)
	}
}

// TestNoDisplayIsOneLine: without a display the window ends with one line
// that names DISPLAY and `owtray serve`, exit 1, before Fyne (whose GLFW
// panics without a display).
func TestNoDisplayIsOneLine(t *testing.T) {
	bin := owtray.Path(t)
	for _, display := range []string{"", ":87"} {
		cmd := exec.Command(bin)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "OWTRAY_DATA_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("DISPLAY=%q: %v, want exit 1\n%s", display, err, out)
		}
		text := strings.TrimSpace(string(out))
		if strings.Count(text, "\n") != 0 || !strings.Contains(text, "DISPLAY") || !strings.Contains(text, "owtray serve") ||
			strings.Contains(text, "panic") || strings.Contains(text, "goroutine") {
			t.Errorf("DISPLAY=%q: output %q, want one line naming DISPLAY and owtray serve", display, text)
		}
	}
}

// menuLabels reads the dbusmenu layout: label → item id. Labels of items
// whose text changes (progress) are matched by prefix.
func menuLabels(t *testing.T, menu dbus.BusObject) map[string]int32 {
	t.Helper()
	var revision uint32
	var layout struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &layout); err != nil {
		t.Fatal(err)
	}
	labels := map[string]int32{}
	for _, c := range layout.Children {
		fields, ok := c.Value().([]any)
		if !ok || len(fields) < 2 {
			continue
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		label, _ := props["label"].Value().(string)
		label = strings.ReplaceAll(label, "_", "")
		if strings.HasPrefix(label, "Sync") {
			label = "Sync now"
		}
		labels[label] = id
	}
	return labels
}

// saveDocScreenshots refreshes README's screenshots: the list (already
// taken), a detail view (the first row clicked) with its charts and the
// pointer over them, and its laps.
func saveDocScreenshots(t *testing.T, dir, listShot string) {
	t.Helper()
	copyFile(t, listShot, filepath.Join(dir, "screenshot-list.png"))
	xdotool := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, out)
		}
	}
	xdotool("mousemove", "300", "190", "click", "1") // the first row
	waitScreenSettled(t, "the detail and its streams", 60*time.Second)
	xdotool("mousemove", "900", "560")
	waitScreenSettled(t, "the chart's hover readout", 10*time.Second)
	screenshot(t, filepath.Join(dir, "screenshot-detail.png"))
	xdotool("mousemove", "773", "303", "click", "1") // the Laps tab
	waitScreenSettled(t, "the laps table", 10*time.Second)
	screenshot(t, filepath.Join(dir, "screenshot-laps.png"))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSetupScreenRenders starts the real app with no Strava app configured:
// the window shows the setup form.
func TestSetupScreenRenders(t *testing.T) {
	requireDesktop(t)
	bin := owtray.Path(t)
	service := secretstest.NewService(t)
	dataDir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // no ./.env
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "DISPLAY=" + os.Getenv("DISPLAY"),
		"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "LANG=en_US.UTF-8",
		"OWTRAY_DATA_DIR=" + dataDir, cli.EnvKeychainService + "=" + service,
		"STRAVA_REDIRECT_URI=http://127.0.0.1:" + fmt.Sprint(apptest.FreePort(t)) + "/api/v1/oauth/strava/callback"}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	shot := filepath.Join(t.TempDir(), "setup.png")
	clocktest.WaitUntil(t, "the setup window", 90*time.Second, func() bool {
		out, _ := exec.Command("xdotool", "search", "--name", "^owtray$").Output()
		return len(strings.TrimSpace(string(out))) > 0
	})
	waitScreenSettled(t, "the setup screen to draw", 60*time.Second)
	if n := screenshot(t, shot); n < 20 {
		t.Fatalf("the screen has %d colours: the setup window did not render", n)
	}
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		copyFile(t, shot, filepath.Join(dir, "screenshot-setup.png"))
	}
}

// TestNoKeychainScreenQuits: without a keychain (and here without a D-Bus
// session, so without a tray) the window explains how to get one and its
// Quit ends the app cleanly: no Go panic in the tray code.
func TestNoKeychainScreenQuits(t *testing.T) {
	requireDesktop(t)
	bin := owtray.Path(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent", "OWTRAY_DATA_DIR="+t.TempDir(),
		"STRAVA_CLIENT_ID=12345", "LANG=en_US.UTF-8")
	var out logtest.Buffer // written by the process's copiers, read here
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("the app's output:\n%s", out.String())
		}
	})
	clocktest.WaitUntil(t, "the window", 90*time.Second, func() bool {
		o, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$").Output()
		return len(strings.TrimSpace(string(o))) > 0
	})
	waitScreenSettled(t, "the no-keychain screen", 60*time.Second)
	shot := filepath.Join(t.TempDir(), "nokeychain.png")
	if n := screenshot(t, shot); n < 20 {
		t.Fatalf("the screen has %d colours: the window did not render", n)
	}
	// The Quit button below the explanation, at the top left of the window.
	if o, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$", "windowmove", "0", "0").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, o)
	}
	if o, err := exec.Command("xdotool", "mousemove", "43", "240", "click", "1").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, o)
	}
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() != 1 {
			t.Errorf("exit %d, want 0 or 1 (owtray cannot run)", exit.ExitCode())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Quit did not end the app\n%s", out.String())
	}
	if text := out.String(); strings.Contains(text, "panic") || strings.Contains(text, "goroutine ") ||
		!strings.Contains(text, "no OS keychain available") {
		t.Errorf("output:\n%s", text)
	}
}
