package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/secrets/secretstest"
)

// tokenServer answers POST /token with body (status 200, JSON) and counts
// the requests.
func tokenServer(t *testing.T, status int, body func() string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/token" {
			http.NotFound(w, r)
			return
		}
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body())
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func testConfig(oauthURL string) auth.Config {
	return auth.Config{
		ClientID: "12345", ClientSecret: "sim-client-secret", OAuthURL: oauthURL,
		RedirectURI: "http://localhost:8000" + auth.CallbackPath, Scopes: []string{"activity:read_all"},
		Logger: slog.New(slog.DiscardHandler),
	}
}

func tokenJSON(fields string) string {
	return `{"token_type":"Bearer",` + fields + `,"athlete":{"id":42,"firstname":"A","lastname":"B"}}`
}

// Bad token answers: "Strava answered with an invalid token response
// (field …)", never "cannot reach Strava", and nothing stored.
func TestBadTokenAnswers(t *testing.T) {
	now := time.Now().Unix()
	tests := []struct {
		name, body, field string
		refreshToo        bool // oauth2 keeps the old refresh token on a refresh
	}{
		{"negative expires_at and expires_in", tokenJSON(fmt.Sprintf(`"access_token":"a","refresh_token":"r","expires_at":%d,"expires_in":-3600`, now-3600)), "expires_at", true},
		{"negative expires_in only", tokenJSON(`"access_token":"a","refresh_token":"r","expires_in":-3600`), "expires_in", true},
		{"expiry absurdly far", tokenJSON(fmt.Sprintf(`"access_token":"a","refresh_token":"r","expires_at":%d`, now+10*365*86400)), "expires_at", true},
		{"expires_at a string", tokenJSON(`"access_token":"a","refresh_token":"r","expires_at":"tomorrow","expires_in":21600`), "expires_at", true},
		{"expires_in a string", tokenJSON(`"access_token":"a","refresh_token":"r","expires_in":"six hours"`), "", true},
		{"no expiry", tokenJSON(`"access_token":"a","refresh_token":"r"`), "expires_at", true},
		{"empty access token", tokenJSON(fmt.Sprintf(`"access_token":"","refresh_token":"r","expires_at":%d`, now+21600)), "access_token", true},
		{"empty refresh token", tokenJSON(fmt.Sprintf(`"access_token":"a","refresh_token":"","expires_at":%d`, now+21600)), "refresh_token", false},
		{"access token a number", tokenJSON(fmt.Sprintf(`"access_token":12,"refresh_token":"r","expires_at":%d`, now+21600)), "", true},
		{"not JSON", `<html>maintenance</html>`, "", true},
	}
	for _, tt := range tests {
		t.Run("exchange/"+tt.name, func(t *testing.T) {
			srv, _ := tokenServer(t, http.StatusOK, func() string { return tt.body })
			tokens := secretstest.New(t)
			flow := auth.NewFlow(testConfig(srv.URL), tokens, nil)
			_, state := flow.Begin()
			q := url.Values{"state": {state}, "code": {"the-code"}, "scope": {"read,activity:read_all"}}
			rec := httptest.NewRecorder()
			flow.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, auth.CallbackPath+"?"+q.Encode(), nil))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := flow.Wait(ctx, state)
			checkInvalid(t, err, tt.field)
			if _, err := tokens.Token(); !errors.Is(err, secrets.ErrNotFound) {
				t.Errorf("something was stored: %v", err)
			}
		})
		if !tt.refreshToo {
			continue
		}
		t.Run("refresh/"+tt.name, func(t *testing.T) {
			srv, _ := tokenServer(t, http.StatusOK, func() string { return tt.body })
			tokens := secretstest.New(t)
			old := secrets.Token{AccessToken: "old-access", RefreshToken: "old-refresh", Expiry: time.Now().Add(time.Minute), AthleteID: 42, Scopes: []string{"activity:read_all"}}
			if err := tokens.SaveToken(old); err != nil {
				t.Fatal(err)
			}
			ts := auth.NewTokenSource(testConfig(srv.URL), tokens, nil)
			_, err := ts.AccessToken(context.Background())
			checkInvalid(t, err, tt.field)
			stored, err := tokens.Token()
			if err != nil || stored.AccessToken != old.AccessToken || stored.RefreshToken != old.RefreshToken || stored.Reconnect != "" {
				t.Errorf("stored token changed: %v %v", stored, err)
			}
		})
	}
}

func checkInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if !errors.Is(err, auth.ErrInvalidTokenResponse) {
		t.Fatalf("err = %v, want ErrInvalidTokenResponse", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "Strava answered with an invalid token response") || strings.Contains(msg, "cannot reach") {
		t.Errorf("message %q", msg)
	}
	if field != "" && !strings.Contains(msg, "(field "+field) {
		t.Errorf("message %q does not name field %s", msg, field)
	}
	for _, secret := range []string{"old-refresh", "old-access", "maintenance"} {
		if strings.Contains(msg, secret) {
			t.Errorf("message %q quotes %q", msg, secret)
		}
	}
}

// A transport failure stays "cannot reach Strava".
func TestTokenServerUnreachable(t *testing.T) {
	srv, _ := tokenServer(t, http.StatusOK, func() string { return "" })
	srv.Close()
	tokens := secretstest.New(t)
	if err := tokens.SaveToken(secrets.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Minute), AthleteID: 42}); err != nil {
		t.Fatal(err)
	}
	_, err := auth.NewTokenSource(testConfig(srv.URL), tokens, nil).AccessToken(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach Strava") || errors.Is(err, auth.ErrInvalidTokenResponse) {
		t.Fatalf("err = %v", err)
	}
}

// A rejected refresh is kept with the grant in the keychain: a new process
// (a new TokenSource) knows at once, without asking Strava, until a new
// login replaces the grant.
func TestReconnectPersistsAcrossRestart(t *testing.T) {
	srv, requests := tokenServer(t, http.StatusBadRequest, func() string {
		return `{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}`
	})
	service := secretstest.NewService(t)
	tokens := secrets.New(secrets.OSKeyring{}, service)
	if err := tokens.SaveToken(secrets.Token{AccessToken: "a", RefreshToken: "revoked-r", Expiry: time.Now().Add(time.Minute), AthleteID: 42}); err != nil {
		t.Fatal(err)
	}
	first := auth.NewTokenSource(testConfig(srv.URL), tokens, nil)
	if _, err := first.AccessToken(context.Background()); !errors.Is(err, auth.ErrNeedsReconnect) {
		t.Fatalf("first process: %v", err)
	}
	// "Restart": a new keychain handle and token source.
	again := auth.NewTokenSource(testConfig(srv.URL), secrets.New(secrets.OSKeyring{}, service), nil)
	before := requests.Load()
	if _, err := again.Token(); !errors.Is(err, auth.ErrNeedsReconnect) || !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("after restart Token() = %v, want ErrNeedsReconnect", err)
	}
	if _, err := again.AccessToken(context.Background()); !errors.Is(err, auth.ErrNeedsReconnect) {
		t.Fatalf("after restart AccessToken() = %v", err)
	}
	if requests.Load() != before {
		t.Error("asked Strava again although the grant is known to be rejected")
	}
	stored, err := tokens.Token()
	if err != nil || strings.Contains(stored.Reconnect, "revoked-r") {
		t.Fatalf("stored %v, %v", stored, err)
	}
	// A new login stores a new grant: connected again.
	if err := tokens.SaveToken(secrets.Token{AccessToken: "b", RefreshToken: "r2", Expiry: time.Now().Add(time.Hour), AthleteID: 42}); err != nil {
		t.Fatal(err)
	}
	again.Reset()
	if _, err := again.Token(); err != nil {
		t.Fatalf("after a new login: %v", err)
	}
}
