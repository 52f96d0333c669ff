// Package clocktest is the tests' clock and their wait: a manual Clock
// shared by a simulator, a client, a store and a worker (pass c.Now where
// an option takes func() time.Time, c.After where it takes a timer), and
// WaitUntil, the one poll for a condition that holds soon on the real
// clock (or on a testing/synctest bubble's clock, where time.Sleep is
// virtual).
//
// It imports nothing of owtray, so tests under sync/ and app/ both use it.
package clocktest

import (
	"sync"
	"testing"
	"time"
)

// Clock is a manual clock, safe for concurrent use. It stands still until
// Advance or Set moves it; moving it fires the After channels that are
// due. The zero Clock stands at the zero time.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// New is a Clock standing at start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After is time.After on the clock: the channel receives the clock's time
// once the clock has been moved d past now (at once when d <= 0).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock by d and fires the After channels that are due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(c.now.Add(d))
}

// Set moves the clock to t (also backwards) and fires the After channels
// that are due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(t)
}

func (c *Clock) set(t time.Time) {
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now // buffered, sent once
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
}

// Next is the time the earliest pending After channel fires; ok is false
// when nothing waits on the clock.
func (c *Clock) Next() (at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.waiters {
		if !ok || w.at.Before(at) {
			at, ok = w.at, true
		}
	}
	return at, ok
}

// Poll intervals of WaitUntil: the first check again after pollMin, then
// twice as long each time up to pollMax, so a condition that holds soon is
// seen soon and a long wait costs few checks.
const (
	pollMin = time.Millisecond
	pollMax = 20 * time.Millisecond
)

// WaitUntil polls cond until it holds and fails the test (t.Fatalf, so call
// it from the test's goroutine) when it has not held within limit. what
// names the condition in the failure.
func WaitUntil(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for pause := pollMin; !cond(); pause = min(2*pause, pollMax) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(pause)
	}
}
