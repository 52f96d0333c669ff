package clocktest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case at := <-ch:
		return at, true
	default:
		return time.Time{}, false
	}
}

func TestClock(t *testing.T) {
	tests := []struct {
		name     string
		after    time.Duration
		move     func(*Clock)
		wantNow  time.Time
		wantFire bool
	}{
		{"advance short of the timer", time.Minute, func(c *Clock) { c.Advance(59 * time.Second) }, start.Add(59 * time.Second), false},
		{"advance to the timer", time.Minute, func(c *Clock) { c.Advance(time.Minute) }, start.Add(time.Minute), true},
		{"advance past the timer", time.Minute, func(c *Clock) { c.Advance(time.Hour) }, start.Add(time.Hour), true},
		{"set past the timer", time.Minute, func(c *Clock) { c.Set(start.Add(2 * time.Minute)) }, start.Add(2 * time.Minute), true},
		{"set backwards", time.Minute, func(c *Clock) { c.Set(start.Add(-time.Hour)) }, start.Add(-time.Hour), false},
		{"zero duration fires at once", 0, func(*Clock) {}, start, true},
		{"negative duration fires at once", -time.Second, func(*Clock) {}, start, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(start)
			ch := c.After(tt.after)
			tt.move(c)
			if got := c.Now(); !got.Equal(tt.wantNow) {
				t.Errorf("Now = %s, want %s", got, tt.wantNow)
			}
			at, ok := fired(ch)
			if ok != tt.wantFire {
				t.Fatalf("fired = %v, want %v", ok, tt.wantFire)
			}
			if ok && !at.Equal(tt.wantNow) {
				t.Errorf("fired with %s, want the clock's time %s", at, tt.wantNow)
			}
			if _, pending := c.Next(); pending == tt.wantFire {
				t.Errorf("Next pending = %v after fired = %v", pending, tt.wantFire)
			}
		})
	}
}

func TestClockFiresOnce(t *testing.T) {
	c := New(start)
	ch := c.After(time.Second)
	c.Advance(time.Second)
	c.Advance(time.Second)
	if _, ok := fired(ch); !ok {
		t.Fatal("not fired")
	}
	if _, ok := fired(ch); ok {
		t.Fatal("fired twice")
	}
}

func TestClockNext(t *testing.T) {
	c := New(start)
	if _, ok := c.Next(); ok {
		t.Fatal("Next on a clock nobody waits on")
	}
	late, early := c.After(time.Hour), c.After(time.Minute)
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(time.Minute)) {
		t.Fatalf("Next = %s %v, want the earlier timer %s", at, ok, start.Add(time.Minute))
	}
	c.Advance(time.Minute)
	if _, ok := fired(early); !ok {
		t.Fatal("early timer not fired")
	}
	if _, ok := fired(late); ok {
		t.Fatal("late timer fired early")
	}
	if at, ok := c.Next(); !ok || !at.Equal(start.Add(time.Hour)) {
		t.Fatalf("Next = %s %v, want %s", at, ok, start.Add(time.Hour))
	}
}

func TestClockConcurrent(t *testing.T) {
	c := New(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				<-c.After(0)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(800*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %s, want %s", got, want)
	}
}

func TestZeroClock(t *testing.T) {
	var c Clock
	if !c.Now().IsZero() {
		t.Fatalf("zero Clock at %s", c.Now())
	}
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(time.Time{}.Add(time.Hour)) {
		t.Fatalf("Now = %s", got)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// waitUntil runs WaitUntil on a recorder and returns the failure message
// ("" when the condition held).
func waitUntil(t *testing.T, limit time.Duration, cond func() bool) string {
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		WaitUntil(r, "the condition", limit, cond)
	}()
	<-done
	return r.msg
}

// The bubble's clock makes the timings exact: WaitUntil sleeps on it.
func TestWaitUntil(t *testing.T) {
	tests := []struct {
		name     string
		holdsAt  time.Duration // the condition holds from then on; < 0: never
		limit    time.Duration
		wantFail bool
	}{
		{"holds at once", 0, time.Second, false},
		{"holds soon", 30 * time.Millisecond, time.Second, false},
		{"holds after a long wait", 4 * time.Second, 5 * time.Second, false},
		{"never holds", -1, 2 * time.Second, true},
		{"holds too late", 3 * time.Second, time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				began := time.Now()
				checks := 0
				msg := waitUntil(t, tt.limit, func() bool {
					checks++
					return tt.holdsAt >= 0 && time.Since(began) >= tt.holdsAt
				})
				took := time.Since(began)
				if (msg != "") != tt.wantFail {
					t.Fatalf("failure %q, want failure %v", msg, tt.wantFail)
				}
				if tt.wantFail {
					if !strings.Contains(msg, "the condition") || !strings.Contains(msg, tt.limit.String()) {
						t.Errorf("message %q does not name the condition and the limit", msg)
					}
					if took < tt.limit || took > tt.limit+pollMax {
						t.Errorf("gave up after %s, want %s (+ at most one poll)", took, tt.limit)
					}
					return
				}
				if took < tt.holdsAt || took > tt.holdsAt+pollMax {
					t.Errorf("saw the condition after %s, want %s (+ at most one poll)", took, tt.holdsAt)
				}
				// Backing off: a long wait costs a few checks per pollMax.
				if maxChecks := 10 + int(tt.holdsAt/pollMax); checks > maxChecks {
					t.Errorf("%d checks, want at most %d", checks, maxChecks)
				}
			})
		})
	}
}
