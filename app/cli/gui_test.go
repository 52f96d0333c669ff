package cli

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/secrets"
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
