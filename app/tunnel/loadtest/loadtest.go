// Package loadtest holds open slow connections against a local server for
// tests (slowloris): bounded, loopback only, and over when its context ends.
package loadtest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Slow is a running set of slow clients.
type Slow struct {
	wg      sync.WaitGroup
	dials   atomic.Int64
	dropped atomic.Int64
	open    atomic.Int64
}

// SlowClients starts n clients against addr (a loopback host:port; any
// other address is refused). Each sends the start of a request for path
// with Host host and then one more header line every trickle, never
// finishing it; when the server drops the connection the client dials
// again after a pause, so n connections are kept trying for as long as
// ctx lasts. Wait returns after ctx ended and every client stopped.
func SlowClients(ctx context.Context, addr, host, path string, n int, trickle time.Duration) (*Slow, error) {
	h, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(h); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("loadtest: %q is not a loopback address", addr)
	}
	s := &Slow{}
	for range n {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for ctx.Err() == nil {
				s.hold(ctx, addr, host, path, trickle)
				select { // at most ten dials a second per client
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
	return s, nil
}

// hold keeps one connection until the server drops it or ctx ends.
func (s *Slow) hold(ctx context.Context, addr, host, path string, trickle time.Duration) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	c, err := d.DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return
	}
	s.dials.Add(1)
	s.open.Add(1)
	defer s.open.Add(-1)
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	defer c.Close()
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", path, host); err != nil {
		s.dropped.Add(1)
		return
	}
	closed := make(chan struct{})
	go func() { // the server's answer or close ends the connection
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				close(closed)
				return
			}
		}
	}()
	tick := time.NewTicker(trickle)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-closed:
			s.dropped.Add(1)
			return
		case <-tick.C:
			if _, err := fmt.Fprintf(c, "X-Slow-%d: 1\r\n", i); err != nil {
				s.dropped.Add(1)
				return
			}
		}
	}
}

// Open is the number of connections held right now.
func (s *Slow) Open() int { return int(s.open.Load()) }

// Dials is the number of connections made so far.
func (s *Slow) Dials() int { return int(s.dials.Load()) }

// Dropped is the number of connections the server closed so far.
func (s *Slow) Dropped() int { return int(s.dropped.Load()) }

// Wait waits for every client to stop (after ctx ended).
func (s *Slow) Wait() { s.wg.Wait() }
