package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.ngrok.com/ngrok/v2"
)

// stableAfter is how long a session must have been live for the backoff to
// start again from RetryMin after it is lost.
const stableAfter = time.Minute

// abandonWait bounds the wait for ngrok's Connect or Listen to return after
// their session was closed.
const abandonWait = 5 * time.Second

// tunnel runs the ngrok set-up of Run.
type tunnel struct {
	cfg      Config
	rep      *reporter
	log      *slog.Logger
	ngrokLog *slog.Logger // for the ngrok library
}

func (t *tunnel) classifier() classifier {
	return classifier{token: t.cfg.Authtoken, domain: t.cfg.Domain}
}

// run opens sessions one after the other, with backoff between failures,
// until ctx ends or the authtoken is rejected.
func (t *tunnel) run(ctx context.Context) error {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     t.cfg.RetryMin,
		RandomizationFactor: 0.2,
		Multiplier:          2,
		MaxInterval:         t.cfg.RetryMax,
	}
	bo.Reset()
	for {
		t.rep.report(State{Mode: ModeConnecting, Message: "Connecting to ngrok…"})
		liveFor, err := t.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		terr := t.classifier().classify(err, ErrNgrok, "the ngrok session ended")
		if terr.permanent() {
			t.rep.failed(terr, time.Time{})
			return terr
		}
		if liveFor >= stableAfter {
			bo.Reset()
		}
		wait := min(bo.NextBackOff(), t.cfg.RetryMax) // the jitter may exceed MaxInterval
		t.rep.failed(terr, t.rep.now().Add(wait))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// session runs one agent session: connect, listen, serve until the session
// is lost for good or ctx ends. It returns how long the endpoint was live
// and, unless ctx ended, why the session ended.
func (t *tunnel) session(ctx context.Context) (time.Duration, error) {
	w := newWatch()
	// The session outlives ctx by the graceful stop of the server, so it
	// has its own context; cancelling it makes ngrok close the session.
	agentCtx, stopAgent := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAgent()
	agent, err := ngrok.NewAgent(t.agentOptions(w)...)
	if err != nil {
		return 0, fmt.Errorf("creating the ngrok agent: %w", err)
	}
	defer func() {
		if err := agent.Disconnect(); err != nil {
			t.log.Debug("closing the ngrok session", "err", err)
		}
	}()

	ln, err := t.open(ctx, agentCtx, stopAgent, agent, w)
	if err != nil {
		return 0, err
	}
	return t.serveLive(ctx, ln, w)
}

func (t *tunnel) agentOptions(w *watch) []ngrok.AgentOption {
	opts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(t.cfg.Authtoken),
		ngrok.WithAutoConnect(false),
		ngrok.WithLogger(t.ngrokLog),
		ngrok.WithEventHandler(w.handle),
		ngrok.WithAgentDescription("owtray"),
	}
	return append(opts, t.cfg.AgentOptions...)
}

func (t *tunnel) endpointOptions() []ngrok.EndpointOption {
	opts := []ngrok.EndpointOption{ngrok.WithDescription("owtray Strava webhooks")}
	if t.cfg.Domain != "" {
		opts = append(opts, ngrok.WithURL("https://"+t.cfg.Domain))
	}
	return opts
}

// open connects the agent and creates the endpoint, within ConnectTimeout.
// ngrok's Connect retries forever on its own; open gives up at the first
// failure instead, so that owtray's backoff and state reporting apply.
func (t *tunnel) open(ctx, agentCtx context.Context, stopAgent context.CancelFunc, agent ngrok.Agent, w *watch) (ngrok.EndpointListener, error) {
	type opened struct {
		ln  ngrok.EndpointListener
		err error
	}
	done := make(chan opened, 1)
	go func() {
		if err := agent.Connect(agentCtx); err != nil {
			done <- opened{err: err}
			return
		}
		ln, err := agent.Listen(agentCtx, t.endpointOptions()...)
		done <- opened{ln: ln, err: err}
	}()

	timeout := time.NewTimer(t.cfg.ConnectTimeout)
	defer timeout.Stop()
	var cause error
	for cause == nil {
		select {
		case o := <-done:
			if o.err != nil {
				return nil, t.classifier().classify(o.err, ErrUnreachable, "cannot reach the ngrok service")
			}
			return o.ln, nil
		case <-w.wake:
			if st := w.status(); !st.connected && st.err != nil {
				cause = t.classifier().classify(st.err, ErrUnreachable, "cannot reach the ngrok service")
			}
		case <-timeout.C:
			cause = &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("no answer from the ngrok service within %s", t.cfg.ConnectTimeout)}
		case <-ctx.Done():
			cause = ctx.Err()
		}
	}
	stopAgent()
	select {
	case <-done: // an endpoint created meanwhile closes with the session
	case <-time.After(abandonWait):
		t.log.Debug("ngrok connect still running after the session was closed")
	}
	return nil, cause
}

