package ui

import (
	"image"
	"image/color"
	"math"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/owtray/owtray/app/textfmt"
)

// The charts are drawn with Fyne's canvas: each stream is a canvas.Raster
// whose image is painted at the pixel width of the chart from per-column
// minimum/maximum envelopes (one pass over the samples), so 10,000 points
// cost one image per panel and hovering only moves a line.

const (
	chartGutter  = 64 // left margin for the value labels
	chartRight   = 10
	chartPanelH  = 56
	chartGap     = 6
	chartAxisH   = 22
	chartMinW    = 260
	chartMinTick = 70 // pixels between x-axis ticks at least
)

// chartSeries is one stream drawn as a panel.
type chartSeries struct {
	name   string
	values []float64 // NaN: no reading
	format func(float64) string
	color  color.NRGBA
	fill   bool    // an area down to the bottom (the elevation profile)
	floor  float64 // the range starts at least at this share of the largest reading
	lo, hi float64 // the value range drawn
}

// xAxis is what the samples are drawn against.
type xAxis struct {
	values   []float64 // non-decreasing: metres or seconds
	distance bool      // metres; false: seconds
	units    Units
}

// chartView draws series one above the other against a shared x-axis.
// Hovering shows a crosshair and reports the sample under the pointer.
type chartView struct {
	widget.BaseWidget
	x       xAxis
	series  []chartSeries
	onHover func(i int) // -1 when the pointer leaves
	hovered int

	plots      []*canvas.Raster
	images     []*image.RGBA // the last painted image of each panel
	crosshair  *canvas.Line
	texts      []*canvas.Text // panel names and value labels, rebuilt by setData
	ticks      []fyne.CanvasObject
	background []*canvas.Rectangle
}

var _ desktop.Hoverable = (*chartView)(nil)

