package tunnel

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func liveConfig(f *fakeNgrok, h http.Handler) Config {
	return Config{
		Authtoken:      testToken,
		WebhookPath:    webhookPath,
		Handler:        h,
		AgentOptions:   f.agentOptions(),
		ConnectTimeout: 5 * time.Second,
		RetryMin:       20 * time.Millisecond,
		RetryMax:       100 * time.Millisecond,
	}
}

func get(t *testing.T, f *fakeNgrok, rawURL string) (int, string) {
	t.Helper()
	resp, err := f.do(fakeRequest(t, http.MethodGet, rawURL))
	if err != nil {
		t.Fatalf("GET %s through the endpoint: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestRunLive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		domain     string
		wantPublic string
	}{
		{"random domain", "", "https://ep-1.fake-ngrok.test"},
		{"static domain", "Owtray-Me.ngrok.app", "https://owtray-me.ngrok.app"},
		{"static domain given as URL", "https://owtray-me.ngrok.app/", "https://owtray-me.ngrok.app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeNgrok(t)
			cfg := liveConfig(f, echoHandler())
			cfg.Domain = tt.domain
			r := startRun(t, cfg)

			states := r.states.waitFor(t, "live", count(1, mode(ModeLive)))
			live := last(states)
			if live.PublicURL != tt.wantPublic || live.CallbackURL != tt.wantPublic+webhookPath {
				t.Errorf("live state = %+v, want public URL %s", live, tt.wantPublic)
			}
			if !strings.Contains(live.Message, live.CallbackURL) || live.Since.IsZero() {
				t.Errorf("live state = %+v", live)
			}
			if got := []Mode{states[0].Mode, live.Mode}; !slices.Equal(got, []Mode{ModeConnecting, ModeLive}) {
				t.Errorf("modes = %v", got)
			}
			if got := f.seenTokens(); len(got) != 1 || got[0] != testToken {
				t.Errorf("ngrok got %d authtokens, want the configured one once", len(got))
			}

			for _, req := range []struct {
				path   string
				status int
				body   string
			}{
				{webhookPath, http.StatusOK, "hook GET"},
				{"/api/v1/oauth/strava/callback", http.StatusNotFound, "404 page not found\n"},
			} {
				status, body := get(t, f, live.PublicURL+req.path)
				if status != req.status || body != req.body {
					t.Errorf("GET %s = %d %q, want %d %q", req.path, status, body, req.status, req.body)
				}
			}
			r.stop(t, 3*time.Second)
			checkNoToken(t, r)
		})
	}
}

// TestRunStopFinishesRequests: a request in flight when Run is cancelled
// still gets its answer.
func TestRunStopFinishesRequests(t *testing.T) {
	t.Parallel()
	f := newFakeNgrok(t)
	entered := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		// Kept on the real clock: the answer is still being written when
		// Run is cancelled (the request's context stays alive while Run
		// drains, so nothing else marks "after the cancel").
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	r := startRun(t, liveConfig(f, slow))
	live := last(r.states.waitFor(t, "live", count(1, mode(ModeLive))))

	type result struct {
		status int
		body   string
	}
	got := make(chan result, 1)
	go func() {
		status, body := get(t, f, live.PublicURL+"/")
		got <- result{status, body}
	}()
	<-entered
	r.stop(t, 3*time.Second)
	if res := <-got; res.status != http.StatusOK || res.body != "done" {
		t.Errorf("request in flight at stop = %+v, want 200 done", res)
	}
}

