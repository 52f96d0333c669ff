package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/buildinfo"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/secrets/secretstest"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
)

// profile is one user's setup against a simulated Strava: environment,
// data dir and a keychain service of its own.
type profile struct {
	t       testing.TB
	sim     *stravasim.Server
	env     map[string]string
	dataDir string
	gui     GUI // nil: the headless build
	// repairGUI is the window on a damaged database; nil: none.
	repairGUI RepairGUI
}

func newProfile(t testing.TB, activities int) *profile {
	t.Helper()
	return newProfileWith(t, stravasim.Config{Activities: activities})
}

func newProfileWith(t testing.TB, simCfg stravasim.Config) *profile {
	t.Helper()
	simCfg.Seed, simCfg.ClientID, simCfg.ClientSecret = 3, SimClientID, SimClientSecret
	srv, err := stravasim.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	p := &profile{t: t, sim: srv, dataDir: filepath.Join(t.TempDir(), "data")}
	p.env = map[string]string{
		config.EnvAPIURL:       srv.APIURL(),
		config.EnvOAuthURL:     srv.OAuthURL(),
		config.EnvClientID:     SimClientID,
		config.EnvClientSecret: SimClientSecret,
		config.EnvDataDir:      p.dataDir,
		config.EnvRedirectURI:  "http://127.0.0.1:" + strconv.Itoa(port) + config.CallbackPath,
		EnvKeychainService:     secretstest.NewService(t),
	}
	return p
}

// run runs a command in-process and returns its exit code and output.
func (p *profile) run(args ...string) (int, string, string) {
	p.t.Helper()
	var out, errw bytes.Buffer
	e := &env{
		stdio:     Stdio{In: strings.NewReader(""), Out: &out, Err: &errw},
		lookup:    func(k string) (string, bool) { v, ok := p.env[k]; return v, ok },
		log:       slog.New(slog.NewTextHandler(&errw, &slog.HandlerOptions{Level: slog.LevelWarn})),
		gui:       p.gui,
		repairGUI: p.repairGUI,
	}
	e.appOptions = app.Options{Logger: e.log, KeychainService: p.env[EnvKeychainService], OpenBrowser: app.VisitURL}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, e, args)
	return code, out.String(), errw.String()
}

func (p *profile) mustRun(args ...string) string {
	p.t.Helper()
	code, out, errs := p.run(args...)
	if code != 0 {
		p.t.Fatalf("owtray %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func TestUsageAndVersion(t *testing.T) {
	p := &profile{t: t, env: map[string]string{}}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"version"}, 0, buildinfo.Get().String()},
		{[]string{"help"}, 0, "owtray login"},
		{[]string{"help", "export"}, 0, "--format csv|json|gpx"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"autostart"}, 2, "say on, off or status"},
		{[]string{"autostart", "maybe"}, 2, `unknown action "maybe"`},
		{[]string{"--hidden", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"login", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"list", "--since", "yesterday"}, 2, "want a date like"},
		{[]string{"list", "--since", "2024-05-02", "--until", "2024-05-01"}, 2, "after --until"},
		{[]string{"show"}, 2, "want one activity ID"},
		{[]string{"show", "abc"}, 2, "not a positive number"},
		{[]string{"export"}, 2, "--format is required"},
		{[]string{"export", "--format", "xlsx"}, 2, "want csv, json or gpx"},
		{[]string{"status", "extra"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := p.run(tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d, output %q %q; want %d and %q", code, out, errs, tt.code, tt.want)
			}
		})
	}
}

