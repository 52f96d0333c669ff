package store

import (
	"os"
	"testing"
)

// TestMain runs the crash-test child process when asked to (see
// TestKillDuringImport) and removes the shared benchmark database afterwards.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	code := m.Run()
	if benchSeed.dir != "" {
		_ = os.RemoveAll(benchSeed.dir)
	}
	os.Exit(code)
}
