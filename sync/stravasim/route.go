package stravasim

import (
	"math"
	"math/rand/v2"

	"github.com/twpayne/go-polyline"
)

// A route is a smooth closed (or, with drift, open) curve: a sum of a few
// harmonics, evaluated analytically. The summary polyline, the detailed
// polyline and the latlng/altitude/distance streams are all samples of the
// same curve, so they agree with each other and with the activity's totals.

const (
	harmonics         = 4
	altHarmonics      = 3
	shapeSamples      = 64 // samples used for the activity's totals
	summaryPoints     = 40 // points of map.summary_polyline
	maxStreamPoints   = 3000
	metresPerDegree   = 111_320.0
	secondsPerPoint   = 4 // stream resolution
	minStreamPoints   = 2
	altitudeFloor     = 5.0
	routeSeedConstant = 0x5eed_cafe
)

type shape struct {
	ax, bx, ay, by [harmonics]float64
	dx, dy         float64
	altAmp         [altHarmonics]float64
	altCos, altSin [altHarmonics]float64 // cos/sin of each altitude harmonic's phase
}

func newShape(seed uint64) shape {
	rng := rand.New(rand.NewPCG(seed, routeSeedConstant))
	var s shape
	theta := 2 * math.Pi * rng.Float64()
	a, b := 1.0, 0.35+0.65*rng.Float64()
	if rng.IntN(2) == 0 {
		b = -b // clockwise or counter-clockwise
	}
	s.ax[0], s.bx[0] = a*math.Cos(theta), -b*math.Sin(theta)
	s.ay[0], s.by[0] = a*math.Sin(theta), b*math.Cos(theta)
	for k := 1; k < harmonics; k++ {
		amp := 0.18 / float64(k+1)
		s.ax[k], s.bx[k] = amp*(2*rng.Float64()-1), amp*(2*rng.Float64()-1)
		s.ay[k], s.by[k] = amp*(2*rng.Float64()-1), amp*(2*rng.Float64()-1)
	}
	if rng.IntN(4) == 0 { // point to point instead of a loop
		s.dx, s.dy = 2*rng.Float64()-1, 2*rng.Float64()-1
	}
	for k := range altHarmonics {
		s.altAmp[k] = rng.Float64() / float64(k+1)
		phase := 2 * math.Pi * rng.Float64()
		s.altCos[k], s.altSin[k] = math.Cos(phase), math.Sin(phase)
	}
	return s
}

// at returns the route's offset from its start (shape units) and the shape
// of the altitude profile at t ∈ [0, 1]. Harmonics use angle addition, so
// only one sin/cos pair is evaluated per point.
func (s *shape) at(t float64) (x, y, alt float64) {
	c1, s1 := math.Cos(2*math.Pi*t), math.Sin(2*math.Pi*t)
	ck, sk := c1, s1
	for k := range harmonics {
		x += s.ax[k]*(ck-1) + s.bx[k]*sk
		y += s.ay[k]*(ck-1) + s.by[k]*sk
		if k < altHarmonics {
			alt += s.altAmp[k] * (sk*s.altCos[k] + ck*s.altSin[k])
		}
		ck, sk = ck*c1-sk*s1, sk*c1+ck*s1
	}
	return x + s.dx*t, y + s.dy*t, alt
}

// shapeRoute fixes the scale of the route so it is a.distance long, the
// altitude profile so it climbs a.elevGain, and the summary polyline.
func (a *activity) shapeRoute(rng *rand.Rand) {
	if !a.gps {
		return
	}
	sh := newShape(a.routeSeed)
	var length, gain float64
	lo, hi := math.Inf(1), math.Inf(-1)
	var px, py, palt float64
	for i := 0; i <= shapeSamples; i++ {
		x, y, alt := sh.at(float64(i) / shapeSamples)
		if i > 0 {
			length += math.Hypot(x-px, y-py)
			gain += max(0, alt-palt)
		}
		lo, hi = min(lo, alt), max(hi, alt)
		px, py, palt = x, y, alt
	}
	a.scale = a.distance / length
	target := a.spec.climb * a.distance / 1000 * (0.5 + rng.Float64())
	a.altScale = 0
	if gain > 0 {
		a.altScale = target / gain
	}
	a.altBase = max(a.place.alt, altitudeFloor-a.altScale*lo)
	a.elevGain = round(a.altScale*gain, 1)
	a.elevLow = round(a.altBase+a.altScale*lo, 1)
	a.elevHigh = round(a.altBase+a.altScale*hi, 1)

	flat := make([]float64, 0, 2*summaryPoints)
	for i := range summaryPoints {
		lat, lng, _ := a.pointAt(&sh, float64(i)/(summaryPoints-1))
		flat = append(flat, lat, lng)
	}
	a.summaryPolyline = encodePolyline(flat)
}

