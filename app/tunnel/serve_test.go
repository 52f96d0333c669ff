package tunnel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func listenLocal(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// TestServe: requests reach the handler; a stop lets requests in flight
// finish within the grace period, cuts off those that take longer, and
// always returns within a bound.
func TestServe(t *testing.T) {
	t.Parallel()
	const grace = 300 * time.Millisecond
	tests := []struct {
		name       string
		handle     func(w http.ResponseWriter, r *http.Request)
		wantStatus int // of the request in flight at stop; 0: none answered
		wantErr    error
	}{
		{
			name:       "quick request",
			handle:     func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") },
			wantStatus: http.StatusOK,
		},
		{
			name: "request finishing within grace",
			handle: func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(grace / 3) // kept: a request that takes time, but less than grace
				_, _ = io.WriteString(w, "ok")
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "request outlasting grace",
			handle: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(time.Minute):
				}
			},
			wantErr: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln := listenLocal(t)
			entered := make(chan struct{}, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					entered <- struct{}{}
					tt.handle(w, r)
					return
				}
				_, _ = io.WriteString(w, "hello "+r.URL.Path)
			})
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, ln, h, grace, slog.New(slog.DiscardHandler)) }()

			base := "http://" + ln.Addr().String()
			resp, err := http.Get(base + "/api/v1/strava/webhook")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "hello /api/v1/strava/webhook" {
				t.Errorf("body = %q", body)
			}

			inFlight := make(chan int, 1)
			go func() {
				resp, err := http.Get(base + "/slow")
				if err != nil {
					inFlight <- 0
					return
				}
				resp.Body.Close()
				inFlight <- resp.StatusCode
			}()
			<-entered
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("serve = %v, want %v", err, tt.wantErr)
				}
			case <-time.After(grace + time.Second):
				t.Fatal("serve did not return in time")
			}
			if d := time.Since(start); d > grace+500*time.Millisecond {
				t.Errorf("stop took %s", d)
			}
			if got := <-inFlight; got != tt.wantStatus {
				t.Errorf("request in flight got status %d, want %d", got, tt.wantStatus)
			}
			if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
				t.Error("still accepting after stop")
			}
		})
	}
}

// TestServeListenerFails: serve returns the listener's error promptly.
func TestServeListenerFails(t *testing.T) {
	t.Parallel()
	ln := listenLocal(t)
	done := make(chan error, 1)
	go func() {
		done <- Serve(t.Context(), ln, http.NotFoundHandler(), time.Second, slog.New(slog.DiscardHandler))
	}()
	_ = ln.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("serve = %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("serve did not return")
	}
}

// blockingListener is an ngrok endpoint whose Close hangs, as closing one
// on a stalled session does.
type blockingListener struct {
	net.Listener
	release chan struct{}
}

func (l *blockingListener) Close() error {
	<-l.release
	return l.Listener.Close()
}

func TestDetachedListener(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, inner *blockingListener, l *detachedListener)
	}{
		{"passes connections", func(t *testing.T, inner *blockingListener, l *detachedListener) {
			go func() {
				if c, err := net.Dial("tcp", inner.Addr().String()); err == nil {
					_ = c.Close()
				}
			}()
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			_ = c.Close()
		}},
		{"close does not wait for the endpoint", func(t *testing.T, inner *blockingListener, l *detachedListener) {
			closed := make(chan struct{})
			go func() {
				_ = l.Close()
				_ = l.Close()
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(time.Second):
				t.Fatal("Close blocked")
			}
			if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after Close = %v", err)
			}
			// Connections still arriving are taken and closed, never left
			// waiting for an Accept.
			c, err := net.Dial("tcp", inner.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
				t.Errorf("connection after Close: read = %v, want it closed", err)
			}
		}},
		{"endpoint failure reaches Accept", func(t *testing.T, inner *blockingListener, l *detachedListener) {
			_ = inner.Listener.Close() // not the blocking Close
			for range 2 {
				if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
					t.Errorf("Accept = %v, want the endpoint's error", err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inner := &blockingListener{Listener: listenLocal(t), release: make(chan struct{})}
			t.Cleanup(func() {
				close(inner.release)
				_ = inner.Listener.Close()
			})
			tt.run(t, inner, detach(inner))
		})
	}
}
