package ipc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func startServer(t *testing.T, run Runner) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), SocketName)
	srv, err := Listen(path, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return path
}

func TestForward(t *testing.T) {
	path := startServer(t, func(_ context.Context, args []string, out, errw io.Writer) int {
		switch args[0] {
		case "echo":
			fmt.Fprintln(out, strings.Join(args[1:], " "))
			return 0
		case "fail":
			fmt.Fprintln(errw, "it failed")
			return 1
		default:
			return 2
		}
	})
	tests := []struct {
		args             []string
		code             int
		wantOut, wantErr string
	}{
		{[]string{"echo", "héllo", "東京"}, 0, "héllo 東京\n", ""},
		{[]string{"fail"}, 1, "", "it failed\n"},
		{[]string{"other"}, 2, "", ""},
	}
	for _, tt := range tests {
		var out, errw bytes.Buffer
		code, err := Forward(context.Background(), path, tt.args, &out, &errw)
		if err != nil {
			t.Fatal(err)
		}
		if code != tt.code || out.String() != tt.wantOut || errw.String() != tt.wantErr {
			t.Errorf("%v: code %d out %q err %q", tt.args, code, out.String(), errw.String())
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", st.Mode().Perm())
	}
}

func TestConcurrentForwards(t *testing.T) {
	path := startServer(t, func(_ context.Context, args []string, out, _ io.Writer) int {
		fmt.Fprint(out, args[0])
		return 0
	})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			want := fmt.Sprint(i)
			if _, err := Forward(context.Background(), path, []string{want}, &out, io.Discard); err != nil || out.String() != want {
				t.Errorf("forward %d: %q %v", i, out.String(), err)
			}
		}()
	}
	wg.Wait()
}

func TestNoInstance(t *testing.T) {
	_, err := Forward(context.Background(), filepath.Join(t.TempDir(), SocketName), []string{"status"}, io.Discard, io.Discard)
	if !errors.Is(err, ErrNoInstance) {
		t.Fatalf("err = %v", err)
	}
}

func TestStaleSocketReplacedLiveOneRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SocketName)
	// A socket file left behind by a killed process.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	srv, err := Listen(path, func(context.Context, []string, io.Writer, io.Writer) int { return 0 }, nil)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	defer srv.Close()
	if _, err := Listen(path, nil, nil); err == nil || !strings.Contains(err.Error(), "another owtray") {
		t.Fatalf("second live listener: %v", err)
	}
}

func TestClientHangUpCancelsCommand(t *testing.T) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	path := startServer(t, func(ctx context.Context, _ []string, _, _ io.Writer) int {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return 1
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }() // hang up while the command runs
	if _, err := Forward(ctx, path, []string{"sync"}, io.Discard, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("server-side command not cancelled")
	}
}

func TestMalformedRequestsDoNotHurt(t *testing.T) {
	path := startServer(t, func(_ context.Context, _ []string, out, _ io.Writer) int { fmt.Fprint(out, "ok"); return 0 })
	for _, junk := range []string{"not json\n", "[1,2]\n", "{\"args\":5}\n", strings.Repeat("x", maxRequest+10)} {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, junk)
		c.Close()
	}
	var out bytes.Buffer
	if code, err := Forward(context.Background(), path, []string{"x"}, &out, io.Discard); err != nil || code != 0 || out.String() != "ok" {
		t.Fatalf("after junk: %d %q %v", code, out.String(), err)
	}
}
