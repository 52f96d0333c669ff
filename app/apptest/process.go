package apptest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary is the owtray command, built once for a test binary's tests:
// declare one per package, call Path from the tests and Remove from
// TestMain.
type Binary struct {
	// Tags are the build tags ("nogui": the headless build).
	Tags string
	// NoCgo builds with CGO_ENABLED=0.
	NoCgo bool

	once sync.Once
	dir  string
	path string
	err  error
}

// Path builds the binary on first use and returns its path; it skips the
// test with -short.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	b.once.Do(func() {
		root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			b.err = fmt.Errorf("finding the module: %w", err)
			return
		}
		if b.dir, b.err = os.MkdirTemp("", "owtray-test-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "owtray")
		cmd := exec.Command("go", "build", "-tags", b.Tags, "-o", b.path, ".")
		cmd.Dir = strings.TrimSpace(string(root))
		cmd.Env = os.Environ()
		if b.NoCgo {
			cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build -tags %q: %w\n%s", b.Tags, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Remove deletes the built binary.
func (b *Binary) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// StopGracefully sends SIGTERM and fails the test unless the process exits
// cleanly within limit.
func StopGracefully(t testing.TB, cmd *exec.Cmd, limit time.Duration) {
	t.Helper()
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("%s exited with %v", cmd.Args[1], err)
		}
	case <-time.After(limit):
		t.Fatalf("%s did not stop within %s of SIGTERM", cmd.Args[1], limit)
	}
	t.Logf("%s stopped in %s", cmd.Args[1], time.Since(start).Round(time.Millisecond))
}
