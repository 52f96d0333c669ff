package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
)

// fixtureLen gives the fixture's middle sample (1000) exactly half way.
const fixtureLen = 2001

// openDetail selects row i of a detailFixture and waits for its charts.
func openDetail(t *testing.T, be *fakeBackend, i int, u Units) (*harness, *detailPanel) {
	t.Helper()
	h := newHarness(t, be)
	if u == Imperial {
		h.ui.settingsSaved(Settings{Units: Imperial})
	}
	h.selectRow(i)
	d := h.ui.detail
	h.until("the charts", func() bool { return d.charts.state == streamsShown || d.charts.state == streamsFailed })
	return h, d
}

func chartNames(d *detailPanel) []string {
	var out []string
	for _, s := range d.charts.chart.series {
		out = append(out, s.name)
	}
	return out
}

func TestOverviewFigures(t *testing.T) {
	tests := []struct {
		name    string
		row     int
		units   Units
		want    map[string]string
		absent  []string
		social  string
		info    string
		flags   string
		streams []string
	}{
		{name: "run in metric: pace", row: 0, units: Metric,
			want: map[string]string{"Distance": "10.00 km", "Moving time": "0:50:00", "Elapsed time": "0:51:40", "Pace": "5:00 /km",
				"Elevation gain": "120 m", "Elevation high": "450 m", "Elevation low": "350 m", "Avg heart rate": "150 bpm",
				"Max heart rate": "171 bpm", "Cadence": "170 spm", "Calories": "702"},
			absent: []string{"Average speed", "Max speed", "Avg power", "Weighted power", "Max power", "Energy output", "Temperature"},
			social: "12 kudos · 1 comment · 3 achievements · 1 PR", info: "Gear: Pegasus 40 · Device: Garmin Forerunner 965",
			streams: []string{"Elevation", "Heart rate", "Pace", "Cadence"}},
		{name: "run in imperial", row: 0, units: Imperial,
			want: map[string]string{"Distance": "6.21 mi", "Pace": "8:03 /mi", "Elevation gain": "394 ft", "Elevation high": "1,476 ft"}},
		{name: "ride: speed and power", row: 1, units: Metric,
			want: map[string]string{"Distance": "40.00 km", "Average speed": "30.0 km/h", "Max speed": "54.0 km/h", "Cadence": "88 rpm",
				"Avg power": "210 W", "Weighted power": "225 W", "Max power": "610 W", "Energy output": "1,008 kJ"},
			absent: []string{"Pace"}, info: "Gear: Canyon Ultimate · Device: Garmin Forerunner 965",
			streams: []string{"Elevation", "Heart rate", "Speed", "Power", "Cadence"}},
		{name: "ride in imperial", row: 1, units: Imperial, want: map[string]string{"Average speed": "18.6 mph", "Distance": "24.85 mi"}},
		{name: "manual: only what was typed in", row: 2, units: Metric,
			want:   map[string]string{"Distance": "5.00 km", "Moving time": "0:25:00", "Elapsed time": "0:25:00", "Pace": "5:00 /km"},
			absent: []string{"Elevation gain", "Elevation high", "Avg heart rate", "Cadence", "Calories", "Max speed"},
			social: "0 kudos · 0 comments · 0 achievements · 0 PRs", flags: "Manual"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, d := openDetail(t, detailFixture(fixtureLen), tt.row, tt.units)
			got := shownStats(d)
			for caption, value := range tt.want {
				if got[caption] != value {
					t.Errorf("%s = %q, want %q", caption, got[caption], value)
				}
			}
			for _, caption := range tt.absent {
				if v, ok := got[caption]; ok {
					t.Errorf("%s shown (%q); Strava did not send it", caption, v)
				}
			}
			for caption, value := range got {
				if value == "" || value == noValue || strings.HasPrefix(value, "0 ") || value == "0" {
					t.Errorf("%s = %q: an empty figure is shown", caption, value)
				}
			}
			if tt.social != "" && d.social.Text != tt.social {
				t.Errorf("social = %q, want %q", d.social.Text, tt.social)
			}
			if tt.info != "" && d.info.Text != tt.info {
				t.Errorf("info = %q, want %q", d.info.Text, tt.info)
			}
			if tt.flags != "" && d.flags.Text != tt.flags {
				t.Errorf("flags = %q, want %q", d.flags.Text, tt.flags)
			}
			if tt.streams != nil && !slices.Equal(chartNames(d), tt.streams) {
				t.Errorf("charts = %q, want %q", chartNames(d), tt.streams)
			}
		})
	}
}