func TestRunNgrokRejects(t *testing.T) {
	t.Parallel()
	// ngrok's messages quote the authtoken; see ngrok.com/docs/errors.
	authMsg := func(code string) string {
		return "The authtoken you specified is properly formed, but it is invalid.\nYour authtoken: " + testToken +
			"\nThis usually happens when:\n  - You reset your authtoken\n\n" + code + "\n"
	}
	tests := []struct {
		name      string
		authError string
		bindError string
		domain    string
		wantKind  error
		wantCode  string
		giveUp    bool
		wantMsg   string
	}{
		{"invalid authtoken", authMsg("ERR_NGROK_107"), "", "", ErrAuthtoken, "ERR_NGROK_107", true, "ngrok rejected the authtoken"},
		{"malformed authtoken", strings.Replace(authMsg("ERR_NGROK_105"), "is properly formed, but it is invalid", "does not look like a proper ngrok authtoken", 1), "", "", ErrAuthtoken, "ERR_NGROK_105", true, "ngrok rejected the authtoken"},
		{"session limit", "Your account is limited to 1 simultaneous ngrok agent sessions.\n\nERR_NGROK_108", "", "", ErrAccount, "ERR_NGROK_108", false, "another ngrok agent"},
		{"domain not reserved", "", "You must reserve a custom hostname for your account before it can be used to create endpoints.\nFailed to create an endpoint with the domain owtray-me.ngrok.app.\n\nERR_NGROK_319", "owtray-me.ngrok.app", ErrDomain, "ERR_NGROK_319", false, `the domain "owtray-me.ngrok.app" is not reserved`},
		{"endpoint online elsewhere", "", "The endpoint https://owtray-me.ngrok.app is already online.\n\nERR_NGROK_334", "owtray-me.ngrok.app", ErrDomain, "ERR_NGROK_334", false, "already online"},
		{"unknown ngrok error", "", "Something odd happened with " + testToken + ".\n\nERR_NGROK_9999", "", ErrNgrok, "ERR_NGROK_9999", false, "ngrok error ERR_NGROK_9999: Something odd happened with [REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeNgrok(t)
			f.set(func(f *fakeNgrok) { f.authError, f.bindError = tt.authError, tt.bindError })
			cfg := liveConfig(f, echoHandler())
			cfg.Domain = tt.domain
			r := startRun(t, cfg)

			var failure State
			if tt.giveUp {
				err := r.wait(t, 5*time.Second)
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("Run = %v, want %v", err, tt.wantKind)
				}
				if te, ok := errors.AsType[*Error](err); !ok || te.Code != tt.wantCode || strings.Contains(err.Error(), testToken) {
					t.Errorf("Run error = %#v", err)
				}
				failure = last(r.states.all())
				if failure.Mode != ModeError || !failure.RetryAt.IsZero() {
					t.Errorf("last state = %+v, want an error without retry", failure)
				}
			} else {
				states := r.states.waitFor(t, "two failed attempts", count(2, mode(ModeError)))
				failure = lastIn(states, ModeError) // a third attempt may have begun
				if failure.RetryAt.Before(failure.Since) {
					t.Errorf("error state %+v: RetryAt before Since", failure)
				}
			}
			if failure.Code != tt.wantCode || !strings.Contains(failure.Message, tt.wantMsg) {
				t.Errorf("failure = %+v, want code %s and message with %q", failure, tt.wantCode, tt.wantMsg)
			}
			checkNoToken(t, r)
		})
	}
}

// TestRunReconnects: ngrok's own reconnection keeps the endpoint when the
// connection comes back within the grace period; otherwise Run starts over
// and reports the new endpoint's URL.
func TestRunReconnects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		grace      time.Duration
		outage     time.Duration // new connections refused for this long
		wantNewURL bool
	}{
		{"within grace keeps URL", 10 * time.Second, 0, false},
		{"beyond grace gets new URL", 200 * time.Millisecond, 1500 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeNgrok(t)
			cfg := liveConfig(f, echoHandler())
			cfg.ReconnectGrace = tt.grace
			r := startRun(t, cfg)
			first := last(r.states.waitFor(t, "live", count(1, mode(ModeLive))))

			f.set(func(f *fakeNgrok) { f.refuse = tt.outage > 0 })
			f.dropSessions()
			lost := r.states.waitFor(t, "loss reported", count(2, mode(ModeConnecting)))
			loss := lastIn(lost, ModeConnecting) // the reconnection may be reported already
			if !strings.Contains(loss.Message, "Connection to ngrok lost") {
				t.Errorf("state after loss = %+v", loss)
			}
			if tt.outage > 0 {
				states := r.states.waitFor(t, "error after grace", count(1, mode(ModeError)))
				e := firstIn(states, ModeError)
				if !strings.Contains(e.Message, "did not reconnect within") || e.RetryAt.IsZero() {
					t.Errorf("error state = %+v", e)
				}
				time.Sleep(tt.outage) // kept: the outage lasting this long is the case
				f.set(func(f *fakeNgrok) { f.refuse = false })
			}
			states := r.states.waitFor(t, "live again", count(2, mode(ModeLive)))
			again := last(states)
			if changed := again.PublicURL != first.PublicURL; changed != tt.wantNewURL {
				t.Errorf("URL %s then %s; want changed=%v", first.PublicURL, again.PublicURL, tt.wantNewURL)
			}
			if status, body := get(t, f, again.PublicURL+webhookPath); status != http.StatusOK || body != "hook GET" {
				t.Errorf("after reconnect: %d %q", status, body)
			}
			r.stop(t, 3*time.Second)
			checkNoToken(t, r)
		})
	}
}
