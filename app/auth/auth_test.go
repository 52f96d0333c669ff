package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/secrets/secretstest"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/stravasim"
)

const tokenRoute = "POST /oauth/token"

// fixture is a simulated Strava, a keychain of the test's own and a
// callback server running the flow over real HTTP.
type fixture struct {
	sim      *stravasim.Server
	tokens   *secrets.Store
	cfg      auth.Config
	flow     *auth.Flow
	callback string           // the callback server's base URL
	clock    *clocktest.Clock // stands still from the test's start until Advance
}

func newFixture(t testing.TB, simCfg stravasim.Config, secret string, scopes ...string) *fixture {
	t.Helper()
	clock := clocktest.New(time.Now())
	simCfg.Now = clock.Now // Strava and owtray share the test's clock
	srv, err := stravasim.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if len(scopes) == 0 {
		scopes = []string{"activity:read_all", "profile:read_all"}
	}
	f := &fixture{sim: srv, tokens: secretstest.New(t), clock: clock}
	ts := httptest.NewUnstartedServer(nil)
	f.callback = "http://" + ts.Listener.Addr().String()
	f.cfg = auth.Config{
		ClientID:     "12345",
		ClientSecret: secret,
		OAuthURL:     srv.OAuthURL(),
		RedirectURI:  f.callback + auth.CallbackPath,
		Scopes:       scopes,
		Now:          f.clock.Now,
		Logger:       slog.New(slog.DiscardHandler),
	}
	f.flow = auth.NewFlow(f.cfg, f.tokens, nil)
	ts.Config.Handler = f.flow.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return f
}

func (f *fixture) login(t *testing.T) (auth.Result, error) {
	t.Helper()
	u, state := f.flow.Begin()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = app.VisitURL(ctx, u) // the page's status is checked by the tests that care
	return f.flow.Wait(ctx, state)
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestLoginHappyPath(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 5}, "sim-client-secret")
	res, err := f.login(t)
	if err != nil {
		t.Fatal(err)
	}
	if res.Token.AthleteID != f.sim.Sim.AthleteID() || res.Token.AthleteName == "" {
		t.Errorf("athlete = %d %q", res.Token.AthleteID, res.Token.AthleteName)
	}
	if !res.Token.HasScope("activity:read_all") || len(res.Warnings) != 0 {
		t.Errorf("scopes %v warnings %v", res.Token.Scopes, res.Warnings)
	}
	if time.Until(res.Token.Expiry) < time.Hour {
		t.Errorf("expiry %v", res.Token.Expiry)
	}
	stored, err := f.tokens.Token()
	if err != nil {
		t.Fatal(err)
	}
	if stored.AccessToken != res.Token.AccessToken || stored.RefreshToken == "" {
		t.Errorf("keychain holds %v", stored)
	}
}

func TestAuthorizeRouteRedirects(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	resp, err := noRedirect.Get(f.callback + auth.AuthorizePath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	want := map[string]string{
		"client_id": "12345", "redirect_uri": f.cfg.RedirectURI, "response_type": "code",
		"approval_prompt": "auto", "scope": "activity:read_all,profile:read_all",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("state")) < 32 { // 16+ random bytes, hex
		t.Errorf("state %q too short", q.Get("state"))
	}
	if !strings.HasPrefix(loc.String(), f.sim.OAuthURL()+"/authorize?") {
		t.Errorf("location %s", loc)
	}
}

func TestCallbackRejectsBadState(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	if _, err := f.login(t); err != nil {
		t.Fatal(err)
	}
	first, _ := f.tokens.Token()
	before := f.sim.Sim.RequestCounts()[tokenRoute]

	// A fresh, valid state whose callback we replay after it was used.
	u, state := f.flow.Begin()
	ctx := context.Background()
	if err := app.VisitURL(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := f.flow.Wait(ctx, state); err != nil {
		t.Fatal(err)
	}
	after := f.sim.Sim.RequestCounts()[tokenRoute]

	tests := []struct{ name, query string }{
		{"missing state", "code=abc&scope=read,activity:read_all"},
		{"unknown state", "state=deadbeef&code=abc&scope=read,activity:read_all"},
		{"reused state", "state=" + state + "&code=abc&scope=read,activity:read_all"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, f.callback+auth.CallbackPath+"?"+tt.query)
			if status != http.StatusBadRequest || !strings.Contains(body, "invalid, expired or was already used") {
				t.Errorf("status %d body %q", status, body)
			}
		})
	}
	if n := f.sim.Sim.RequestCounts()[tokenRoute]; n != after || after != before+1 {
		t.Errorf("token requests: before %d, after login %d, after bad callbacks %d", before, after, n)
	}
	if got, _ := f.tokens.Token(); got.AthleteID != first.AthleteID {
		t.Errorf("keychain changed: %v", got)
	}
}

