package strava_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

type fixedToken string

func (f fixedToken) AccessToken(context.Context) (string, error)     { return string(f), nil }
func (f fixedToken) Refresh(context.Context, string) (string, error) { return string(f), nil }

// simLogin logs in to the simulator over HTTP and returns the token.
func simLogin(t *testing.T, srv *stravasim.Server) string {
	t.Helper()
	tok, err := srv.Login(context.Background(), "activity:read_all")
	if err != nil {
		t.Fatal(err)
	}
	return tok
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
