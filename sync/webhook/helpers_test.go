package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

const (
	testVerifyToken  = "verify-token-do-not-leak-7f3a"
	testClientSecret = "client-secret-do-not-leak-91bc"
	testClientID     = "12345"
	testRedirect     = "http://localhost:8000/api/v1/oauth/strava/callback"
)

// logBuffer collects log output of concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tokenAuth is a strava.Authorizer holding a token the test can replace; a
// refresh fails (like a revoked refresh token).
type tokenAuth struct {
	mu    sync.Mutex
	token string
}

func (a *tokenAuth) AccessToken(context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, nil
}

func (a *tokenAuth) Refresh(context.Context, string) (string, error) {
	return "", errors.New("refresh not possible in this test")
}

func (a *tokenAuth) get() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token
}

func (a *tokenAuth) set(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.token = tok
}

// env is a simulated Strava, a store on a real file, the webhook handler on
// a real loopback port (the exact handler the tunnel serves) and a worker.
type env struct {
	t       testing.TB
	sim     *stravasim.Server
	auth    *tokenAuth
	client  *strava.Client
	dbPath  string
	st      *store.Store
	h       *Handler
	srv     *httptest.Server
	worker  *Worker
	logs    *logBuffer
	logger  *slog.Logger
	applied chan applied
	deauth  chan int64
	paused  chan error
	subs    *Subscriptions
	cancel  context.CancelFunc
	done    chan struct{}
}

type applied struct {
	ev  Event
	res Result
}

type envOptions struct {
	simConfig    stravasim.Config
	clientRetry  strava.RetryPolicy
	clientClock  func() time.Time
	worker       WorkerConfig
	noWorker     bool // the worker is not started
	noSubscribe  bool // no subscription is created
	handlerClock func() time.Time
	wrap         func(http.Handler) http.Handler // around the public handler
	wrapFetcher  func(ActivityFetcher) ActivityFetcher
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	cfg := o.simConfig
	if cfg.Activities == 0 {
		cfg.Activities = 5
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	if cfg.DeliveryRetryDelay == 0 {
		cfg.DeliveryRetryDelay = 50 * time.Millisecond
	}
	sim, err := stravasim.Start(cfg)
	if err != nil {
		t.Fatalf("stravasim.Start: %v", err)
	}
	t.Cleanup(sim.Close)

	e := &env{
		t: t, sim: sim, auth: &tokenAuth{}, logs: &logBuffer{},
		applied: make(chan applied, 1024), deauth: make(chan int64, 8), paused: make(chan error, 8),
	}
	e.auth.set(login(t, sim, "read,activity:read_all"))
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.logger = logger
	opts := []strava.Option{strava.WithLogger(logger), strava.WithRetry(o.clientRetry)}
	if o.clientClock != nil {
		opts = append(opts, strava.WithClock(o.clientClock))
	}
	e.client = strava.New(sim.APIURL(), e.auth, opts...)

	e.dbPath = filepath.Join(t.TempDir(), "owtray.db")
	e.openStore()
	if err := e.st.SetAthleteID(sim.Sim.AthleteID()); err != nil {
		t.Fatalf("SetAthleteID: %v", err)
	}

	wc := o.worker
	if wc.RetryInitial == 0 {
		wc.RetryInitial = 10 * time.Millisecond
	}
	if wc.RetryMax == 0 {
		wc.RetryMax = 100 * time.Millisecond
	}
	wc.Logger = logger
	wc.OnApplied = func(ev Event, res Result) { e.applied <- applied{ev, res} }
	wc.OnDeauthorized = func(_ context.Context, athleteID int64) error {
		e.deauth <- athleteID
		return nil
	}
	wc.OnPaused = func(err error) { e.paused <- err }
	var fetcher ActivityFetcher = e.client
	if o.wrapFetcher != nil {
		fetcher = o.wrapFetcher(fetcher)
	}
	e.worker = NewWorker(e.st, fetcher, wc)

	h, err := NewHandler(Config{
		Store: e.st, VerifyToken: testVerifyToken, Worker: e.worker, Logger: logger, Now: o.handlerClock,
		HealthSource: func(context.Context) AppHealth {
			return AppHealth{Connected: true, Connection: "connected", Tunnel: TunnelHealth{State: "online", PublicURL: e.srv.URL}}
		},
	})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	e.h = h
	served := PublicHandler(h)
	if o.wrap != nil {
		served = o.wrap(served)
	}
	e.srv = httptest.NewServer(served)
	t.Cleanup(e.srv.Close)

	e.subs = &Subscriptions{Client: e.client, Creds: strava.AppCredentials{ClientID: testClientID, ClientSecret: testClientSecret}, Store: e.st, Logger: logger}
	if !o.noSubscribe {
		if _, err := e.subs.Ensure(context.Background(), e.callbackURL(), testVerifyToken); err != nil {
			t.Fatalf("Ensure: %v", err)
		}
	}
	if !o.noWorker {
		e.startWorker()
	}
	t.Cleanup(func() {
		e.stopWorker()
		e.checkNoSecrets()
	})
	return e
}

func (e *env) callbackURL() string { return e.srv.URL + WebhookPath }

func (e *env) openStore() {
	st, err := store.Open(e.dbPath, store.Options{Logger: e.logger})
	if err != nil {
		e.t.Fatalf("store.Open: %v", err)
	}
	e.st = st
	e.t.Cleanup(func() { _ = st.Close() })
}

func (e *env) startWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() {
		defer close(e.done)
		if err := e.worker.Run(ctx); err != nil {
			e.t.Errorf("Worker.Run: %v", err)
		}
	}()
}