// serveLive serves the handler on ln and reports ModeLive. When ngrok loses
// the session it reconnects by itself and keeps the endpoint's URL; serveLive
// waits up to ReconnectGrace for that, then gives up on the session.
func (t *tunnel) serveLive(ctx context.Context, ln ngrok.EndpointListener, w *watch) (time.Duration, error) {
	liveSince := time.Now()
	live := t.liveState(ln.URL())
	t.rep.report(live)

	srvCtx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServer()
	served := make(chan error, 1)
	go func() { served <- Serve(srvCtx, detach(ln), t.cfg.Handler, t.cfg.ShutdownTimeout, t.log) }()
	stop := func() {
		stopServer()
		if err := <-served; err != nil {
			t.log.Warn("stopping the webhook server", "err", err)
		}
	}

	var (
		lost      *time.Timer
		lostAt    time.Time
		lostCause error
		expired   <-chan time.Time
	)
	defer func() {
		if lost != nil {
			lost.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			stop()
			return time.Since(liveSince), nil
		case err := <-served:
			return time.Since(liveSince), t.classifier().classify(err, ErrNgrok, "the ngrok endpoint closed")
		case <-w.wake:
			st := w.status()
			switch {
			case !st.connected && st.err != nil:
				if lost == nil {
					lostAt = time.Now()
					lost = time.NewTimer(t.cfg.ReconnectGrace)
					expired = lost.C
				}
				lostCause = st.err
				msg := t.classifier().classify(st.err, ErrUnreachable, "cannot reach the ngrok service").Msg
				t.rep.report(State{Mode: ModeConnecting, Message: "Connection to ngrok lost (" + msg + "); reconnecting…"})
			case st.connected && lost != nil:
				lost.Stop()
				lost, expired = nil, nil
				t.rep.report(live)
			}
		case <-expired:
			stop()
			cause := t.classifier().classify(lostCause, ErrUnreachable, "cannot reach the ngrok service")
			return lostAt.Sub(liveSince), &Error{
				Kind: cause.Kind,
				Code: cause.Code,
				Msg:  fmt.Sprintf("ngrok did not reconnect within %s: %s", t.cfg.ReconnectGrace, cause.Msg),
			}
		}
	}
}

func (t *tunnel) liveState(u *url.URL) State {
	public := u.Scheme + "://" + u.Host
	callback := public + t.cfg.WebhookPath
	return State{
		Mode:        ModeLive,
		PublicURL:   public,
		CallbackURL: callback,
		Message:     "Webhooks live at " + callback,
	}
}

// watch collects the agent's connection events, which arrive on ngrok's
// goroutines, for Run's goroutine. The handler never blocks, and the latest
// status is never lost: wake only says "look again".
type watch struct {
	mu        sync.Mutex
	connected bool
	err       error // why the session was last lost
	wake      chan struct{}
}

type watchStatus struct {
	connected bool
	err       error
}

func newWatch() *watch {
	return &watch{wake: make(chan struct{}, 1)}
}

func (w *watch) handle(ev ngrok.Event) {
	w.mu.Lock()
	switch e := ev.(type) {
	case *ngrok.EventAgentConnectSucceeded:
		w.connected = true
	case *ngrok.EventAgentDisconnected:
		w.connected = false
		if e.Error != nil && !errors.Is(e.Error, context.Canceled) {
			w.err = e.Error
		}
	default:
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watch) status() watchStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return watchStatus{connected: w.connected, err: w.err}
}
