package ui

import (
	"encoding/json"
	"math"
	"time"
)

func ptr[T any](v T) *T { return &v }

// loopRoute is a loop of n points around Zürich, about 10 km long.
func loopRoute(n int) [][2]float64 {
	out := make([][2]float64, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n-1)
		out[i] = [2]float64{47.37 + 0.012*math.Sin(a), 8.54 + 0.02*(1-math.Cos(a))}
	}
	return out
}

// fixtureStreams are n samples of a 10 km activity lasting 3,000 s: time,
// distance, altitude, velocity, heart rate, cadence, latlng, and for a
// ride power (with a gap of null readings).
func fixtureStreams(n int, ride bool) Streams {
	s := Streams{Time: make([]float64, n), Distance: make([]float64, n), Altitude: make([]float64, n),
		Velocity: make([]float64, n), Heartrate: make([]float64, n), Cadence: make([]float64, n), LatLng: loopRoute(n)}
	if ride {
		s.Watts = make([]float64, n)
	}
	for i := range n {
		u := float64(i) / float64(n-1)
		s.Time[i] = math.Round(3000 * u)
		s.Distance[i] = 10000 * u
		s.Altitude[i] = 400 + 50*math.Sin(2*math.Pi*u)
		s.Velocity[i] = 10000.0 / 3000
		s.Heartrate[i] = 140 + float64(i%20)
		s.Cadence[i] = 85
		if ride {
			s.Watts[i] = 200 + float64(i%50)
			if i > n/2 && i < n/2+n/20 {
				s.Watts[i] = math.NaN()
			}
		}
	}
	return s
}

// runActivity is a detailed run with every overview figure, two laps and
// metric and imperial splits.
func runActivity(id int64) Activity {
	a := Activity{
		ID: id, Name: "Lake Loop", SportType: "Run", StartDateLocal: time.Date(2024, 5, 4, 8, 0, 0, 0, time.UTC),
		Timezone: "(GMT+01:00) Europe/Zurich", Distance: 10000, MovingTime: 3000, ElapsedTime: 3100,
		TotalElevationGain: 120, Loaded: true, Detailed: true, Description: "Easy", DeviceName: "Garmin Forerunner 965",
		GearName: "Pegasus 40", Route: loopRoute(200),
		Figures: Figures{AverageSpeed: ptr(10000.0 / 3000), MaxSpeed: ptr(4.5), ElevHigh: ptr(450.0), ElevLow: ptr(350.0),
			AverageHeartrate: ptr(150.4), MaxHeartrate: ptr(171.0), AverageCadence: ptr(85.0), Calories: ptr(702.0),
			KudosCount: ptr(12), CommentCount: ptr(1), AchievementCount: ptr(3), PRCount: ptr(1)},
		Laps: []Lap{
			{Name: "Lap 1", Distance: 5000, MovingTime: 1500, ElapsedTime: 1550, TotalElevationGain: 60, AverageSpeed: 5000.0 / 1500, AverageHeartrate: ptr(148.0)},
			{Name: "Lap 2", Distance: 5000, MovingTime: 1500, ElapsedTime: 1550, TotalElevationGain: 60, AverageSpeed: 5000.0 / 1500},
		},
	}
	for k := range 10 {
		a.SplitsMetric = append(a.SplitsMetric, Split{Split: k + 1, Distance: 1000, MovingTime: 300, ElapsedTime: 310,
			ElevationDifference: float64(5 - k), AverageSpeed: 1000.0 / 300, AverageHeartrate: ptr(150.0)})
	}
	for k := range 7 {
		d := metresPerMile
		if k == 6 {
			d = 10000 - 6*metresPerMile
		}
		a.SplitsStandard = append(a.SplitsStandard, Split{Split: k + 1, Distance: d, MovingTime: int(d * 0.3), ElapsedTime: int(d * 0.31),
			AverageSpeed: 1 / 0.3})
	}
	a.JSON, _ = json.Marshal(map[string]any{"id": id, "name": a.Name, "sport_type": "Run", "distance": a.Distance,
		"laps":          []map[string]any{{"name": "Lap 1", "distance": 5000}, {"name": "Lap 2", "distance": 5000}},
		"splits_metric": []map[string]any{{"split": 1, "average_speed": 3.33}}, "segment_efforts": []any{},
		"best_efforts": []map[string]any{{"name": "1k", "elapsed_time": 290}}, "gear": map[string]any{"name": "Pegasus 40"}})
	return a
}

// rideActivity is a detailed ride with power.
func rideActivity(id int64) Activity {
	a := runActivity(id)
	a.Name, a.SportType, a.Distance, a.MovingTime, a.ElapsedTime = "Hill Ride", "Ride", 40000, 4800, 5000
	a.Figures.AverageSpeed, a.Figures.MaxSpeed, a.Figures.AverageCadence = ptr(40000.0/4800), ptr(15.0), ptr(88.0)
	a.Figures.AverageWatts, a.Figures.WeightedAverageWatts, a.Figures.MaxWatts = ptr(210.0), ptr(225.0), ptr(610.0)
	a.Figures.Kilojoules = ptr(1008.0)
	a.SplitsMetric, a.SplitsStandard, a.GearName = nil, nil, "Canyon Ultimate"
	return a
}

// manualActivity is a run entered by hand: no route, no sensors.
func manualActivity(id int64) Activity {
	return Activity{ID: id, Name: "Treadmill (typed in)", SportType: "Run", StartDateLocal: time.Date(2024, 5, 5, 18, 0, 0, 0, time.UTC),
		Distance: 5000, MovingTime: 1500, ElapsedTime: 1500, Loaded: true, Detailed: true, Manual: true,
		Figures: Figures{AverageSpeed: ptr(5000.0 / 1500), MaxSpeed: ptr(0.0), KudosCount: ptr(0), CommentCount: ptr(0), AchievementCount: ptr(0), PRCount: ptr(0)},
		JSON:    []byte(`{"id":` + "1" + `,"manual":true,"laps":[],"segment_efforts":[]}`)}
}

// detailFixture is a backend holding the run, the ride and the manual
// activity (in that order), with streams of n points for the first two.
func detailFixture(n int) *fakeBackend {
	be := newFakeBackend(0)
	run, ride, manual := runActivity(1), rideActivity(2), manualActivity(3)
	be.setActivities([]Activity{run, ride, manual})
	be.streams = map[int64]Streams{1: fixtureStreams(n, false), 2: fixtureStreams(n, true)}
	return be
}
