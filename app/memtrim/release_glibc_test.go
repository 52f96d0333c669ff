//go:build linux && cgo

package memtrim

import (
	"runtime"
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
	kb, err := StatusKB("/proc/self/status", "VmRSS:")
	if err != nil {
		t.Fatal(err)
	}
	return kb
}
