// Package auth runs the Strava OAuth login in the user's browser, keeps the
// resulting grant in the OS keychain and refreshes it when it runs out.
package auth

//lint:file-ignore ST1005 errors here start with "Strava", a name that keeps its capital

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/owtray/owtray/app/secrets"
)

// Routes the app serves on loopback.
const (
	AuthorizePath = "/api/v1/oauth/strava/authorize"
	CallbackPath  = "/api/v1/oauth/strava/callback"
)

// StateTTL is how long an authorize link stays valid.
const StateTTL = 10 * time.Minute

// Errors of the login, checked with errors.Is.
var (
	ErrAccessDenied    = errors.New("you declined the authorization on Strava's page")
	ErrMissingScope    = errors.New("Strava granted no permission to read activities")
	ErrBadState        = errors.New("this login link is invalid, expired or was already used")
	ErrBadClientSecret = errors.New("Strava rejected the client secret (check STRAVA_CLIENT_SECRET)")
	ErrAthleteLimit    = errors.New("Strava: limit of connected athletes exceeded for this API application")
	ErrAppInactive     = errors.New("Strava: this API application is inactive (check your Strava developer subscription)")
	ErrInvalidCode     = errors.New("Strava rejected the authorization code (expired or already used): start the login again")
)

// Config describes the Strava API application.
type Config struct {
	ClientID     string
	ClientSecret string
	OAuthURL     string // e.g. https://www.strava.com/oauth
	RedirectURI  string
	Scopes       []string
	HTTPClient   *http.Client
	Now          func() time.Time
	Logger       *slog.Logger
}

func (c Config) oauth2() oauth2.Config {
	return oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURI,
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.OAuthURL + "/authorize",
			TokenURL:  c.OAuthURL + "/token",
			AuthStyle: oauth2.AuthStyleInParams, // Strava wants client_id/secret in the form body
		},
	}
}

func (c Config) withDefaults() Config {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
}

// Result is a finished login.
type Result struct {
	Token    secrets.Token
	Warnings []string // e.g. missing activity:read_all
}

// AcceptFunc decides whether a freshly granted token may be stored (the app
// refuses a second athlete); it runs before the token reaches the keychain.
type AcceptFunc func(ctx context.Context, tok secrets.Token) error

// Flow makes authorize URLs with single-use states and handles the callback.
type Flow struct {
	cfg    Config
	conf   oauth2.Config
	tokens *secrets.Store
	accept AcceptFunc

	mu      sync.Mutex
	pending map[string]*attempt
}

type attempt struct {
	expires time.Time
	done    chan struct{}
	result  Result
	err     error
}

// NewFlow returns a login flow that stores the grant in tokens after accept agrees.
func NewFlow(cfg Config, tokens *secrets.Store, accept AcceptFunc) *Flow {
	cfg = cfg.withDefaults()
	return &Flow{cfg: cfg, conf: cfg.oauth2(), tokens: tokens, accept: accept, pending: map[string]*attempt{}}
}

// Begin registers a new single-use state and returns the Strava authorize URL.
func (f *Flow) Begin() (authorizeURL, state string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	state = hex.EncodeToString(b)
	now := f.cfg.Now()
	f.mu.Lock()
	for s, a := range f.pending { // drop expired attempts nobody waits for
		if now.After(a.expires.Add(StateTTL)) {
			delete(f.pending, s)
		}
	}
	f.pending[state] = &attempt{expires: now.Add(StateTTL), done: make(chan struct{})}
	f.mu.Unlock()
	return f.conf.AuthCodeURL(state,
		oauth2.SetAuthURLParam("approval_prompt", "auto"),
		oauth2.SetAuthURLParam("scope", strings.Join(f.cfg.Scopes, ",")),
	), state
}

// Wait blocks until the callback for state finished or ctx ends.
func (f *Flow) Wait(ctx context.Context, state string) (Result, error) {
	f.mu.Lock()
	a, ok := f.pending[state]
	f.mu.Unlock()
	if !ok {
		return Result{}, ErrBadState
	}
	select {
	case <-a.done:
		f.mu.Lock()
		delete(f.pending, state)
		f.mu.Unlock()
		return a.result, a.err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("waiting for the Strava login in the browser: %w", ctx.Err())
	}
}

// claim takes the attempt for state exactly once.
func (f *Flow) claim(state string) (*attempt, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.pending[state]
	if !ok || state == "" {
		return nil, false
	}
	select {
	case <-a.done:
		return nil, false // already used
	default:
	}
	if f.cfg.Now().After(a.expires) {
		return nil, false
	}
	return a, true
}

// Handler serves the authorize and callback routes.
func (f *Flow) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+AuthorizePath, func(w http.ResponseWriter, r *http.Request) {
		u, _ := f.Begin()
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("GET "+CallbackPath, f.callback)
	return mux
}

