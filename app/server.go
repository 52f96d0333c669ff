package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/owtray/owtray/app/tunnel"
)

// loopbackListen listens on host:port of the redirect URI, on loopback only:
// "localhost" is pinned to 127.0.0.1 so the port is never reachable from
// other machines whatever the resolver says.
func loopbackListen(ctx context.Context, hostport string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", hostport, err)
	}
	if host == "localhost" || host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to listen on %s: owtray serves on loopback only", host)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("listening on %s for the Strava callback (is another owtray or program using port %s?): %w", hostport, port, err)
	}
	return ln, nil
}

// serveHTTP serves h on ln until ctx ends, then stops gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	return tunnel.Serve(ctx, ln, h, 5*time.Second, log)
}
