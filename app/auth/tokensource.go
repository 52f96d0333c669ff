package auth

//lint:file-ignore ST1005 errors here start with "Strava", a name that keeps its capital

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/owtray/owtray/app/secrets"
)

// RefreshMargin is how much validity a token must have left: one with less
// is refreshed before use.
const RefreshMargin = 5 * time.Minute

var (
	// ErrRefreshRejected: Strava no longer accepts the refresh token.
	ErrRefreshRejected = errors.New("Strava rejected the refresh token")
	// ErrNeedsReconnect: the connection must be made again in the browser.
	ErrNeedsReconnect = errors.New("the Strava connection needs to be reconnected")
	// ErrNotConnected: no Strava grant is stored.
	ErrNotConnected = errors.New("not connected to Strava: run `owtray login` or use Connect in the app")
)

// TokenSource hands out valid access tokens for the connected athlete. It
// refreshes them when less than RefreshMargin is left (or once after a 401),
// persists the rotated refresh token to the keychain before the new access
// token is used, and lets concurrent callers share one refresh.
type TokenSource struct {
	cfg    Config
	conf   oauth2.Config
	tokens *secrets.Store
	// onReconnect is told once when the grant stops working.
	onReconnect func(error)

	mu        sync.Mutex
	cached    *secrets.Token
	reconnect error // sticky until the grant in the keychain changes
}

// NewTokenSource reads tokens from store; onReconnect (may be nil) is called
// when Strava rejects the refresh token.
func NewTokenSource(cfg Config, store *secrets.Store, onReconnect func(error)) *TokenSource {
	cfg = cfg.withDefaults()
	return &TokenSource{cfg: cfg, conf: cfg.oauth2(), tokens: store, onReconnect: onReconnect}
}

// AccessToken returns an access token valid for at least RefreshMargin.
func (ts *TokenSource) AccessToken(ctx context.Context) (string, error) {
	return ts.token(ctx, func(tok secrets.Token) bool {
		return !ts.cfg.Now().Add(RefreshMargin).Before(tok.Expiry)
	})
}

// Refresh is called after Strava answered 401 to rejected. When another
// caller already refreshed, the newer token is returned without a request.
func (ts *TokenSource) Refresh(ctx context.Context, rejected string) (string, error) {
	return ts.token(ctx, func(tok secrets.Token) bool { return tok.AccessToken == rejected })
}

// token returns the current access token, refreshed first when stale says
// so. Concurrent callers wait for one refresh. onReconnect is called after
// the lock is released, so it may call back into the token source.
func (ts *TokenSource) token(ctx context.Context, stale func(secrets.Token) bool) (string, error) {
	ts.mu.Lock()
	tok, err := ts.current()
	lost := false
	if err == nil && stale(tok) {
		tok, lost, err = ts.refreshLocked(ctx, tok)
	}
	ts.mu.Unlock()
	if lost && ts.onReconnect != nil {
		ts.onReconnect(err)
	}
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Configure replaces the app credentials used for refreshing (after the
// setup form changed them).
func (ts *TokenSource) Configure(cfg Config) {
	cfg = cfg.withDefaults()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.cfg, ts.conf = cfg, cfg.oauth2()
}

// Token returns the stored grant (without refreshing it).
func (ts *TokenSource) Token() (secrets.Token, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.current()
}

// NeedsReconnect reports why the connection must be made again, or nil.
func (ts *TokenSource) NeedsReconnect() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.reconnect
}

// Reset forgets the cached grant, e.g. after a new login or a logout.
func (ts *TokenSource) Reset() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.cached, ts.reconnect = nil, nil
}

func (ts *TokenSource) current() (secrets.Token, error) {
	if ts.reconnect != nil {
		return secrets.Token{}, ts.reconnect
	}
	if ts.cached != nil {
		return *ts.cached, nil
	}
	tok, err := ts.tokens.Token()
	if errors.Is(err, secrets.ErrNotFound) {
		return secrets.Token{}, ErrNotConnected
	}
	if err != nil {
		return secrets.Token{}, err
	}
	if tok.Reconnect != "" {
		// A rejected refresh, recorded by this or an earlier process.
		ts.reconnect = fmt.Errorf("%w: %s", ErrNeedsReconnect, tok.Reconnect)
		return secrets.Token{}, ts.reconnect
	}
	ts.cached = &tok
	return tok, nil
}

