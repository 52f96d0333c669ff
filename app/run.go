package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.ngrok.com/ngrok/v2"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/ipc"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/tunnel"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/webhook"
)

// RunOptions configure Run.
type RunOptions struct {
	// Forward runs commands forwarded by other owtray processes (the CLI's
	// runner); nil refuses them.
	Forward ipc.Runner
	// TunnelAgentOptions are passed to the ngrok agent (tests point it at a
	// local address).
	TunnelAgentOptions []ngrok.AgentOption
	// NoPolling disables the periodic sync (tests of the webhook path).
	NoPolling bool
	// NotFoundSchedule and MinRefetch replace the webhook worker's 404
	// retry schedule and refetch delay (tests); nil and 0 keep the
	// defaults (webhook.DefaultNotFoundSchedule, DefaultMinRefetch).
	NotFoundSchedule []time.Duration
	MinRefetch       time.Duration
}

// instance is what exists only while Run runs (serve or the desktop app):
// the event worker, the webhook routes, the poller's trigger, the loopback
// server's login flow, and the tunnel's and subscription's state. The App
// holds it (App.running) from the start of Run to its end.
type instance struct {
	app     *App
	opts    RunOptions
	worker  *webhook.Worker
	webhook *webhookHandler
	pollNow chan struct{} // asks the poller for a sync now

	mu     sync.Mutex
	flow   *auth.Flow
	tunnel tunnel.State
	subErr string
	// restartTunnel restarts the tunnel with the current setup.
	restartTunnel func()
}

// ErrRunning means Run was called while another Run of the App runs.
var ErrRunning = errors.New("owtray is already running")

// instance is the running instance, nil when Run does not run.
func (a *App) instance() *instance {
	a.stateMu.Lock()
	defer a.stateMu.Unlock()
	return a.running
}

// webhookHandler serves the webhook route with the current verify token
// (the setup form can change the token while the app runs) and the health
// route; it is the handler's Observer.
type webhookHandler struct {
	cfg               webhook.Config
	current           atomic.Pointer[webhook.Handler]
	health            http.HandlerFunc
	worker            *webhook.Worker
	ignored, rejected atomic.Uint64
}

func (h *webhookHandler) setVerifyToken(token string) error {
	cfg := h.cfg
	cfg.VerifyToken = token
	next, err := webhook.NewHandler(cfg)
	if err != nil {
		return err
	}
	h.current.Store(next)
	return nil
}

// ServeHTTP answers only the webhook and health paths, matched exactly
// (404 elsewhere), so it is also what the tunnel serves.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath {
		h.health(w, r)
		return
	}
	h.current.Load().ServeHTTP(w, r)
}

// ShutdownTimeout bounds the graceful stop of Run.
const ShutdownTimeout = 10 * time.Second

