package stravasim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// LoginRedirectURI is the redirect URI Login uses; nothing needs to listen
// there, the redirect is read, not followed.
const LoginRedirectURI = "http://127.0.0.1:9/callback"

// Login runs Strava's OAuth code flow against the simulator over real HTTP
// — the simulated user's consent and the application's code exchange — and
// returns the access token, for tests that need an authorized API client
// without going through owtray's own login.
func (s *Server) Login(ctx context.Context, scope string) (string, error) {
	cfg := s.Sim.cfg
	q := url.Values{"client_id": {cfg.ClientID}, "redirect_uri": {LoginRedirectURI}, "response_type": {"code"},
		"approval_prompt": {"auto"}, "scope": {scope}, "state": {"login"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.OAuthURL()+"/authorize?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		return "", fmt.Errorf("authorize: %w", err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return "", fmt.Errorf("authorize: HTTP %d without a code", resp.StatusCode)
	}
	form := url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"code": {loc.Query().Get("code")}, "grant_type": {"authorization_code"}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.OAuthURL()+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token: HTTP %d, no access token", resp.StatusCode)
	}
	return tok.AccessToken, nil
}
