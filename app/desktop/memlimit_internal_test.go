package desktop

import (
	"math"
	"slices"
	"testing"
)

func TestSyncMemoryLimitIsLiftedWhileSyncing(t *testing.T) {
	var set []int64
	m := &syncMemoryLimit{limit: desktopMemoryLimit, set: func(v int64) int64 {
		set = append(set, v)
		return 0
	}}
	for _, on := range []bool{false, true, false, true, false} {
		m.syncing(on)
	}
	want := []int64{desktopMemoryLimit, math.MaxInt64, desktopMemoryLimit, math.MaxInt64, desktopMemoryLimit}
	if !slices.Equal(set, want) {
		t.Errorf("limits set %v, want %v", set, want)
	}
	var none *syncMemoryLimit
	none.syncing(true) // GOMEMLIMIT given: nothing to lift
}
