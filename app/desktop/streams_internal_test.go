package desktop

import (
	"math"
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
