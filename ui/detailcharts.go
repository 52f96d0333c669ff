package ui

import (
	"context"
	"image/color"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const (
	msgStreamsLoading = "Loading the streams…"
	msgNoStreams      = "No streams for this activity."
	msgManualStreams  = "No streams for this activity: it was entered by hand."
	msgHoverCharts    = "Point at a chart to see the values there and the position on the route."
)

// streamState is what the charts show.
type streamState int

const (
	streamsNone    streamState = iota // no activity
	streamsLoading                    // asked the backend
	streamsShown                      // drawn (or none to draw)
	streamsFailed                     // the backend failed; shown again on the next show
)

// chartsPanel loads the shown activity's streams once and draws them.
type chartsPanel struct {
	lib     Library
	w       worker
	load    latest
	id      int64 // the activity whose streams are shown or loading
	state   streamState
	streams Streams
	sport   string
	manual  bool
	x       xAxis
	series  []chartSeries
	// onHover marks the hovered [lat, lng] on the route; ok false clears it.
	onHover func(at [2]float64, ok bool)
	// resized tells the container that the panel's height changed.
	resized func()

	status  *widget.Label // loading, none, failed
	readout *widget.Label // values under the pointer
	chart   *chartView
	content fyne.CanvasObject
}

func newChartsPanel(lib Library, w worker, onHover func([2]float64, bool)) *chartsPanel {
	c := &chartsPanel{lib: lib, w: w, onHover: onHover, resized: func() {}}
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.readout = widget.NewLabel(msgHoverCharts)
	c.readout.Wrapping = fyne.TextWrapWord
	c.chart = newChartView(c.hovered)
	c.content = container.NewVBox(c.status, container.New(linesLayout{lines: 2}, c.readout), c.chart)
	c.readout.Hide()
	return c
}

// show loads a's streams unless they are shown or loading already. A
// manual activity has none and nothing is asked.
func (c *chartsPanel) show(a Activity, u Units) {
	if a.ID == c.id && (c.state == streamsLoading || c.state == streamsShown) {
		return
	}
	c.load.stop()
	c.id, c.sport, c.manual, c.streams = a.ID, a.SportType, a.Manual, Streams{}
	if a.Manual {
		c.state = streamsShown
		c.draw(u)
		return
	}
	c.state = streamsLoading
	c.draw(u)
	id := a.ID
	ctx, gen := c.load.next(c.w.ctx)
	background(ctx, c.w.do, func(ctx context.Context) (Streams, error) {
		return c.lib.Streams(ctx, id)
	}, func(s Streams, err error) {
		if !c.load.current(gen) || c.id != id {
			return
		}
		if err != nil {
			c.state = streamsFailed
			c.setStatus("Couldn't load the streams: " + err.Error())
			return
		}
		c.state, c.streams = streamsShown, s
		c.draw(u)
	})
}

// clear forgets the shown streams (another activity, still loading).
func (c *chartsPanel) clear() {
	c.load.stop()
	c.id, c.state, c.streams = 0, streamsNone, Streams{}
	c.setStatus(msgDetailLoading)
}

func (c *chartsPanel) setStatus(text string) {
	c.status.SetText(text)
	c.status.Show()
	c.readout.Hide()
	c.chart.setData(xAxis{}, nil)
	c.chart.Hide()
	c.resized()
}

// draw shows the streams in the units u (again after a change of units).
func (c *chartsPanel) draw(u Units) {
	switch c.state {
	case streamsLoading:
		c.setStatus(msgStreamsLoading)
		return
	case streamsNone, streamsFailed:
		return
	}
	c.x, c.series = chartData(c.streams, c.sport, u)
	if len(c.series) == 0 {
		msg := msgNoStreams
		if c.manual {
			msg = msgManualStreams
		}
		c.setStatus(joinNonEmpty(" ", msg, c.streams.Problem))
		return
	}
	c.status.SetText(c.streams.Problem)
	c.status.Hidden = c.streams.Problem == ""
	c.status.Refresh()
	c.readout.SetText(msgHoverCharts)
	c.readout.Show()
	c.chart.Show()
	c.chart.setData(c.x, c.series)
	c.resized()
}

// hovered shows the values at sample i and marks the route there.
func (c *chartsPanel) hovered(i int) {
	if i < 0 || i >= c.streams.Len() {
		setLabel(c.readout, msgHoverCharts)
		c.onHover([2]float64{}, false)
		return
	}
	setLabel(c.readout, readoutAt(c.x, c.series, c.streams, i)) // the pointer moves within one sample
	if i < len(c.streams.LatLng) {
		c.onHover(c.streams.LatLng[i], true)
	} else {
		c.onHover([2]float64{}, false)
	}
}

// linesLayout keeps room for a number of text lines, so a label whose text
// changes under the pointer does not move what is below it.
type linesLayout struct{ lines int }

func (l linesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

func (l linesLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var out fyne.Size
	line := fyne.MeasureText("0", theme.TextSize(), fyne.TextStyle{}).Height
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		out = out.Max(o.MinSize()).Max(fyne.NewSize(0, float32(l.lines)*line+2*theme.InnerPadding()))
	}
	return out
}

// readoutAt is "5.2 km · 0:26:00 — Elevation 412 m · Heart rate 152 bpm …".
func readoutAt(x xAxis, series []chartSeries, s Streams, i int) string {
	var where []string
	if i < len(s.Distance) {
		where = append(where, formatDistance(s.Distance[i], x.units))
	}
	if i < len(s.Time) {
		where = append(where, formatDuration(int(s.Time[i])))
	}
	var values []string
	for _, sr := range series {
		v := noValue
		if i < len(sr.values) && !math.IsNaN(sr.values[i]) {
			v = sr.format(sr.values[i])
		}
		values = append(values, sr.name+" "+v)
	}
	return joinNonEmpty(" — ", strings.Join(where, " · "), strings.Join(values, " · "))
}

// Colours of the charts' streams.
var (
	colourElevation = color.NRGBA{R: 0x8a, G: 0x9a, B: 0x6b, A: 0xff}
	colourHeartrate = color.NRGBA{R: 0xe0, G: 0x3a, B: 0x3e, A: 0xff}
	colourSpeed     = color.NRGBA{R: 0x2f, G: 0x80, B: 0xed, A: 0xff}
	colourPower     = color.NRGBA{R: 0x9b, G: 0x51, B: 0xe0, A: 0xff}
	colourCadence   = color.NRGBA{R: 0x1a, G: 0xa5, B: 0x9a, A: 0xff}
)

// chartData picks the x-axis (distance, else time, else the sample number)
// and the series to draw from the streams Strava sent.
func chartData(s Streams, sport string, u Units) (xAxis, []chartSeries) {
	n := s.Len()
	x := xAxis{units: u}
	switch {
	case len(s.Distance) == n && nonDecreasing(s.Distance):
		x.values, x.distance = s.Distance, true
	case len(s.Time) == n && nonDecreasing(s.Time):
		x.values = s.Time
	default:
		x.values = make([]float64, n)
		for i := range x.values {
			x.values[i] = float64(i)
		}
	}
	var series []chartSeries
	add := func(name string, values []float64, colour color.NRGBA, fill bool, format func(float64) string) {
		if len(values) == n && n > 0 && hasReading(values) {
			series = append(series, chartSeries{name: name, values: values, color: colour, fill: fill, format: format})
		}
	}
	paceFloor := 0.0
	if footSport(sport) {
		// A pace axis down to a standstill would squash the running into a
		// line; stops are drawn at the bottom instead.
		paceFloor = 0.3
	}
	add("Elevation", s.Altitude, colourElevation, true, func(v float64) string { return formatElevation(v, u) })
	add("Heart rate", s.Heartrate, colourHeartrate, false, formatHeartrate)
	add(speedHeader(sport), s.Velocity, colourSpeed, false, func(v float64) string { return formatSpeedOrPace(v, sport, u) })
	if len(series) > 0 && series[len(series)-1].name == speedHeader(sport) {
		series[len(series)-1].floor = paceFloor
	}
	add("Power", s.Watts, colourPower, false, formatWatts)
	add("Cadence", s.Cadence, colourCadence, false, func(v float64) string { return formatCadence(v, sport) })
	return x, series
}

func nonDecreasing(vs []float64) bool {
	for i := 1; i < len(vs); i++ {
		if vs[i] < vs[i-1] || math.IsNaN(vs[i]) {
			return false
		}
	}
	return len(vs) > 0 && !math.IsNaN(vs[0])
}

func hasReading(vs []float64) bool {
	for _, v := range vs {
		if !math.IsNaN(v) {
			return true
		}
	}
	return false
}
