package tunnel

import (
	"container/list"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// Connection limits of one server (the ngrok endpoint, the loopback
// server). Strava's requests are a handful at a time and each is answered
// in milliseconds.
const (
	// MaxConns is the most connections one server keeps at once.
	MaxConns = 256
	// MaxConnsPerRemote is the most connections kept from one remote
	// address. Loopback clients (browsers, a local reverse proxy) cannot be
	// told apart and share MaxConns only.
	MaxConnsPerRemote = 16
)

// connLimiter caps the connections of a listener without letting slow
// clients keep prompt ones out. A cap alone would: a few hundred
// connections that never finish their request (slowloris) would hold every
// slot until their header timeout, and Strava's POST, which must be
// answered within 2 s, would wait in the backlog. Instead, when a new
// connection finds the cap reached, the oldest connection that is not in
// the middle of a request (it has not sent a complete request header yet,
// or sits idle between requests) is closed to make room — taken from the
// remote address that holds the most connections, so one client's
// connections make room for another's. Connections whose request runs
// (handler or body) are never closed; when all are such, the new one is.
type connLimiter struct {
	net.Listener
	max, perRemote int
	log            *slog.Logger

	mu       sync.Mutex
	byRemote map[string]int
	waiting  list.List // *limitedConn not in a request, oldest first
	total    int
}

func limitConns(ln net.Listener, maxConns, perRemote int, log *slog.Logger) *connLimiter {
	return &connLimiter{Listener: ln, max: maxConns, perRemote: perRemote, log: log, byRemote: map[string]int{}}
}

// limitedConn is an accepted connection and its place in the limiter.
type limitedConn struct {
	net.Conn
	remote   string
	loopback bool
	elem     *list.Element // in waiting; nil while a request runs
	gone     bool          // closed by the limiter or reported closed
	served   bool          // a complete request arrived on it (a real client, idle between requests)
}

// CloseWrite keeps the server's graceful close of TCP connections.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Accept returns the next connection there is room for.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := l.admit(c); lc != nil {
			return lc, nil
		}
	}
}

func (l *connLimiter) admit(c net.Conn) *limitedConn {
	lc := &limitedConn{Conn: c}
	lc.remote, lc.loopback = remoteOf(c.RemoteAddr())
	var evicted []*limitedConn
	l.mu.Lock()
	ok := true
	if !lc.loopback && l.byRemote[lc.remote] >= l.perRemote {
		victim := l.victimLocked(lc.remote)
		ok = victim != nil
		evicted = append(evicted, victim)
	}
	if ok && l.total >= l.max {
		victim := l.victimLocked("")
		ok = victim != nil
		evicted = append(evicted, victim)
	}
	if ok {
		l.total++
		l.byRemote[lc.remote]++
		lc.elem = l.waiting.PushBack(lc)
	}
	l.mu.Unlock()
	for _, v := range evicted {
		if v != nil {
			_ = v.Conn.Close()
		}
	}
	if !ok {
		l.log.Warn("connection refused: every connection is in a request", "remote", lc.remote, "open", l.max)
		_ = c.Close()
		return nil
	}
	if len(evicted) > 0 {
		l.log.Debug("closed a waiting connection to make room", "remote", lc.remote)
	}
	return lc
}

// victimLocked picks and forgets the connection to close: the oldest
// waiting one of remote, or ("") of the remote with the most connections.
// Connections that never sent a complete request (what a slowloris holds)
// go before idle ones that did (a client such as Strava keeping its
// connection alive between events). Nil when there is none.
func (l *connLimiter) victimLocked(remote string) *limitedConn {
	var victim *limitedConn
	better := func(c *limitedConn) bool {
		switch {
		case victim == nil:
			return true
		case c.served != victim.served:
			return !c.served
		case remote != "":
			return false // the oldest of remote's, in this tier
		}
		return l.byRemote[c.remote] > l.byRemote[victim.remote]
	}
	for e := l.waiting.Front(); e != nil; e = e.Next() {
		c := e.Value.(*limitedConn)
		if remote != "" && c.remote != remote {
			continue
		}
		if better(c) {
			victim = c
		}
	}
	if victim != nil {
		l.forgetLocked(victim)
	}
	return victim
}

func (l *connLimiter) forgetLocked(c *limitedConn) {
	if c.gone {
		return
	}
	c.gone = true
	if c.elem != nil {
		l.waiting.Remove(c.elem)
		c.elem = nil
	}
	l.total--
	if l.byRemote[c.remote]--; l.byRemote[c.remote] <= 0 {
		delete(l.byRemote, c.remote)
	}
}

// connState is the server's ConnState hook: it tracks which connections
// are in a request.
func (l *connLimiter) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.gone {
		return
	}
	switch st {
	case http.StateActive: // a complete request header arrived
		c.served = true
		if c.elem != nil {
			l.waiting.Remove(c.elem)
			c.elem = nil
		}
	case http.StateIdle:
		if c.elem == nil {
			c.elem = l.waiting.PushBack(c)
		}
	case http.StateHijacked, http.StateClosed:
		l.forgetLocked(c)
	}
}

// open is the number of connections kept (for tests).
func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// remoteOf is addr's IP and whether it is a loopback address.
func remoteOf(addr net.Addr) (string, bool) {
	if addr == nil {
		return "?", false
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String(), false
	}
	ip := net.ParseIP(host)
	return host, ip != nil && ip.IsLoopback()
}