func TestConfigErrorNamesVariable(t *testing.T) {
	p := newProfile(t, 1)
	p.env[config.EnvClientID] = "not-a-number"
	code, _, errs := p.run("status")
	if code != 1 || !strings.Contains(errs, config.EnvClientID) || !strings.Contains(errs, "looked in") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestLoginSyncListShowExportLogout(t *testing.T) {
	p := newProfile(t, 450)
	out := p.mustRun("login")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], p.sim.OAuthURL()+"/authorize?") || !strings.HasPrefix(lines[len(lines)-1], "Connected as Zoë Ørsted (athlete ") {
		t.Fatalf("login output:\n%s", out)
	}
	if out := p.mustRun("sync"); !strings.Contains(out, "450 added") {
		t.Fatalf("sync: %s", out)
	}
	var st app.Status
	if err := json.Unmarshal([]byte(p.mustRun("status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Connected || st.Activities != 450 || st.LastSync.IsZero() || !strings.Contains(st.RateLimit, "reads this 15 min") {
		t.Errorf("status %+v", st)
	}

	// list --json: Strava's own field names and units.
	var listed []map[string]any
	if err := json.Unmarshal([]byte(p.mustRun("list", "--json", "--limit", "5")), &listed); err != nil {
		t.Fatal(err)
	}
	newest := p.sim.Sim.Activities(0, true)[0]
	if len(listed) != 5 || listed[0]["id"].(float64) != float64(newest.ID) || listed[0]["distance"].(float64) != newest.Distance || listed[0]["sport_type"] != newest.SportType {
		t.Fatalf("list --json first = %v, want %+v", listed[0], newest)
	}
	table := p.mustRun("list", "--sport", newest.SportType, "--limit", "3")
	if !strings.Contains(table, "ELEV GAIN") || !strings.Contains(table, newest.Name) {
		t.Errorf("table:\n%s", table)
	}
	if out := p.mustRun("show", strconv.FormatInt(newest.ID, 10)); !strings.Contains(out, newest.Name) || !strings.Contains(out, "strava.com/activities/") {
		t.Errorf("show:\n%s", out)
	}
	if code, _, errs := p.run("show", "999"); code != 1 || !strings.Contains(errs, "no activity 999") {
		t.Errorf("show missing: %d %s", code, errs)
	}

	// Exports, parsed back.
	dir := t.TempDir()
	p.mustRun("export", "--format", "csv", "--out", filepath.Join(dir, "all.csv"))
	f, err := os.Open(filepath.Join(dir, "all.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 451 || rows[0][0] != "id" || rows[1][1] != newest.Name {
		t.Fatalf("csv: %d rows, %v", len(rows), err)
	}
	var exported []map[string]any
	if err := json.Unmarshal([]byte(p.mustRun("export", "--format", "json", "--since", "2000-01-01")), &exported); err != nil || len(exported) != 450 {
		t.Fatalf("json export: %d %v", len(exported), err)
	}
	var withRoute stravasim.Activity
	for _, a := range p.sim.Sim.Activities(0, true) {
		if a.SummaryPolyline != "" {
			withRoute = a
			break
		}
	}
	gpxOut := p.mustRun("export", "--format", "gpx", "--id", strconv.FormatInt(withRoute.ID, 10))
	var doc struct {
		Trk []struct {
			Name   string `xml:"name"`
			Points []struct {
				Lat float64 `xml:"lat,attr"`
			} `xml:"trkseg>trkpt"`
		} `xml:"trk"`
	}
	if err := xml.Unmarshal([]byte(gpxOut), &doc); err != nil || len(doc.Trk) != 1 || doc.Trk[0].Name != withRoute.Name || len(doc.Trk[0].Points) < 2 {
		t.Fatalf("gpx: %v %+v", err, doc)
	}

	out = p.mustRun("logout")
	if !strings.Contains(out, "Revoked") || !strings.Contains(out, "Local activities kept") {
		t.Errorf("logout: %s", out)
	}
	if code, _, errs := p.run("sync"); code != 1 || !strings.Contains(errs, "not connected") {
		t.Errorf("sync after logout: %d %s", code, errs)
	}
}

func TestOneAthleteOnly(t *testing.T) {
	p := newProfile(t, 30)
	p.mustRun("login")
	p.mustRun("sync")
	p.sim.Sim.SetAuthorizingAthlete(777, "Other", "Person")
	code, _, errs := p.run("login")
	if code != 1 || !strings.Contains(errs, "--replace") {
		t.Fatalf("second athlete: exit %d %s", code, errs)
	}
	var st app.Status
	_ = json.Unmarshal([]byte(p.mustRun("status", "--json")), &st)
	if st.AthleteID == 777 || st.Activities != 30 {
		t.Fatalf("refused login changed things: %+v", st)
	}
	if out := p.mustRun("login", "--replace"); !strings.Contains(out, "Other Person (athlete 777)") {
		t.Fatalf("replace: %s", out)
	}
	_ = json.Unmarshal([]byte(p.mustRun("status", "--json")), &st)
	if st.AthleteID != 777 || st.Activities != 0 {
		t.Fatalf("after replace: %+v", st)
	}
}

func TestDeniedLoginIsAClearError(t *testing.T) {
	p := newProfile(t, 1)
	p.sim.Sim.SetConsent(stravasim.Consent{Deny: true})
	code, _, errs := p.run("login")
	if code != 1 || !strings.Contains(errs, "declined") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// owtray is the headless build (no Fyne, no cgo), built once for the
// package's tests: every command but the window works in it.
var owtray = apptest.Binary{Tags: "nogui", NoCgo: true}

func TestMain(m *testing.M) {
	code := m.Run()
	owtray.Remove()
	os.Exit(code)
}

// binary builds the owtray binary on first use.
func binary(t *testing.T) string {
	t.Helper()
	return owtray.Path(t)
}

func (p *profile) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	for k, v := range p.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// TestKill9MidImport kills a real `owtray sync` process in the middle of a
// full import and checks that the next sync finishes cleanly from the
// checkpoint with no duplicates and without re-fetching finished pages.
func TestKill9MidImport(t *testing.T) {
	bin := binary(t)
	p := newProfile(t, 4000) // 20 pages
	p.mustRun("login")
	p.sim.Sim.SetLatency(150 * time.Millisecond)
	p.sim.Sim.ResetRequestCounts()
	cmd := p.command(bin, "sync")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	going := false
	defer func() {
		if !going { // WaitUntil failed the test
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Logf("sync's stderr: %s", stderr.String())
		}
	}()
	clocktest.WaitUntil(t, "the import to get going", 30*time.Second, func() bool {
		return p.sim.Sim.RequestCounts()["GET /api/v3/athlete/activities"] >= 8
	})
	going = true
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killedAt := p.sim.Sim.RequestCounts()["GET /api/v3/athlete/activities"]
	p.sim.Sim.SetLatency(0)

	out := p.mustRun("sync")
	if !strings.Contains(out, "import:") {
		t.Fatalf("resume: %s", out)
	}
	total := p.sim.Sim.RequestCounts()["GET /api/v3/athlete/activities"]
	// 20 pages, the empty one and one per tie straddling a page boundary,
	// plus at most the request in flight at the kill and, on resume, the
	// page before the checkpoint with its boundary's tie once more.
	acts, straddles := p.sim.Sim.Activities(0, true), 0
	for k := 200; k < len(acts); k += 200 {
		if acts[k-1].StartDate.Unix() == acts[k].StartDate.Unix() {
			straddles++
		}
	}
	if budget := 21 + straddles + 3; total > budget {
		t.Errorf("%d list requests in all (%d before the kill), budget %d: finished pages were fetched again", total, killedAt, budget)
	}
	a, err := app.Open(mustConfig(t, p), app.Options{KeychainService: p.env[EnvKeychainService]})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ids := map[int64]bool{}
	if err := a.EachActivity(store.Query{}, func(act store.Activity) error {
		if ids[act.ID] {
			t.Errorf("duplicate activity %d", act.ID)
		}
		ids[act.ID] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4000 {
		t.Fatalf("%d activities stored, want 4000", len(ids))
	}
}

func mustConfig(t *testing.T, p *profile) config.Config {
	t.Helper()
	cfg, err := config.Load(config.Options{LookupEnv: func(k string) (string, bool) { v, ok := p.env[k]; return v, ok }, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestTerminalOutputIsInert: names and descriptions are written by Strava
// users; an escape sequence in them (colour, screen clear, window title,
// hyperlink) reaches `list` and `show` as plain text, while --json keeps
// the exact bytes Strava sent.
func TestTerminalOutputIsInert(t *testing.T) {
	p := newProfile(t, 3)
	const name = "\x1b[2J\x1b[31mEvil\x1b[0m ride \x1b]0;owned\x07\u009b6n"
	const description = "line one\n\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \u202Egnp.exe"
	id, err := p.sim.Sim.CreateActivity(stravasim.NewActivity{Name: name, Description: description, SportType: "Ride\x1b[5m"})
	if err != nil {
		t.Fatal(err)
	}
	p.mustRun("login")
	p.mustRun("sync", "--details")
	tables := map[string]string{
		"list": p.mustRun("list"),
		"show": p.mustRun("show", strconv.FormatInt(id, 10)),
	}
	for cmd, out := range tables {
		if i := strings.IndexFunc(out, func(r rune) bool {
			return (r < ' ' && r != '\n') || (r >= 0x7f && r <= 0x9f) || r == '\u202E'
		}); i >= 0 {
			t.Errorf("%s writes control character %q to the terminal:\n%q", cmd, out[i:i+1], out)
		}
		if want := "\uFFFD[31mEvil\uFFFD[0m ride"; !strings.Contains(out, want) {
			t.Errorf("%s does not show the name as inert text %q:\n%s", cmd, want, out)
		}
	}
	if show := tables["show"]; !strings.Contains(show, "line one \uFFFD]8;;https://evil.example/") {
		t.Errorf("show does not show the description as inert text:\n%q", show)
	}

	var listed []map[string]any
	if err := json.Unmarshal([]byte(p.mustRun("list", "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte(p.mustRun("show", "--json", strconv.FormatInt(id, 10))), &shown); err != nil {
		t.Fatal(err)
	}
	if listed[0]["name"] != name || shown["name"] != name || shown["description"] != description {
		t.Errorf("JSON output changed the text: list %q, show %q / %q", listed[0]["name"], shown["name"], shown["description"])
	}
}
