// Package hostguard answers HTTP requests only for the host names they are
// meant for. Every web page the user opens can reach the loopback server,
// and DNS rebinding lets a page on evil.example send its requests to
// 127.0.0.1 with "Host: evil.example"; checking Host against the names the
// server is really reached by defeats that. Requests for any other host get
// 421 Misdirected Request and reach no handler.
package hostguard

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Guard knows the loopback server's port and the public URLs (the tunnel's,
// the user's own callback URL) whose host Strava's calls carry.
type Guard struct {
	port   string
	public func() []string
	log    *slog.Logger
}

// New returns a guard for a loopback server on port. public, when not nil,
// is asked on every request for the public URLs (scheme://host[:port]/...)
// currently in use; empty strings and unparsable URLs are skipped.
func New(port int, public func() []string, log *slog.Logger) *Guard {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Guard{port: strconv.Itoa(port), public: public, log: log}
}

// PortOf is the TCP port ln listens on (0 when it is not a TCP listener).
func PortOf(ln net.Listener) int {
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Handler wraps h: every path answers when Host is localhost, 127.0.0.1 or
// [::1] with the guard's port; the paths in publicPaths (matched exactly)
// also answer for the host of a public URL. Everything else is 421.
func (g *Guard) Handler(h http.Handler, publicPaths ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.localHost(r.Host) || (slices.Contains(publicPaths, r.URL.Path) && g.publicHost(r.Host)) {
			h.ServeHTTP(w, r)
			return
		}
		// Host and path are bounded by the server's MaxHeaderBytes.
		g.log.Info("request for a foreign host refused", "host", r.Host, "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusMisdirectedRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "misdirected request: this server does not answer for that host name"})
	})
}

// IsLoopbackName reports whether the host part of hostport (a Host header,
// with or without a port) is localhost, 127.0.0.1 or ::1.
func IsLoopbackName(hostport string) bool {
	host, _ := splitHost(hostport)
	return loopbackHost(host)
}

// loopbackHost reports whether host (as splitHost returns it) is
// localhost, 127.0.0.1 or ::1.
func loopbackHost(host string) bool {
	switch host {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

func (g *Guard) localHost(hostport string) bool {
	host, port := splitHost(hostport)
	if port == "" {
		port = "80"
	}
	return loopbackHost(host) && port == g.port
}

func (g *Guard) publicHost(hostport string) bool {
	if g.public == nil {
		return false
	}
	host, port := splitHost(hostport)
	if host == "" {
		return false
	}
	for _, raw := range g.public() {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		want, wantPort := splitHost(u.Host)
		if wantPort == "" {
			wantPort = defaultPort(u.Scheme)
		}
		// Proxies and ngrok leave the default port out of Host.
		if host == want && (port == "" || port == wantPort) {
			return true
		}
	}
	return false
}

// defaultPort is the port a URL of scheme has when it names none ("" for
// a scheme other than http and https).
func defaultPort(scheme string) string {
	switch strings.ToLower(scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// splitHost splits a Host header into a lower-case host name (brackets and
// a trailing dot removed) and its port, "" when there is none.
func splitHost(hostport string) (host, port string) {
	host = hostport
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	}
	host = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(host, "]"), "["), ".")
	return strings.ToLower(host), port
}