func newChartView(onHover func(int)) *chartView {
	c := &chartView{onHover: onHover, hovered: -1}
	c.crosshair = canvas.NewLine(theme.Color(theme.ColorNameForeground))
	c.crosshair.StrokeWidth = 1
	c.crosshair.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// setData replaces what is drawn; nil series draws nothing.
func (c *chartView) setData(x xAxis, series []chartSeries) {
	c.x, c.series, c.hovered = x, series, -1
	c.crosshair.Hide()
	c.plots, c.images, c.texts, c.background = nil, make([]*image.RGBA, len(series)), nil, nil
	for k := range series {
		s := &c.series[k]
		s.lo, s.hi = valueRange(s.values)
		if s.floor > 0 && s.hi > 0 {
			s.lo = math.Max(s.lo, s.hi*s.floor)
		}
		c.plots = append(c.plots, canvas.NewRaster(func(w, h int) image.Image { return c.paint(k, w, h) }))
		bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
		c.background = append(c.background, bg)
		name := canvas.NewText(s.name, theme.Color(theme.ColorNameForeground))
		name.TextSize, name.TextStyle = theme.CaptionTextSize(), fyne.TextStyle{Bold: true}
		top := canvas.NewText(s.format(s.hi), theme.Color(theme.ColorNamePlaceHolder))
		bottom := canvas.NewText(s.format(s.lo), theme.Color(theme.ColorNamePlaceHolder))
		for _, t := range []*canvas.Text{top, bottom} {
			t.TextSize, t.Alignment = theme.CaptionTextSize(), fyne.TextAlignTrailing
		}
		c.texts = append(c.texts, name, top, bottom)
	}
	c.Refresh()
}

// valueRange is the smallest and largest reading, widened when flat.
func valueRange(vs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	if hi-lo < 1e-9 {
		return lo - 1, hi + 1
	}
	return lo, hi
}

func (c *chartView) plotWidth() float32 { return max(1, c.Size().Width-chartGutter-chartRight) }

// xRange is the first and last x value.
func (c *chartView) xRange() (float64, float64) {
	xs := c.x.values
	if len(xs) == 0 {
		return 0, 1
	}
	lo, hi := xs[0], xs[len(xs)-1]
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// indexAt is the sample nearest to the pointer's x position.
func (c *chartView) indexAt(px float32) int {
	xs := c.x.values
	if len(xs) == 0 {
		return -1
	}
	lo, hi := c.xRange()
	frac := float64((px - chartGutter) / c.plotWidth())
	v := lo + math.Max(0, math.Min(1, frac))*(hi-lo)
	i := sort.SearchFloat64s(xs, v)
	switch {
	case i >= len(xs):
		return len(xs) - 1
	case i > 0 && v-xs[i-1] < xs[i]-v:
		return i - 1
	}
	return i
}

// xPos is the pixel position of sample i.
func (c *chartView) xPos(i int) float32 {
	lo, hi := c.xRange()
	return chartGutter + float32((c.x.values[i]-lo)/(hi-lo))*c.plotWidth()
}

// MouseIn implements desktop.Hoverable.
func (c *chartView) MouseIn(e *desktop.MouseEvent) { c.MouseMoved(e) }

// MouseMoved moves the crosshair to the sample under the pointer and reports it.
func (c *chartView) MouseMoved(e *desktop.MouseEvent) {
	i := c.indexAt(e.Position.X)
	if i < 0 || len(c.series) == 0 {
		return
	}
	c.hover(i)
}

// MouseOut hides the crosshair.
func (c *chartView) MouseOut() {
	c.hovered = -1
	c.crosshair.Hide()
	if c.onHover != nil {
		c.onHover(-1)
	}
}

func (c *chartView) hover(i int) {
	c.hovered = i
	x := c.xPos(i)
	c.crosshair.Position1 = fyne.NewPos(x, 0)
	c.crosshair.Position2 = fyne.NewPos(x, c.panelsHeight())
	c.crosshair.Show()
	c.crosshair.Refresh()
	if c.onHover != nil {
		c.onHover(i)
	}
}

func (c *chartView) panelsHeight() float32 {
	n := float32(len(c.series))
	return n*chartPanelH + max(0, n-1)*chartGap
}

// paint draws panel k at w×h pixels; the image is kept until the size changes.
func (c *chartView) paint(k, w, h int) image.Image {
	if img := c.images[k]; img != nil && img.Bounds().Dx() == w && img.Bounds().Dy() == h {
		return img
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	s := c.series[k]
	lo, hi := c.xRange()
	cols := columnRanges(c.x.values, s.values, lo, hi, w)
	fill := s.color
	fill.A = 0x50
	yOf := func(v float64) int {
		return int(math.Round(float64(h-1) * (1 - (v-s.lo)/(s.hi-s.lo))))
	}
	thick := max(1, h/40)
	prev := math.NaN()
	for x, col := range cols {
		if !col.ok {
			prev = math.NaN()
			continue
		}
		top, bottom := col.hi, col.lo
		if !math.IsNaN(prev) { // join to the previous column
			top, bottom = math.Max(top, prev), math.Min(bottom, prev)
		}
		y0, y1 := yOf(top)-thick, yOf(bottom)+thick
		if s.fill {
			for y := max(0, yOf(col.hi)); y < h; y++ {
				img.SetRGBA(x, y, color.RGBA(premultiply(fill)))
			}
		}
		for y := max(0, y0); y <= min(h-1, y1); y++ {
			img.SetRGBA(x, y, color.RGBA(premultiply(s.color)))
		}
		prev = col.last
	}
	c.images[k] = img
	return img
}

func premultiply(c color.NRGBA) color.RGBA {
	a := uint16(c.A)
	return color.RGBA{R: uint8(uint16(c.R) * a / 255), G: uint8(uint16(c.G) * a / 255), B: uint8(uint16(c.B) * a / 255), A: c.A}
}

// column is the range of the readings that fall into one pixel column.
type column struct {
	lo, hi, last float64
	ok           bool
}

// columnRanges downsamples values to w pixel columns between x = lo and hi:
// each column keeps its smallest, largest and last reading.
func columnRanges(xs, values []float64, lo, hi float64, w int) []column {
	cols := make([]column, w)
	if w == 0 || hi <= lo {
		return cols
	}
	scale := float64(w) / (hi - lo)
	for i, v := range values[:min(len(values), len(xs))] {
		if math.IsNaN(v) {
			continue
		}
		x := min(w-1, max(0, int((xs[i]-lo)*scale)))
		col := &cols[x]
		if !col.ok {
			*col = column{lo: v, hi: v, last: v, ok: true}
			continue
		}
		col.lo, col.hi, col.last = math.Min(col.lo, v), math.Max(col.hi, v), v
	}
	return cols
}

// tick is one labelled position on the x-axis.
type tick struct {
	value float64 // metres or seconds
	label string
}

// axisTicks places ticks at round numbers of the user's units (km or mi,
// or minutes and hours) at least minGap pixels apart over width pixels.
func axisTicks(x xAxis, lo, hi float64, width, minGap float32) []tick {
	maxTicks := max(1, int(width/minGap))
	var unit float64 = 1
	var steps []float64
	var label func(v, step float64) string
	if x.distance {
		unit = 1000
		suffix := " km"
		if x.units == Imperial {
			unit, suffix = metresPerMile, " mi"
		}
		for p := 0.01; p < 1e5; p *= 10 {
			steps = append(steps, p, 2*p, 5*p)
		}
		label = func(v, _ float64) string {
			return trimZeros(formatFloat(v/unit, 2)) + suffix
		}
	} else {
		steps = []float64{10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400}
		label = func(v, step float64) string { return formatClockShort(int(v), step < 60) }
	}
	span := (hi - lo) / unit
	step := steps[len(steps)-1]
	for _, s := range steps {
		if span/s <= float64(maxTicks) {
			step = s
			break
		}
	}
	var out []tick
	for v := math.Ceil(lo/unit/step) * step; v <= hi/unit+1e-9; v += step {
		out = append(out, tick{value: v * unit, label: label(v*unit, step)})
	}
	return out
}

// trimZeros drops trailing zeros of a decimal: "2.50" → "2.5", "3.00" → "3".
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// formatClockShort is h:mm, or m:ss for seconds.
func formatClockShort(s int, seconds bool) string {
	if seconds {
		return textfmt.MinSec(s)
	}
	return textfmt.HourMin(s)
}

// CreateRenderer implements fyne.Widget.
func (c *chartView) CreateRenderer() fyne.WidgetRenderer { return &chartRenderer{c: c} }

type chartRenderer struct {
	c       *chartView
	objects []fyne.CanvasObject
}

func (r *chartRenderer) Destroy() {}

func (r *chartRenderer) MinSize() fyne.Size {
	if len(r.c.series) == 0 {
		return fyne.Size{}
	}
	return fyne.NewSize(chartMinW, r.c.panelsHeight()+chartAxisH)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Refresh() {
	r.Layout(r.c.Size())
	canvas.Refresh(r.c)
}

// Layout places the panels, their labels and the x-axis ticks.
func (r *chartRenderer) Layout(size fyne.Size) {
	c := r.c
	r.objects = r.objects[:0]
	if len(c.series) == 0 {
		return
	}
	plotW := c.plotWidth()
	for k := range c.series {
		y := float32(k) * (chartPanelH + chartGap)
		c.background[k].Move(fyne.NewPos(chartGutter, y))
		c.background[k].Resize(fyne.NewSize(plotW, chartPanelH))
		c.plots[k].Move(fyne.NewPos(chartGutter, y))
		c.plots[k].Resize(fyne.NewSize(plotW, chartPanelH))
		name, top, bottom := c.texts[3*k], c.texts[3*k+1], c.texts[3*k+2]
		name.Move(fyne.NewPos(chartGutter+4, y+2))
		labelH := top.MinSize().Height
		top.Move(fyne.NewPos(0, y))
		top.Resize(fyne.NewSize(chartGutter-6, labelH))
		bottom.Move(fyne.NewPos(0, y+chartPanelH-labelH))
		bottom.Resize(fyne.NewSize(chartGutter-6, labelH))
		r.objects = append(r.objects, c.background[k], c.plots[k], name, top, bottom)
	}
	axisY := c.panelsHeight()
	lo, hi := c.xRange()
	c.ticks = c.ticks[:0]
	for _, t := range axisTicks(c.x, lo, hi, plotW, chartMinTick) {
		x := chartGutter + float32((t.value-lo)/(hi-lo))*plotW
		l := canvas.NewLine(theme.Color(theme.ColorNamePlaceHolder))
		l.Position1, l.Position2 = fyne.NewPos(x, axisY), fyne.NewPos(x, axisY+4)
		txt := canvas.NewText(t.label, theme.Color(theme.ColorNamePlaceHolder))
		txt.TextSize = theme.CaptionTextSize()
		w := txt.MinSize().Width
		txt.Move(fyne.NewPos(min(size.Width-w, max(0, x-w/2)), axisY+4))
		c.ticks = append(c.ticks, l, txt)
	}
	r.objects = append(r.objects, c.ticks...)
	if c.hovered >= 0 && c.hovered < len(c.x.values) {
		x := c.xPos(c.hovered)
		c.crosshair.Position1, c.crosshair.Position2 = fyne.NewPos(x, 0), fyne.NewPos(x, axisY)
	}
	r.objects = append(r.objects, c.crosshair)
}