// pointAt is the position and altitude of the route at t ∈ [0, 1].
func (a *activity) pointAt(sh *shape, t float64) (lat, lng, alt float64) {
	x, y, al := sh.at(t)
	lat0, lng0 := a.place.lat, a.place.lng
	lat = lat0 + y*a.scale/metresPerDegree
	lng = lng0 + x*a.scale/(metresPerDegree*math.Cos(lat0*math.Pi/180))
	return lat, lng, a.altBase + a.altScale*al
}

func encodePolyline(flat []float64) string {
	b, err := polyline.Codec{Dim: 2, Scale: 1e5}.EncodeFlatCoords(nil, flat)
	if err != nil { // only for an odd number of values, which callers never pass
		return ""
	}
	return string(b)
}

// track is the sampled recording of an activity: what the streams, the
// detailed polyline, laps and splits are computed from.
type track struct {
	n        int
	latlng   [][2]float64 // nil without GPS
	alt      []float64    // nil without GPS
	dist     []float64    // nil without distance
	time     []int
	hr       []int // nil without heart rate
	cadence  []int // nil without cadence
	watts    []int // nil without power
	velocity []float64
	grade    []float64
	pause    int     // index after which the pause happened
	stepMove float64 // moving seconds between two points
}

// track samples the activity; nil for manual activities, which have no streams.
func (a *activity) track() *track {
	if !a.hasStreams() {
		return nil
	}
	n := max(minStreamPoints, min(maxStreamPoints, a.moving/secondsPerPoint))
	tr := &track{n: n, time: make([]int, n), pause: int(a.pauseAt * float64(n-1))}
	tr.stepMove = float64(a.moving) / float64(n-1)
	pause := a.elapsed - a.moving
	for i := range n {
		tr.time[i] = int(math.Round(tr.stepMove * float64(i)))
		if i > tr.pause {
			tr.time[i] += pause
		}
	}
	tr.time[n-1] = a.elapsed
	rng := rand.New(rand.NewPCG(a.routeSeed, uint64(a.id)))
	switch {
	case a.gps:
		a.sampleRoute(tr)
	case a.distance > 0:
		tr.dist = make([]float64, n)
		for i := range n {
			u := float64(i) / float64(n-1)
			tr.dist[i] = round(a.distance*(u+0.3*math.Sin(6*math.Pi*u)/(6*math.Pi)), 1)
		}
	}
	if tr.dist != nil {
		tr.velocity = make([]float64, n)
		for i := 1; i < n; i++ {
			j := max(0, i-2)
			tr.velocity[i] = round((tr.dist[i]-tr.dist[j])/(tr.stepMove*float64(i-j)), 3)
		}
	}
	wave := func(i int, period float64) float64 {
		return math.Sin(2*math.Pi*float64(i)/float64(n)*period + float64(a.routeSeed%7))
	}
	if a.hasHR {
		tr.hr = make([]int, n)
		for i := range n {
			v := a.avgHR + (a.maxHR-a.avgHR)*0.7*wave(i, 3) + 2*rng.NormFloat64()
			tr.hr[i] = int(math.Round(min(a.maxHR, max(60, v))))
		}
	}
	if a.avgCadence > 0 {
		tr.cadence = make([]int, n)
		for i := range n {
			tr.cadence[i] = int(math.Round(max(0, a.avgCadence+3*rng.NormFloat64())))
		}
	}
	if a.watts {
		tr.watts = make([]int, n)
		for i := range n {
			v := a.avgWatts*(1+0.3*wave(i, 5)) + 15*rng.NormFloat64()
			tr.watts[i] = int(math.Round(min(a.maxWatts, max(0, v))))
		}
	}
	return tr
}

