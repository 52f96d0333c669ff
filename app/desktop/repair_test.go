package desktop_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
)

// damagedDataDir syncs total activities from the simulator into a data
// dir, then truncates its database to half (as a full disk or a copy cut
// short leaves it). It returns the configuration, the App's options and
// the damage as opening the database reports it.
func damagedDataDir(t *testing.T, total int) (*apptest.Instance, app.Options, *store.DamagedError) {
	t.Helper()
	inst := apptest.Open(t, stravasim.Config{Activities: total, Seed: 4}, nil)
	ctx := context.Background()
	if _, err := inst.App.Login(ctx, app.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.App.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := inst.App.Status(ctx); err != nil || st.Activities != total {
		t.Fatalf("synced %d activities (%v), want %d", st.Activities, err, total)
	}
	cfg := inst.App.Config()
	if err := inst.App.Close(); err != nil {
		t.Fatal(err)
	}
	path := app.DatabasePath(cfg.DataDir)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	opts := app.Options{KeychainService: inst.Service, Logger: slog.New(slog.DiscardHandler)}
	_, err = app.Open(cfg, opts)
	var damage *store.DamagedError
	if !errors.As(err, &damage) {
		t.Fatalf("opening the truncated database: %v, want a DamagedError", err)
	}
	return inst, opts, damage
}

// damagedStart is what cli hands desktop.RunRepair, on the real functions.
func damagedStart(inst *apptest.Instance, opts app.Options, damage *store.DamagedError) cli.Damaged {
	cfg := inst.App.Config()
	return cli.Damaged{
		Err:    damage,
		Repair: func() (store.RepairReport, error) { return app.RepairDatabase(cfg, time.Now(), opts.Logger) },
		Open: func() (*app.App, cli.GUIOptions, func(), error) {
			a, err := app.Open(cfg, opts)
			if err != nil {
				return nil, cli.GUIOptions{}, nil, err
			}
			return a, cli.GUIOptions{Logger: opts.Logger}, func() { a.Close() }, nil
		},
	}
}

// The window's repair on a file damaged for real: what it keeps is what
// the reopened app holds, its words are those of `owtray repair`, and the
// next sync brings the rest back.
func TestRepairerRepairsDamagedDatabase(t *testing.T) {
	const total = 400
	inst, opts, damage := damagedDataDir(t, total)
	view := desktop.DamageView(damage)
	if view.Path != app.DatabasePath(inst.App.Config().DataDir) || len(view.Problems) == 0 {
		t.Fatalf("damage view %+v", view)
	}
	r := desktop.NewRepairer(damagedStart(inst, opts, damage))
	ctx := context.Background()
	res, err := r.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept == 0 || res.Kept+res.Lost > total || !strings.HasPrefix(res.Damaged, view.Path+".damaged-") {
		t.Fatalf("repair result %+v", res)
	}
	if _, err := os.Stat(res.Damaged); err != nil {
		t.Errorf("the damaged file was not kept: %v", err)
	}
	want := fmt.Sprintf("kept %s activities, lost %s", textfmt.Count(res.Kept), textfmt.Count(res.Lost))
	if res.Lost > 0 {
		want += fmt.Sprintf("; the next sync fetches the %s again from Strava", textfmt.Count(res.Lost))
	}
	if !strings.HasPrefix(res.Outcome, want) {
		t.Errorf("outcome %q, want %q", res.Outcome, want)
	}
	t.Logf("truncated to half: %s", res.Outcome)
	if _, err := r.Repair(ctx); err == nil {
		t.Error("a second repair ran")
	}

	a, wopts, ok := r.Opened()
	if !ok || wopts.Logger == nil {
		t.Fatal("no app opened after the repair")
	}
	st, err := a.Status(ctx)
	if err != nil || st.Activities != res.Kept {
		t.Fatalf("the reopened app holds %d activities (%v), want the %d kept", st.Activities, err, res.Kept)
	}
	if _, err := a.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := a.Status(ctx); err != nil || st.Activities != total {
		t.Fatalf("after the next sync %d activities (%v), want all %d back", st.Activities, err, total)
	}

	r.Close() // releases the app: the database opens again
	if _, _, ok := r.Opened(); ok {
		t.Error("an app is offered after Close")
	}
	if _, err := r.Repair(ctx); err == nil {
		t.Error("a repair ran after Close")
	}
	again, err := app.Open(inst.App.Config(), opts)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

// A repair whose file cannot be opened afterwards says both: what the
// repair kept, and why opening failed.
func TestRepairerOpenFails(t *testing.T) {
	inst, opts, damage := damagedDataDir(t, 30)
	d := damagedStart(inst, opts, damage)
	d.Open = func() (*app.App, cli.GUIOptions, func(), error) {
		return nil, cli.GUIOptions{}, nil, errors.New("keychain locked")
	}
	r := desktop.NewRepairer(d)
	defer r.Close()
	res, err := r.Repair(context.Background())
	if err == nil || !strings.Contains(err.Error(), "keychain locked") || !strings.Contains(err.Error(), res.Outcome) || res.Outcome == "" {
		t.Fatalf("repair with a failing open: %v (%+v)", err, res)
	}
	if _, _, ok := r.Opened(); ok {
		t.Error("an app is offered although opening failed")
	}
}

// TestDamagedDatabaseWindow starts the real app on a data dir whose
// database fails its check: instead of ending with the message, it opens a
// window; Repair (Tab, Space) repairs the file, and "Open owtray" (Tab,
// Space) continues into the running app, which then answers a forwarded
// `owtray status`.
func TestDamagedDatabaseWindow(t *testing.T) {
	requireDesktop(t)
	bin := owtray.Path(t)
	const total = 120
	inst, _, _ := damagedDataDir(t, total)
	dataDir := inst.App.Config().DataDir
	env := append(os.Environ(), "LANG=en_US.UTF-8", cli.EnvKeychainService+"="+inst.Service)
	for k, v := range inst.Env {
		env = append(env, k+"="+v)
	}
	logPath := filepath.Join(t.TempDir(), "owtray.out")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	output := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // not the checkout: no ./.env
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	running := func(what string) {
		t.Helper()
		select {
		case err := <-done:
			t.Fatalf("%s: owtray ended (%v):\n%s", what, err, output())
		default:
		}
	}

	var win string
	clocktest.WaitUntil(t, "the repair window", 90*time.Second, func() bool {
		o, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^owtray$").Output()
		win, _, _ = strings.Cut(strings.TrimSpace(string(o)), "\n")
		return win != ""
	})
	waitScreenSettled(t, "the repair window to draw", 60*time.Second)
	running("the repair window")
	shot := filepath.Join(t.TempDir(), "repair.png")
	if n := screenshot(t, shot); n < 20 {
		t.Fatalf("the screen has %d colours: the repair window did not render", n)
	}
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		copyFile(t, shot, filepath.Join(dir, "screenshot-repair.png"))
	}
	if m, _ := filepath.Glob(filepath.Join(dataDir, app.DatabaseFile+".damaged-*")); len(m) != 0 {
		t.Fatal("the file was repaired before Repair was pressed")
	}
	// The tray is there from the start (it only starts with the event
	// loop), with the repair window's menu until the normal one takes over.
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, menu := waitTrayItem(t, conn, cmd.Process.Pid)
	if labels := menuLabels(t, menu); labels["Open owtray"] == 0 || labels["Quit"] == 0 || labels["Sync now"] != 0 {
		t.Errorf("the repair window's tray menu: %v", labels)
	}

	press := func(keys ...string) {
		t.Helper()
		args := append([]string{"windowfocus", "--sync", win, "key", "--delay", "100"}, keys...)
		if o, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, o)
		}
	}
	press("Tab", "space") // Repair: the first button
	clocktest.WaitUntil(t, "the repair", 90*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(dataDir, app.DatabaseFile+".damaged-*"))
		return len(m) == 1
	})
	waitScreenSettled(t, "the outcome to draw", 60*time.Second)
	running("after the repair")
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		captureScreen(t, filepath.Join(dir, "screenshot-repaired.png"))
	}

	press("Tab", "space") // Open owtray: the button after the hidden Repair
	var st struct {
		Activities int `json:"activities"`
	}
	clocktest.WaitUntil(t, "the normal app to answer status", 90*time.Second, func() bool {
		status := exec.Command(bin, "status", "--json")
		status.Dir, status.Env = cmd.Dir, env
		o, err := status.Output()
		return err == nil && json.Unmarshal(o, &st) == nil
	})
	if st.Activities == 0 || st.Activities > total {
		t.Errorf("the running app holds %d activities, want the kept ones of %d", st.Activities, total)
	}
	running("the normal window")
	clocktest.WaitUntil(t, "the normal tray menu", 60*time.Second, func() bool {
		_, ok := menuLabels(t, menu)["Sync now"]
		return ok
	})
	if dir := os.Getenv("OWTRAY_SCREENSHOTS"); dir != "" {
		waitScreenSettled(t, "the normal window to draw", 60*time.Second)
		captureScreen(t, filepath.Join(dir, "screenshot-after-repair.png"))
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("owtray did not end on SIGTERM")
	}
	if text := output(); strings.Contains(text, "panic") || strings.Contains(text, "goroutine ") {
		t.Errorf("output:\n%s", text)
	}
}
