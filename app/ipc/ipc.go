// Package ipc lets a second owtray process hand its command to the running
// instance (the desktop app or `owtray serve`), which owns the database. It
// uses a unix socket in the data dir with mode 0600 — never a TCP port other
// users or machines could reach. (Go supports AF_UNIX on Windows 10 and
// later, so the same code serves there instead of a named pipe.)
package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// SocketName is the socket file inside the data dir.
const SocketName = "owtray.sock"

// maxRequest bounds a request line; a command line is small.
const maxRequest = 64 << 10

// ErrNoInstance means no running instance answers on the socket.
var ErrNoInstance = errors.New("no running owtray instance")

// SocketPath is the socket of the instance using dataDir.
func SocketPath(dataDir string) string { return filepath.Join(dataDir, SocketName) }

// Runner runs one forwarded command and returns its exit code.
type Runner func(ctx context.Context, args []string, stdout, stderr io.Writer) int

type request struct {
	Args []string `json:"args"`
}

// frame is one message from server to client.
type frame struct {
	Stream string `json:"s,omitempty"` // "out" or "err"
	Data   []byte `json:"d,omitempty"`
	Exit   *int   `json:"exit,omitempty"`
}

// Server accepts forwarded commands.
type Server struct {
	ln   net.Listener
	path string
	run  Runner
	log  *slog.Logger
	wg   sync.WaitGroup
}

// Listen creates the socket (removing a stale one left by a crash). It fails
// when another instance is alive on it.
func Listen(path string, run Runner, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	if Alive(path) {
		return nil, fmt.Errorf("another owtray instance is running (%s answers)", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("removing stale socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("securing %s: %w", path, err)
	}
	return &Server{ln: ln, path: path, run: run, log: log}, nil
}

// Serve accepts connections until ctx ends, then waits for running commands.
func (s *Server) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			s.wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("ipc accept: %w", err)
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

// Close stops listening and removes the socket.
func (s *Server) Close() error {
	err := s.ln.Close()
	if rerr := os.Remove(s.path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

func (s *Server) handle(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, maxRequest)).ReadBytes('\n')
	switch {
	case errors.Is(err, io.EOF) && len(line) == 0:
		return // a liveness probe (Alive): connected and hung up
	case err != nil:
		s.log.Warn("ipc: unreadable request", "err", err)
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		s.log.Warn("ipc: malformed request", "err", err)
		return
	}
	// The client hanging up (Ctrl-C) cancels the command.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, conn)
		cancel()
	}()
	w := &frameWriter{enc: json.NewEncoder(conn)}
	code := s.run(ctx, req.Args, w.stream("out"), w.stream("err"))
	w.write(frame{Exit: &code})
}

type frameWriter struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error
}

func (w *frameWriter) write(f frame) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = w.enc.Encode(f)
	}
	return w.err
}

type streamWriter struct {
	w    *frameWriter
	name string
}

func (w *frameWriter) stream(name string) io.Writer { return streamWriter{w, name} }

func (s streamWriter) Write(p []byte) (int, error) {
	if err := s.w.write(frame{Stream: s.name, Data: p}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Alive reports whether an instance answers on path.
func Alive(path string) bool {
	c, err := net.DialTimeout("unix", path, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Forward runs args in the instance listening on path, copying its output
// to stdout and stderr, and returns its exit code. It returns ErrNoInstance
// when nothing listens there.
func Forward(ctx context.Context, path string, args []string, stdout, stderr io.Writer) (int, error) {
	var d net.Dialer
	dialCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	conn, err := d.DialContext(dialCtx, "unix", path)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("%w (%s): %w", ErrNoInstance, path, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := json.NewEncoder(conn).Encode(request{Args: args}); err != nil {
		return 0, fmt.Errorf("sending the command to the running owtray: %w", err)
	}
	dec := json.NewDecoder(conn)
	for {
		var f frame
		if err := dec.Decode(&f); err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("the running owtray stopped answering: %w", err)
		}
		switch {
		case f.Exit != nil:
			return *f.Exit, nil
		case f.Stream == "out":
			_, _ = stdout.Write(f.Data)
		case f.Stream == "err":
			_, _ = stderr.Write(f.Data)
		}
	}
}
