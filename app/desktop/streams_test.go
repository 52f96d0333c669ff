package desktop_test

import (
	"context"
	"math"
	"testing"

	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/ui"
)

const streamsRoute = "GET /api/v3/activities/{id}/streams"

// syncedBackend is a backend connected to the simulator with its history synced.
func syncedBackend(t testing.TB, activities int) (*desktop.Backend, func() map[string]int, func()) {
	t.Helper()
	be, _, srv := newBackend(t, activities, nil)
	ctx := context.Background()
	if _, err := be.Connect(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := be.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	return be, srv.Sim.RequestCounts, srv.Sim.ResetRequestCounts
}

// firstDetailed fetches the details of the first stored activity of sport
// that pick accepts.
func firstDetailed(t *testing.T, be *desktop.Backend, sport string, pick func(ui.Activity) bool) ui.Activity {
	t.Helper()
	page, err := be.Activities(context.Background(), ui.Filter{Sport: sport, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range page.Items {
		a, err := be.FetchDetails(context.Background(), row.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pick(a) {
			return a
		}
	}
	t.Fatalf("no %s among %d", sport, len(page.Items))
	return ui.Activity{}
}

func TestDetailFromTheSimulator(t *testing.T) {
	be, counts, reset := syncedBackend(t, 300)
	ctx := context.Background()

	ride := firstDetailed(t, be, "Ride", func(a ui.Activity) bool {
		return !a.Manual && !a.Trainer && len(a.Route) > 0 && a.Figures.AverageWatts != nil && a.Figures.AverageHeartrate != nil
	})
	f := ride.Figures
	if f.Calories == nil || ride.GearName == "" || len(ride.Laps) == 0 || f.AverageSpeed == nil || f.KudosCount == nil ||
		f.WeightedAverageWatts == nil || f.MaxWatts == nil || f.ElevHigh == nil {
		t.Errorf("ride figures %+v, gear %q, %d laps: want what Strava's detailed activity carries", f, ride.GearName, len(ride.Laps))
	}
	reset()
	s, err := be.Streams(ctx, ride.ID)
	if err != nil || s.Problem != "" {
		t.Fatalf("streams: %v %q", err, s.Problem)
	}
	n := s.Len()
	for name, stream := range map[string][]float64{"time": s.Time, "distance": s.Distance, "altitude": s.Altitude,
		"velocity_smooth": s.Velocity, "heartrate": s.Heartrate, "cadence": s.Cadence, "watts": s.Watts} {
		if len(stream) != n || n < 100 {
			t.Errorf("ride stream %s has %d of %d samples", name, len(stream), n)
		}
	}
	if len(s.LatLng) != n || math.IsNaN(s.Watts[0]) {
		t.Errorf("latlng %d of %d, watts[0] %v", len(s.LatLng), n, s.Watts[0])
	}
	if got := counts()[streamsRoute]; got != 1 {
		t.Errorf("first look: %d stream requests, want 1", got)
	}
	reset()
	again, err := be.Streams(ctx, ride.ID)
	if err != nil || again.Len() != n {
		t.Fatalf("streams again: %d samples, %v", again.Len(), err)
	}
	if got := counts(); len(got) != 0 {
		t.Errorf("second look asked Strava: %v; want the cache", got)
	}

	run := firstDetailed(t, be, "Run", func(a ui.Activity) bool { return !a.Manual && len(a.Route) > 0 })
	if len(run.SplitsMetric) == 0 || len(run.SplitsStandard) == 0 || len(run.SplitsStandard) >= len(run.SplitsMetric) {
		t.Errorf("run splits: %d per km, %d per mile", len(run.SplitsMetric), len(run.SplitsStandard))
	}
	rs, err := be.Streams(ctx, run.ID)
	if err != nil || len(rs.Velocity) == 0 || len(rs.Altitude) == 0 || rs.Watts != nil {
		t.Errorf("run streams: %d velocity, %d altitude, %d watts (%v); a run has no power meter here",
			len(rs.Velocity), len(rs.Altitude), len(rs.Watts), err)
	}
}