func (f *Flow) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a, ok := f.claim(q.Get("state"))
	if !ok {
		f.cfg.Logger.Warn("oauth callback with an unknown, expired or reused state")
		renderPage(w, http.StatusBadRequest, "Login link not valid", ErrBadState.Error()+". Start the login again from owtray.")
		return
	}
	res, err := f.complete(r.Context(), q)
	a.result, a.err = res, err
	close(a.done)
	switch {
	case errors.Is(err, ErrAccessDenied):
		renderPage(w, http.StatusOK, "Not connected", "You chose not to connect owtray to Strava. Nothing was stored; you can start again from owtray at any time.")
	case err != nil:
		f.cfg.Logger.Warn("oauth callback failed", "err", err)
		renderPage(w, http.StatusBadRequest, "Could not connect to Strava", err.Error())
	default:
		msg := fmt.Sprintf("Connected as %s (athlete %d). You can close this tab.", res.Token.AthleteName, res.Token.AthleteID)
		if len(res.Warnings) > 0 {
			msg += " Note: " + strings.Join(res.Warnings, " ")
		}
		renderPage(w, http.StatusOK, "Connected to Strava", msg)
	}
}

func (f *Flow) complete(ctx context.Context, q url.Values) (Result, error) {
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return Result{}, ErrAccessDenied
		}
		return Result{}, fmt.Errorf("Strava refused the authorization: %q", truncate(e, 64))
	}
	code := q.Get("code")
	if code == "" {
		return Result{}, errors.New("the callback carries no authorization code")
	}
	granted := parseScopes(q.Get("scope"))
	warnings, err := checkScopes(granted)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	ot, err := f.conf.Exchange(f.cfg.ctx(ctx), code)
	if err != nil {
		return Result{}, classifyTokenError("exchanging the authorization code", err)
	}
	tok, err := tokenFromOAuth(ot, granted)
	if err != nil {
		return Result{}, err
	}
	if f.accept != nil {
		if err := f.accept(ctx, tok); err != nil {
			return Result{}, err
		}
	}
	if err := f.tokens.SaveToken(tok); err != nil {
		return Result{}, err
	}
	f.cfg.Logger.Info("connected to Strava", "token", tok)
	return Result{Token: tok, Warnings: warnings}, nil
}

func parseScopes(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkScopes fails without any activity read scope and warns without read_all.
func checkScopes(granted []string) (warnings []string, err error) {
	hasAll := slices.Contains(granted, "activity:read_all")
	if !hasAll && !slices.Contains(granted, "activity:read") {
		return nil, fmt.Errorf("%w: connect again and leave \"View data about your activities\" ticked; sync and webhooks need it", ErrMissingScope)
	}
	if !hasAll {
		warnings = append(warnings, "activity:read_all was not granted, so private activities will not sync (connect again and tick \"View data about your private activities\" to include them).")
	}
	return warnings, nil
}

func tokenFromOAuth(ot *oauth2.Token, scopes []string) (secrets.Token, error) {
	athlete, _ := ot.Extra("athlete").(map[string]any)
	id, _ := athlete["id"].(float64)
	if athlete == nil || id <= 0 {
		return secrets.Token{}, errors.New("Strava's token response names no athlete")
	}
	first, _ := athlete["firstname"].(string)
	last, _ := athlete["lastname"].(string)
	return secrets.Token{
		AccessToken:  ot.AccessToken,
		RefreshToken: ot.RefreshToken,
		Expiry:       expiryOf(ot),
		AthleteID:    int64(id),
		AthleteName:  strings.TrimSpace(first + " " + last),
		Scopes:       scopes,
	}, nil
}

// expiryOf prefers Strava's absolute expires_at over expires_in.
func expiryOf(ot *oauth2.Token) time.Time {
	if at, ok := ot.Extra("expires_at").(float64); ok && at > 0 {
		return time.Unix(int64(at), 0).UTC()
	}
	return ot.Expiry
}

// classifyTokenError maps the token endpoint's errors to the login's errors.
// The oauth2 error text may echo the response body, which never carries our
// secrets, but we still keep only Strava's error codes.
func classifyTokenError(op string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: cannot reach Strava: %w", op, stripURLError(err))
	}
	body := strings.ToLower(string(re.Body))
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	switch {
	case strings.Contains(body, "limit of connected athletes"):
		return fmt.Errorf("%s: %w", op, ErrAthleteLimit)
	case strings.Contains(body, "inactive"):
		return fmt.Errorf("%s: %w", op, ErrAppInactive)
	case strings.Contains(body, "client_secret") || (strings.Contains(body, "application") && strings.Contains(body, "invalid")) || status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w", op, ErrBadClientSecret)
	case strings.Contains(body, "refresh_token"):
		return fmt.Errorf("%s: %w", op, ErrRefreshRejected)
	case strings.Contains(body, "code"):
		return fmt.Errorf("%s: %w", op, ErrInvalidCode)
	case status >= 500:
		return fmt.Errorf("%s: Strava is having problems (HTTP %d); try again later", op, status)
	default:
		return fmt.Errorf("%s: Strava answered HTTP %d", op, status)
	}
}

// stripURLError drops the request URL from a *url.Error (it may carry a
// token in its query) and keeps the cause.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
