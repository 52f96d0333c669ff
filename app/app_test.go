package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/ipc"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/sync/webhook"
)

// instance is an App against a simulated Strava, with its own data dir and
// keychain service, whose webhook URL is its own loopback server.
type instance struct {
	t    *testing.T
	sim  *stravasim.Server
	app  *app.App
	base string // http://127.0.0.1:PORT
	env  map[string]string
}

func newInstance(t *testing.T, activities int, extra map[string]string) *instance {
	t.Helper()
	return newInstanceWith(t, activities, extra, app.Options{})
}

// newInstanceWith is newInstance with opts for the App.
func newInstanceWith(t *testing.T, activities int, extra map[string]string, opts app.Options) *instance {
	t.Helper()
	opened := apptest.OpenWith(t, stravasim.Config{Activities: activities, Seed: 5}, func(env map[string]string, base string) {
		env[config.EnvWebhookCallbackURL] = base + webhook.WebhookPath
		env[config.EnvWebhookVerifyToken] = "app-test-verify-token"
		for k, v := range extra {
			env[k] = v
		}
	}, opts)
	return &instance{t: t, sim: opened.Sim, app: opened.App, base: opened.Base, env: opened.Env}
}

// run starts the long-running part and returns a func that stops it and
// reports how long the stop took.
func (in *instance) run(opts app.RunOptions) func() time.Duration {
	in.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.app.Run(ctx, opts) }()
	in.waitFor("the server to answer", func() bool {
		resp, err := http.Get(in.base + app.HealthPath)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	stopped := false
	stop := func() time.Duration {
		if stopped {
			return 0
		}
		stopped = true
		start := time.Now()
		cancel()
		if err := <-done; err != nil {
			in.t.Errorf("run: %v", err)
		}
		return time.Since(start)
	}
	in.t.Cleanup(func() { stop() })
	return stop
}

func (in *instance) waitFor(what string, cond func() bool) {
	in.t.Helper()
	clocktest.WaitUntil(in.t, what, 20*time.Second, cond)
}

func (in *instance) login() {
	in.t.Helper()
	if _, err := in.app.Login(context.Background(), app.LoginOptions{}); err != nil {
		in.t.Fatal(err)
	}
}

// health reads the public health report; it must show no secret and
// nothing about the athlete (issue 11): no athlete or subscription id, no
// callback URL, no token state or result texts.
func (in *instance) health() app.Health {
	in.t.Helper()
	resp, err := http.Get(in.base + app.HealthPath)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	var h app.Health
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &h); err != nil {
		in.t.Fatalf("health %s: %v", body, err)
	}
	disclosed := []string{"sim-client-secret", in.env[config.EnvWebhookVerifyToken], "athlete", "subscription_id",
		"callback", "connect", "result", "error", "reason", strconv.FormatInt(in.sim.Sim.AthleteID(), 10), in.base}
	if id, cb, ok := in.sim.Sim.Subscription(); ok {
		disclosed = append(disclosed, `:`+strconv.FormatInt(id, 10)+`,`, `:`+strconv.FormatInt(id, 10)+`}`, cb)
	}
	if st, err := in.app.Status(context.Background()); err == nil && st.AthleteName != "" {
		disclosed = append(disclosed, st.AthleteName)
	}
	for _, s := range disclosed {
		if strings.Contains(string(body), s) {
			in.t.Fatalf("health discloses %q: %s", s, body)
		}
	}
	var keys map[string]any
	_ = json.Unmarshal(body, &keys)
	for k := range keys {
		switch k {
		case "status", "webhooks_subscribed", "last_event_at", "last_sync_at", "queue_depth", "checked_at":
		default:
			in.t.Errorf("health has field %q: %s", k, body)
		}
	}
	return h
}

