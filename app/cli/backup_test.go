package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
)

func TestAbsPaths(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(wd, p) }
	tests := []struct{ in, want []string }{
		{[]string{"export", "--format", "csv", "--out", "rel.csv"}, []string{"export", "--format", "csv", "--out", abs("rel.csv")}},
		{[]string{"export", "-out", "a/b.gpx", "--format", "gpx"}, []string{"export", "-out", abs("a/b.gpx"), "--format", "gpx"}},
		{[]string{"export", "--out=x.json"}, []string{"export", "--out=" + abs("x.json")}},
		{[]string{"backup", "--out", "/abs/copy.db"}, []string{"backup", "--out", "/abs/copy.db"}},
		{[]string{"restore", "backups/owtray-1.db"}, []string{"restore", abs("backups/owtray-1.db")}},
		{[]string{"show", "123"}, []string{"show", "123"}},
		{[]string{"list", "--search", "out"}, []string{"list", "--search", "out"}},
	}
	for _, tt := range tests {
		if got := absPaths(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("absPaths(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Commands forwarded to a running `owtray serve` (another working
// directory) write relative --out files where the caller is; backup works
// online, restore and repair refuse while it runs.
func TestForwardedPathsResolveInCallersDirectory(t *testing.T) {
	bin := binary(t)
	p := newProfile(t, 250)
	p.mustRun("login")
	serveDir, callerDir := t.TempDir(), t.TempDir()
	startServeIn(t, p, bin, serveDir)
	clocktest.WaitUntil(t, "the first sync", 30*time.Second, func() bool {
		var st map[string]any
		_ = json.Unmarshal([]byte(p.mustRun("status", "--json")), &st)
		return st["activities"] == float64(250)
	})
	t.Chdir(callerDir)
	code, _, errs := p.run("export", "--format", "csv", "--out", "rel.csv")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(callerDir, "rel.csv")); err != nil {
		t.Fatalf("export not in the caller's directory: %v (stderr %s)", err, errs)
	}
	if _, err := os.Stat(filepath.Join(serveDir, "rel.csv")); err == nil {
		t.Fatal("export written in serve's directory")
	}
	if !strings.Contains(errs, filepath.Join(callerDir, "rel.csv")) {
		t.Errorf("the message does not name where the file went: %s", errs)
	}
	p.mustRun("backup", "--out", "copy.db")
	rep, err := store.Check(filepath.Join(callerDir, "copy.db"), store.Options{})
	if err != nil || rep.Activities != 250 {
		t.Fatalf("online backup: %+v %v", rep, err)
	}
	if out := p.mustRun("check"); !strings.Contains(out, "consistent: 250 activities") {
		t.Errorf("forwarded check: %s", out)
	}
	for _, args := range [][]string{{"restore", "copy.db"}, {"repair"}} {
		if code, _, errs := p.run(args...); code != ExitFailure || !strings.Contains(errs, "quit it") {
			t.Errorf("%s while serve runs: exit %d, %s", args[0], code, errs)
		}
	}
}
