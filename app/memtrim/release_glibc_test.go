//go:build linux && cgo

package memtrim

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/owtray/owtray/app/memtrim/memtrimtest"
)

// TestReleaseReturnsFreedHeapPages frees 60 MB of C heap between live
// blocks, which free() alone cannot return, and checks that Release gives
// most of it back.
func TestReleaseReturnsFreedHeapPages(t *testing.T) {
	runtime.LockOSThread() // one malloc arena for the whole test
	defer runtime.UnlockOSThread()
	Release() // start from a trimmed heap
	const blocks, size, keepEvery = 2048, 32 << 10, 16
	freeRest := memtrimtest.Scatter(blocks, size, keepEvery)
	defer freeRest()
	before := residentKB(t)
	if !Release() {
		t.Fatal("Release returned nothing of a fragmented heap")
	}
	after := residentKB(t)
	freedKB := blocks * (keepEvery - 1) / keepEvery * size / 1024
	if got := before - after; got < freedKB/2 {
		t.Fatalf("resident set shrank by %d kB, want at least half of the %d kB freed", got, freedKB)
	}
	t.Logf("resident %d kB → %d kB", before, after)
}

// residentKB is this process's resident set (VmRSS).
func residentKB(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no VmRSS line")
	return 0
}
