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
	"github.com/owtray/owtray/sync/engine"
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
}

// instanceState is the state of a running instance (serve or the desktop app).
type instanceState struct {
	mu       sync.Mutex
	serving  bool
	flow     *auth.Flow
	tunnel   tunnel.State
	subErr   string
	syncing  int // syncs running or waiting
	progress engine.Progress
	worker   *webhook.Worker
	webhook  *webhookHandler
	pollNow  chan struct{}
	// restartTunnel restarts the tunnel with the current setup.
	restartTunnel func()
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
		OnApplied:      a.onEventApplied,
		OnPaused: func(err error) {
			a.log.Warn("webhook processing paused", "err", err)
			a.events.publish(Event{Kind: EventStatus})
		},
		NeedsReconnect: func(err error) bool {
			return errors.Is(err, auth.ErrNeedsReconnect) || errors.Is(err, auth.ErrNotConnected)
		},
		Logger: a.log,
		Now:    a.opts.Now,
	})
	hooks := &webhookHandler{cfg: webhook.Config{Store: a.store, Logger: a.log}, health: a.serveHealth, worker: worker}
	hooks.cfg.Observer = hooks
	if err := hooks.setVerifyToken(verifyToken); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+auth.AuthorizePath, a.serveFlow)
	mux.HandleFunc("GET "+auth.CallbackPath, a.serveFlow)
	mux.Handle(webhook.WebhookPath, hooks)
	mux.Handle(HealthPath, hooks)

	a.rt.mu.Lock()
	a.rt.serving, a.rt.worker, a.rt.webhook = true, worker, hooks
	a.rt.pollNow = make(chan struct{}, 1)
	a.rt.mu.Unlock()
	defer func() {
		a.rt.mu.Lock()
		a.rt.serving = false
		a.rt.mu.Unlock()
	}()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, 4)
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
	launch("http server", func(ctx context.Context) error { return serveHTTP(ctx, ln, mux, a.log) })
	launch("event worker", worker.Run)
	if ipcServer != nil {
		launch("ipc", ipcServer.Serve)
	}
	launch("tunnel", func(ctx context.Context) error { return a.runTunnel(ctx, hooks, opts) })
	if !opts.NoPolling {
		launch("poller", a.poll)
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
func (a *App) serveFlow(w http.ResponseWriter, r *http.Request) {
	flow, err := a.loginFlow()
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	flow.Handler().ServeHTTP(w, r)
}

// loginFlow returns the running instance's flow, made when first needed
// (the credentials can be set up after the start).
func (a *App) loginFlow() (*auth.Flow, error) {
	a.rt.mu.Lock()
	defer a.rt.mu.Unlock()
	if a.rt.flow != nil {
		return a.rt.flow, nil
	}
	cfg, err := a.credentials()
	if err != nil {
		return nil, err
	}
	a.rt.flow = auth.NewFlow(cfg, a.secrets, a.acceptAthlete)
	return a.rt.flow, nil
}

func (a *App) serving() bool {
	a.rt.mu.Lock()
	defer a.rt.mu.Unlock()
	return a.rt.serving
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
func (a *App) runTunnel(ctx context.Context, handler http.Handler, opts RunOptions) error {
	var subscribed string
	var subMu sync.Mutex
	onState := func(st tunnel.State) {
		a.rt.mu.Lock()
		a.rt.tunnel = st
		a.rt.mu.Unlock()
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
			go a.keepSubscribed(ctx, st.CallbackURL)
		}
	}
	for {
		tctx, restart := context.WithCancel(ctx)
		a.rt.mu.Lock()
		a.rt.restartTunnel = restart
		a.rt.mu.Unlock()
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
			AgentOptions: opts.TunnelAgentOptions,
		}, onState)
		if err != nil {
			a.rt.mu.Lock()
			a.rt.tunnel = tunnel.State{Mode: tunnel.ModeError, Message: err.Error(), Since: a.opts.Now()}
			a.rt.mu.Unlock()
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
func (a *App) keepSubscribed(ctx context.Context, callbackURL string) {
	policy := backoff.NewExponentialBackOff()
	policy.InitialInterval, policy.MaxInterval = 2*time.Second, 10*time.Minute
	_, _ = backoff.Retry(ctx, func() (struct{}, error) {
		err := a.ensureSubscription(ctx, callbackURL)
		a.rt.mu.Lock()
		a.rt.subErr = ""
		if err != nil {
			a.rt.subErr = err.Error()
		}
		a.rt.mu.Unlock()
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
func (a *App) poll(ctx context.Context) error {
	timer := time.NewTimer(time.Second) // first sync right after the start
	defer timer.Stop()
	for {
		details := true
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-a.rt.pollNow:
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
	a.rt.mu.Lock()
	ch := a.rt.pollNow
	a.rt.mu.Unlock()
	if ch == nil {
		_, err := a.Sync(ctx, SyncOptions{})
		return err
	}
	select {
	case ch <- struct{}{}:
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
	if callbackURL == "" {
		a.rt.mu.Lock()
		callbackURL = a.rt.tunnel.CallbackURL
		a.rt.mu.Unlock()
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