// Run is the long-running instance: the loopback HTTP server (OAuth
// callback, webhook, health), the local IPC endpoint, the webhook tunnel and
// subscription, the event worker and the fallback polling. It returns when
// ctx ends, after a graceful stop of at most ShutdownTimeout.
func (a *App) Run(ctx context.Context, opts RunOptions) error {
	verifyToken, err := a.verifyToken()
	if err != nil {
		return err
	}
	ln, err := loopbackListen(ctx, a.conf().ListenAddr())
	if err != nil {
		return err
	}
	defer ln.Close()

	worker := webhook.NewWorker(a.store, a.client, webhook.WorkerConfig{
		OnDeauthorized: a.onDeauthorized,
		Access:         webhook.AccessCheckFunc(a.accessRevoked),
		OnApplied:      a.onEventApplied,
		OnPaused: func(err error) {
			a.log.Warn("webhook processing paused", "err", err)
			a.events.publish(Event{Kind: EventStatus})
		},
		NeedsReconnect: func(err error) bool {
			return errors.Is(err, auth.ErrNeedsReconnect) || errors.Is(err, auth.ErrNotConnected)
		},
		NotFoundSchedule: opts.NotFoundSchedule,
		MinRefetch:       opts.MinRefetch,
		Logger:           a.log,
		Now:              a.opts.Now,
	})
	hooks := &webhookHandler{cfg: webhook.Config{Store: a.store, Logger: a.log}, health: a.serveHealth, worker: worker}
	hooks.cfg.Observer = hooks
	if err := hooks.setVerifyToken(verifyToken); err != nil {
		return err
	}
	in := &instance{app: a, opts: opts, worker: worker, webhook: hooks, pollNow: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+auth.AuthorizePath, in.serveFlow)
	mux.HandleFunc("GET "+auth.CallbackPath, in.serveFlow)
	mux.Handle(webhook.WebhookPath, hooks)
	mux.Handle(HealthPath, hooks)
	guard := a.hostGuard(ln) // 421 for foreign Host headers
	local := guard.Handler(mux, webhook.WebhookPath, HealthPath)
	public := guard.Handler(hooks, webhook.WebhookPath, HealthPath)

	a.stateMu.Lock()
	if a.running != nil {
		a.stateMu.Unlock()
		return ErrRunning
	}
	a.running = in
	a.stateMu.Unlock()
	defer func() {
		a.stateMu.Lock()
		a.running = nil
		a.stateMu.Unlock()
	}()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, 6)
	launch := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(runCtx); err != nil && runCtx.Err() == nil {
				a.log.Error(name+" stopped", "err", err)
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	var ipcServer *ipc.Server
	if opts.Forward != nil {
		if ipcServer, err = ipc.Listen(ipc.SocketPath(a.conf().DataDir), opts.Forward, a.log); err != nil {
			return err
		}
		defer ipcServer.Close()
	}
	launch("http server", func(ctx context.Context) error { return serveHTTP(ctx, ln, local, a.log) })
	launch("event worker", worker.Run)
	if ipcServer != nil {
		launch("ipc", ipcServer.Serve)
	}
	launch("tunnel", func(ctx context.Context) error { return in.runTunnel(ctx, public) })
	launch("backups", a.backupLoop)
	if !opts.NoPolling {
		launch("poller", in.poll)
	}
	a.log.Info("owtray is running", "listen", ln.Addr().String(), "data_dir", a.conf().DataDir)
	a.events.publish(Event{Kind: EventStatus})

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(ShutdownTimeout):
		a.log.Warn("some parts did not stop in time")
	}
	return runErr
}

// serveFlow serves the OAuth routes with the current login flow.
func (in *instance) serveFlow(w http.ResponseWriter, r *http.Request) {
	flow, err := in.loginFlow()
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	flow.Handler().ServeHTTP(w, r)
}

// loginFlow returns the running instance's flow, made when first needed
// (the credentials can be set up after the start).
func (in *instance) loginFlow() (*auth.Flow, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.flow != nil {
		return in.flow, nil
	}
	cfg, err := in.app.credentials()
	if err != nil {
		return nil, err
	}
	in.flow = auth.NewFlow(cfg, in.app.secrets, in.app.acceptAthlete)
	return in.flow, nil
}

// setupChanged makes the next login use the new credentials and restarts
// the tunnel with the new settings.
func (in *instance) setupChanged() {
	in.mu.Lock()
	in.flow = nil
	restart := in.restartTunnel
	in.mu.Unlock()
	if restart != nil {
		restart()
	}
}

// webhookStatus is the running instance's part of Status.
func (in *instance) webhookStatus(w *WebhookStatus) {
	in.mu.Lock()
	t, subErr := in.tunnel, in.subErr
	in.mu.Unlock()
	w.Mode, w.PublicURL, w.Message = webhookMode(t.Mode), t.PublicURL, t.Message
	w.Subscription = subErr
	w.Worker = in.worker.Status()
	if w.Worker.State == webhook.StatePaused {
		w.Paused = w.Worker.Reason
	}
	w.Ignored, w.Rejected = in.webhook.ignored.Load(), in.webhook.rejected.Load()
}

// callbackURL is the tunnel's current webhook URL ("" when none).
func (in *instance) callbackURL() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.tunnel.CallbackURL
}

// verifyToken is STRAVA_WEBHOOK_VERIFY_TOKEN, else the one kept in the
// keychain, else a new one (32 random bytes) saved there.
func (a *App) verifyToken() (string, error) {
	if a.conf().WebhookVerifyToken != "" {
		return a.conf().WebhookVerifyToken, nil
	}
	tok, err := a.secrets.VerifyToken()
	if err == nil && tok != "" {
		return tok, nil
	}
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return "", err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok = hex.EncodeToString(b)
	if err := a.secrets.SaveVerifyToken(tok); err != nil {
		return "", err
	}
	return tok, nil
}

