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
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/logtest"
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
	answers atomic.Int64 // POSTs answered by flood
	sim     *stravasim.Server
	auth    *tokenAuth
	client  *strava.Client
	dbPath  string
	st      *store.Store
	h       *Handler
	obs     *countingObserver
	srv     *httptest.Server
	worker  *Worker
	logs    *logtest.Buffer
	logger  *slog.Logger
	applied chan applied
	deauth  chan int64
	paused  chan error
	subs    *Subscriptions
	cancel  context.CancelFunc
	done    chan struct{}
	// storeOpts are the options the store is opened with.
	storeOpts store.Options
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
	// clock, when set, is the one clock of the simulator, the client, the
	// store, the handler and the worker.
	clock *clocktest.Clock
	store store.Options
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
	if o.clock != nil {
		cfg.Now, o.clientClock, o.handlerClock = o.clock.Now, o.clock.Now, o.clock.Now
		o.worker.Now, o.worker.After, o.store.Now = o.clock.Now, o.clock.After, o.clock.Now
	}
	if cfg.DeliveryRetryDelay == 0 {
		cfg.DeliveryRetryDelay = 50 * time.Millisecond
	}
	sim, err := stravasim.Start(cfg)
	if err != nil {
		t.Fatalf("stravasim.Start: %v", err)
	}
	t.Cleanup(sim.Close)

	e := &env{
		t: t, sim: sim, storeOpts: o.store, auth: &tokenAuth{}, logs: &logtest.Buffer{},
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
	if wc.Access == nil {
		wc.Access = AccessCheckFunc(e.accessRevoked)
	}
	var fetcher ActivityFetcher = e.client
	if o.wrapFetcher != nil {
		fetcher = o.wrapFetcher(fetcher)
	}
	e.worker = NewWorker(e.st, fetcher, wc)

	e.obs = &countingObserver{worker: e.worker}
	h, err := NewHandler(Config{Store: e.st, VerifyToken: testVerifyToken, Observer: e.obs, Logger: logger})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	e.h = h
	var served http.Handler = h
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
	opts := e.storeOpts
	opts.Logger = e.logger
	st, err := store.Open(e.dbPath, opts)
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

// countingObserver wakes the worker on Queued and counts the rest.
type countingObserver struct {
	worker            *Worker
	ignored, rejected atomic.Uint64
}

func (o *countingObserver) Queued()   { o.worker.Notify() }
func (o *countingObserver) Ignored()  { o.ignored.Add(1) }
func (o *countingObserver) Rejected() { o.rejected.Add(1) }

// login runs the simulator's OAuth flow and returns an access token.
func login(t testing.TB, sim *stravasim.Server, scope string) string {
	t.Helper()
	tok, err := sim.Login(context.Background(), scope)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return tok
}

// routeActivity is the simulator's request counter key for GET /activities/{id}.
const routeActivity = "GET /api/v3/activities/{id}"

// accessRevoked is the app's check: Strava refuses the token with 401.
func (e *env) accessRevoked(ctx context.Context) (bool, error) {
	_, err := e.client.Athlete(ctx)
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, strava.ErrUnauthorized):
		return true, nil
	}
	return false, err
}

// advanceUntil runs the fake clock forward, one waiting worker timer at a
// time, until cond holds; it fails after limit of clock time or waitLong of
// real time.
func (e *env) advanceUntil(c *clocktest.Clock, limit time.Duration, what string, cond func() bool) {
	e.t.Helper()
	end := c.Now().Add(limit)
	clocktest.WaitUntil(e.t, what, waitLong, func() bool {
		if cond() {
			return true
		}
		if c.Now().After(end) {
			pending, _ := e.st.PendingEvents(3)
			e.t.Fatalf("clock at +%s (%s): still waiting for %s; worker %+v; pending %+v", limit-end.Sub(c.Now()), c.Now().UTC(), what, e.worker.Status(), pending)
		}
		// Advance only while the worker waits on the clock (idle or
		// waiting for its budget), to its next timer.
		if st := e.worker.Status().State; st == StateIdle || st == StateRateLimited {
			if at, ok := c.Next(); ok {
				c.Advance(max(at.Sub(c.Now()), 0))
			}
		}
		return false
	})
}