// refreshLocked refreshes old; lost reports that Strava refused the grant
// (the connection needs the user now).
func (ts *TokenSource) refreshLocked(ctx context.Context, old secrets.Token) (tok secrets.Token, lost bool, err error) {
	// An expired copy makes oauth2 use the refresh_token grant.
	stale := &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Unix(1, 0)}
	ot, err := ts.conf.TokenSource(ts.cfg.ctx(ctx), stale).Token()
	if err != nil {
		err = classifyTokenError("refreshing the Strava token", err)
		// An inactive application is not a lost grant: once its owner
		// reactivates it the same refresh token works again.
		if errors.Is(err, ErrRefreshRejected) || errors.Is(err, ErrBadClientSecret) {
			ts.reconnect = fmt.Errorf("%w: %w", ErrNeedsReconnect, err)
			ts.cfg.Logger.Warn("Strava connection lost", "athlete_id", old.AthleteID, "err", err)
			// Persist it with the grant: status must say so after a restart.
			marked := old
			marked.Reconnect = err.Error()
			if serr := ts.tokens.SaveToken(marked); serr != nil {
				ts.cfg.Logger.Error("recording that the Strava connection needs a reconnect", "err", serr)
			}
			return secrets.Token{}, true, ts.reconnect
		}
		return secrets.Token{}, false, err
	}
	if err := checkTokenResponse("refreshing the Strava token", ot, ts.cfg.Now()); err != nil {
		// Strava may have rotated the refresh token already; the old one is
		// kept (nothing is stored from this answer) and the next call tries
		// again.
		return secrets.Token{}, false, err
	}
	tok = old
	tok.AccessToken = ot.AccessToken
	tok.RefreshToken = ot.RefreshToken // never empty: checkTokenResponse
	tok.Expiry = expiryOf(ot)
	// Strava has already invalidated the old refresh token: keep the new
	// one in memory whatever happens, and persist it before use.
	ts.cached = &tok
	if err := ts.tokens.SaveToken(tok); err != nil {
		return secrets.Token{}, false, fmt.Errorf("saving the refreshed Strava token: %w", err)
	}
	ts.cfg.Logger.Debug("refreshed Strava token", "token", tok)
	return tok, false, nil
}

// ErrRevokeNotConfirmed means Strava did not answer the deauthorization with
// success (an expired or unknown access token is 401 and revokes nothing;
// or Strava could not be reached).
var ErrRevokeNotConfirmed = errors.New("Strava did not confirm the revoke; remove owtray at strava.com/settings/apps")

// RevokeError is a revoke Strava did not confirm: Status is its HTTP status
// (0 when it could not be reached). It matches ErrRevokeNotConfirmed.
type RevokeError struct {
	Status int
	Cause  error // the network error, when Status is 0
}

func (e *RevokeError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%v (%v)", ErrRevokeNotConfirmed, e.Cause)
	}
	return fmt.Sprintf("%v (HTTP %d)", ErrRevokeNotConfirmed, e.Status)
}

// Is makes errors.Is(err, ErrRevokeNotConfirmed) true.
func (e *RevokeError) Is(target error) bool { return target == ErrRevokeNotConfirmed }

func (e *RevokeError) Unwrap() error { return e.Cause }

// Revoke deauthorizes the app at Strava (POST /oauth/deauthorize). Only a
// 2xx answer is a revoke; anything else is a *RevokeError.
func Revoke(ctx context.Context, cfg Config, accessToken string) error {
	cfg = cfg.withDefaults()
	form := url.Values{"access_token": {accessToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.OAuthURL+"/deauthorize", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoking access: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		return &RevokeError{Cause: stripURLError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return &RevokeError{Status: resp.StatusCode}
	}
	return nil
}