// status is the full picture, as `owtray status` shows it.
func (in *instance) status() app.Status {
	in.t.Helper()
	st, err := in.app.Status(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return st
}

func TestRunEndToEndWebhooks(t *testing.T) {
	in := newInstance(t, 200, nil)
	// A short 404 schedule: the delete is confirmed by 404s through it.
	stop := in.run(app.RunOptions{NotFoundSchedule: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, MinRefetch: 50 * time.Millisecond})
	in.login() // through the running server's callback route
	in.waitFor("the first sync", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 200 })
	in.waitFor("the subscription", func() bool { _, _, ok := in.sim.Sim.Subscription(); return ok })

	st, err := in.app.Status(context.Background())
	if err != nil || st.Webhooks.Mode != app.WebhooksExternal || !st.Connected {
		t.Fatalf("status %+v %v", st, err)
	}
	h := in.health()
	subID, cb, _ := in.sim.Sim.Subscription()
	if h.Status != app.HealthOK || !h.WebhooksSubscribed || h.QueueDepth != 0 {
		t.Fatalf("health %+v", h)
	}
	if st := in.status(); st.Health != app.HealthOK || st.Webhooks.SubscriptionID != subID || st.Webhooks.CallbackURL != cb || st.AthleteID != in.sim.Sim.AthleteID() {
		t.Fatalf("status %+v", st)
	}

	// create → visible; update → renamed; delete → gone.
	events := make(chan app.Event, 64)
	cancel := in.app.Subscribe(func(e app.Event) {
		if e.Kind == app.EventNewActivity {
			events <- e
		}
	})
	defer cancel()
	id, err := in.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "Webhook ride 🚴", SportType: "Ride"})
	if err != nil {
		t.Fatal(err)
	}
	in.waitFor("the created activity", func() bool { a, err := in.app.Activity(id); return err == nil && a.HasDetail() })
	select {
	case e := <-events:
		if e.ActivityID != id || e.Name != "Webhook ride 🚴" {
			t.Errorf("new-activity event %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Error("no new-activity event")
	}
	name := "Renamed by webhook"
	if err := in.sim.Sim.UpdateActivity(id, stravasim.ActivityUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the rename", func() bool { a, _ := in.app.Activity(id); return a.Name == name })
	if err := in.sim.Sim.DeleteActivity(id); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the deletion", func() bool { _, err := in.app.Activity(id); return errors.Is(err, store.ErrNotFound) })

	// Deauthorization: tokens gone, data kept, status says reconnect.
	if err := in.sim.Sim.DeauthorizeApp(); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the deauthorization", func() bool { st, _ := in.app.Status(context.Background()); return !st.Connected })
	if n, _ := in.app.CountActivities(store.Query{}); n != 200 {
		t.Errorf("local data after deauthorization: %d activities", n)
	}
	if h := in.health(); h.Status != app.HealthDegraded || h.LastEventAt.IsZero() {
		t.Errorf("health after deauthorization: %+v", h)
	}
	if st := in.status(); st.Health != app.HealthDegraded || !strings.Contains(strings.Join(st.HealthReasons, ";"), "reconnect") {
		t.Errorf("status after deauthorization: %q %q", st.Health, st.HealthReasons)
	}
	if d := stop(); d > app.ShutdownTimeout {
		t.Errorf("stop took %s", d)
	}
}

func TestRunForwardsCommandsOverIPC(t *testing.T) {
	in := newInstance(t, 10, nil)
	in.run(app.RunOptions{Forward: func(_ context.Context, args []string, out, _ io.Writer) int {
		io.WriteString(out, "ran "+strings.Join(args, " "))
		return 3
	}})
	var out strings.Builder
	code, err := ipc.Forward(context.Background(), ipc.SocketPath(in.app.Config().DataDir), []string{"status"}, &out, io.Discard)
	if err != nil || code != 3 || out.String() != "ran status" {
		t.Fatalf("forward: %d %q %v", code, out.String(), err)
	}
}

func TestRunWithoutTunnelSaysHowToEnableWebhooks(t *testing.T) {
	in := newInstance(t, 5, map[string]string{config.EnvWebhookCallbackURL: ""})
	in.run(app.RunOptions{NoPolling: true})
	in.waitFor("the webhook state", func() bool {
		st, _ := in.app.Status(context.Background())
		return st.Webhooks.Mode == app.WebhooksOff && strings.Contains(st.Webhooks.Message, "NGROK_AUTHTOKEN")
	})
	if h := in.health(); h.Status != app.HealthDegraded {
		t.Errorf("health %+v", h)
	}
	if st := in.status(); !strings.Contains(strings.Join(st.HealthReasons, ";"), "tunnel: "+st.Webhooks.Message) {
		t.Errorf("status health reasons %q, want the tunnel's", st.HealthReasons)
	}
}

func TestSettingsRoundTripAndValidation(t *testing.T) {
	in := newInstance(t, 1, nil)
	s, err := in.app.LoadSettings()
	if err != nil || s.Units != app.UnitsMetric || s.PollInterval != time.Hour || !s.Notifications {
		t.Fatalf("defaults %+v %v", s, err)
	}
	s.Units, s.PollInterval, s.LookBack, s.Notifications = app.UnitsImperial, 30*time.Minute, 48*time.Hour, false
	if err := in.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	if got, _ := in.app.LoadSettings(); got != s {
		t.Fatalf("reloaded %+v", got)
	}
	for _, bad := range []app.Settings{
		{Units: "furlongs", PollInterval: time.Hour},
		{Units: app.UnitsMetric, PollInterval: time.Second},
		{Units: app.UnitsMetric, PollInterval: time.Hour, LookBack: -time.Hour},
	} {
		if err := in.app.SaveSettings(bad); !errors.Is(err, app.ErrInvalidSettings) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestSetupSavesSecretsToKeychainOnly(t *testing.T) {
	in := newInstance(t, 1, map[string]string{config.EnvClientID: "", config.EnvClientSecret: ""})
	if err := in.app.SaveSetup(app.Setup{ClientID: "abc"}); err == nil {
		t.Fatal("invalid setup accepted")
	} else {
		var se *app.SetupError
		if !errors.As(err, &se) || se.Problems[app.SetupClientID] == "" || se.Problems[app.SetupClientSecret] == "" {
			t.Fatalf("problems %v", err)
		}
	}
	secret := strings.Repeat("ab", 20)
	if err := in.app.SaveSetup(app.Setup{ClientID: "12345", ClientSecret: secret, NgrokAuthtoken: "ngrok-token-x"}); err != nil {
		t.Fatal(err)
	}
	st, err := in.app.SetupState()
	if err != nil || st.ClientID != "12345" || !st.HasClientSecret || !st.HasNgrokAuthtoken || st.VerifyToken != in.env[config.EnvWebhookVerifyToken] {
		t.Fatalf("setup state %+v %v", st, err)
	}
	env, err := readFile(filepath.Join(in.app.Config().DataDir, ".env"))
	if err != nil || !strings.Contains(env, "STRAVA_CLIENT_ID") || strings.Contains(env, secret) || strings.Contains(env, "ngrok-token-x") {
		t.Fatalf(".env: %q %v", env, err)
	}
}

func TestChangedVerifyTokenIsUsedAtOnce(t *testing.T) {
	in := newInstance(t, 5, map[string]string{config.EnvWebhookVerifyToken: ""})
	in.run(app.RunOptions{NoPolling: true})
	check := func(token string) int {
		resp, err := http.Get(in.base + webhook.WebhookPath + "?hub.mode=subscribe&hub.challenge=c&hub.verify_token=" + token)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	st, err := in.app.SetupState()
	if err != nil {
		t.Fatal(err)
	}
	if check(st.VerifyToken) != http.StatusOK {
		t.Fatal("the generated verify token is not accepted")
	}
	if err := in.app.SaveSetup(app.Setup{ClientID: "12345", VerifyToken: "a-new-verify-token"}); err != nil {
		t.Fatal(err)
	}
	if got := check("a-new-verify-token"); got != http.StatusOK {
		t.Errorf("new token: %d", got)
	}
	if got := check(st.VerifyToken); got != http.StatusForbidden {
		t.Errorf("old token: %d, want 403", got)
	}
}

func TestLogoutOfflineStillForgetsTokensAndWipeDeletesData(t *testing.T) {
	in := newInstance(t, 40, nil)
	in.login()
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	in.sim.Close() // Strava unreachable
	rep, err := in.app.Logout(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revoked || rep.RevokeError == nil || !rep.Wiped {
		t.Fatalf("report %+v", rep)
	}
	st, err := in.app.Status(context.Background())
	if err != nil || st.Connected || st.Activities != 0 || st.Problem.Kind != app.ProblemNotConnected {
		t.Fatalf("after offline logout --wipe: %+v %v", st, err)
	}
}

func TestConnectingWhileRunningStartsTheImport(t *testing.T) {
	in := newInstance(t, 120, nil)
	in.run(app.RunOptions{})
	// Let the first poll pass while nobody is connected (the next one is an
	// hour away). Kept on the real clock: the poller's first run is on a
	// 1 s timer and leaves no trace while nobody is connected.
	time.Sleep(1500 * time.Millisecond)
	in.login()
	in.waitFor("the import started by connecting", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 120 })
}

// TestHealthRoute: the health report over the loopback server (the same
// handler the tunnel serves): its methods, and nothing about the athlete.
func TestHealthRoute(t *testing.T) {
	in := newInstance(t, 3, nil)
	in.run(app.RunOptions{NoPolling: true})
	in.login()
	in.waitFor("the subscription", func() bool { return in.status().Webhooks.Subscribed })
	for _, tt := range []struct {
		method string
		status int
	}{{http.MethodGet, 200}, {http.MethodHead, 200}, {http.MethodPost, 405}, {http.MethodDelete, 405}} {
		req, _ := http.NewRequest(tt.method, in.base+app.HealthPath, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s health = %d (Cache-Control %q), want %d", tt.method, resp.StatusCode, resp.Header.Get("Cache-Control"), tt.status)
		}
	}
	h := in.health() // fails on any athlete, subscription or callback detail
	if !h.WebhooksSubscribed || h.CheckedAt.IsZero() {
		t.Errorf("health %+v", h)
	}
	if st := in.status(); st.Webhooks.SubscriptionID == 0 || st.AthleteID == 0 {
		t.Errorf("status lacks the full picture: %+v", st.Webhooks)
	}
}

// TestUserSyncCostsItsNewActivities: a sync the user asks for (Sync now,
// connecting) fetches no details for old activities: the back-fill runs
// later in the background within its share of the budget.
func TestUserSyncCostsItsNewActivities(t *testing.T) {
	in := newInstance(t, 120, nil)
	in.run(app.RunOptions{})
	time.Sleep(1500 * time.Millisecond) // the first poll passes while nobody is connected
	in.login()
	in.waitFor("the import started by connecting", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 120 })
	details := func() int {
		n := 0
		for route, c := range in.sim.Sim.RequestCounts() {
			if strings.HasPrefix(route, "GET /api/v3/activities/") && !strings.Contains(route, "streams") {
				n += c
			}
		}
		return n
	}
	in.waitFor("the import to end", func() bool { return !in.status().Syncing })
	lists := in.sim.Sim.RequestCounts()["GET /api/v3/athlete/activities"]
	if err := in.app.SyncNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the sync asked for", func() bool {
		return in.sim.Sim.RequestCounts()["GET /api/v3/athlete/activities"] > lists && !in.status().Syncing
	})
	if n := details(); n != 0 {
		t.Errorf("%d detail requests for syncs the user asked for, want 0 (no new activities)", n)
	}
}