func TestStateExpires(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	u, _ := f.flow.Begin()
	f.clock.Advance(auth.StateTTL + time.Second)
	status, _ := get(t, u) // follows the redirect to our callback
	if status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 for an expired state", status)
	}
	if _, err := f.tokens.Token(); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("token stored: %v", err)
	}
}

func TestLoginFailures(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		setup   func(*stravasim.Sim)
		wantErr error
	}{
		{"denied", "sim-client-secret", func(s *stravasim.Sim) { s.SetConsent(stravasim.Consent{Deny: true}) }, auth.ErrAccessDenied},
		{"no activity scope", "sim-client-secret", func(s *stravasim.Sim) {
			s.SetConsent(stravasim.Consent{Refuse: []string{"activity:read", "activity:read_all"}})
		}, auth.ErrMissingScope},
		{"wrong client secret", "not-the-secret", nil, auth.ErrBadClientSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, stravasim.Config{Activities: 1}, tt.secret)
			if tt.setup != nil {
				tt.setup(f.sim.Sim)
			}
			_, err := f.login(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), tt.secret) {
				t.Errorf("client secret in error: %v", err)
			}
			if _, err := f.tokens.Token(); !errors.Is(err, secrets.ErrNotFound) {
				t.Errorf("a token was stored: %v", err)
			}
		})
	}
}

func TestLoginWithoutReadAllWarns(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret", "activity:read", "activity:read_all")
	f.sim.Sim.SetConsent(stravasim.Consent{Refuse: []string{"activity:read_all"}})
	res, err := f.login(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "private activities will not sync") {
		t.Errorf("warnings = %v", res.Warnings)
	}
}

func TestInvalidCode(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	_, state := f.flow.Begin()
	status, _ := get(t, f.callback+auth.CallbackPath+"?state="+state+"&code=forged&scope=read,activity:read_all")
	if status != http.StatusBadRequest {
		t.Errorf("status %d", status)
	}
	if _, err := f.flow.Wait(context.Background(), state); !errors.Is(err, auth.ErrInvalidCode) {
		t.Fatalf("err = %v, want ErrInvalidCode", err)
	}
}

// loggedIn returns a fixture whose sim issues short-lived tokens and a
// token source whose clock can be moved.
func loggedIn(t *testing.T, onReconnect func(error)) (*fixture, *auth.TokenSource, secrets.Token) {
	t.Helper()
	f := newFixture(t, stravasim.Config{Activities: 1, TokenTTL: 30 * time.Minute}, "sim-client-secret")
	res, err := f.login(t)
	if err != nil {
		t.Fatal(err)
	}
	return f, auth.NewTokenSource(f.cfg, f.tokens, onReconnect), res.Token
}

func TestRefreshRotatesAndPersistsBeforeUse(t *testing.T) {
	f, ts, first := loggedIn(t, nil)
	ctx := context.Background()
	if tok, err := ts.AccessToken(ctx); err != nil || tok != first.AccessToken {
		t.Fatalf("fresh token: %q %v", tok, err)
	}
	f.clock.Advance(26 * time.Minute) // < 5 min left
	tok, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.tokens.Token()
	if err != nil {
		t.Fatal(err)
	}
	if stored.RefreshToken == first.RefreshToken {
		t.Fatal("refresh token not rotated in the keychain")
	}
	if stored.AccessToken != tok || tok == first.AccessToken {
		t.Errorf("access token: used %q, stored %q, first %q", tok, stored.AccessToken, first.AccessToken)
	}
	// Strava invalidated the old refresh token: using it again fails.
	form := url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
	resp, err := http.PostForm(f.sim.OAuthURL()+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("old refresh token: status %d, want 400", resp.StatusCode)
	}
}

// Strava may also hand back the same refresh token; it keeps working.
func TestRefreshWithoutRotation(t *testing.T) {
	f, ts, first := loggedIn(t, nil)
	f.sim.Sim.SetRefreshRotation(stravasim.KeepRefreshToken)
	ctx := context.Background()
	prev := first.AccessToken
	for i := range 3 {
		f.clock.Advance(26 * time.Minute) // < 5 min left
		tok, err := ts.AccessToken(ctx)
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		stored, err := f.tokens.Token()
		if err != nil {
			t.Fatal(err)
		}
		if tok == prev || stored.AccessToken != tok || stored.RefreshToken != first.RefreshToken {
			t.Fatalf("refresh %d: access %q (was %q), stored refresh token changed: %v", i, tok, prev, stored.RefreshToken != first.RefreshToken)
		}
		prev = tok
	}
	if ts.NeedsReconnect() != nil {
		t.Errorf("needs reconnect: %v", ts.NeedsReconnect())
	}
}