func TestManualActivityHasNoRouteNoStreamsNoEmptyRows(t *testing.T) {
	be := detailFixture(fixtureLen)
	h, d := openDetail(t, be, 2, Metric)
	if _, placeholder := routeParts(d.route); !strings.HasPrefix(placeholder, "No route") {
		t.Errorf("route placeholder = %q", placeholder)
	}
	if d.charts.status.Text != msgManualStreams || d.charts.chart.Visible() || d.charts.readout.Visible() {
		t.Errorf("charts: status %q, chart visible %v, readout visible %v", d.charts.status.Text, d.charts.chart.Visible(), d.charts.readout.Visible())
	}
	if calls := locked(be, func() []int64 { return slices.Clone(be.streamCalls) }); len(calls) != 0 {
		t.Errorf("streams asked for %v; a manual activity has none", calls)
	}
	if d.info.Visible() || d.timezone.Visible() {
		t.Errorf("empty rows shown: info %q (visible %v), timezone visible %v", d.info.Text, d.info.Visible(), d.timezone.Visible())
	}
	d.tabs.SelectIndex(1)
	h.pump.drain()
	if !d.laps.placeholder.Visible() || d.laps.placeholder.Text != msgNoLaps || d.laps.list.Visible() {
		t.Errorf("laps: placeholder %q visible %v, list visible %v", d.laps.placeholder.Text, d.laps.placeholder.Visible(), d.laps.list.Visible())
	}
}

func TestLapsAndSplitsTables(t *testing.T) {
	tests := []struct {
		units                Units
		lapRow0, lapRow1     []string
		splitHeader          string
		splitRow0, splitLast []string
		splits               int
	}{
		{Metric, []string{"Lap 1", "5.00 km", "0:25:00", "5:00 /km", "60 m", "150 bpm"},
			[]string{"Lap 2", "5.00 km", "0:25:00", "5:00 /km", "60 m", ""},
			"km", []string{"1", "1.00 km", "0:05:00", "5:00 /km", "+5 m", "150 bpm"},
			[]string{"10", "1.00 km", "0:05:00", "5:00 /km", "-4 m", "150 bpm"}, 10},
		{Imperial, []string{"Lap 1", "3.11 mi", "0:25:00", "8:03 /mi", "197 ft", "150 bpm"},
			[]string{"Lap 2", "3.11 mi", "0:25:00", "8:03 /mi", "197 ft", ""},
			"mi", []string{"1", "1.00 mi", "0:08:02", "8:03 /mi", "0 ft", ""},
			[]string{"7", "0.21 mi", "0:01:43", "8:03 /mi", "0 ft", ""}, 7},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.units), func(t *testing.T) {
			be := detailFixture(fixtureLen)
			be.acts[0].Laps[0].AverageHeartrate = ptr(150.0)
			h, d := openDetail(t, be, 0, tt.units)
			d.tabs.SelectIndex(1)
			h.pump.drain()
			laps := visibleRows(d.laps.list)
			if len(laps) != 2 || !slices.Equal(laps[0], tt.lapRow0) || !slices.Equal(laps[1], tt.lapRow1) {
				t.Errorf("laps = %q, want %q and %q", laps, tt.lapRow0, tt.lapRow1)
			}
			d.tabs.SelectIndex(2)
			h.pump.drain()
			if got := cellLabel(d.splits.header.Objects[0]).Text; got != tt.splitHeader {
				t.Errorf("split header = %q, want %q", got, tt.splitHeader)
			}
			if len(d.splits.rows) != tt.splits || !slices.Equal(d.splits.rows[0], tt.splitRow0) ||
				!slices.Equal(d.splits.rows[len(d.splits.rows)-1], tt.splitLast) {
				t.Fatalf("splits = %q", d.splits.rows)
			}
			if shown := visibleRows(d.splits.list); len(shown) == 0 || !slices.Equal(shown[0], tt.splitRow0) {
				t.Errorf("visible splits = %q", shown)
			}
		})
	}
}

