package desktop

import (
	"fmt"
	"math"
	"strings"

	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/ui"
)

// streamsOf turns Strava's streams into the charts' samples. A stream that
// cannot be read, or whose length differs from the others, is left out and
// named in Problem; the rest are shown.
func streamsOf(s strava.Streams) ui.Streams {
	var out ui.Streams
	var problems []string
	n := -1 // the common length, set by the first stream read
	keep := func(key string, length int, err error) bool {
		switch {
		case err != nil:
			problems = append(problems, err.Error())
			return false
		case length == 0:
			return false
		case n < 0:
			n = length
		case length != n:
			problems = append(problems, fmt.Sprintf("stream %s has %d samples, the others %d", key, length, n))
			return false
		}
		return true
	}
	if t, err := s.Time(); keep(strava.StreamTime, len(t), err) {
		out.Time = floats(t)
	}
	if d, err := s.Distance(); keep(strava.StreamDistance, len(d), err) {
		out.Distance = d
	}
	if a, err := s.Altitude(); keep(strava.StreamAltitude, len(a), err) {
		out.Altitude = a
	}
	if v, err := s.VelocitySmooth(); keep(strava.StreamVelocitySmooth, len(v), err) {
		out.Velocity = v
	}
	if h, err := s.Heartrate(); keep(strava.StreamHeartrate, len(h), err) {
		out.Heartrate = floats(h)
	}
	if c, err := s.Cadence(); keep(strava.StreamCadence, len(c), err) {
		out.Cadence = floats(c)
	}
	if w, err := s.Watts(); keep(strava.StreamWatts, len(w), err) {
		out.Watts = make([]float64, len(w))
		for i, x := range w {
			out.Watts[i] = math.NaN()
			if x.Valid {
				out.Watts[i] = float64(x.Value)
			}
		}
	}
	if ll, err := s.LatLng(); keep(strava.StreamLatLng, len(ll), err) {
		out.LatLng = ll
	}
	if len(problems) > 0 {
		out.Problem = "some of Strava's streams cannot be shown: " + strings.Join(problems, "; ")
	}
	return out
}

func floats(in []int) []float64 {
	out := make([]float64, len(in))
	for i, v := range in {
		out[i] = float64(v)
	}
	return out
}
