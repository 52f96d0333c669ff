// Package strava is a typed client for the parts of the Strava API v3 that
// owtray uses: the athlete, activities, streams and webhook push
// subscriptions.
//
// The client reads Strava's rate-limit headers from every response into a
// shared RateLimits and refuses, without sending it, a request the last
// headers say Strava would refuse. Transient failures (5xx, network errors,
// timeouts) are retried with bounded exponential backoff; a 401 makes the
// Authorizer refresh the token once. Errors map to sentinel errors (see
// ErrUnauthorized and friends) and never contain tokens or secrets.
package strava

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Authorizer supplies athlete bearer tokens (implemented by the app's OAuth
// token source).
type Authorizer interface {
	// AccessToken returns a valid access token.
	AccessToken(ctx context.Context) (string, error)
	// Refresh is called at most once per request after Strava answered 401
	// to rejected; it returns a fresh token.
	Refresh(ctx context.Context, rejected string) (string, error)
}

// RetryPolicy bounds the retries of transient failures. Zero fields take the
// defaults.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt too; 1 disables retries. Default 4.
	MaxAttempts int
	// InitialInterval is the first wait; it grows 1.5x per retry, with
	// jitter, up to MaxInterval. Defaults 500ms and 10s.
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxElapsed bounds the time spent retrying one request. Default 1 minute.
	MaxElapsed time.Duration
}

// Defaults.
const (
	DefaultMaxAttempts     = 4
	DefaultInitialInterval = 500 * time.Millisecond
	DefaultMaxInterval     = 10 * time.Second
	DefaultMaxElapsed      = time.Minute
	DefaultTimeout         = time.Minute
	DefaultUserAgent       = "owtray (+https://github.com/owtray/owtray)"
	// MaxPerPage is the largest page Strava serves.
	MaxPerPage = 200
	// maxBody bounds a response body (streams of long activities are the
	// largest responses, a few MB).
	maxBody = 64 << 20
)

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: one with a 1 minute timeout).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithLogger sets the logger (default: discard). Requests are logged at debug
// level, retries at warn level; tokens, secrets and query strings never are.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) {
		if l != nil {
			c.log = l
		}
	}
}

// WithRetry sets the retry policy.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) { c.retry = p.withDefaults() }
}

// WithClock sets the clock used for rate-limit windows (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *Client) {
		if now != nil {
			c.now = now
		}
	}
}

