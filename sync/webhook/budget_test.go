package webhook

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// snapshotFetcher answers RateLimits with a fixed snapshot.
type snapshotFetcher struct {
	ActivityFetcher
	snap strava.RateLimitSnapshot
}

func (f snapshotFetcher) RateLimits() strava.RateLimitSnapshot { return f.snap }

func (snapshotFetcher) Activity(context.Context, int64) (strava.Activity, error) {
	return strava.Activity{}, nil
}

// TestBudgetShare: the worker's share of Strava's 15-minute and daily read
// limits, from the limits Strava reported or its defaults.
func TestBudgetShare(t *testing.T) {
	start := time.Date(2026, 3, 2, 23, 40, 0, 0, time.UTC)
	tests := []struct {
		name      string
		snap      strava.RateLimitSnapshot
		share     float64
		requests  int // taken one per second from start
		wantOK    int
		wantReset time.Time
	}{
		{"defaults: 30 of 100", strava.RateLimitSnapshot{}, 0, 40, 30, time.Date(2026, 3, 2, 23, 45, 0, 0, time.UTC)},
		{"reported read limit", strava.RateLimitSnapshot{Read: strava.RateLimitCounts{Limit15: 300, LimitDay: 3000}}, 0, 100, 90, time.Date(2026, 3, 2, 23, 45, 0, 0, time.UTC)},
		{"overall limit smaller", strava.RateLimitSnapshot{Read: strava.RateLimitCounts{Limit15: 300, LimitDay: 3000},
			Overall: strava.RateLimitCounts{Limit15: 50, LimitDay: 500}}, 0, 40, 15, time.Date(2026, 3, 2, 23, 45, 0, 0, time.UTC)},
		{"daily share first", strava.RateLimitSnapshot{Read: strava.RateLimitCounts{Limit15: 1000, LimitDay: 100}}, 0.5, 80, 50, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"tiny limit: one request", strava.RateLimitSnapshot{Read: strava.RateLimitCounts{Limit15: 2, LimitDay: 100}}, 0, 5, 1, time.Date(2026, 3, 2, 23, 45, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := clocktest.New(start)
			st, err := store.Open(filepath.Join(t.TempDir(), "b.db"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			w := NewWorker(st, snapshotFetcher{snap: tt.snap}, WorkerConfig{Now: clock.Now, After: clock.After, BudgetShare: tt.share})
			ok := 0
			var resume time.Time
			for range tt.requests {
				err := w.takeBudget()
				if err == nil {
					ok++
				} else if nb, isNB := errors.AsType[*errNoBudget](err); isNB && resume.IsZero() {
					resume = nb.resume
				}
			}
			if ok != tt.wantOK || !resume.Equal(tt.wantReset) {
				t.Errorf("%d requests allowed, then wait until %s; want %d, %s", ok, resume, tt.wantOK, tt.wantReset)
			}
			// The next 15-minute window allows more (unless the day is used up).
			clock.Advance(tt.wantReset.Sub(clock.Now()))
			if err := w.takeBudget(); err != nil {
				t.Errorf("after the reset: %v", err)
			}
		})
	}
}

// TestBudgetSurvivesRestart: a new worker on the same store does not get a
// new share within the same window.
func TestBudgetSurvivesRestart(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 3, 2, 10, 1, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "b.db")
	cfg := WorkerConfig{Now: clock.Now, After: clock.After}
	used := 0
	for range 2 { // two runs of the program in one window
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := NewWorker(st, snapshotFetcher{}, cfg)
		for range 20 {
			if w.takeBudget() == nil {
				used++
			}
		}
		_ = st.Close()
	}
	if used != 30 {
		t.Errorf("%d requests in one window across a restart, want the share of 30", used)
	}
}
