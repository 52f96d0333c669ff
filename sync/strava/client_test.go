package strava

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/logtest"
)

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name    string
		reply   reply
		want    []error // sentinels err must match; all others must not
		wantMsg []string
	}{
		{
			name:    "401 invalid token",
			reply:   jsonReply(401, bodyAuthError),
			want:    []error{ErrUnauthorized},
			wantMsg: []string{"Strava rejected the access token (401 Unauthorized): reconnect your account", "GET /athlete: Authorization Error; Athlete.access_token invalid"},
		},
		{
			name:    "401 permission not granted",
			reply:   jsonReply(401, `{"message":"Authorization Error","errors":[{"resource":"AccessToken","field":"activity:read_permission","code":"missing"}]}`),
			want:    []error{ErrUnauthorized, ErrMissingPermission},
			wantMsg: []string{"Strava says the connection lacks the activity:read permission (401 Unauthorized): reconnect and grant it"},
		},
		{
			name:    "403 application inactive",
			reply:   jsonReply(403, bodyInactive),
			want:    []error{ErrForbidden, ErrAppInactive},
			wantMsg: []string{"Strava API application is inactive (403 Forbidden)", "Application.Status Inactive"},
		},
		{
			name:    "403 limit of connected athletes",
			reply:   jsonReply(403, bodyAthleteLimit),
			want:    []error{ErrForbidden, ErrAthleteLimit},
			wantMsg: []string{"limit of connected athletes (403 Forbidden)", "Limit of connected athletes exceeded"},
		},
		{
			name:    "403 other",
			reply:   jsonReply(403, bodyForbidden),
			want:    []error{ErrForbidden},
			wantMsg: []string{"Strava refused access (403 Forbidden)"},
		},
		{
			name:    "404 deleted or hidden",
			reply:   jsonReply(404, bodyNotFound),
			want:    []error{ErrNotFound},
			wantMsg: []string{"Strava has no such record (404 Not Found): it was deleted or is not visible to this account", "Resource Not Found"},
		},
		{
			name:    "429 rate limited",
			reply:   jsonReply(429, bodyRateLimited).limits("200,2000", "201,900", "100,1000", "101,800"),
			want:    []error{ErrRateLimited},
			wantMsg: []string{"Strava rate limit reached (101/100 reads this 15 min); resumes at 14:45"},
		},
		{
			name:    "429 without headers",
			reply:   jsonReply(429, bodyRateLimited),
			want:    []error{ErrRateLimited},
			wantMsg: []string{"Strava rate limit reached (429 Too Many Requests); resumes at 14:45"},
		},
		{
			name:    "500",
			reply:   jsonReply(500, bodyServerError),
			want:    []error{ErrServer},
			wantMsg: []string{"Strava is having problems (500 Internal Server Error): try again later", "gave up after 3 attempts"},
		},
		{
			name:    "502 HTML page from a proxy",
			reply:   reply{status: 502, body: bodyHTML502, headers: map[string]string{"Content-Type": "text/html"}},
			want:    []error{ErrServer},
			wantMsg: []string{"Strava is having problems (502 Bad Gateway)", "non-JSON text/html response"},
		},
		{
			name:    "503 with an empty body",
			reply:   reply{status: 503},
			want:    []error{ErrServer},
			wantMsg: []string{"Strava is having problems (503 Service Unavailable)"},
		},
		{
			name:    "400 bad request",
			reply:   jsonReply(400, `{"message":"Bad Request","errors":[{"resource":"Application","field":"per_page","code":"invalid"}]}`),
			want:    []error{ErrBadRequest},
			wantMsg: []string{"Strava rejected the request (400 Bad Request)", "Application.per_page invalid"},
		},
		{
			name:    "JSON error body that is not an object",
			reply:   jsonReply(404, `["huh"]`),
			want:    []error{ErrNotFound},
			wantMsg: []string{"Strava has no such record"},
		},
		{
			name:    "200 with invalid JSON",
			reply:   jsonReply(200, `{"id":134815,"firstname":"Mari`),
			want:    []error{ErrBadResponse},
			wantMsg: []string{"GET /athlete: Strava's answer is not the expected JSON"},
		},
		{
			name:    "200 with an HTML page (captive portal)",
			reply:   reply{status: 200, body: "<html>Log in to the hotel wifi</html>", headers: map[string]string{"Content-Type": "text/html"}},
			want:    []error{ErrBadResponse},
			wantMsg: []string{"not a JSON object (text/html"},
		},
		{
			name:    "200 with a wrong shape",
			reply:   jsonReply(200, `{"id":"134815"}`),
			want:    []error{ErrBadResponse},
			wantMsg: []string{"not the expected JSON"},
		},
		{
			name:    "200 without an id",
			reply:   jsonReply(200, `{"firstname":"Marianne"}`),
			want:    []error{ErrBadResponse},
			wantMsg: []string{"athlete without an id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, tt.reply)
			auth := &fakeAuth{token: "tok-1", refreshErr: errors.New("refresh token revoked")}
			c := testClient(f, auth, nil, WithClock(clocktest.New(utc(14, 40, 0)).Now))
			_, err := c.Athlete(context.Background())
			if err == nil {
				t.Fatal("Athlete succeeded, want an error")
			}
			if got := matches(err, allSentinels()...); !slices.Equal(got, tt.want) {
				t.Errorf("error %q matches %v, want %v", err, got, tt.want)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "tok-1") {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestAPIErrorAs(t *testing.T) {
	f := newFakeStrava(t, jsonReply(404, bodyNotFound))
	_, err := testClient(f, nil, nil).Activity(context.Background(), 987654321012)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	want := APIError{StatusCode: 404, Message: "Resource Not Found", Method: "GET", Path: "/activities/987654321012", ContentType: "application/json"}
	if apiErr.StatusCode != want.StatusCode || apiErr.Message != want.Message || apiErr.Method != want.Method ||
		apiErr.Path != want.Path || apiErr.ContentType != want.ContentType ||
		!slices.Equal(apiErr.Errors, []FieldError{{"Activity", "id", "not found"}}) {
		t.Errorf("APIError = %+v, want %+v", apiErr, want)
	}
}

func TestRetries(t *testing.T) {
	ok := jsonReply(200, bodyAthlete)
	tests := []struct {
		name      string
		replies   []reply
		wantCalls int
		wantErr   error // nil: success
	}{
		{"5xx then success", []reply{jsonReply(503, bodyServerError), jsonReply(500, bodyServerError), ok}, 3, nil},
		{"5xx exhausts the attempts", []reply{jsonReply(502, bodyServerError)}, 3, ErrServer},
		{"connection dropped then success", []reply{{hangUp: true}, ok}, 2, nil},
		{"connection always dropped", []reply{{hangUp: true}}, 3, ErrNetwork},
		{"404 not retried", []reply{jsonReply(404, bodyNotFound), ok}, 1, ErrNotFound},
		{"403 not retried", []reply{jsonReply(403, bodyInactive), ok}, 1, ErrAppInactive},
		{"429 not retried", []reply{jsonReply(429, bodyRateLimited), ok}, 1, ErrRateLimited},
		{"400 not retried", []reply{jsonReply(400, `{"message":"Bad Request","errors":[]}`), ok}, 1, ErrBadRequest},
		{"malformed 200 not retried", []reply{jsonReply(200, `{`), ok}, 1, ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, tt.replies...)
			a, err := testClient(f, nil, nil).Athlete(context.Background())
			if tt.wantErr == nil {
				if err != nil || a.ID != 134815 {
					t.Fatalf("Athlete = %+v, %v; want athlete 134815", a, err)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got := f.calls(); got != tt.wantCalls {
				t.Errorf("Strava got %d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestPOSTNotRetriedOnceSent(t *testing.T) {
	creds := AppCredentials{ClientID: "5", ClientSecret: "app-secret"}
	for _, rep := range []reply{jsonReply(500, bodyServerError), {hangUp: true}} {
		f := newFakeStrava(t, rep, jsonReply(201, `{"id":1}`))
		_, err := testClient(f, nil, nil).CreateSubscription(context.Background(), creds, "https://example.org/hook", "verify-me")
		if err == nil || f.calls() != 1 {
			t.Errorf("reply %d: err = %v after %d requests; want an error after 1", rep.status, err, f.calls())
		}
	}
}

func TestPOSTRetriedWhenNotConnected(t *testing.T) {
	f := newFakeStrava(t, jsonReply(201, `{"id":1}`))
	f.Close() // nothing listens: the request cannot have been sent
	c := testClient(f, nil, nil)
	_, err := c.CreateSubscription(context.Background(), AppCredentials{ClientID: "5", ClientSecret: "app-secret"}, "https://example.org/hook", "verify-me")
	if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Errorf("error = %v, want ErrNetwork after 3 attempts", err)
	}
}

func TestContextCancelledWhileWaitingToRetry(t *testing.T) {
	f := newFakeStrava(t, jsonReply(503, bodyServerError))
	c := testClient(f, nil, nil, WithRetry(RetryPolicy{MaxAttempts: 10, InitialInterval: time.Hour, MaxInterval: time.Hour, MaxElapsed: 2 * time.Hour}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Athlete(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error %q does not mention the last failure", err)
	}
	if time.Since(start) > 10*time.Second || f.calls() != 1 {
		t.Errorf("took %v and %d requests", time.Since(start), f.calls())
	}
}

func TestContextCancelledBeforeSending(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, bodyAthlete))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := testClient(f, nil, nil).Athlete(ctx)
	if !errors.Is(err, context.Canceled) || f.calls() != 0 {
		t.Errorf("error = %v after %d requests, want context.Canceled and none", err, f.calls())
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	ok := jsonReply(200, bodyAthlete)
	unauthorized := jsonReply(401, bodyAuthError)
	tests := []struct {
		name          string
		replies       []reply
		auth          *fakeAuth
		wantErr       error
		wantAuth      []string // Authorization headers Strava saw
		wantRefreshes int
	}{
		{
			name:          "refresh then success",
			replies:       []reply{unauthorized, ok},
			auth:          &fakeAuth{token: "tok-1", fresh: "tok-2"},
			wantAuth:      []string{"Bearer tok-1", "Bearer tok-2"},
			wantRefreshes: 1,
		},
		{
			name:          "fresh token rejected too",
			replies:       []reply{unauthorized},
			auth:          &fakeAuth{token: "tok-1", fresh: "tok-2"},
			wantErr:       ErrUnauthorized,
			wantAuth:      []string{"Bearer tok-1", "Bearer tok-2"},
			wantRefreshes: 1,
		},
		{
			name:          "refresh fails",
			replies:       []reply{unauthorized},
			auth:          &fakeAuth{token: "tok-1", refreshErr: errors.New("strava refused the refresh token")},
			wantErr:       ErrUnauthorized,
			wantAuth:      []string{"Bearer tok-1"},
			wantRefreshes: 1,
		},
		{
			name:          "refresh returns the same token",
			replies:       []reply{unauthorized},
			auth:          &fakeAuth{token: "tok-1", fresh: "tok-1"},
			wantErr:       ErrUnauthorized,
			wantAuth:      []string{"Bearer tok-1"},
			wantRefreshes: 1,
		},
		{
			name:          "401 after a 5xx retry still refreshes only once",
			replies:       []reply{unauthorized, jsonReply(503, bodyServerError), unauthorized},
			auth:          &fakeAuth{token: "tok-1", fresh: "tok-2"},
			wantErr:       ErrUnauthorized,
			wantAuth:      []string{"Bearer tok-1", "Bearer tok-2", "Bearer tok-2"},
			wantRefreshes: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, tt.replies...)
			_, err := testClient(f, tt.auth, nil).Athlete(context.Background())
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var got []string
			for _, r := range f.requests() {
				got = append(got, r.Auth)
			}
			if !slices.Equal(got, tt.wantAuth) {
				t.Errorf("Authorization headers = %q, want %q", got, tt.wantAuth)
			}
			if n := tt.auth.refreshCount(); n != tt.wantRefreshes {
				t.Errorf("Refresh called %d times, want %d", n, tt.wantRefreshes)
			}
			if tt.auth.refreshes[0] != "tok-1" {
				t.Errorf("Refresh got rejected token %q, want tok-1", tt.auth.refreshes[0])
			}
			if err != nil && (strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), "tok-2")) {
				t.Errorf("error %q contains a token", err)
			}
		})
	}
}

func TestMissingPermissionIsNotRefreshed(t *testing.T) {
	f := newFakeStrava(t, jsonReply(401, `{"message":"Authorization Error","errors":[{"resource":"AccessToken","field":"activity:read_permission","code":"missing"}]}`))
	auth := &fakeAuth{token: "tok-1", fresh: "tok-2"}
	_, err := testClient(f, auth, nil).ListActivities(context.Background(), ListOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.MissingPermission() != "activity:read" {
		t.Fatalf("error = %v, want a missing activity:read permission", err)
	}
	if auth.refreshCount() != 0 || f.calls() != 1 {
		t.Errorf("%d refreshes, %d requests; want 0 and 1", auth.refreshCount(), f.calls())
	}
}

func TestTimeoutsAreRetried(t *testing.T) {
	slow := jsonReply(200, bodyAthlete)
	slow.delay = 2 * time.Second
	f := newFakeStrava(t, slow, jsonReply(200, bodyAthlete))
	c := testClient(f, nil, nil, WithHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	if _, err := c.Athlete(context.Background()); err != nil {
		t.Fatalf("Athlete: %v", err)
	}
	if f.calls() != 2 {
		t.Errorf("Strava got %d requests, want 2", f.calls())
	}
}

func TestUnexplained429BlocksUntilTheWindowEnds(t *testing.T) {
	clock := clocktest.New(utc(14, 40, 0))
	f := newFakeStrava(t, jsonReply(429, bodyRateLimited), jsonReply(200, bodyAthlete))
	c := testClient(f, nil, nil, WithClock(clock.Now))
	ctx := context.Background()
	if _, err := c.Athlete(ctx); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	_, err := c.Athlete(ctx)
	if want := "Strava rate limit reached (429 Too Many Requests); resumes at 14:45"; err == nil || err.Error() != want || f.calls() != 1 {
		t.Errorf("second request: %v after %d requests; want %q without sending", err, f.calls(), want)
	}
	if b := c.ReadBudget(); !b.Known || b.Remaining15 != 0 {
		t.Errorf("ReadBudget = %+v, want nothing left", b)
	}
	clock.Set(utc(14, 45, 0))
	if _, err := c.Athlete(ctx); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestRefreshErrorIsKept(t *testing.T) {
	f := newFakeStrava(t, jsonReply(401, bodyAuthError))
	needsReconnect := errors.New("needs reconnect")
	_, err := testClient(f, &fakeAuth{token: "tok-1", refreshErr: needsReconnect}, nil).Athlete(context.Background())
	if !errors.Is(err, needsReconnect) || !errors.Is(err, ErrUnauthorized) {
		t.Errorf("error = %v, want both ErrUnauthorized and the Authorizer's error", err)
	}
}

func TestRefusesWhatTheHeadersSayWillBeRefused(t *testing.T) {
	clock := clocktest.New(utc(14, 40, 0))
	f := newFakeStrava(t, jsonReply(200, bodyAthlete).limits("200,2000", "100,500", "100,1000", "100,500"))
	c := testClient(f, nil, nil, WithClock(clock.Now))
	ctx := context.Background()

	if _, err := c.Athlete(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Athlete(ctx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second request: error = %v, want a *RateLimitError", err)
	}
	if want := "Strava rate limit reached (100/100 reads this 15 min); resumes at 14:45"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	if !rl.Refused() || !rl.ResumeAt.Equal(utc(14, 45, 0)) || rl.Scope != ScopeRead || rl.Window != Window15Min {
		t.Errorf("RateLimitError = %+v", rl)
	}
	if f.calls() != 1 {
		t.Errorf("Strava got %d requests, want 1 (the second must not be sent)", f.calls())
	}
	if b := c.ReadBudget(); !b.Known || b.Remaining15 != 0 || b.RemainingDay != 500 {
		t.Errorf("ReadBudget = %+v, want 0 left this window, 500 today", b)
	}

	clock.Set(utc(14, 45, 0))
	if b := c.ReadBudget(); b.Remaining15 != 100 {
		t.Errorf("after the reset ReadBudget = %+v, want 100 left", b)
	}
	if _, err := c.Athlete(ctx); err != nil {
		t.Errorf("after the window reset: %v", err)
	}
	if f.calls() != 2 {
		t.Errorf("Strava got %d requests, want 2", f.calls())
	}
}

func TestRateLimited429(t *testing.T) {
	clock := clocktest.New(utc(14, 40, 0))
	f := newFakeStrava(t, jsonReply(429, bodyRateLimited).limits("200,2000", "150,1500", "100,1000", "100,1000"))
	c := testClient(f, nil, nil, WithClock(clock.Now))
	_, err := c.ListActivities(context.Background(), ListOptions{PerPage: 200})
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error = %v, want a *RateLimitError", err)
	}
	var apiErr *APIError
	if rl.Refused() || !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Errorf("want Strava's 429 kept in the error, got %+v", rl)
	}
	if want := "Strava rate limit reached (1000/1000 reads today); resumes at 00:00 tomorrow"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
	if f.calls() != 1 {
		t.Errorf("Strava got %d requests, want 1", f.calls())
	}
	if _, err := c.ListActivities(context.Background(), ListOptions{}); !errors.Is(err, ErrRateLimited) || f.calls() != 1 {
		t.Errorf("next request: %v after %d requests; want refused without sending", err, f.calls())
	}
}

func TestHeadersReadFromErrorResponses(t *testing.T) {
	f := newFakeStrava(t, jsonReply(404, bodyNotFound).limits("200,2000", "17,170", "100,1000", "15,150"))
	c := testClient(f, nil, nil, WithClock(clocktest.New(utc(14, 40, 0)).Now))
	_, _ = c.Activity(context.Background(), 1)
	got := c.RateLimits()
	want := RateLimitSnapshot{
		Overall: RateLimitCounts{Limit15: 200, Usage15: 17, LimitDay: 2000, UsageDay: 170},
		Read:    RateLimitCounts{Limit15: 100, Usage15: 15, LimitDay: 1000, UsageDay: 150},
		At:      utc(14, 40, 0),
	}
	if got != want {
		t.Errorf("RateLimits = %+v, want %+v", got, want)
	}
}

func TestMalformedHeadersAreLoggedAndIgnored(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, bodyAthlete).limits("lots", "1,1", "100,1000", "7,70"))
	logs := &logtest.Buffer{}
	c := testClient(f, nil, logs)
	if _, err := c.Athlete(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := c.RateLimits()
	if s.Overall.Known() || s.Read.Usage15 != 7 {
		t.Errorf("snapshot = %+v, want overall unknown and read parsed", s)
	}
	if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "rate-limit headers ignored") {
		t.Errorf("no debug log about the malformed header:\n%s", logs)
	}
}

func TestSharedRateLimits(t *testing.T) {
	clock := clocktest.New(utc(14, 40, 0))
	shared := NewRateLimits()
	f1 := newFakeStrava(t, jsonReply(200, bodyAthlete).limits("200,2000", "100,100", "100,1000", "100,100"))
	f2 := newFakeStrava(t, jsonReply(200, bodyAthlete))
	c1 := testClient(f1, nil, nil, WithClock(clock.Now), WithRateLimits(shared))
	c2 := testClient(f2, nil, nil, WithClock(clock.Now), WithRateLimits(shared))
	if _, err := c1.Athlete(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Athlete(context.Background()); !errors.Is(err, ErrRateLimited) || f2.calls() != 0 {
		t.Errorf("second client: %v after %d requests; want refused by the shared limits", err, f2.calls())
	}
}

func TestConcurrentRequestsDoNotOverspend(t *testing.T) {
	clock := clocktest.New(utc(14, 40, 0))
	// Strava said 95 of 100 were used; responses carry no headers, so only
	// the client's own accounting stops the 6th request.
	c := testClient(newFakeStrava(t, jsonReply(200, bodyAthlete)), nil, nil, WithClock(clock.Now))
	_ = c.limits.Observe(header(HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, "95,95"), clock.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	okCount, refused := 0, 0
	for range 20 {
		wg.Go(func() {
			_, err := c.Athlete(context.Background())
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				okCount++
			case errors.Is(err, ErrRateLimited):
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if okCount != 5 || refused != 15 {
		t.Errorf("%d sent, %d refused; want 5 and 15", okCount, refused)
	}
}

func TestCountsAsRead(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/athlete/activities", true},
		{"GET", "/push_subscriptions", true},
		{"POST", "/push_subscriptions", true},
		{"DELETE", "/push_subscriptions/1", true},
		{"POST", "/activities", false},
		{"POST", "/uploads", false},
		{"POST", "/activities/5/upload_media", false},
	}
	for _, tt := range tests {
		if got := countsAsRead(tt.method, tt.path); got != tt.want {
			t.Errorf("countsAsRead(%s %s) = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestInvalidArguments(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, `[]`))
	c := testClient(f, nil, nil)
	ctx := context.Background()
	creds := AppCredentials{ClientID: "5", ClientSecret: "s"}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"per_page 201", func() error { _, err := c.ListActivities(ctx, ListOptions{PerPage: 201}); return err }, "per_page 201 out of range 1..200"},
		{"per_page -1", func() error { _, err := c.ListActivities(ctx, ListOptions{PerPage: -1}); return err }, "per_page -1"},
		{"page -1", func() error { _, err := c.ListActivities(ctx, ListOptions{Page: -1}); return err }, "page -1"},
		{"before not after after", func() error {
			_, err := c.ListActivities(ctx, ListOptions{Before: utc(10, 0, 0), After: utc(11, 0, 0)})
			return err
		}, "before"},
		{"activity id 0", func() error { _, err := c.Activity(ctx, 0); return err }, "activity id 0"},
		{"streams without keys", func() error { _, err := c.Streams(ctx, 1, nil); return err }, "no stream types"},
		{"stream key with a comma", func() error { _, err := c.Streams(ctx, 1, []string{"time,latlng"}); return err }, "invalid stream type"},
		{"subscription without secret", func() error {
			_, err := c.CreateSubscription(ctx, AppCredentials{ClientID: "5"}, "https://example.org/hook", "v")
			return err
		}, "client secret"},
		{"relative callback URL", func() error { _, err := c.CreateSubscription(ctx, creds, "/hook", "v"); return err }, "not an absolute http(s) URL"},
		{"empty verify token", func() error { _, err := c.CreateSubscription(ctx, creds, "https://example.org/hook", ""); return err }, "verify token"},
		{"delete subscription 0", func() error { return c.DeleteSubscription(ctx, creds, 0) }, "subscription id 0"},
		{"bad API URL", func() error { _, err := New("www.strava.com/api/v3", &fakeAuth{}).Athlete(ctx); return err }, "invalid API URL"},
		{"no Authorizer", func() error { _, err := New(f.apiURL(), nil).Athlete(ctx); return err }, "no Authorizer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if f.calls() != 0 {
		t.Errorf("Strava got %d requests for invalid arguments", f.calls())
	}
}

func TestRequestHeaders(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, bodyAthlete))
	if _, err := testClient(f, nil, nil).Athlete(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != http.MethodGet || r.Path != "/api/v3/athlete" || r.Auth != "Bearer tok-1" {
		t.Errorf("request = %+v", r)
	}
}