// TestLongTablesScroll: 60 laps scroll inside the Laps tab; the window keeps its size.
func TestLongTablesScroll(t *testing.T) {
	be := detailFixture(fixtureLen)
	for k := 3; k <= 60; k++ {
		be.acts[0].Laps = append(be.acts[0].Laps, Lap{Name: fmt.Sprintf("Lap %d", k), Distance: 100, MovingTime: 30, ElapsedTime: 30, AverageSpeed: 3.3})
	}
	h, d := openDetail(t, be, 0, Metric)
	size := h.ui.win.Canvas().Size()
	d.tabs.SelectIndex(1)
	h.pump.drain()
	shown := visibleRows(d.laps.list)
	if len(shown) == 0 || len(shown) >= 60 || h.ui.win.Canvas().Size() != size {
		t.Fatalf("%d of 60 laps on screen, window %v (was %v): want a scrolling table", len(shown), h.ui.win.Canvas().Size(), size)
	}
	d.laps.list.ScrollToBottom()
	if last := visibleRows(d.laps.list); last[len(last)-1][0] != "Lap 60" {
		t.Errorf("after scrolling: %q", last[len(last)-1])
	}
}

func TestAxisTicks(t *testing.T) {
	labels := func(ts []tick) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.label)
		}
		return out
	}
	tests := []struct {
		name   string
		x      xAxis
		lo, hi float64
		width  float32
		want   []string
	}{
		{"10 km", xAxis{distance: true, units: Metric}, 0, 10000, 500, []string{"0 km", "2 km", "4 km", "6 km", "8 km", "10 km"}},
		{"10 km in miles", xAxis{distance: true, units: Imperial}, 0, 10000, 500, []string{"0 mi", "1 mi", "2 mi", "3 mi", "4 mi", "5 mi", "6 mi"}},
		{"narrow", xAxis{distance: true, units: Metric}, 0, 10000, 150, []string{"0 km", "5 km", "10 km"}},
		{"short", xAxis{distance: true, units: Metric}, 0, 800, 500, []string{"0 km", "0.2 km", "0.4 km", "0.6 km", "0.8 km"}},
		{"time", xAxis{}, 0, 3000, 500, []string{"0:00", "0:10", "0:20", "0:30", "0:40", "0:50"}},
		{"hours", xAxis{}, 0, 5 * 3600, 300, []string{"0:00", "2:00", "4:00"}},
		{"seconds", xAxis{}, 0, 100, 500, []string{"0:00", "0:15", "0:30", "0:45", "1:00", "1:15", "1:30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := labels(axisTicks(tt.x, tt.lo, tt.hi, tt.width, chartMinTick)); !slices.Equal(got, tt.want) {
				t.Errorf("ticks = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestColumnRanges(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	vs := []float64{5, 1, 3, math.NaN(), math.NaN(), math.NaN(), 2, 8}
	cols := columnRanges(xs, vs, 0, 8, 4) // two samples per column
	want := []column{{lo: 1, hi: 5, last: 1, ok: true}, {lo: 3, hi: 3, last: 3, ok: true}, {}, {lo: 2, hi: 8, last: 8, ok: true}}
	if !slices.Equal(cols, want) {
		t.Errorf("columns = %+v, want %+v", cols, want)
	}
}

// texts lists the canvas texts drawn under o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, c := range visible(o) {
		if t, ok := c.(*canvas.Text); ok {
			out = append(out, t.Text)
		}
	}
	return out
}

func TestChartsDrawnWithAxisAndHover(t *testing.T) {
	be := detailFixture(fixtureLen)
	h, d := openDetail(t, be, 0, Metric)
	c := d.charts.chart
	if !c.Visible() || len(c.series) != 4 {
		t.Fatalf("chart visible %v with %d series", c.Visible(), len(c.series))
	}
	drawn := texts(c)
	for _, want := range []string{"Elevation", "450 m", "350 m", "Heart rate", "Pace", "Cadence", "0 km", "10 km"} {
		if !slices.Contains(drawn, want) {
			t.Errorf("chart lacks %q: %q", want, drawn)
		}
	}
	// The elevation panel's image has the profile's colour in it.
	img := c.paint(0, 200, 50)
	if r, g, b, _ := img.At(100, 49).RGBA(); r == 0 && g == 0 && b == 0 {
		t.Error("the elevation profile is not painted")
	}

	middle := chartGutter + c.plotWidth()/2
	c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(middle, 10)}})
	want := "5.00 km · 0:25:00 — Elevation 400 m · Heart rate 140 bpm · Pace 5:00 /km · Cadence 170 spm"
	if d.charts.readout.Text != want {
		t.Errorf("readout = %q, want %q", d.charts.readout.Text, want)
	}
	if !c.crosshair.Visible() || math.Abs(float64(c.crosshair.Position1.X-middle)) > 1 {
		t.Errorf("crosshair visible %v at %v, want x %v", c.crosshair.Visible(), c.crosshair.Position1, middle)
	}
	rr := d.route.renderer
	wantAt := rr.proj.at(be.streams[1].LatLng[fixtureLen/2])
	if !rr.marker.Visible() || distance(rr.marker.Position().AddXY(routeMarkerSize/2, routeMarkerSize/2), wantAt) > 0.5 {
		t.Errorf("route marker visible %v at %v, want centred on %v", rr.marker.Visible(), rr.marker.Position(), wantAt)
	}
	c.MouseOut()
	if rr.marker.Visible() || c.crosshair.Visible() || d.charts.readout.Text != msgHoverCharts {
		t.Errorf("after leaving: marker %v crosshair %v readout %q", rr.marker.Visible(), c.crosshair.Visible(), d.charts.readout.Text)
	}
	h.ui.settingsSaved(Settings{Units: Imperial})
	if drawn := texts(c); !slices.Contains(drawn, "6 mi") || !slices.Contains(drawn, "1,476 ft") {
		t.Errorf("imperial chart texts = %q", drawn)
	}
}

