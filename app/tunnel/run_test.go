package tunnel

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

// TestRunWithoutTunnel: without an authtoken, or with an own callback URL,
// Run reports once and returns at once, without touching the network (the
// agent options point at an address that fails the test if dialled).
func TestRunWithoutTunnel(t *testing.T) {
	t.Parallel()
	tripwire, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tripwire.Close() })
	go func() {
		if c, err := tripwire.Accept(); err == nil {
			_ = c.Close()
			t.Error("Run touched the network")
		}
	}()

	tests := []struct {
		name string
		cfg  Config
		want State
	}{
		{
			name: "no authtoken",
			cfg:  Config{Domain: "owtray-me.ngrok.app"},
			want: State{Mode: ModeOff, Message: OffMessage},
		},
		{
			name: "blank authtoken",
			cfg:  Config{Authtoken: " \n"},
			want: State{Mode: ModeOff, Message: OffMessage},
		},
		{
			name: "own callback URL",
			cfg:  Config{CallbackURL: "https://hooks.example.org/api/v1/strava/webhook"},
			want: State{Mode: ModeExternal, PublicURL: "https://hooks.example.org", CallbackURL: "https://hooks.example.org/api/v1/strava/webhook",
				Message: "Webhooks are received through your own callback URL https://hooks.example.org/api/v1/strava/webhook"},
		},
		{
			name: "own callback URL wins over authtoken",
			cfg:  Config{CallbackURL: "https://hooks.example.org:8443/hook", Authtoken: testToken, Handler: echoHandler()},
			want: State{Mode: ModeExternal, PublicURL: "https://hooks.example.org:8443", CallbackURL: "https://hooks.example.org:8443/hook",
				Message: "Webhooks are received through your own callback URL https://hooks.example.org:8443/hook"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.AgentOptions = connectTo(tripwire.Addr().String())
			states := newStateRecorder()
			start := time.Now()
			if err := Run(t.Context(), tt.cfg, states.on); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Run took %s", d)
			}
			got := states.all()
			if len(got) != 1 {
				t.Fatalf("states = %+v, want one", got)
			}
			if got[0].Since.IsZero() {
				t.Error("Since not set")
			}
			got[0].Since = time.Time{}
			if got[0] != tt.want {
				t.Errorf("state = %+v\nwant    %+v", got[0], tt.want)
			}
		})
	}
}

func TestRunInvalidConfig(t *testing.T) {
	t.Parallel()
	valid := func(edit func(*Config)) Config {
		cfg := Config{Authtoken: testToken, Handler: echoHandler()}
		edit(&cfg)
		return cfg
	}
	tests := []struct {
		name    string
		cfg     Config
		wantMsg string
	}{
		{"callback URL not http", Config{CallbackURL: "ftp://example.org/hook"}, "must start with https://"},
		{"callback URL relative", Config{CallbackURL: "/api/v1/strava/webhook"}, "must start with https://"},
		{"callback URL without host", Config{CallbackURL: "https:///hook"}, "has no host"},
		{"callback URL with password", Config{CallbackURL: "https://u:" + testToken + "@example.org/hook"}, "user name or password"},
		{"callback URL with query", Config{CallbackURL: "https://example.org/hook?x=1"}, "query"},
		{"domain with path", valid(func(c *Config) { c.Domain = "https://owtray.ngrok.app/hook" }), "NGROK_DOMAIN"},
		{"domain with port", valid(func(c *Config) { c.Domain = "https://owtray.ngrok.app:8443" }), "NGROK_DOMAIN"},
		{"domain http", valid(func(c *Config) { c.Domain = "http://owtray.ngrok.app" }), "NGROK_DOMAIN"},
		{"domain single label", valid(func(c *Config) { c.Domain = "owtray" }), "NGROK_DOMAIN"},
		{"domain bad characters", valid(func(c *Config) { c.Domain = "owt_ray.ngrok.app" }), "NGROK_DOMAIN"},
		{"domain label starts with hyphen", valid(func(c *Config) { c.Domain = "-owtray.ngrok.app" }), "NGROK_DOMAIN"},
		{"token with inner space", valid(func(c *Config) { c.Authtoken = "abc " + testToken }), "NGROK_AUTHTOKEN contains spaces"},
		{"no handler", valid(func(c *Config) { c.Handler = nil }), "no webhook handler"},
		{"webhook path relative", valid(func(c *Config) { c.WebhookPath = "hook" }), "webhook path"},
		{"negative timeout", valid(func(c *Config) { c.ConnectTimeout = -time.Second }), "negative duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			states := newStateRecorder()
			err := Run(t.Context(), tt.cfg, states.on)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Run = %v, want ErrConfig with %q", err, tt.wantMsg)
			}
			got := states.all()
			if len(got) != 1 || got[0].Mode != ModeError || !got[0].RetryAt.IsZero() || !strings.Contains(got[0].Message, tt.wantMsg) {
				t.Errorf("states = %+v", got)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(got[0].Message, testToken) {
				t.Errorf("the token leaks: %v", err)
			}
		})
	}
}

