package desktop

import (
	"testing"
	"time"
)

func TestFrameProbeKeepsTheLongestFrames(t *testing.T) {
	p := &frameProbe{}
	at := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	steps := []struct {
		gap     time.Duration // since the last turn
		syncing bool
	}{
		{0, false}, // the first turn: no frame yet
		{17 * time.Millisecond, false},
		{90 * time.Millisecond, false}, // before the sync: counts overall only
		{16 * time.Millisecond, true},
		{41 * time.Millisecond, true},
		{20 * time.Millisecond, true},
		{60 * time.Millisecond, false}, // after it
	}
	for _, s := range steps {
		p.syncing.Store(s.syncing)
		at = at.Add(s.gap)
		p.turn(at)
	}
	want := "owtray: frames longest_ms=90.0 longest_syncing_ms=41.0 syncing=false"
	if got := p.line(); got != want {
		t.Errorf("probe line %q, want %q", got, want)
	}
}