// WithRateLimits shares one RateLimits between clients of the same Strava
// application (default: a new one per client).
func WithRateLimits(r *RateLimits) Option {
	return func(c *Client) {
		if r != nil {
			c.limits = r
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.InitialInterval <= 0 {
		p.InitialInterval = DefaultInitialInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = DefaultMaxInterval
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = DefaultMaxElapsed
	}
	return p
}

// Client talks to the Strava API. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	baseErr   error
	auth      Authorizer
	http      *http.Client
	log       *slog.Logger
	retry     RetryPolicy
	now       func() time.Time
	limits    *RateLimits
	userAgent string
	inactive  atomic.Pointer[time.Time] // since when Strava answers 403 Application Inactive; nil: not
}

// AppInactive reports whether Strava's last answers said the API
// application is inactive (403 Application Inactive), and since when. Any
// successful answer clears it: owtray then goes on by itself.
func (c *Client) AppInactive() (since time.Time, inactive bool) {
	if p := c.inactive.Load(); p != nil {
		return *p, true
	}
	return time.Time{}, false
}

// New returns a client for the API at apiURL, e.g.
// "https://www.strava.com/api/v3". An invalid apiURL makes every call fail
// with a clear error.
func New(apiURL string, auth Authorizer, opts ...Option) *Client {
	c := &Client{
		auth:      auth,
		http:      &http.Client{Timeout: DefaultTimeout},
		log:       slog.New(slog.DiscardHandler),
		retry:     RetryPolicy{}.withDefaults(),
		now:       time.Now,
		limits:    NewRateLimits(),
		userAgent: DefaultUserAgent,
	}
	c.base, c.baseErr = parseBase(apiURL)
	for _, o := range opts {
		o(c)
	}
	return c
}

func parseBase(apiURL string) (*url.URL, error) {
	u, err := url.Parse(apiURL)
	if err != nil {
		return nil, fmt.Errorf("strava: invalid API URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("strava: invalid API URL %q: want http(s)://host/path", apiURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("strava: invalid API URL: no query, fragment or user info allowed")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// RateLimits returns the rate-limit snapshot as it stands now: usage of
// windows that have reset since the last response counts as zero.
func (c *Client) RateLimits() RateLimitSnapshot {
	return c.limits.Snapshot().Current(c.now())
}

// ReadBudget returns how many more GET requests may be sent in the current
// 15-minute window and today, for budgeted background work.
func (c *Client) ReadBudget() Budget {
	return c.limits.Snapshot().ReadBudget(c.now())
}

// request describes one API call.
type request struct {
	method string
	path   string     // below the base URL, e.g. "/athlete"; logged and put in errors
	query  url.Values // may carry secrets: never logged
	form   url.Values // POST body; may carry secrets: never logged
	// app authenticates with the application's credentials (already in
	// query or form) instead of an athlete's bearer token.
	app bool
	// secrets are redacted from anything Strava echoes back.
	secrets []string
}

// countsAsRead reports whether Strava counts the request against the read
// ("non-upload") limit: every endpoint but creating activities, uploads and
// upload_media.
func countsAsRead(method, path string) bool {
	if method != http.MethodPost {
		return true
	}
	switch {
	case path == "/activities", path == "/uploads", strings.HasSuffix(path, "/upload_media"):
		return false
	}
	return true
}

// response is a successful answer.
type response struct {
	status      int
	contentType string
	body        []byte
}

// do runs a request with rate-limit checks, retries and token refresh.
func (c *Client) do(ctx context.Context, req request) (*response, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	if !req.app && c.auth == nil {
		return nil, fmt.Errorf("strava: %s %s: no Authorizer configured", req.method, req.path)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("strava: %s %s: %w", req.method, req.path, err)
	}
	idempotent := req.method != http.MethodPost
	st := &callState{req: req}
	attempts := 0
	var lastErr error
	op := func() (*response, error) {
		attempts++
		resp, err := c.attempt(ctx, st, attempts)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !retryable(err, idempotent) {
			return nil, backoff.Permanent(err)
		}
		return nil, err
	}
	exp := &backoff.ExponentialBackOff{
		InitialInterval:     c.retry.InitialInterval,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          backoff.DefaultMultiplier,
		MaxInterval:         c.retry.MaxInterval,
	}
	resp, err := backoff.Retry(ctx, op,
		backoff.WithBackOff(exp),
		backoff.WithMaxTries(uint(c.retry.MaxAttempts)),
		backoff.WithMaxElapsedTime(c.retry.MaxElapsed),
		backoff.WithNotify(func(err error, wait time.Duration) {
			c.log.Warn("strava request failed; retrying", "method", req.method, "path", req.path,
				"attempt", attempts, "wait", wait, "err", err.Error())
		}),
	)
	if err == nil {
		return resp, nil
	}
	var perm *backoff.PermanentError
	if errors.As(err, &perm) {
		err = perm.Err
	}
	if !errors.Is(lastErr, err) {
		// Retry stopped waiting for the next attempt because ctx ended.
		return nil, fmt.Errorf("strava: %s %s: %w (last error: %v)", req.method, req.path, err, lastErr)
	}
	err = lastErr
	if attempts > 1 && retryable(err, idempotent) {
		return nil, fmt.Errorf("%w (gave up after %d attempts)", err, attempts)
	}
	return nil, err
}

// callState is what one call carries across its attempts.
type callState struct {
	req       request
	refreshed bool   // the Authorizer was asked to refresh once already
	token     string // the token to send; empty until first fetched
}

// attempt sends the request once, or twice when a 401 leads to a refresh.
func (c *Client) attempt(ctx context.Context, st *callState, n int) (*response, error) {
	req := st.req
	if !req.app && st.token == "" {
		tok, err := c.auth.AccessToken(ctx)
		if err != nil {
			return nil, fmt.Errorf("strava: %s %s: getting an access token: %w", req.method, req.path, err)
		}
		if tok == "" {
			return nil, fmt.Errorf("strava: %s %s: the Authorizer returned an empty access token", req.method, req.path)
		}
		st.token = tok
	}
	resp, err := c.send(ctx, req, st.token, n)
	var apiErr *APIError
	if req.app || st.refreshed || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized ||
		apiErr.MissingPermission() != "" {
		return resp, err // a fresh token would not have more permissions
	}
	st.refreshed = true
	fresh, rerr := c.auth.Refresh(ctx, st.token)
	if rerr != nil {
		return nil, fmt.Errorf("%w (refreshing the token failed: %w)", apiErr, rerr)
	}
	if fresh == "" || fresh == st.token {
		return nil, apiErr
	}
	st.token = fresh
	c.log.Debug("strava access token refreshed after 401; resending", "method", req.method, "path", req.path)
	return c.send(ctx, req, st.token, n)
}

// send performs one HTTP exchange.
func (c *Client) send(ctx context.Context, req request, token string, n int) (*response, error) {
	if token != "" {
		req.secrets = append(slices.Clip(req.secrets), token)
	}
	if refused := c.limits.acquire(c.now(), countsAsRead(req.method, req.path)); refused != nil {
		c.log.Debug("strava request not sent: rate limit reached", "method", req.method, "path", req.path,
			"scope", refused.Scope, "window", refused.Window, "resume_at", refused.ResumeAt)
		return nil, refused
	}
	hreq, err := c.newHTTPRequest(ctx, req, token)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.transportError(ctx, req, err)
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody+1))
	c.observeLimits(hresp.Header, req)
	if err != nil {
		return nil, c.transportError(ctx, req, fmt.Errorf("reading the response: %w", err))
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: %s %s: response larger than %d bytes", ErrBadResponse, req.method, req.path, maxBody)
	}
	c.log.Debug("strava request", "method", req.method, "path", req.path, "status", hresp.StatusCode,
		"attempt", n, "duration", time.Since(start), "bytes", len(body))
	ct := hresp.Header.Get("Content-Type")
	if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
		if c.inactive.Swap(nil) != nil {
			c.log.Info("Strava API application active again")
		}
		return &response{status: hresp.StatusCode, contentType: ct, body: body}, nil
	}
	apiErr := newAPIError(req, hresp.StatusCode, ct, body)
	if errors.Is(apiErr, ErrAppInactive) && c.inactive.Load() == nil {
		now := c.now()
		c.inactive.CompareAndSwap(nil, &now)
	}
	if hresp.StatusCode == http.StatusTooManyRequests {
		return nil, c.rateLimitedError(apiErr)
	}
	return nil, apiErr
}

func (c *Client) newHTTPRequest(ctx context.Context, req request, token string) (*http.Request, error) {
	u := *c.base
	u.Path = c.base.Path + req.path
	u.RawQuery = req.query.Encode()
	var body io.Reader
	if req.form != nil {
		body = strings.NewReader(req.form.Encode())
	}
	hreq, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		// The URL may hold secrets: do not include err.
		return nil, fmt.Errorf("strava: %s %s: building the request failed", req.method, req.path)
	}
	if req.form != nil {
		hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		hreq.Header.Set("Authorization", "Bearer "+token)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.userAgent)
	return hreq, nil
}