func TestChartsWithoutStreams(t *testing.T) {
	be := detailFixture(fixtureLen)
	delete(be.streams, 1)
	_, d := openDetail(t, be, 0, Metric)
	if d.charts.status.Text != msgNoStreams || d.charts.chart.Visible() {
		t.Errorf("status %q, chart visible %v", d.charts.status.Text, d.charts.chart.Visible())
	}
	// Time only (an indoor workout with a heart-rate strap): drawn against time.
	be.streams[2] = Streams{Time: []float64{0, 60, 120}, Heartrate: []float64{100, 120, 110}}
	h, d := openDetail(t, be, 1, Metric)
	_ = h
	if got := chartNames(d); !slices.Equal(got, []string{"Heart rate"}) || d.charts.chart.x.distance {
		t.Errorf("charts %q against distance %v, want heart rate against time", got, d.charts.chart.x.distance)
	}
}

func TestStreamsLoadWithoutBlockingAndOnce(t *testing.T) {
	be := detailFixture(fixtureLen)
	release := make(chan struct{})
	be.beforeStreams = func() { <-release }
	h := newHarness(t, be)
	h.selectRow(0)
	d := h.ui.detail
	if d.charts.state != streamsLoading || d.charts.status.Text != msgStreamsLoading {
		t.Fatalf("while loading: state %d status %q", d.charts.state, d.charts.status.Text)
	}
	// The window keeps working meanwhile.
	d.tabs.SelectIndex(1)
	d.tabs.SelectIndex(0)
	h.handOff("the streams", func() { close(release) })
	if d.charts.state != streamsShown || !d.charts.chart.Visible() {
		t.Fatalf("after loading: state %d", d.charts.state)
	}
	h.handOff("the reload", func() { h.be.emit(Event{Kind: EventActivitiesChanged}) })
	h.pump.drain()
	if calls := locked(be, func() []int64 { return slices.Clone(be.streamCalls) }); !slices.Equal(calls, []int64{1}) {
		t.Errorf("streams asked for %v, want once for activity 1", calls)
	}
}

