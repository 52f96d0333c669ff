package logtest

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

func TestBufferConcurrentWriters(t *testing.T) {
	var b Buffer
	log := slog.New(slog.NewTextHandler(&b, nil))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				log.Info("line", "g", g, "i", i)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	out := b.String()
	if n := strings.Count(out, "\n"); n != 400 {
		t.Fatalf("%d lines, want 400", n)
	}
	for g := range 8 {
		if !strings.Contains(out, fmt.Sprintf("g=%d i=49\n", g)) {
			t.Errorf("writer %d's last line missing", g)
		}
	}
}

func TestZeroBuffer(t *testing.T) {
	var b Buffer
	if b.String() != "" {
		t.Fatal("zero Buffer not empty")
	}
	if n, err := b.Write([]byte("a")); n != 1 || err != nil || b.String() != "a" {
		t.Fatalf("Write = %d %v, String %q", n, err, b.String())
	}
}
