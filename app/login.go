package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/secrets"
)

// LoginTimeout is how long a login waits for the browser.
const LoginTimeout = 5 * time.Minute

// ErrLoginTimeout means the browser did not come back in time.
var ErrLoginTimeout = errors.New("no answer from the browser in time. Strava may have shown an error page instead of " +
	"sending you back, for example \"Limit of connected athletes exceeded\" when the app's athlete capacity is full: " +
	"check the browser tab and your app at https://www.strava.com/settings/api (Authorization Callback Domain, " +
	"connected athletes), then start the login again")

// LoginOptions adjust Login.
type LoginOptions struct {
	NoBrowser bool // only report the URL
	Replace   bool // allow replacing a different stored athlete (wipes its data)
	// OnURL receives the authorize URL as soon as it is known.
	OnURL func(url string)
	// OnBrowserError, when set, is told that the browser could not be
	// opened for the authorize URL (the window then shows the URL).
	OnBrowserError func(url string, err error)
	// Timeout overrides LoginTimeout.
	Timeout time.Duration
}

// Login runs the browser login: it serves the callback on loopback (unless
// the app's server already runs), opens the authorize URL and waits.
func (a *App) Login(ctx context.Context, opts LoginOptions) (auth.Result, error) {
	cfg, err := a.credentials()
	if err != nil {
		return auth.Result{}, err
	}
	if opts.Timeout == 0 {
		opts.Timeout = LoginTimeout
	}
	a.mu.Lock()
	a.allowReplace = opts.Replace
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.allowReplace = false
		a.mu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var flow *auth.Flow
	if in := a.instance(); in != nil {
		// The running instance serves the callback already.
		if flow, err = in.loginFlow(); err != nil {
			return auth.Result{}, err
		}
	} else {
		flow = auth.NewFlow(cfg, a.secrets, a.acceptAthlete)
		ln, err := loopbackListen(ctx, a.conf().ListenAddr())
		if err != nil {
			return auth.Result{}, err
		}
		serveCtx, stopServing := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- serveHTTP(serveCtx, ln, a.hostGuard(ln).Handler(flow.Handler()), a.log) }()
		defer func() { stopServing(); <-served }()
	}

	authorizeURL, state := flow.Begin()
	if opts.OnURL != nil {
		opts.OnURL(authorizeURL)
	}
	if !opts.NoBrowser {
		if err := a.opts.OpenBrowser(ctx, authorizeURL); err != nil {
			a.log.Warn("could not open the browser; open the URL yourself", "err", err)
			if opts.OnBrowserError != nil {
				opts.OnBrowserError(authorizeURL, err)
			}
		}
	}
	res, err := flow.Wait(ctx, state)
	if errors.Is(err, context.DeadlineExceeded) {
		return auth.Result{}, fmt.Errorf("%w (waited %s)", ErrLoginTimeout, opts.Timeout)
	}
	if err != nil {
		return auth.Result{}, err
	}
	a.tokens.Reset()
	in := a.instance()
	if in != nil {
		in.worker.Resume() // events waiting for a reconnect go on
	}
	a.events.publish(Event{Kind: EventStatus})
	if in != nil {
		// The running instance starts the (first) import at once instead
		// of at the next poll.
		if err := a.SyncNow(ctx); err != nil {
			a.log.Warn("could not start the sync after connecting", "err", err)
		}
	}
	return res, nil
}

// ErrRevokeNotConfirmed means Strava did not confirm the revoke at logout.
var ErrRevokeNotConfirmed = auth.ErrRevokeNotConfirmed

// LogoutReport says what Logout did.
type LogoutReport struct {
	Revoked     bool  // Strava confirmed the deauthorization
	RevokeError error // why it was not confirmed; wraps auth.ErrRevokeNotConfirmed after a try
	Wiped       bool
}

// Logout revokes the grant at Strava when possible, always deletes it from
// the keychain, and wipes local data only when asked.
func (a *App) Logout(ctx context.Context, wipe bool) (LogoutReport, error) {
	var rep LogoutReport
	tok, err := a.tokens.Token()
	switch {
	case errors.Is(err, auth.ErrNotConnected):
		rep.RevokeError = errors.New("was not connected")
	case err != nil && !errors.Is(err, auth.ErrNeedsReconnect):
		return rep, err
	case err == nil:
		revokeCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		// Strava revokes only with a valid access token: refresh an
		// expired one first (a failed refresh leaves the stored one, and
		// Strava's refusal is then reported).
		access := tok.AccessToken
		if fresh, rerr := a.tokens.AccessToken(revokeCtx); rerr == nil {
			access = fresh
		} else {
			a.log.Warn("could not refresh the token before revoking", "err", rerr)
		}
		rep.RevokeError = auth.Revoke(revokeCtx, a.authConfig(""), access)
		var re *auth.RevokeError
		if errors.As(rep.RevokeError, &re) && re.Status == http.StatusUnauthorized {
			// Expired at Strava before its stored expiry: refresh, try once more.
			if fresh, rerr := a.tokens.Refresh(revokeCtx, access); rerr == nil {
				rep.RevokeError = auth.Revoke(revokeCtx, a.authConfig(""), fresh)
			}
		}
		cancel()
		rep.Revoked = rep.RevokeError == nil
	}
	if err := a.secrets.DeleteToken(); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return rep, err
	}
	a.tokens.Reset()
	defer a.events.publish(Event{Kind: EventStatus}) // a window shows the change at once
	if wipe {
		if err := a.store.Wipe(); err != nil { // activities, sync state, queue and athlete id
			return rep, err
		}
		rep.Wiped = true
		a.events.publish(Event{Kind: EventActivities})
	}
	return rep, nil
}
