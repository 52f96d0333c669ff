package desktop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/autostart"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/ui"
)

// newBackend is the window's backend on a real App against the simulator.
func newBackend(t testing.TB, activities int, mod func(map[string]string)) (*desktop.Backend, *app.App, *stravasim.Server) {
	t.Helper()
	opened := apptest.Open(t, stravasim.Config{Activities: activities, Seed: 9}, func(env map[string]string, _ string) {
		if mod != nil {
			mod(env)
		}
	})
	return desktop.New(opened.App, desktop.Options{}), opened.App, opened.Sim
}

func TestConnectSyncBrowseExport(t *testing.T) {
	be, a, srv := newBackend(t, 250, nil)
	if be.Status().Connected {
		t.Fatal("connected before Connect")
	}
	events := make(chan ui.Event, 256)
	cancel := be.Subscribe(func(e ui.Event) { events <- e })
	defer cancel()
	res, err := be.Connect(context.Background(), nil)
	if err != nil || res.AthleteID != srv.Sim.AthleteID() {
		t.Fatalf("connect: %+v %v", res, err)
	}
	if st := be.Status(); !st.Connected || st.Athlete == "" {
		t.Fatalf("status after connect %+v", st)
	}
	if err := be.SyncNow(context.Background()); err != nil { // no running instance: syncs in place
		t.Fatal(err)
	}
	sawChange := false
	for len(events) > 0 {
		if e := <-events; e.Kind == ui.EventActivitiesChanged {
			sawChange = true
		}
	}
	if !sawChange {
		t.Error("no EventActivitiesChanged after a sync")
	}
	if st := be.Status(); st.Syncing || st.LastSync.IsZero() || st.RateLimit.Limit == 0 {
		t.Errorf("status after sync %+v", st)
	}

	page, err := be.Activities(context.Background(), ui.Filter{Limit: 50})
	if err != nil || len(page.Items) != 50 || page.Total != 250 {
		t.Fatalf("page: %d items, total %d, %v", len(page.Items), page.Total, err)
	}
	last, err := be.Activities(context.Background(), ui.Filter{Limit: 50, Offset: 240})
	if err != nil || len(last.Items) != 10 || last.Total != 250 {
		t.Fatalf("last page: %d items, total %d, %v", len(last.Items), last.Total, err)
	}
	sports, err := be.Sports(context.Background())
	if err != nil || len(sports) < 3 {
		t.Fatalf("sports %v %v", sports, err)
	}
	sport := page.Items[0].SportType
	bySport, _ := be.Activities(context.Background(), ui.Filter{Sport: sport})
	for _, act := range bySport.Items {
		if act.SportType != sport {
			t.Fatalf("sport filter returned %s", act.SportType)
		}
	}

	id := page.Items[0].ID
	if page.Items[0].Name == "" || page.Items[0].JSON != nil || page.Items[0].Loaded {
		t.Errorf("list item %+v: want the indexed fields only, no JSON", page.Items[0])
	}
	if whole, err := be.Activity(context.Background(), id); err != nil || whole.JSON == nil || !whole.Loaded {
		t.Fatalf("Activity(%d) = JSON %q, %v; want the whole record", id, whole.JSON, err)
	}
	act, err := be.FetchDetails(context.Background(), id)
	if err != nil || !act.Detailed {
		t.Fatalf("fetch details: %v", err)
	}
	var sent struct {
		DeviceName string            `json:"device_name"`
		Laps       []json.RawMessage `json:"laps"`
	}
	if err := json.Unmarshal(act.JSON, &sent); err != nil || act.Problem != "" ||
		act.DeviceName != sent.DeviceName || len(act.Laps) != len(sent.Laps) {
		t.Errorf("detailed activity: problem %q, device %q, %d laps; Strava sent %q, %d laps (%v)",
			act.Problem, act.DeviceName, len(act.Laps), sent.DeviceName, len(sent.Laps), err)
	}
	var buf bytes.Buffer
	if err := be.Export(context.Background(), id, ui.ExportJSON, &buf); err != nil {
		t.Fatal(err)
	}
	var exported []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &exported); err != nil || len(exported) != 1 || exported[0]["id"] != float64(id) {
		t.Fatalf("json export %v %s", err, buf.String())
	}
	if got := be.StravaURL(id); got != "https://www.strava.com/activities/"+strconv.FormatInt(id, 10) {
		t.Errorf("strava url %s", got)
	}

	if res, err := be.Logout(context.Background(), false); err != nil || res.NotRevoked != "" {
		t.Fatalf("logout: %+v, %v (the simulator confirms the revoke)", res, err)
	}
	st := be.Status()
	if st.Connected || st.NeedsReconnect != "" || !st.Configured || st.Activities != 250 || st.SyncError != "" {
		t.Errorf("after logout without wipe the data stays and the window is calmly not connected: %+v", st)
	}
	if n, _ := a.CountActivities(store.Query{}); n != 250 {
		t.Errorf("local data after logout: %d", n)
	}
}

func TestConnectFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(map[string]string)
		sim    func(*stravasim.Sim)
		reason ui.ConnectReason
	}{
		{"denied", nil, func(s *stravasim.Sim) { s.SetConsent(stravasim.Consent{Deny: true}) }, ui.ConnectDenied},
		{"missing scope", nil, func(s *stravasim.Sim) {
			s.SetConsent(stravasim.Consent{Refuse: []string{"activity:read", "activity:read_all"}})
		}, ui.ConnectMissingScope},
		{"bad client secret", func(env map[string]string) { env[config.EnvClientSecret] = "wrong" }, nil, ui.ConnectBadClientSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be, _, srv := newBackend(t, 1, tt.mod)
			if tt.sim != nil {
				tt.sim(srv.Sim)
			}
			_, err := be.Connect(context.Background(), nil)
			var ce *ui.ConnectError
			if !errors.As(err, &ce) || ce.Reason != tt.reason {
				t.Fatalf("err = %#v, want reason %d", err, tt.reason)
			}
		})
	}
}

func TestSetupAndSettings(t *testing.T) {
	be, _, _ := newBackend(t, 1, func(env map[string]string) {
		env[config.EnvClientID], env[config.EnvClientSecret] = "", ""
	})
	def := be.SetupDefaults()
	if def.HasClientSecret || def.VerifyToken == "" {
		t.Fatalf("defaults %+v", def)
	}
	bad := ui.SetupForm{ClientID: "x", ClientSecret: "short", CallbackURL: "http://insecure"}
	fe := be.ValidateSetup(bad)
	for _, f := range []ui.Field{ui.FieldClientID, ui.FieldClientSecret, ui.FieldCallbackURL} {
		if fe[f] == "" {
			t.Errorf("no message for %s: %v", f, fe)
		}
	}
	var saveErr ui.FieldErrors
	if err := be.SaveSetup(context.Background(), bad); !errors.As(err, &saveErr) || len(saveErr) != 3 {
		t.Fatalf("save invalid: %v", err)
	}
	good := ui.SetupForm{ClientID: "12345", ClientSecret: "0123456789abcdef0123456789abcdef01234567", VerifyToken: def.VerifyToken}
	if fe := be.ValidateSetup(good); len(fe) != 0 {
		t.Fatalf("valid form refused: %v", fe)
	}
	if err := be.SaveSetup(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	if got := be.SetupDefaults(); !got.HasClientSecret || got.ClientID != "12345" || got.ClientSecret != "" {
		t.Fatalf("after save %+v", got)
	}

	s := be.Settings()
	s.Units, s.PollInterval, s.Notifications = ui.Imperial, 2*time.Hour, false
	if err := be.SaveSettings(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if got := be.Settings(); got != s {
		t.Fatalf("settings %+v, want %+v", got, s)
	}
	if err := be.SaveSettings(context.Background(), ui.Settings{PollInterval: time.Second}); err == nil {
		t.Fatal("a 1-second poll interval was accepted")
	}
}

// countingKeyring is the OS keychain, counting the calls that reach it.
type countingKeyring struct {
	secrets.OSKeyring
	calls atomic.Int64
}

func (k *countingKeyring) Get(service, user string) (string, error) {
	k.calls.Add(1)
	return k.OSKeyring.Get(service, user)
}

func (k *countingKeyring) Set(service, user, password string) error {
	k.calls.Add(1)
	return k.OSKeyring.Set(service, user, password)
}

func (k *countingKeyring) Delete(service, user string) error {
	k.calls.Add(1)
	return k.OSKeyring.Delete(service, user)
}

// TestSetupAnswersFromMemory: the form's keystroke checks and its defaults
// (called on the UI goroutine) never reach the keychain; saving refreshes
// the snapshot in the background call.
func TestSetupAnswersFromMemory(t *testing.T) {
	kr := &countingKeyring{}
	opened := apptest.OpenWith(t, stravasim.Config{Activities: 1, Seed: 9}, func(env map[string]string, _ string) {
		env[config.EnvClientSecret] = "" // kept in the keychain by the form
	}, app.Options{Keyring: kr})
	be := desktop.New(opened.App, desktop.Options{})
	if kr.calls.Load() == 0 {
		t.Fatal("New did not read the setup from the keychain")
	}
	def := be.SetupDefaults()
	if def.HasClientSecret || def.VerifyToken == "" {
		t.Fatalf("defaults %+v", def)
	}
	good := ui.SetupForm{ClientID: "12345", ClientSecret: "0123456789abcdef0123456789abcdef01234567", VerifyToken: def.VerifyToken}
	before := kr.calls.Load()
	for i := range 200 { // keystrokes
		form := good
		form.ClientID = good.ClientID[:1+i%len(good.ClientID)]
		_ = be.ValidateSetup(form)
		_ = be.SetupDefaults()
	}
	if n := kr.calls.Load() - before; n != 0 {
		t.Fatalf("200 keystrokes reached the keychain %d times, want 0", n)
	}
	if err := be.SaveSetup(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	if kr.calls.Load() == before {
		t.Error("saving did not reach the keychain")
	}
	before = kr.calls.Load()
	got := be.SetupDefaults()
	noSecret := ui.SetupForm{ClientID: "12345", VerifyToken: def.VerifyToken}
	if !got.HasClientSecret || got.ClientID != "12345" || len(be.ValidateSetup(noSecret)) != 0 {
		t.Errorf("after save: defaults %+v, a form keeping the stored secret: %v", got, be.ValidateSetup(noSecret))
	}
	if n := kr.calls.Load() - before; n != 0 {
		t.Errorf("reading the saved setup reached the keychain %d times, want 0", n)
	}
}

// TestStartAtLogin: the Settings switch writes and removes the real XDG
// autostart entry (in a temporary XDG_CONFIG_HOME); the demo refuses it.
func TestStartAtLogin(t *testing.T) {
	_, a, _ := newBackend(t, 1, nil)
	cfg := t.TempDir()
	lookup := func(k string) (string, bool) {
		if k == "XDG_CONFIG_HOME" {
			return cfg, true
		}
		return "", false
	}
	login, err := autostart.New(autostart.Options{Executable: "/opt/owtray/owtray", LookupEnv: lookup, GOOS: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	be := desktop.New(a, desktop.Options{Autostart: login})
	entry := filepath.Join(cfg, "autostart", "owtray.desktop")
	s := be.Settings()
	if s.StartAtLogin {
		t.Fatal("start at login is on before any entry exists")
	}
	s.StartAtLogin = true
	if err := be.SaveSettings(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(entry); err != nil || !strings.Contains(string(b), "\nExec=/opt/owtray/owtray --hidden\n") {
		t.Fatalf("entry %s: %v\n%s", entry, err, b)
	}
	if !be.Settings().StartAtLogin {
		t.Error("Settings does not show the entry")
	}
	s.StartAtLogin = false
	if err := be.SaveSettings(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) || be.Settings().StartAtLogin {
		t.Fatalf("entry still there after switching off: %v", err)
	}

	demo := desktop.New(a, desktop.Options{Demo: true})
	if err := demo.SaveSettings(context.Background(), ui.Settings{StartAtLogin: true, PollInterval: time.Hour, LookBack: 24 * time.Hour}); !errors.Is(err, desktop.ErrNoAutostart) {
		t.Fatalf("demo SaveSettings = %v, want ErrNoAutostart", err)
	}
}

// TestOnSyncingHearsStartAndEnd: the hook that lifts the desktop's memory
// limit hears a sync start and end, once each, in that order.
func TestOnSyncingHearsStartAndEnd(t *testing.T) {
	opened := apptest.Open(t, stravasim.Config{Activities: 450, Seed: 9}, nil)
	var mu sync.Mutex
	var heard []bool
	be := desktop.New(opened.App, desktop.Options{OnSyncing: func(on bool) {
		mu.Lock()
		heard = append(heard, on)
		mu.Unlock()
	}})
	cancel := be.Subscribe(func(ui.Event) {})
	defer cancel()
	ctx := context.Background()
	if _, err := be.Connect(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := be.SyncNow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []bool{true, false, true, false}; !slices.Equal(heard, want) {
		t.Errorf("OnSyncing heard %v over two syncs, want %v", heard, want)
	}
}