// sampleRoute fills positions, altitudes, distances and grades from the route shape.
func (a *activity) sampleRoute(tr *track) {
	sh := newShape(a.routeSeed)
	n := tr.n
	tr.latlng = make([][2]float64, n)
	tr.alt = make([]float64, n)
	tr.dist = make([]float64, n)
	tr.grade = make([]float64, n)
	for i := range n {
		lat, lng, alt := a.pointAt(&sh, float64(i)/float64(n-1))
		tr.latlng[i] = [2]float64{round(lat, 6), round(lng, 6)}
		tr.alt[i] = round(alt, 1)
		if i > 0 {
			dy := (lat - tr.latlng[i-1][0]) * metresPerDegree
			dx := (lng - tr.latlng[i-1][1]) * metresPerDegree * math.Cos(lat*math.Pi/180)
			tr.dist[i] = tr.dist[i-1] + math.Hypot(dx, dy)
		}
	}
	// The sampled length differs from the total by rounding; scale so the
	// last point is exactly the activity's distance.
	if total := tr.dist[n-1]; total > 0 {
		for i := range n {
			tr.dist[i] = round(tr.dist[i]*a.distance/total, 1)
		}
	}
	tr.dist[n-1] = a.distance
	for i := 1; i < n; i++ {
		if d := tr.dist[i] - tr.dist[i-1]; d > 0.5 {
			tr.grade[i] = round(100*(tr.alt[i]-tr.alt[i-1])/d, 1)
		}
	}
}

// polyline is the detailed polyline: every point of the track.
func (tr *track) polyline() string {
	flat := make([]float64, 0, 2*len(tr.latlng))
	for _, p := range tr.latlng {
		flat = append(flat, p[0], p[1])
	}
	return encodePolyline(flat)
}

// segment is a stretch of the track between two point indices (inclusive).
type segment struct{ start, end int }

// segments cuts the track every `length` metres (laps, splits). Without
// distance the whole track is one segment.
func (tr *track) segments(length float64) []segment {
	if tr.dist == nil || length <= 0 {
		return []segment{{0, tr.n - 1}}
	}
	var out []segment
	start, next := 0, length
	for i := 1; i < tr.n; i++ {
		if tr.dist[i] >= next || i == tr.n-1 {
			if i > start {
				out = append(out, segment{start, i})
			}
			start = i
			for next <= tr.dist[i] {
				next += length
			}
		}
	}
	if len(out) == 0 {
		out = append(out, segment{0, tr.n - 1})
	}
	return out
}

// segStats are the totals of a segment, as laps and splits report them.
type segStats struct {
	elapsed, moving int
	distance        float64
	gain, elevDiff  float64
	avgSpeed        float64
	maxSpeed        float64
	avgHR, maxHR    float64
	avgCadence      float64
	avgWatts        float64
}

func (tr *track) stats(sg segment) segStats {
	var st segStats
	st.elapsed = tr.time[sg.end] - tr.time[sg.start]
	st.moving = int(math.Round(tr.stepMove * float64(sg.end-sg.start)))
	if tr.dist != nil {
		st.distance = round(tr.dist[sg.end]-tr.dist[sg.start], 1)
	}
	if st.moving > 0 {
		st.avgSpeed = round(st.distance/float64(st.moving), 3)
	}
	var hr, cad, watts float64
	for i := sg.start; i <= sg.end; i++ {
		if tr.velocity != nil {
			st.maxSpeed = max(st.maxSpeed, tr.velocity[i])
		}
		if tr.alt != nil && i > sg.start {
			st.gain += max(0, tr.alt[i]-tr.alt[i-1])
		}
		if tr.hr != nil {
			hr += float64(tr.hr[i])
			st.maxHR = max(st.maxHR, float64(tr.hr[i]))
		}
		if tr.cadence != nil {
			cad += float64(tr.cadence[i])
		}
		if tr.watts != nil {
			watts += float64(tr.watts[i])
		}
	}
	cnt := float64(sg.end - sg.start + 1)
	st.avgHR, st.avgCadence, st.avgWatts = round(hr/cnt, 1), round(cad/cnt, 1), round(watts/cnt, 1)
	st.gain = round(st.gain, 1)
	if tr.alt != nil {
		st.elevDiff = round(tr.alt[sg.end]-tr.alt[sg.start], 1)
	}
	return st
}

// hasStreams: manual activities, and indoor ones recorded without any sensor
// (no GPS, heart rate, power or cadence), have no streams on Strava.
func (a *activity) hasStreams() bool {
	return !a.manual && (a.gps || a.hasHR || a.watts || a.avgCadence > 0 || a.distance > 0)
}
