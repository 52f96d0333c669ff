package tunnel

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/logtest"
)

// testToken is an authtoken-shaped secret that must never leak.
const testToken = "2abcSECRETtokenDoNotLeak_6XyZ7pQrStUvWx"

const webhookPath = "/api/v1/strava/webhook"

// stateRecorder is an onState that never blocks.
type stateRecorder struct {
	mu     sync.Mutex
	states []State
}

func newStateRecorder() *stateRecorder {
	return &stateRecorder{}
}

func (r *stateRecorder) on(s State) {
	r.mu.Lock()
	r.states = append(r.states, s)
	r.mu.Unlock()
}

func (r *stateRecorder) all() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

// waitFor waits until ok holds for the states so far and returns them; a
// failure lists the states seen.
func (r *stateRecorder) waitFor(t *testing.T, what string, ok func([]State) bool) []State {
	t.Helper()
	var states []State
	held := false
	defer func() {
		if !held { // WaitUntil failed the test
			t.Logf("states: %+v", r.all())
		}
	}()
	clocktest.WaitUntil(t, what, 15*time.Second, func() bool { states = r.all(); return ok(states) })
	held = true
	return states
}

// count returns a predicate: at least n states match.
func count(n int, match func(State) bool) func([]State) bool {
	return func(states []State) bool {
		c := 0
		for _, s := range states {
			if match(s) {
				c++
			}
		}
		return c >= n
	}
}

func mode(m Mode) func(State) bool { return func(s State) bool { return s.Mode == m } }

func last(states []State) State { return states[len(states)-1] }

// firstIn and lastIn are the first and the last of states in mode m (the
// zero State when none is). Run may have moved on by the time a test looks:
// a retry reports "connecting" right after an error.
func firstIn(states []State, m Mode) State {
	for _, s := range states {
		if s.Mode == m {
			return s
		}
	}
	return State{}
}

func lastIn(states []State, m Mode) State {
	for i := len(states) - 1; i >= 0; i-- {
		if states[i].Mode == m {
			return states[i]
		}
	}
	return State{}
}

func debugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// running is a Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	states *stateRecorder
	log    *logtest.Buffer
}

func startRun(t *testing.T, cfg Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan error, 1), states: newStateRecorder(), log: &logtest.Buffer{}}
	if cfg.Logger == nil {
		cfg.Logger = debugLogger(r.log)
	}
	go func() { r.done <- Run(ctx, cfg, r.states.on) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// stop cancels Run and checks that it returns nil within bound.
func (r *running) stop(t *testing.T, bound time.Duration) {
	t.Helper()
	start := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(bound):
		t.Fatalf("Run did not return within %s of cancel", bound)
	}
	t.Logf("Run returned %s after cancel", time.Since(start).Round(time.Millisecond))
}

// wait waits for Run to return by itself.
func (r *running) wait(t *testing.T, bound time.Duration) error {
	t.Helper()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(bound):
		t.Fatalf("Run did not return within %s", bound)
		return nil
	}
}

// checkNoToken fails if the token shows in any state or the log.
func checkNoToken(t *testing.T, r *running) {
	t.Helper()
	for _, s := range r.states.all() {
		if strings.Contains(s.Message, testToken) || strings.Contains(s.PublicURL, testToken) {
			t.Errorf("state leaks the token: %+v", s)
		}
	}
	if strings.Contains(r.log.String(), testToken) {
		t.Errorf("log leaks the token:\n%s", r.log.String())
	}
}

// echoHandler answers with the path, standing in for the webhook handler.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != webhookPath {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "hook "+r.Method)
	})
}