// runTunnel keeps the public URL up and the subscription pointed at it. A
// changed setup restarts it with the new settings.
func (in *instance) runTunnel(ctx context.Context, handler http.Handler) error {
	a := in.app
	var subscribed string
	var subMu sync.Mutex
	onState := func(st tunnel.State) {
		in.mu.Lock()
		in.tunnel = st
		in.mu.Unlock()
		a.log.Info("webhooks", "mode", st.Mode, "message", st.Message)
		a.events.publish(Event{Kind: EventStatus})
		if st.CallbackURL == "" {
			return
		}
		subMu.Lock()
		changed := st.CallbackURL != subscribed
		subscribed = st.CallbackURL
		subMu.Unlock()
		if changed {
			go in.keepSubscribed(ctx, st.CallbackURL)
		}
	}
	for {
		tctx, restart := context.WithCancel(ctx)
		in.mu.Lock()
		in.restartTunnel = restart
		in.mu.Unlock()
		cfg := a.conf()
		authtoken := cfg.NgrokAuthtoken
		if authtoken == "" && cfg.WebhookCallbackURL == "" {
			if t, err := a.secrets.NgrokAuthtoken(); err == nil {
				authtoken = t
			}
		}
		err := tunnel.Run(tctx, tunnel.Config{
			Authtoken:    authtoken,
			Domain:       cfg.NgrokDomain,
			CallbackURL:  cfg.WebhookCallbackURL,
			WebhookPath:  webhook.WebhookPath,
			Handler:      handler, // serves the webhook and health paths only
			Logger:       a.log,
			AgentOptions: in.opts.TunnelAgentOptions,
		}, onState)
		if err != nil {
			in.mu.Lock()
			in.tunnel = tunnel.State{Mode: tunnel.ModeError, Message: err.Error(), Since: a.opts.Now()}
			in.mu.Unlock()
			a.events.publish(Event{Kind: EventStatus})
		}
		<-tctx.Done() // a tunnel that gave up (or is off) leaves the rest running
		restart()
		if ctx.Err() != nil {
			return nil
		}
		subMu.Lock()
		subscribed = "" // re-check the subscription after a restart
		subMu.Unlock()
	}
}

// keepSubscribed registers the subscription for callbackURL, retrying with
// exponential backoff (2 s up to 10 min between attempts) until it succeeds
// or ctx ends.
func (in *instance) keepSubscribed(ctx context.Context, callbackURL string) {
	a := in.app
	policy := backoff.NewExponentialBackOff()
	policy.InitialInterval, policy.MaxInterval = 2*time.Second, 10*time.Minute
	_, _ = backoff.Retry(ctx, func() (struct{}, error) {
		err := a.ensureSubscription(ctx, callbackURL)
		in.mu.Lock()
		in.subErr = ""
		if err != nil {
			in.subErr = err.Error()
		}
		in.mu.Unlock()
		a.events.publish(Event{Kind: EventStatus})
		return struct{}{}, err
	},
		backoff.WithBackOff(policy),
		backoff.WithMaxElapsedTime(0), // until ctx ends
		backoff.WithNotify(func(err error, next time.Duration) {
			a.log.Warn("webhook subscription failed; retrying", "err", err, "in", next)
		}),
	)
}

func (a *App) subscriptions() (*webhook.Subscriptions, error) {
	if err := a.conf().RequireClient(); err != nil {
		return nil, err
	}
	secret, err := a.clientSecret()
	if err != nil {
		return nil, err
	}
	return &webhook.Subscriptions{
		Client: a.client,
		Creds:  strava.AppCredentials{ClientID: a.conf().ClientID, ClientSecret: secret},
		Store:  a.store,
		Logger: a.log,
	}, nil
}

func (a *App) ensureSubscription(ctx context.Context, callbackURL string) error {
	subs, err := a.subscriptions()
	if err != nil {
		return err
	}
	verifyToken, err := a.verifyToken()
	if err != nil {
		return err
	}
	_, err = subs.Ensure(ctx, callbackURL, verifyToken)
	return err
}

// onDeauthorized: the athlete revoked access on Strava. The tokens go, the
// local data stays, polling stops until a reconnect.
func (a *App) onDeauthorized(_ context.Context, athleteID int64) error {
	if err := a.secrets.DeleteToken(); err != nil {
		return err
	}
	a.tokens.Reset()
	a.log.Warn("the athlete revoked owtray's access on Strava: disconnected — reconnect", "athlete_id", athleteID)
	a.events.publish(Event{Kind: EventStatus})
	return nil
}

// accessRevoked confirms a deauthorization event with Strava: the grant is
// gone when GET /athlete is answered 401 even after a token refresh, or the
// refresh itself is rejected. A forged event therefore wipes nothing.
func (a *App) accessRevoked(ctx context.Context) (bool, error) {
	_, err := a.client.Athlete(ctx)
	if apiErr, ok := errors.AsType[*strava.APIError](err); ok && apiErr.MissingPermission() != "" {
		return false, nil // a scope problem, not a revoked grant
	}
	switch {
	case err == nil, errors.Is(err, auth.ErrNotConnected): // accepted, or no tokens to wipe
		return false, nil
	case errors.Is(err, strava.ErrUnauthorized), errors.Is(err, auth.ErrRefreshRejected):
		return true, nil
	}
	return false, err
}