func (c *Client) observeLimits(h http.Header, req request) {
	if err := c.limits.Observe(h, c.now()); err != nil {
		c.log.Debug("strava rate-limit headers ignored", "method", req.method, "path", req.path, "err", err.Error())
	}
}

// rateLimitedError turns Strava's 429 into a *RateLimitError naming the
// exhausted limit according to the headers that came with it.
func (c *Client) rateLimitedError(apiErr *APIError) *RateLimitError {
	now := c.now()
	rl := c.limits.Snapshot().Check(now, countsAsRead(apiErr.Method, apiErr.Path))
	if rl == nil {
		// No usable headers: the short window is the best guess, and no
		// request goes out before it ends.
		rl = &RateLimitError{ResumeAt: Next15MinReset(now), At: now}
		c.limits.Block(rl.ResumeAt)
	}
	rl.API = apiErr
	return rl
}

// networkError is a failure to reach Strava. Its message never holds the
// URL, which may carry secrets in its query string.
type networkError struct {
	method, path string
	err          error
}

func (e *networkError) Error() string {
	return fmt.Sprintf("Strava could not be reached (%s %s): %v", e.method, e.path, e.err)
}

func (e *networkError) Unwrap() []error { return []error{ErrNetwork, e.err} }

// transportError wraps a transport failure without the URL.
func (c *Client) transportError(ctx context.Context, req request, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("strava: %s %s: %w", req.method, req.path, ctxErr)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &networkError{method: req.method, path: req.path, err: redactErr(err, req.secrets)}
}

// redactErr keeps err unless its message holds a secret, in which case only
// the (redacted) message survives.
func redactErr(err error, secrets []string) error {
	msg := err.Error()
	if red := redact(msg, secrets); red != msg {
		return errors.New(red)
	}
	return err
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// retryable says whether another attempt may help: 5xx and network errors
// for idempotent requests; for POST only failures to connect at all (the
// request was certainly not sent).
func retryable(err error, idempotent bool) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return idempotent && apiErr.StatusCode >= 500
	}
	if errors.Is(err, ErrRateLimited) {
		return false
	}
	var ne *networkError
	if !errors.As(err, &ne) {
		return false
	}
	if idempotent {
		return true
	}
	var op *net.OpError
	return errors.As(ne.err, &op) && op.Op == "dial"
}

// newAPIError builds the error for a non-2xx answer.
func newAPIError(req request, status int, contentType string, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: req.method, Path: req.path, AppAuth: req.app}
	var fault struct {
		Message *string      `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	if isJSONObject(body) && json.Unmarshal(body, &fault) == nil && fault.Message != nil {
		e.Message = redact(*fault.Message, req.secrets)
		for _, f := range fault.Errors {
			e.Errors = append(e.Errors, FieldError{
				Resource: redact(f.Resource, req.secrets),
				Field:    redact(f.Field, req.secrets),
				Code:     redact(f.Code, req.secrets),
			})
		}
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		e.ContentType = mt
	} else if contentType != "" {
		e.ContentType = "unknown"
	}
	return e
}

// isJSONObject reports whether a body looks like a JSON object, whatever the
// Content-Type says (proxies get it wrong both ways).
func isJSONObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{'
}

// decodeJSON decodes a successful response into v.
func decodeJSON(resp *response, req request, v any) error {
	body := bytes.TrimSpace(resp.body)
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s %s: Strava's answer is not the expected JSON (%s, %d bytes): %v",
			ErrBadResponse, req.method, req.path, contentTypeOrNone(resp.contentType), len(resp.body), err)
	}
	return nil
}
