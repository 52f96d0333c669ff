package strava_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

type fixedToken string

func (f fixedToken) AccessToken(context.Context) (string, error)     { return string(f), nil }
func (f fixedToken) Refresh(context.Context, string) (string, error) { return string(f), nil }

// simLogin runs the OAuth code flow against the simulator over HTTP.
func simLogin(t *testing.T, srv *stravasim.Server) string {
	t.Helper()
	q := url.Values{"client_id": {"12345"}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "response_type": {"code"}, "scope": {"activity:read_all"}, "state": {"s"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(srv.OAuthURL() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	resp, err = http.PostForm(srv.OAuthURL()+"/token", url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"},
		"code": {loc.Query().Get("code")}, "grant_type": {"authorization_code"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}

// TestErrorMappingAgainstSimulator runs the real client over HTTP against
// the simulated Strava and checks each failure maps to its typed error.
func TestErrorMappingAgainstSimulator(t *testing.T) {
	tests := []struct {
		name    string
		fault   func(s *stravasim.Sim, deletedID int64)
		id      func(deletedID, okID int64) int64
		want    error
		message string
	}{
		{"401 expired token", func(s *stravasim.Sim, _ int64) { s.ExpireAllTokens() }, nil, strava.ErrUnauthorized, "401"},
		{"403 application inactive", func(s *stravasim.Sim, _ int64) { s.SetAppInactive(true) }, nil, strava.ErrAppInactive, "inactive"},
		{"404 deleted activity", nil, func(deleted, _ int64) int64 { return deleted }, strava.ErrNotFound, "404"},
		{"429 rate limit", func(s *stravasim.Sim, _ int64) { s.SetUsage(stravasim.Usage{Read15: 100, Overall15: 100}) }, nil, strava.ErrRateLimited, "rate limit"},
		{"5xx after retries", func(s *stravasim.Sim, _ int64) { s.FailNext(10, http.StatusServiceUnavailable, "/api/v3/") }, nil, strava.ErrServer, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := stravasim.Start(stravasim.Config{Activities: 5})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c := strava.New(srv.APIURL(), fixedToken(simLogin(t, srv)),
				strava.WithLogger(slog.New(slog.DiscardHandler)),
				strava.WithRetry(strava.RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}))
			acts := srv.Sim.Activities(0, true)
			deleted, ok := acts[0].ID, acts[1].ID
			if err := srv.Sim.DeleteActivityNoEvent(deleted); err != nil {
				t.Fatal(err)
			}
			if tt.fault != nil {
				tt.fault(srv.Sim, deleted)
			}
			id := ok
			if tt.id != nil {
				id = tt.id(deleted, ok)
			}
			_, err = c.Activity(context.Background(), id)
			if !errors.Is(err, tt.want) || !strings.Contains(strings.ToLower(err.Error()), tt.message) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tt.want, tt.message)
			}
			if strings.Contains(err.Error(), "sim-client-secret") {
				t.Error("secret in error")
			}
		})
	}
}