// TestRunUnreachable: the ngrok service cannot be reached. Each failed
// attempt is reported with a retry time, attempts back off up to RetryMax,
// and Run returns promptly when cancelled.
func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		server  func(t *testing.T) string // returns the connect address
		timeout time.Duration
		wantMsg string
	}{
		{"closed port", closedPort, 5 * time.Second, "cannot reach the ngrok service"},
		{"accepts and closes", acceptAndClose, 5 * time.Second, "cannot reach the ngrok service"},
		{"accepts and never answers", acceptAndHang, 150 * time.Millisecond, "no answer from the ngrok service within 150ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := tt.server(t)
			cfg := Config{
				Authtoken:      testToken,
				Handler:        echoHandler(),
				AgentOptions:   connectTo(addr),
				ConnectTimeout: tt.timeout,
				RetryMin:       40 * time.Millisecond,
				RetryMax:       150 * time.Millisecond,
			}
			r := startRun(t, cfg)
			states := r.states.waitFor(t, "four failed attempts", count(4, mode(ModeError)))

			var waits []time.Duration
			for _, s := range states {
				if s.Mode != ModeError {
					continue
				}
				if !strings.Contains(s.Message, tt.wantMsg) || !strings.Contains(s.Message, "retrying in") || s.Code != "" {
					t.Errorf("error state = %+v, want message with %q", s, tt.wantMsg)
				}
				waits = append(waits, s.RetryAt.Sub(s.Since))
			}
			for i, w := range waits {
				if w <= 0 || w > cfg.RetryMax+5*time.Millisecond {
					t.Errorf("wait %d = %s, want within (0, %s]", i, w, cfg.RetryMax)
				}
			}
			if first, third := waits[0], waits[2]; third <= first {
				t.Errorf("waits %v do not grow", waits)
			}
			r.stop(t, 2*time.Second)
			checkNoToken(t, r)
		})
	}
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func acceptAndClose(t *testing.T) string {
	return localServer(t, func(c net.Conn) { _ = c.Close() })
}

func acceptAndHang(t *testing.T) string {
	ctx := t.Context()
	return localServer(t, func(c net.Conn) {
		<-ctx.Done()
		_ = c.Close()
	})
}

func localServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// TestRunCancelWhileWaiting: cancelling during the backoff wait or during a
// hanging connect returns at once.
func TestRunCancelWhileWaiting(t *testing.T) {
	t.Parallel()
	var hung atomic.Int32 // connections the hanging server holds
	tests := []struct {
		name   string
		server func(t *testing.T) string
		wait   func(r *running, t *testing.T)
	}{
		{"during backoff", closedPort, func(r *running, t *testing.T) {
			r.states.waitFor(t, "error", count(1, mode(ModeError)))
		}},
		{"during connect", func(t *testing.T) string {
			return localServer(t, func(c net.Conn) {
				hung.Add(1)
				<-t.Context().Done()
				_ = c.Close()
			})
		}, func(r *running, t *testing.T) {
			r.states.waitFor(t, "connecting", count(1, mode(ModeConnecting)))
			clocktest.WaitUntil(t, "the connect to hang", 10*time.Second, func() bool { return hung.Load() > 0 })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRun(t, Config{
				Authtoken:    testToken,
				Handler:      echoHandler(),
				AgentOptions: connectTo(tt.server(t)),
				RetryMin:     time.Hour, // only cancelling ends the wait
			})
			tt.wait(r, t)
			r.stop(t, time.Second)
		})
	}
}

// TestRunCancelledContext: an already cancelled context returns nil.
func TestRunCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Run(ctx, Config{Authtoken: testToken, Handler: echoHandler(),
		AgentOptions: connectTo(closedPort(t))}, nil)
	if err != nil {
		t.Errorf("Run = %v", err)
	}
}
