package memtrim

import (
	"context"
	"testing"
	"time"
)

func TestLoopReleasesOnEveryTickUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	calls := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		loop(ctx, ticks, func() bool { calls <- struct{}{}; return true })
		close(done)
	}()
	for range 3 {
		ticks <- time.Now()
		<-calls
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("loop did not stop when its context ended")
	}
	if n := len(calls); n != 0 {
		t.Fatalf("%d releases after the ticks stopped", n)
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan struct{})
	go func() { Run(ctx, time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
