package tunnel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/app/tunnel/loadtest"
	"github.com/owtray/owtray/sync/clocktest"
)

// TestSlowClientsDoNotDelayOthers: 300 connections that never finish their
// request (more than MaxConns) are held against Serve while prompt
// requests come and go; each prompt one is answered at once, and the
// server never keeps more than MaxConns.
func TestSlowClientsDoNotDelayOthers(t *testing.T) {
	ln := listenLocal(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ack") })
	limited := make(chan *connLimiter, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, ln, h, time.Second, slog.New(slog.DiscardHandler), func(l *connLimiter) { limited <- l })
	}()
	lim := <-limited
	addr := ln.Addr().String()

	loadCtx, stopLoad := context.WithCancel(ctx)
	slow, err := loadtest.SlowClients(loadCtx, addr, addr, webhookPath, 300, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	clocktest.WaitUntil(t, "300 slow clients", 10*time.Second, func() bool { return slow.Dials() >= 300 })
	var worst time.Duration
	for range 20 {
		// Kept on the real clock: the samples are spread over 2 s of the
		// slow clients' attack.
		time.Sleep(100 * time.Millisecond)
		if n := lim.open(); n > MaxConns {
			t.Errorf("%d connections kept, cap %d", n, MaxConns)
		}
		took := promptRequest(t, addr)
		worst = max(worst, took)
	}
	t.Logf("300 slow clients (%d dials, %d dropped by the server): slowest of 20 prompt requests %s", slow.Dials(), slow.Dropped(), worst)
	if worst > time.Second {
		t.Errorf("a prompt request took %s under slow load", worst)
	}
	stopLoad()
	slow.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// promptRequest makes one request on a new connection and returns how long
// the answer took.
func promptRequest(t testing.TB, addr string) time.Duration {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	start := time.Now()
	resp, err := client.Get("http://" + addr + webhookPath)
	if err != nil {
		t.Fatalf("prompt request: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("prompt request: %d", resp.StatusCode)
	}
	return time.Since(start)
}

// TestConnLimiter: which connection makes room, step by step.
func TestConnLimiter(t *testing.T) {
	ln := newChanListener()
	l := limitConns(ln, 4, 2, slog.New(slog.DiscardHandler))
	accepted := map[string]*limitedConn{}
	peers := map[string]net.Conn{}
	results := make(chan net.Conn)
	go func() { // one Accept after the other, as http.Server does
		for {
			c, err := l.Accept()
			if err != nil {
				close(results)
				return
			}
			results <- c
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	// connect makes a connection from ip; it returns whether Accept let it in.
	connect := func(name, ip string) bool {
		t.Helper()
		server, client := net.Pipe()
		peers[name] = client
		ln.conns <- addrConn{Conn: server, remote: &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000}}
		select {
		case c := <-results:
			lc := c.(*limitedConn)
			if lc.Conn.(addrConn).Conn != server {
				t.Fatalf("%s: Accept returned another connection", name)
			}
			accepted[name] = lc
			return true
		case <-time.After(200 * time.Millisecond):
			return false // refused: Accept waits for the next one
		}
	}
	closed := func(name string) bool {
		_ = peers[name].SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := peers[name].Read(make([]byte, 1))
		return err == io.EOF || err == io.ErrClosedPipe
	}
	active := func(name string) { l.connState(accepted[name], http.StateActive) }

	steps := []struct {
		do        func() bool
		admitted  bool
		closedNow []string
		open      int
	}{
		{func() bool { return connect("a1", "203.0.113.1") }, true, nil, 1},
		{func() bool { return connect("a2", "203.0.113.1") }, true, nil, 2},
		// a's third: its oldest waiting connection makes room.
		{func() bool { return connect("a3", "203.0.113.1") }, true, []string{"a1"}, 2},
		{func() bool { active("a2"); return connect("a4", "203.0.113.1") }, true, []string{"a3"}, 2},
		{func() bool { return connect("b1", "198.51.100.2") }, true, nil, 3},
		{func() bool { return connect("l1", "127.0.0.1") }, true, nil, 4},
		// Full: the oldest waiting connection of the biggest remote (a).
		{func() bool { return connect("l2", "127.0.0.1") }, true, []string{"a4"}, 4},
		// Loopback has no per-remote cap; b is now the biggest with one.
		{func() bool { return connect("l3", "127.0.0.1") }, true, []string{"l1"}, 4},
		// Every connection in a request: the new one is refused.
		{func() bool {
			for _, n := range []string{"b1", "l2", "l3"} {
				active(n)
			}
			return connect("c1", "192.0.2.3")
		}, false, []string{"c1"}, 4},
		// A connection done with its request is idle again, and can go.
		{func() bool { l.connState(accepted["b1"], http.StateIdle); return connect("c2", "192.0.2.3") }, true, []string{"b1"}, 4},
		{func() bool { l.connState(accepted["c2"], http.StateClosed); return true }, true, nil, 3},
	}
	for i, st := range steps {
		if got := st.do(); got != st.admitted {
			t.Fatalf("step %d: admitted %v, want %v", i, got, st.admitted)
		}
		for _, name := range st.closedNow {
			if !closed(name) {
				t.Errorf("step %d: %s not closed", i, name)
			}
		}
		if n := l.open(); n != st.open {
			t.Errorf("step %d: %d open, want %d", i, n, st.open)
		}
	}
	for _, name := range []string{"a2", "l2", "l3"} {
		if closed(name) {
			t.Errorf("%s (in a request) was closed", name)
		}
	}
}

type chanListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newChanListener() *chanListener {
	return &chanListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// BenchmarkPromptRequestUnderSlowClients: one request on a new connection
// while 300 slow clients (more than MaxConns) keep trying to hold
// connections open.
func BenchmarkPromptRequestUnderSlowClients(b *testing.B) {
	for _, slowClients := range []int{0, 300} {
		b.Run(fmt.Sprintf("slow-%d", slowClients), func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ack") })
			ctx, cancel := context.WithCancel(b.Context())
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, ln, h, time.Second, slog.New(slog.DiscardHandler)) }()
			addr := ln.Addr().String()
			slow, err := loadtest.SlowClients(ctx, addr, addr, webhookPath, slowClients, 500*time.Millisecond)
			if err != nil {
				b.Fatal(err)
			}
			clocktest.WaitUntil(b, "the slow clients", time.Minute, func() bool { return slow.Dials() >= slowClients })
			var worst time.Duration
			for b.Loop() {
				worst = max(worst, promptRequest(b, addr))
			}
			b.ReportMetric(float64(worst.Microseconds()), "worst-µs")
			cancel()
			slow.Wait()
			<-done
		})
	}
}

// TestConnLimiterKeepsServedConnections: when the cap is reached, a
// connection that never sent a complete request (a slowloris) goes before
// an older one that was served and waits idle for its client's next
// request (Strava keeping its connection alive between events).
func TestConnLimiterKeepsServedConnections(t *testing.T) {
	ln := newChanListener()
	l := limitConns(ln, 3, 2, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { _ = ln.Close() })
	accepted := make(chan *limitedConn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c.(*limitedConn)
		}
	}()
	connect := func() (*limitedConn, net.Conn) {
		t.Helper()
		server, client := net.Pipe()
		ln.conns <- addrConn{Conn: server, remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
		select {
		case c := <-accepted:
			return c, client
		case <-time.After(2 * time.Second):
			t.Fatal("not admitted")
			return nil, nil
		}
	}
	closed := func(peer net.Conn) bool {
		_ = peer.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := peer.Read(make([]byte, 1))
		return err == io.EOF || err == io.ErrClosedPipe
	}
	strava, stravaPeer := connect()
	l.connState(strava, http.StateActive)
	l.connState(strava, http.StateIdle) // answered, kept alive
	_, slow1 := connect()
	_, slow2 := connect()
	_, _ = connect() // full: the oldest unserved one goes
	if !closed(slow1) || closed(slow2) || closed(stravaPeer) {
		t.Fatalf("closed: slow1 %v, slow2 %v, strava %v; want only slow1", closed(slow1), closed(slow2), closed(stravaPeer))
	}
	_, _ = connect()
	if !closed(slow2) || closed(stravaPeer) {
		t.Fatalf("closed: slow2 %v, strava %v; want slow2 only", closed(slow2), closed(stravaPeer))
	}
}