func TestAllFieldsGroups(t *testing.T) {
	h, d := openDetail(t, detailFixture(fixtureLen), 0, Metric)
	ft := d.fields
	root := ft.kids("")
	if !slices.Contains(root, "laps") || !slices.Contains(root, "splits_metric") || !slices.Contains(root, "best_efforts") {
		t.Fatalf("top level = %q", root)
	}
	if got := ft.kids("laps"); !slices.Equal(got, []string{"laps[0]", "laps[1]"}) || !ft.isBranch("laps") {
		t.Errorf("laps = %q", got)
	}
	if got := ft.kids("laps[0]"); !slices.Equal(got, []string{"laps[0].distance", "laps[0].name"}) {
		t.Errorf("laps[0] = %q", got)
	}
	if ft.isBranch("segment_efforts") || ft.nodes["segment_efforts"].Field.Raw != "[]" {
		t.Errorf("segment_efforts = %+v, want an empty leaf", ft.nodes["segment_efforts"])
	}
	d.tabs.SelectIndex(3)
	h.pump.drain()
	rows := func() [][]string {
		var out [][]string
		for _, o := range visible(ft.view) {
			if c, ok := o.(*fyne.Container); ok {
				if _, isRow := c.Layout.(columns); isRow && len(c.Objects) == 3 {
					out = append(out, []string{cellLabel(c.Objects[0]).Text, cellLabel(c.Objects[1]).Text, cellLabel(c.Objects[2]).Text})
				}
			}
		}
		return out
	}
	if got := rows(); !slices.ContainsFunc(got, func(r []string) bool { return r[0] == "laps" && r[1] == "2 items" }) ||
		slices.ContainsFunc(got, func(r []string) bool { return r[0] == "name" && r[2] == "Lap 1" }) {
		t.Errorf("closed groups: rows %q", got)
	}
	ft.view.OpenBranch("laps")
	ft.view.OpenBranch("laps[0]")
	h.pump.drain()
	if got := rows(); !slices.ContainsFunc(got, func(r []string) bool { return r[0] == "distance" && r[1] == "5.00 km" && r[2] == "5000" }) {
		t.Errorf("open laps[0]: rows %q", got)
	}
	ft.view.Select("laps[0].distance")
	if ft.selected.Text != "laps[0].distance = 5000 (5.00 km)" || ft.copy.Disabled() || !ft.selected.Selectable {
		t.Errorf("selected %q, copy disabled %v", ft.selected.Text, ft.copy.Disabled())
	}
	ft.copyValue()
	if got := fyne.CurrentApp().Clipboard().Content(); got != "5000" {
		t.Errorf("clipboard = %q", got)
	}
	// A reload (stored data changed) and new units keep the open groups.
	h.handOff("the reload", d.reload)
	h.ui.settingsSaved(Settings{Units: Imperial})
	h.pump.drain()
	if !ft.view.IsBranchOpen("laps[0]") || !slices.ContainsFunc(rows(), func(r []string) bool { return r[0] == "distance" && r[1] == "3.11 mi" }) {
		t.Errorf("after a reload and imperial units: laps[0] open %v, rows %q", ft.view.IsBranchOpen("laps[0]"), rows())
	}
}

func TestScaleLength(t *testing.T) {
	tests := []struct {
		max        float64
		units      Units
		wantMetres float64
		wantLabel  string
	}{
		{1500, Metric, 1000, "1 km"},
		{999, Metric, 500, "500 m"},
		{12000, Metric, 10000, "10 km"},
		{3, Metric, 2, "2 m"},
		{700, Imperial, 2000 / feetPerMetre, "2,000 ft"},
		{1000 * metresPerMile, Imperial, 1000 * metresPerMile, "1,000 mi"},
		{0.7 * metresPerMile, Imperial, 0.5 * metresPerMile, "0.5 mi"},
	}
	for _, tt := range tests {
		m, label := scaleLength(tt.max, tt.units)
		if math.Abs(m-tt.wantMetres) > 1e-6 || label != tt.wantLabel {
			t.Errorf("scaleLength(%v, %v) = %v %q, want %v %q", tt.max, tt.units, m, label, tt.wantMetres, tt.wantLabel)
		}
	}
}

func TestRouteScaleBarAndResize(t *testing.T) {
	test := newHarness(t, detailFixture(fixtureLen))
	_ = test
	r := newRouteView()
	r.Resize(fyne.NewSize(300, 200))
	route := loopRoute(100) // 0.024° × 0.04° ≈ 2.7 × 3.0 km
	r.setRoute(route, "", Metric)
	if got := texts(r); !slices.Contains(got, "1 km") {
		t.Errorf("scale bar = %q, want 1 km", got)
	}
	for _, size := range []fyne.Size{fyne.NewSize(600, 400), fyne.NewSize(220, 160)} {
		r.Resize(size)
		minX, minY, maxX, maxY := float32(math.MaxFloat32), float32(math.MaxFloat32), float32(0), float32(0)
		for _, o := range visible(r) {
			if l, ok := o.(*canvas.Line); ok && l.StrokeColor == theme.Color(theme.ColorNamePrimary) {
				for _, p := range []fyne.Position{l.Position1, l.Position2} {
					minX, maxX, minY, maxY = min(minX, p.X), max(maxX, p.X), min(minY, p.Y), max(maxY, p.Y)
				}
			}
		}
		if minX < routePadding-1 || minY < routePadding-1 || maxX > size.Width-routePadding+1 || maxY > size.Height-routePadding+1 {
			t.Errorf("at %v the route spans (%v,%v)-(%v,%v): outside the view", size, minX, minY, maxX, maxY)
		}
		if maxX-minX < size.Width-2*routePadding-2 && maxY-minY < size.Height-2*routePadding-2 {
			t.Errorf("at %v the route spans (%v,%v)-(%v,%v): does not fill the view", size, minX, minY, maxX, maxY)
		}
	}
	r.setRoute(route, "", Imperial)
	if got := texts(r); !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " mi") || strings.HasSuffix(s, " ft") }) {
		t.Errorf("imperial scale bar = %q", got)
	}
}
