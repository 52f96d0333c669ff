package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts of the server behind the endpoint. Strava's calls are small and
// must be answered within 2 s, and what sits in front of owtray (ngrok's
// edge, a reverse proxy, the browser on the same machine) sends a request
// header in one piece; anything slower is a client to drop.
const (
	readHeaderTimeout = 3 * time.Second
	readTimeout       = 10 * time.Second // header and body (at most 64 KiB)
	writeTimeout      = 30 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 16 << 10
)

// Serve serves h on ln until ctx ends or ln fails (the endpoint here, and
// the app's loopback server, with the same timeouts and connection limits:
// MaxConns, MaxConnsPerRemote, see connLimiter). Then it stops accepting,
// gives requests in flight up to grace to finish and closes what is left.
// It returns nil after a clean stop asked for by ctx, the listener's error
// when ln failed, and an error matching context.DeadlineExceeded when
// requests had to be cut off.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger) error {
	return serve(ctx, ln, h, grace, logger, nil)
}

// serve is Serve; inspect, when not nil, is handed the connection limiter
// before the first connection is accepted (tests).
func serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, logger *slog.Logger, inspect func(*connLimiter)) error {
	limited := limitConns(ln, MaxConns, MaxConnsPerRemote, logger)
	if inspect != nil {
		inspect(limited)
	}
	srv := &http.Server{
		Handler:           h,
		ConnState:         limited.connState,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(limited) }()

	select {
	case <-ctx.Done():
		err := shutdown(ctx, srv, grace)
		<-served // http.ErrServerClosed
		return err
	case err := <-served:
		// Requests on connections accepted before the failure still run.
		return errors.Join(fmt.Errorf("accepting connections: %w", err), shutdown(ctx, srv, grace))
	}
}

// shutdown stops srv, cutting off requests still running after grace.
func shutdown(ctx context.Context, srv *http.Server, grace time.Duration) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil {
		_ = srv.Close() // its error is that of closing the listener again
		return fmt.Errorf("requests still running after %s were cut off: %w", grace, err)
	}
	return nil
}

// detachedListener hands an ngrok endpoint to http.Server without letting
// the server close it. Closing an endpoint is a call to ngrok that can hang
// on a stalled session, and it deadlocks while a connection waits to be
// accepted; so Close only stops Accept here, a pump keeps taking (and
// closing) connections, and the endpoint is closed with its agent session.
type detachedListener struct {
	net.Listener
	conns  chan net.Conn
	failed chan struct{} // closed with err set when the endpoint fails
	err    error
	done   chan struct{} // closed by Close
	once   sync.Once
}

func detach(ln net.Listener) *detachedListener {
	l := &detachedListener{
		Listener: ln,
		conns:    make(chan net.Conn),
		failed:   make(chan struct{}),
		done:     make(chan struct{}),
	}
	go l.pump()
	return l
}

// pump runs until the endpoint fails, which closing the session ensures.
func (l *detachedListener) pump() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.err = err
			close(l.failed)
			return
		}
		select {
		case l.conns <- c:
		case <-l.done:
			_ = c.Close()
		}
	}
}

func (l *detachedListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.failed:
		return nil, l.err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept at once; the endpoint stays open.
func (l *detachedListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}
