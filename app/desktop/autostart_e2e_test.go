package desktop_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/secrets/secretstest"
	"github.com/owtray/owtray/sync/clocktest"
)

// TestAutostartHidden turns start at login on, reads it back and off
// against a temporary XDG_CONFIG_HOME with the real binary, then starts the
// entry's command under Xvfb: the tray item registers over D-Bus and no
// window shows until the tray's "Open owtray"; a second `--hidden` start
// leaves the window hidden.
func TestAutostartHidden(t *testing.T) {
	requireDesktop(t)
	bin := owtray.Path(t)
	cfg := t.TempDir()
	entry := filepath.Join(cfg, "autostart", "owtray.desktop")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + cfg,
		"DISPLAY=" + os.Getenv("DISPLAY"), "DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"), "LANG=en_US.UTF-8"}
	autostart := func(action string) string {
		t.Helper()
		cmd := exec.Command(bin, "autostart", action)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("autostart %s: %v\n%s", action, err, out)
		}
		return string(out)
	}
	if out := autostart("status"); !strings.Contains(out, "does not start at login") {
		t.Fatalf("status before on: %s", out)
	}
	if out := autostart("on"); !strings.Contains(out, "starts at login") || !strings.Contains(out, entry) {
		t.Fatalf("on: %s", out)
	}
	content, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	var execLine string
	for _, want := range []string{"[Desktop Entry]", "Type=Application", "Name=owtray", "Exec=" + bin + " --hidden"} {
		if !strings.Contains(string(content), "\n"+want+"\n") && !strings.HasPrefix(string(content), want+"\n") {
			t.Errorf("%s lacks the line %q:\n%s", entry, want, content)
		}
	}
	for _, l := range strings.Split(string(content), "\n") {
		if v, ok := strings.CutPrefix(l, "Exec="); ok {
			execLine = v
		}
	}
	if out := autostart("status"); !strings.Contains(out, "runs: "+bin+" --hidden") {
		t.Fatalf("status after on: %s", out)
	}
	if tool, err := exec.LookPath("desktop-file-validate"); err == nil {
		if out, err := exec.Command(tool, entry).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate: %v %s", err, out)
		}
	}

	// Start what the entry starts (bin has no spaces: Exec is the plain command line).
	args := strings.Fields(execLine)
	service := secretstest.NewService(t)
	runEnv := append(env, "OWTRAY_DATA_DIR="+t.TempDir(), cli.EnvKeychainService+"="+service,
		"STRAVA_REDIRECT_URI=http://127.0.0.1:"+fmt.Sprint(apptest.FreePort(t))+"/api/v1/oauth/strava/callback")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = runEnv
	cmd.Dir = t.TempDir() // no ./.env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, menu := waitTrayItem(t, conn, cmd.Process.Pid)
	labels := menuLabels(t, menu)
	if _, ok := labels["Open owtray"]; !ok {
		t.Fatalf("tray menu lacks Open owtray: %v", labels)
	}
	visible := func() bool {
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$").Output()
		return len(strings.TrimSpace(string(out))) > 0
	}
	time.Sleep(2 * time.Second) // a window would have mapped by now
	if visible() {
		t.Fatal("--hidden showed the window")
	}
	// Started at login again (e.g. a second session): still hidden.
	second := exec.Command(bin, "--hidden")
	second.Env, second.Dir = runEnv, cmd.Dir
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second --hidden start: %v %s", err, out)
	}
	time.Sleep(time.Second) // a window would have mapped by now (what is checked is that none does)
	if visible() {
		t.Fatal("a second --hidden start showed the window")
	}
	if call := menu.Call("com.canonical.dbusmenu.Event", 0, labels["Open owtray"], "clicked", dbus.MakeVariant(""), uint32(0)); call.Err != nil {
		t.Fatal(call.Err)
	}
	clocktest.WaitUntil(t, "the window after Open owtray", 10*time.Second, visible)

	if out := autostart("off"); !strings.Contains(out, "does not start at login") {
		t.Fatalf("off: %s", out)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Fatalf("entry still there after off: %v", err)
	}
}

// waitTrayItem waits for the StatusNotifierItem of process pid to register
// with the watcher and returns it and its dbusmenu.
func waitTrayItem(t *testing.T, conn *dbus.Conn, pid int) (item, menu dbus.BusObject) {
	t.Helper()
	service := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	clocktest.WaitUntil(t, "the tray item to register", 60*time.Second, func() bool {
		v, err := conn.Object("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher").GetProperty("org.kde.StatusNotifierWatcher.RegisteredStatusNotifierItems")
		if err != nil {
			return false
		}
		var owner string
		if err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, service).Store(&owner); err != nil {
			return false
		}
		items, _ := v.Value().([]string)
		for _, it := range items {
			// The watcher records the item's bus name, with or without its path.
			if name, _, _ := strings.Cut(it, "/"); name == owner || name == service {
				return true
			}
		}
		return false
	})
	item = conn.Object(service, "/StatusNotifierItem")
	mv, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatal(err)
	}
	return item, conn.Object(service, mv.Value().(dbus.ObjectPath))
}
