package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/sync/store"
)

// cleanDemoKeychain removes the demo's keychain items of p's service.
func cleanDemoKeychain(t *testing.T, p *profile) {
	t.Cleanup(func() {
		_ = secrets.New(secrets.OSKeyring{}, DemoKeychainService(p.env[EnvKeychainService])).DeleteAll()
	})
}

// TestNoWindowInHeadlessBuild: without a GUI (-tags nogui) the commands
// that open the window say so and fail; the rest, demo --no-gui included,
// work.
func TestNoWindowInHeadlessBuild(t *testing.T) {
	p := newProfile(t, 5)
	cleanDemoKeychain(t, p)
	for _, args := range [][]string{nil, {"gui"}, {"demo"}, {"demo", "--activities", "3"}} {
		code, out, errs := p.run(args...)
		if code != ExitFailure || out != "" || errs != "this build has no window; use owtray serve\n" {
			t.Errorf("owtray %v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if code, _, errs := p.run("gui", "extra"); code != ExitUsage {
		t.Errorf("gui extra: exit %d %s", code, errs)
	}
	if out := p.mustRun("demo", "--no-gui", "--activities", "7"); !strings.Contains(out, "Activities:  7 stored") {
		t.Errorf("demo --no-gui: %s", out)
	}
}

// TestWindowCommandsCallTheGUI: `owtray`, `gui` and `demo` hand the opened
// app to the GUI, which gets a runner for forwarded commands.
func TestWindowCommandsCallTheGUI(t *testing.T) {
	p := newProfile(t, 5)
	cleanDemoKeychain(t, p)
	type call struct {
		demo    bool
		dataDir string
		shown   int
	}
	var calls []call
	p.gui = func(ctx context.Context, a *app.App, o GUIOptions) error {
		c := call{demo: o.Demo, dataDir: a.Config().DataDir}
		var out, errw bytes.Buffer
		if code := o.Forward(func() { c.shown++ })(ctx, []string{"gui"}, &out, &errw); code != ExitOK {
			t.Errorf("forwarded gui: exit %d %s", code, errw.String())
		}
		if code := o.Forward(func() { c.shown++ })(ctx, []string{"serve"}, &out, &errw); code != ExitFailure || !strings.Contains(errw.String(), "already running") {
			t.Errorf("forwarded serve: exit %d %s", code, errw.String())
		}
		if o.Logger == nil || o.LookupEnv == nil || o.Stderr == nil {
			t.Errorf("options without logger, environment or stderr: %+v", o)
		}
		calls = append(calls, c)
		return nil
	}
	p.mustRun()
	p.mustRun("gui")
	if out := p.mustRun("demo", "--activities", "3", "--upload-every", "0"); !strings.Contains(out, "Connected as") {
		t.Errorf("demo: %s", out)
	}
	want := []call{{false, p.dataDir, 1}, {false, p.dataDir, 1}, {true, filepath.Join(p.dataDir, "demo"), 1}}
	if len(calls) != len(want) {
		t.Fatalf("GUI calls %+v, want %+v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d: %+v, want %+v", i, calls[i], want[i])
		}
	}
}

// TestHeadlessBinaryHasNoWindow runs the real headless build without
// arguments.
func TestHeadlessBinaryHasNoWindow(t *testing.T) {
	p := newProfile(t, 1)
	cmd := p.command(binary(t))
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitFailure || !strings.Contains(stderr.String(), "this build has no window; use owtray serve") {
		t.Fatalf("owtray (headless): %v, stderr %q", err, stderr.String())
	}
}

// scrambleHeaders damages the database at path as a crash over its pages
// would: three leaf page headers overwritten, the open marker left behind.
func scrambleHeaders(t *testing.T, path string) {
	t.Helper()
	ids, _, ps := leafPages(t, path)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int{ids[1], ids[len(ids)/2], ids[len(ids)-2]} {
		if _, err := f.WriteAt([]byte("scrambled header"), int64(id*ps)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+store.OpenMarkerSuffix, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedDatabaseStartsTheRepairWindow: `owtray` on a database that
// fails its check starts the RepairGUI instead of failing; its Repair is
// `owtray repair`'s and Open opens the repaired database for the window.
// Without a RepairGUI, and for a database that is missing rather than
// damaged, the command fails with its message as before.
func TestDamagedDatabaseStartsTheRepairWindow(t *testing.T) {
	const total = 300
	p := newProfile(t, total)
	p.mustRun("login")
	p.mustRun("sync")
	path := filepath.Join(p.dataDir, app.DatabaseFile)
	scrambleHeaders(t, path)
	damaged, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p.gui = func(context.Context, *app.App, GUIOptions) error {
		t.Error("the normal window was started on a damaged database")
		return nil
	}

	code, _, errs := p.run()
	if code != ExitFailure || !strings.Contains(errs, "Nothing was changed") || !strings.Contains(errs, "owtray repair") {
		t.Fatalf("without a repair window: exit %d, %s", code, errs)
	}

	repairs := 0
	p.repairGUI = func(ctx context.Context, d Damaged, o GUIOptions) error {
		repairs++
		if d.Err == nil || d.Err.Path != path || len(d.Err.Problems) == 0 {
			t.Fatalf("the window does not get the damage: %+v", d.Err)
		}
		if o.Forward != nil || o.Logger == nil || o.LookupEnv == nil || o.Stderr == nil {
			t.Errorf("repair window options: forward %v, logger %v", o.Forward != nil, o.Logger != nil)
		}
		if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
			t.Fatal("the damaged file was written to before the repair")
		}
		rep, err := d.Repair()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Kept == 0 || rep.Kept+rep.Lost > total || !strings.HasPrefix(rep.Damaged, path+".damaged-") {
			t.Fatalf("repair: %+v", rep)
		}
		if kept, _ := os.ReadFile(rep.Damaged); !bytes.Equal(kept, damaged) {
			t.Error("the damaged file was not kept as it was")
		}
		a, wo, release, err := d.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		st, err := a.Status(ctx)
		if err != nil || st.Activities != rep.Kept {
			t.Fatalf("the repaired app holds %d activities (%v), want the %d kept", st.Activities, err, rep.Kept)
		}
		shown := 0
		var out, errw bytes.Buffer
		if wo.Forward == nil || wo.Forward(func() { shown++ })(ctx, []string{"gui"}, &out, &errw) != ExitOK || shown != 1 {
			t.Errorf("the window's options do not forward to the repaired app: %s", errw.String())
		}
		return nil
	}
	p.mustRun()
	if repairs != 1 {
		t.Fatalf("repair window started %d times", repairs)
	}
	p.mustRun("check")

	// Missing, not damaged: the message, no repair window.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+store.OpenMarkerSuffix, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := p.run(); code != ExitFailure || !strings.Contains(errs, "missing") && !strings.Contains(errs, "empty") || repairs != 1 {
		t.Errorf("missing database: exit %d, %d repair windows, %s", code, repairs, errs)
	}
}
