package desktop

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/ui"
)

func TestStreamsOf(t *testing.T) {
	tests := []struct {
		name        string
		json        string
		wantLen     int
		wantProblem string
		check       func(t *testing.T, s ui.Streams)
	}{
		{name: "all kept, null power is no reading",
			json:    `{"time":{"data":[0,1,2]},"distance":{"data":[0,5,10]},"watts":{"data":[100,null,120]},"latlng":{"data":[[1,2],[1,2.1],[1,2.2]]}}`,
			wantLen: 3,
			check: func(t *testing.T, s ui.Streams) {
				if !math.IsNaN(s.Watts[1]) || s.Watts[2] != 120 || s.Distance[2] != 10 || s.LatLng[2] != [2]float64{1, 2.2} {
					t.Errorf("streams %+v", s)
				}
			}},
		{name: "a stream of another length is left out",
			json:    `{"time":{"data":[0,1,2]},"heartrate":{"data":[100,101]}}`,
			wantLen: 3, wantProblem: "heartrate has 2 samples",
			check: func(t *testing.T, s ui.Streams) {
				if s.Heartrate != nil {
					t.Errorf("heartrate kept: %v", s.Heartrate)
				}
			}},
		{name: "an unreadable stream is left out",
			json:    `{"time":{"data":[0,1]},"altitude":{"data":["high","low"]}}`,
			wantLen: 2, wantProblem: "stream altitude"},
		{name: "none", json: `{}`, wantLen: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := strava.ParseStreams([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			s := streamsOf(raw)
			if s.Len() != tt.wantLen || (tt.wantProblem == "") != (s.Problem == "") || !strings.Contains(s.Problem, tt.wantProblem) {
				t.Errorf("len %d problem %q, want %d and %q", s.Len(), s.Problem, tt.wantLen, tt.wantProblem)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

// BenchmarkDecodeStreams measures the backend's share of opening a detail
// with cached streams of 10,000 points: Strava's JSON parsed and turned
// into the charts' samples (the store read is one bbolt Get).
func BenchmarkDecodeStreams(b *testing.B) {
	const n = 10000
	var sb strings.Builder
	sb.WriteString(`{`)
	series := func(key string, f func(i int) string) {
		sb.WriteString(`"` + key + `":{"data":[`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(f(i))
		}
		sb.WriteString(`],"series_type":"distance","original_size":10000,"resolution":"high"},`)
	}
	num := func(scale float64) func(int) string {
		return func(i int) string { return strconv.FormatFloat(float64(i)*scale, 'f', 1, 64) }
	}
	series("time", func(i int) string { return strconv.Itoa(i) })
	series("distance", num(3.1))
	series("altitude", num(0.01))
	series("velocity_smooth", num(0.0003))
	series("heartrate", func(i int) string { return strconv.Itoa(120 + i%50) })
	series("cadence", func(i int) string { return strconv.Itoa(80 + i%10) })
	series("watts", func(i int) string { return strconv.Itoa(200 + i%100) })
	sb.WriteString(`"latlng":{"data":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("[47." + strconv.Itoa(100000+i) + ",8." + strconv.Itoa(500000+i) + "]")
	}
	sb.WriteString(`]}}`)
	raw := []byte(sb.String())
	for b.Loop() {
		s, err := strava.ParseStreams(raw)
		if err != nil {
			b.Fatal(err)
		}
		if v := streamsOf(s); v.Len() != n || v.Problem != "" {
			b.Fatalf("%d samples, %q", v.Len(), v.Problem)
		}
	}
}