func (e *env) stopWorker() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	<-e.done
	e.cancel = nil
}

// checkNoSecrets fails when a secret shows up in the logs.
func (e *env) checkNoSecrets() {
	logs := e.logs.String()
	for _, s := range []string{testVerifyToken, testClientSecret, e.auth.get()} {
		if s != "" && strings.Contains(logs, s) {
			e.t.Errorf("a secret appears in the logs")
		}
	}
}

// waitApplied waits for the next processed event.
func (e *env) waitApplied(timeout time.Duration) applied {
	e.t.Helper()
	select {
	case a := <-e.applied:
		return a
	case <-time.After(timeout):
		e.t.Fatalf("no event processed within %s; worker %+v", timeout, e.worker.Status())
		return applied{}
	}
}

// waitAppliedFor waits until an event about activity id was processed.
func (e *env) waitAppliedFor(id int64, timeout time.Duration) applied {
	e.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case a := <-e.applied:
			if a.res.ActivityID == id {
				return a
			}
		case <-deadline:
			e.t.Fatalf("activity %d not processed within %s; worker %+v", id, timeout, e.worker.Status())
			return applied{}
		}
	}
}

func (e *env) depth() int {
	e.t.Helper()
	n, err := e.st.QueueDepth()
	if err != nil {
		e.t.Fatalf("QueueDepth: %v", err)
	}
	return n
}

// event is a valid event of the connected athlete for our subscription.
func (e *env) event(objectType, aspect string, id int64, updates map[string]string) Event {
	subID, _, _ := e.sim.Sim.Subscription()
	if updates == nil {
		updates = map[string]string{}
	}
	return Event{ObjectType: objectType, ObjectID: id, AspectType: aspect, Updates: updates,
		OwnerID: e.sim.Sim.AthleteID(), SubscriptionID: max(subID, 1), EventTime: time.Now().Unix()}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// do sends one request and returns the status, headers and body.
func do(t testing.TB, c *http.Client, method, u string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) post(body []byte) (int, string) {
	e.t.Helper()
	status, _, b := do(e.t, http.DefaultClient, http.MethodPost, e.callbackURL(), bytes.NewReader(body))
	return status, b
}

func (e *env) health() Health {
	e.t.Helper()
	status, _, body := do(e.t, http.DefaultClient, http.MethodGet, e.srv.URL+HealthPath, nil)
	if status != http.StatusOK {
		e.t.Fatalf("health: %d %s", status, body)
	}
	var h Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		e.t.Fatalf("health JSON %s: %v", body, err)
	}
	return h
}

// login runs the simulator's OAuth flow and returns an access token.
func login(t testing.TB, sim *stravasim.Server, scope string) string {
	t.Helper()
	tok, err := sim.Login(context.Background(), scope)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return tok
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// routeActivity is the simulator's request counter key for GET /activities/{id}.
const routeActivity = "GET /api/v3/activities/{id}"