func TestRefreshAfter401(t *testing.T) {
	f, ts, first := loggedIn(t, nil)
	f.sim.Sim.ExpireAllTokens()
	tok, err := ts.Refresh(context.Background(), first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok == first.AccessToken {
		t.Fatal("same token after a 401 refresh")
	}
	// A second caller that saw the old token gets the new one without a request.
	before := f.sim.Sim.RequestCounts()[tokenRoute]
	again, err := ts.Refresh(context.Background(), first.AccessToken)
	if err != nil || again != tok {
		t.Fatalf("second refresh: %q %v", again, err)
	}
	if f.sim.Sim.RequestCounts()[tokenRoute] != before {
		t.Error("second caller refreshed again")
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	f, ts, _ := loggedIn(t, nil)
	f.clock.Advance(26 * time.Minute)
	before := f.sim.Sim.RequestCounts()[tokenRoute]
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := ts.AccessToken(context.Background())
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		}()
	}
	wg.Wait()
	if n := f.sim.Sim.RequestCounts()[tokenRoute] - before; n != 1 {
		t.Errorf("%d refresh requests, want 1", n)
	}
	for _, tok := range tokens {
		if tok != tokens[0] {
			t.Fatalf("callers got different tokens")
		}
	}
}

func TestRefreshRejectedNeedsReconnect(t *testing.T) {
	var calls atomic.Int32
	f, ts, first := loggedIn(t, func(error) { calls.Add(1) })
	bad := first
	bad.RefreshToken = "revoked-refresh-token"
	if err := f.tokens.SaveToken(bad); err != nil {
		t.Fatal(err)
	}
	ts.Reset()
	f.clock.Advance(26 * time.Minute)
	_, err := ts.AccessToken(context.Background())
	if !errors.Is(err, auth.ErrNeedsReconnect) || !errors.Is(err, auth.ErrRefreshRejected) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "revoked-refresh-token") {
		t.Error("refresh token in the error")
	}
	before := f.sim.Sim.RequestCounts()[tokenRoute]
	if _, err := ts.AccessToken(context.Background()); !errors.Is(err, auth.ErrNeedsReconnect) {
		t.Fatalf("second call: %v", err)
	}
	if f.sim.Sim.RequestCounts()[tokenRoute] != before || calls.Load() != 1 {
		t.Errorf("after needs-reconnect: %d more requests, %d notifications", f.sim.Sim.RequestCounts()[tokenRoute]-before, calls.Load())
	}
	if !errors.Is(ts.NeedsReconnect(), auth.ErrNeedsReconnect) {
		t.Error("NeedsReconnect() is nil")
	}
}

func TestRevoke(t *testing.T) {
	f, ts, first := loggedIn(t, nil)
	// An expired access token: Strava answers 401 and revokes nothing.
	f.sim.Sim.ExpireAllTokens()
	err := auth.Revoke(context.Background(), f.cfg, first.AccessToken)
	var re *auth.RevokeError
	if !errors.Is(err, auth.ErrRevokeNotConfirmed) || !errors.As(err, &re) || re.Status != http.StatusUnauthorized ||
		!strings.Contains(err.Error(), "strava.com/settings/apps") {
		t.Fatalf("revoke with an expired token: %v", err)
	}
	if _, connected := f.sim.Sim.GrantedScopes(first.AthleteID); !connected {
		t.Fatal("the refused revoke disconnected the athlete")
	}
	fresh, err := ts.Refresh(context.Background(), first.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Revoke(context.Background(), f.cfg, fresh); err != nil {
		t.Fatal(err)
	}
	if _, connected := f.sim.Sim.GrantedScopes(first.AthleteID); connected {
		t.Fatal("still connected after the revoke")
	}
	f.sim.Sim.ExpireAllTokens()
	if _, err := ts.Refresh(context.Background(), fresh); !errors.Is(err, auth.ErrNeedsReconnect) {
		t.Fatalf("refresh after revoke: %v", err)
	}
	f.sim.Close()
	err = auth.Revoke(context.Background(), f.cfg, fresh)
	if !errors.Is(err, auth.ErrRevokeNotConfirmed) || strings.Contains(err.Error(), fresh) {
		t.Fatalf("revoke while offline: %v", err)
	}
}

// The app's onReconnect reads the status, which asks the token source again:
// the callback must not run under the token source's lock.
func TestOnReconnectMayCallBack(t *testing.T) {
	var ts *auth.TokenSource
	called := make(chan error, 1)
	f, src, first := loggedIn(t, func(error) {
		_, err := ts.Token()
		called <- err
	})
	ts = src
	bad := first
	bad.RefreshToken = "revoked"
	if err := f.tokens.SaveToken(bad); err != nil {
		t.Fatal(err)
	}
	ts.Reset()
	f.clock.Advance(26 * time.Minute)
	done := make(chan error, 1)
	go func() { _, err := ts.AccessToken(context.Background()); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, auth.ErrNeedsReconnect) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: onReconnect ran under the token source's lock")
	}
	if err := <-called; !errors.Is(err, auth.ErrNeedsReconnect) {
		t.Errorf("Token() inside the callback: %v", err)
	}
}
