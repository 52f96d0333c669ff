package stravasim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a simulated Strava listening on a real TCP port.
type Server struct {
	URL string // e.g. "http://127.0.0.1:41234"
	Sim *Sim

	srv  *http.Server
	done chan struct{}
}

// Start builds a Sim and serves it on cfg.Addr (default 127.0.0.1:0).
func Start(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("stravasim: listen on %s: %w", cfg.Addr, err)
	}
	sim := New(cfg)
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		Sim:  sim,
		srv:  &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Logger.Error("stravasim: serve", "err", err)
		}
	}()
	cfg.Logger.Info("stravasim: listening", "url", s.URL, "athlete", cfg.AthleteID, "activities", cfg.Activities)
	return s, nil
}

// OAuthURL is the base of the OAuth endpoints (STRAVA_OAUTH_URL).
func (s *Server) OAuthURL() string { return s.URL + "/oauth" }

// APIURL is the base of the API v3 endpoints (STRAVA_API_URL).
func (s *Server) APIURL() string { return s.URL + "/api/v3" }

// ControlURL is the base of the control API.
func (s *Server) ControlURL() string { return s.URL + "/_sim" }

// Close stops event delivery and injected latency, then the server: it
// waits up to 5 s for requests in flight and closes what remains.
func (s *Server) Close() {
	s.Sim.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.Sim.log.Warn("stravasim: requests still running at shutdown", "err", err)
		_ = s.srv.Close()
	}
	<-s.done
}
