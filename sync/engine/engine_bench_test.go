package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/stravasim"
)

// The budget: importing 20,000 activities costs at most
// ceil(20000/200)+2 API requests.
const (
	bigHistory     = 20000
	maxImportCalls = (bigHistory+engine.PageSize-1)/engine.PageSize + 2
)

var roomyLimits = stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: 300, ReadDaily: 15000}

func TestImportOf20000UsesAtMost102Requests(t *testing.T) {
	if testing.Short() {
		t.Skip("large history")
	}
	w := newWorld(t, worldOptions{activities: bigHistory})
	w.sim.SetRateLimits(roomyLimits) // the default 100 reads/15 min would pause it at page 100
	w.sim.ResetRequestCounts()
	rep := w.sync(engine.Options{})
	if rep.Added != bigHistory {
		t.Fatalf("added %d", rep.Added)
	}
	if n := w.sim.RequestCount(); n > maxImportCalls {
		t.Fatalf("%d requests, budget %d", n, maxImportCalls)
	}
}

// BenchmarkImport20000 imports a 20,000-activity history from the simulator
// over real HTTP into a real bbolt file and reports the API requests used.
func BenchmarkImport20000(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		w := newWorld(b, worldOptions{activities: bigHistory})
		w.sim.SetRateLimits(roomyLimits)
		w.sim.ResetRequestCounts()
		b.StartTimer()
		start := time.Now()
		rep, err := w.eng.Sync(context.Background(), engine.Options{})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || rep.Added != bigHistory {
			b.Fatalf("%+v %v", rep, err)
		}
		b.ReportMetric(float64(w.sim.RequestCount()), "requests/import")
		b.ReportMetric(float64(bigHistory)/elapsed.Seconds(), "activities/s")
		b.StartTimer()
	}
}
