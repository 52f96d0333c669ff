package strava

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Strava's error bodies, as Strava sends them.
const (
	bodyAuthError     = `{"message":"Authorization Error","errors":[{"resource":"Athlete","field":"access_token","code":"invalid"}]}`
	bodyInactive      = `{"message":"Forbidden","errors":[{"resource":"Application","field":"Status","code":"Inactive"}]}`
	bodyAthleteLimit  = `{"message":"Limit of connected athletes exceeded","errors":[]}`
	bodyForbidden     = `{"message":"Forbidden","errors":[{"resource":"Activity","field":"","code":"forbidden"}]}`
	bodyNotFound      = `{"message":"Resource Not Found","errors":[{"resource":"Activity","field":"id","code":"not found"}]}`
	bodyRateLimited   = `{"message":"Rate Limit Exceeded","errors":[{"resource":"Application","field":"rate limit","code":"exceeded"}]}`
	bodyServerError   = `{"message":"Internal Server Error","errors":[]}`
	bodyNotVerifiable = `{"message":"Bad Request","errors":[{"resource":"PushSubscription","field":"callback url","code":"not verifiable"}]}`
	bodyHTML502       = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n"
	bodyAthlete       = `{"id":134815,"username":"marianne_t","resource_state":3,"firstname":"Marianne","lastname":"Teutenberg","city":"San Francisco","premium":true,"summit":true,"created_at":"2017-11-14T02:30:05Z","follower_count":5,"weight":0}`
)

// reply is one canned answer of the fake Strava.
type reply struct {
	status  int
	body    string
	headers map[string]string
	// hangUp closes the connection without answering.
	hangUp bool
	// delay holds the answer back.
	delay time.Duration
}

func jsonReply(status int, body string) reply {
	return reply{status: status, body: body, headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}}
}

func (r reply) with(k, v string) reply {
	h := make(map[string]string, len(r.headers)+1)
	for hk, hv := range r.headers {
		h[hk] = hv
	}
	h[k] = v
	r.headers = h
	return r
}

// limits adds the four rate-limit headers.
func (r reply) limits(overallLimit, overallUsage, readLimit, readUsage string) reply {
	return r.with(HeaderRateLimitLimit, overallLimit).with(HeaderRateLimitUsage, overallUsage).
		with(HeaderReadRateLimitLimit, readLimit).with(HeaderReadRateLimitUsage, readUsage)
}

// seenRequest is what the fake Strava received.
type seenRequest struct {
	Method, Path, Auth, ContentType string
	Query, Form                     url.Values
}

// fakeStrava answers with replies in order (the last one repeats) and
// records the requests.
type fakeStrava struct {
	*httptest.Server
	mu      sync.Mutex
	replies []reply
	seen    []seenRequest
}

func newFakeStrava(t *testing.T, replies ...reply) *fakeStrava {
	t.Helper()
	f := &fakeStrava{replies: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeStrava) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{
		Method: r.Method, Path: r.URL.Path, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Query: r.URL.Query(), Form: form,
	})
	rep := f.replies[min(len(f.seen), len(f.replies))-1]
	f.mu.Unlock()
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	if rep.hangUp {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	for k, v := range rep.headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (f *fakeStrava) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeStrava) calls() int { return len(f.requests()) }

func (f *fakeStrava) apiURL() string { return f.URL + "/api/v3" }

// fakeAuth is an Authorizer with a current token and what Refresh returns.
type fakeAuth struct {
	mu         sync.Mutex
	token      string
	fresh      string
	refreshErr error
	refreshes  []string // rejected tokens passed to Refresh
}

func (a *fakeAuth) AccessToken(context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token, nil
}

func (a *fakeAuth) Refresh(_ context.Context, rejected string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshes = append(a.refreshes, rejected)
	if a.refreshErr != nil {
		return "", a.refreshErr
	}
	a.token = a.fresh
	return a.fresh, nil
}

func (a *fakeAuth) refreshCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.refreshes)
}

// fastRetry keeps retry tests quick.
func fastRetry() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}
}

// testClient returns a client for f with a token "tok-1", fast retries, a
// debug logger into logs (when not nil) and the given extra options.
func testClient(f *fakeStrava, auth *fakeAuth, logs io.Writer, opts ...Option) *Client {
	if auth == nil {
		auth = &fakeAuth{token: "tok-1", fresh: "tok-2"}
	}
	base := []Option{WithRetry(fastRetry())}
	if logs != nil {
		base = append(base, WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return New(f.apiURL(), auth, append(base, opts...)...)
}

// utc builds a UTC time on 2026-03-14.
func utc(h, m, s int) time.Time { return time.Date(2026, 3, 14, h, m, s, 0, time.UTC) }

// matches reports which of the sentinels err matches.
func matches(err error, sentinels ...error) []error {
	var out []error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			out = append(out, s)
		}
	}
	return out
}

func allSentinels() []error {
	return []error{ErrUnauthorized, ErrMissingPermission, ErrForbidden, ErrAppInactive, ErrAthleteLimit, ErrNotFound,
		ErrRateLimited, ErrServer, ErrBadRequest, ErrNetwork, ErrBadResponse}
}