func (a *App) onEventApplied(ev webhook.Event, res webhook.Result) {
	a.events.publish(Event{Kind: EventActivities, ActivityID: res.ActivityID})
	if res.Outcome == webhook.OutcomeAdded && res.Activity != nil {
		a.events.publish(Event{Kind: EventNewActivity, ActivityID: res.ActivityID, Name: res.Activity.Name})
	}
}

// backfillAfterUserSync is how soon the detail back-fill (within its share
// of the read budget) follows a sync the user asked for.
const backfillAfterUserSync = time.Minute

// poll syncs every PollInterval (and when SyncNow asks), as the fallback
// for missed webhooks; after a rate limit it waits for the reset.
func (in *instance) poll(ctx context.Context) error {
	a := in.app
	timer := time.NewTimer(time.Second) // first sync right after the start
	defer timer.Stop()
	for {
		details := true
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-in.pollNow:
			// A sync the user asked for costs what its new activities
			// cost; the back-fill follows in the background.
			details = false
		}
		next := a.pollInterval() // the settings may have changed it
		if !details {
			next = min(next, backfillAfterUserSync)
		}
		if _, err := a.tokens.Token(); err == nil {
			_, err := a.Sync(ctx, SyncOptions{Details: details})
			var rl *strava.RateLimitError
			switch {
			case errors.As(err, &rl) && !rl.ResumeAt.IsZero():
				next = max(time.Until(rl.ResumeAt)+time.Second, time.Second)
			case err != nil && ctx.Err() == nil:
				a.log.Warn("background sync failed", "err", err)
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

func (a *App) pollInterval() time.Duration {
	if s, err := a.LoadSettings(); err == nil && s.PollInterval > 0 {
		return s.PollInterval
	}
	return a.conf().PollInterval
}

// ConnectionLost describes an athlete whose access ended (revoked on
// Strava, refresh refused): the local data stays.
const ConnectionLost = "disconnected — reconnect"

// wasConnected reports whether an athlete's data is stored while no token
// is: access was revoked or ended.
func (a *App) wasConnected() bool {
	id, err := a.store.AthleteID()
	return err == nil && id != 0
}

// SyncNow asks the running instance's poller for a sync now; without a
// running instance it syncs in the calling goroutine.
func (a *App) SyncNow(ctx context.Context) error {
	in := a.instance()
	if in == nil {
		_, err := a.Sync(ctx, SyncOptions{})
		return err
	}
	select {
	case in.pollNow <- struct{}{}:
	default: // one is already queued
	}
	return nil
}

// WebhookSubscribe creates the push subscription for callbackURL (the
// configured STRAVA_WEBHOOK_CALLBACK_URL or the running tunnel's URL when
// empty). Strava validates the URL with a GET, so the webhook handler must
// be reachable there: run it with `owtray serve` or the desktop app.
func (a *App) WebhookSubscribe(ctx context.Context, callbackURL string) (strava.Subscription, error) {
	if callbackURL == "" {
		callbackURL = a.conf().WebhookCallbackURL
	}
	if in := a.instance(); callbackURL == "" && in != nil {
		callbackURL = in.callbackURL()
	}
	if callbackURL == "" {
		return strava.Subscription{}, errors.New("no callback URL: set STRAVA_WEBHOOK_CALLBACK_URL, pass --callback-url, or run `owtray serve` with NGROK_AUTHTOKEN")
	}
	subs, err := a.subscriptions()
	if err != nil {
		return strava.Subscription{}, err
	}
	verifyToken, err := a.verifyToken()
	if err != nil {
		return strava.Subscription{}, err
	}
	return subs.Subscribe(ctx, callbackURL, verifyToken)
}

// WebhookList lists the application's push subscriptions.
func (a *App) WebhookList(ctx context.Context) ([]strava.Subscription, error) {
	subs, err := a.subscriptions()
	if err != nil {
		return nil, err
	}
	return subs.List(ctx)
}

// WebhookDelete deletes subscription id (0: the only one) and returns its id.
func (a *App) WebhookDelete(ctx context.Context, id int64) (int64, error) {
	subs, err := a.subscriptions()
	if err != nil {
		return 0, err
	}
	return subs.Delete(ctx, id)
}
