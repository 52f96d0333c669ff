// Package memtrim hands memory that the C allocator keeps after frees back
// to the operating system, periodically, for a long-running desktop process,
// and reads the process's memory figures.
//
// Why: the window's OpenGL driver (Mesa) allocates a texture with malloc for
// every distinct text on screen. Fyne deletes a texture about a minute after
// its text was last drawn, but glibc's malloc keeps the freed pages for
// reuse, so a window that scrolled through years of activities would hold
// on to all of them for the rest of the session (measured: 90 MB of C heap
// after a long scroll, 30 MB once trimmed).
package memtrim

import (
	"context"
	"time"
)

// Run calls Release every interval until ctx ends.
func Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	loop(ctx, t.C, Release)
}

// loop calls release on every tick until ctx ends.
func loop(ctx context.Context, ticks <-chan time.Time, release func() bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			release()
		}
	}
}
