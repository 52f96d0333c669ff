package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/stravasim"
)

const bigHistory = 20000

var roomyLimits = stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: 300, ReadDaily: 15000}

// The budget: a full import costs at most ceil(N/200)+1 list
// requests plus one per tie straddling a page boundary, a sync with nothing
// new one request. Table-driven over ties and the after-only order.
func TestImportOf20000RequestBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("large history")
	}
	for _, tc := range []struct {
		name   string
		noTies bool
		order  stravasim.ListOrder
	}{
		{"ties", false, stravasim.OldestFirst},
		{"no ties, newest first", true, stravasim.NewestFirst},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, worldOptions{activities: bigHistory, noTies: tc.noTies, afterOrder: tc.order})
			w.sim.SetRateLimits(roomyLimits) // the default 100 reads/15 min would pause it at page 100
			w.sim.ResetRequestCounts()
			rep := w.sync(engine.Options{})
			if rep.Added != bigHistory {
				t.Fatalf("added %d", rep.Added)
			}
			w.assertMirrors(true)
			budget, straddles := w.importBudget()
			n := w.sim.RequestCount()
			if n > budget {
				t.Fatalf("%d requests, budget %d", n, budget)
			}
			w.sim.ResetRequestCounts()
			w.sync(engine.Options{})
			noop := w.sim.RequestCount()
			if noop != 1 {
				t.Errorf("no-op sync: %d requests", noop)
			}
			t.Logf("import of %d: %d requests (budget %d = %d pages + 1 + %d straddling ties); no-op sync: %d request",
				bigHistory, n, budget, budget-1-straddles, straddles, noop)
		})
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
		w.sim.ResetRequestCounts()
		if _, err := w.eng.Sync(context.Background(), engine.Options{}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(w.sim.RequestCount()), "requests/noop-sync")
		b.ReportMetric(float64(bigHistory)/elapsed.Seconds(), "activities/s")
		b.StartTimer()
	}
}
