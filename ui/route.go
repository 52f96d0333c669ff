package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const (
	routePadding    = 12 // pixels kept free around the route
	routeMinStep    = 1.5
	routeMinWidth   = 200
	routeDotSize    = 10
	routeMarkerSize = 12
	// metresPerDegree is the length of a degree of latitude (mean Earth radius).
	metresPerDegree = 6371008.8 * math.Pi / 180
	scaleBarMax     = 0.3 // of the view's width at most
)

// routeView draws a route as line segments, fitted to its size with the
// aspect ratio kept, with start (green) and finish (red) markers and a
// scale bar, or a placeholder when there is none. A marker shows a
// position on it (the point hovered in the charts).
type routeView struct {
	widget.BaseWidget
	coords      [][2]float64 // [lat, lng]
	placeholder string
	units       Units
	marker      [2]float64
	hasMarker   bool
	renderer    *routeRenderer // set by CreateRenderer
}

func newRouteView() *routeView {
	r := &routeView{placeholder: "No route"}
	r.ExtendBaseWidget(r)
	return r
}

// setRoute shows coords; without coords it shows the placeholder text.
func (r *routeView) setRoute(coords [][2]float64, placeholder string, u Units) {
	r.coords, r.placeholder, r.units, r.hasMarker = coords, placeholder, u, false
	r.Refresh()
}

// setMarker marks a [lat, lng] position on the route; ok false removes it.
// Only the marker moves: the route is not drawn again.
func (r *routeView) setMarker(at [2]float64, ok bool) {
	r.marker, r.hasMarker = at, ok
	if r.renderer != nil {
		r.renderer.placeMarker()
	}
}

// CreateRenderer implements fyne.Widget.
func (r *routeView) CreateRenderer() fyne.WidgetRenderer {
	white := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	dot := func(fill color.Color) *canvas.Circle {
		c := canvas.NewCircle(fill)
		c.StrokeColor, c.StrokeWidth = white, 2
		return c
	}
	rr := &routeRenderer{
		view:       r,
		bg:         canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		label:      widget.NewLabel(""),
		start:      dot(color.NRGBA{G: 0xa0, A: 0xff}),
		end:        dot(color.NRGBA{R: 0xd0, A: 0xff}),
		marker:     dot(color.NRGBA{R: 0xfc, G: 0x4c, B: 0x02, A: 0xff}),
		scaleLine:  canvas.NewLine(theme.Color(theme.ColorNameForeground)),
		scaleLeft:  canvas.NewLine(theme.Color(theme.ColorNameForeground)),
		scaleRight: canvas.NewLine(theme.Color(theme.ColorNameForeground)),
		scaleText:  canvas.NewText("", theme.Color(theme.ColorNameForeground)),
	}
	rr.label.Alignment = fyne.TextAlignCenter
	rr.label.Wrapping = fyne.TextWrapWord
	rr.scaleText.TextSize = theme.CaptionTextSize()
	rr.Refresh()
	r.renderer = rr
	return rr
}

type routeRenderer struct {
	view                             *routeView
	bg                               *canvas.Rectangle
	label                            *widget.Label
	start, end, marker               *canvas.Circle
	scaleLine, scaleLeft, scaleRight *canvas.Line
	scaleText                        *canvas.Text
	lines                            []*canvas.Line // reused between layouts
	proj                             projection
	objects                          []fyne.CanvasObject
}

func (rr *routeRenderer) Destroy() {}

func (rr *routeRenderer) MinSize() fyne.Size {
	return fyne.NewSize(routeMinWidth, routeMinWidth*3/4)
}

func (rr *routeRenderer) Objects() []fyne.CanvasObject { return rr.objects }

func (rr *routeRenderer) Refresh() {
	rr.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	rr.label.SetText(rr.view.placeholder)
	rr.Layout(rr.view.Size())
	canvas.Refresh(rr.view)
}

// Layout fits the route to size again: segments, markers and scale bar.
func (rr *routeRenderer) Layout(size fyne.Size) {
	rr.bg.Resize(size)
	coords := rr.view.coords
	rr.proj = newProjection(coords, size, routePadding)
	points := rr.proj.fit(coords)
	rr.objects = append(rr.objects[:0], rr.bg)
	if len(points) == 0 {
		rr.label.Resize(size)
		rr.objects = append(rr.objects, rr.label)
		return
	}
	stroke := theme.Color(theme.ColorNamePrimary)
	for i := 1; i < len(points); i++ {
		if i > len(rr.lines) {
			l := canvas.NewLine(stroke)
			l.StrokeWidth = 2
			rr.lines = append(rr.lines, l)
		}
		l := rr.lines[i-1]
		l.StrokeColor = stroke
		l.Position1, l.Position2 = points[i-1], points[i]
		rr.objects = append(rr.objects, l)
	}
	rr.lines = rr.lines[:len(points)-1]
	placeDot(rr.start, points[0], routeDotSize)
	placeDot(rr.end, points[len(points)-1], routeDotSize)
	rr.objects = append(rr.objects, rr.end, rr.start)
	rr.layoutScale(size)
	rr.placeMarker()
	rr.objects = append(rr.objects, rr.marker)
}

// layoutScale draws a bar of a round length in the user's units at the
// bottom left.
func (rr *routeRenderer) layoutScale(size fyne.Size) {
	mpp := rr.proj.metresPerPixel()
	if mpp <= 0 {
		return
	}
	metres, label := scaleLength(mpp*float64(size.Width)*scaleBarMax, rr.view.units)
	px := float32(metres / mpp)
	x0, y := float32(routePadding), size.Height-routePadding
	fg := theme.Color(theme.ColorNameForeground)
	for _, l := range []*canvas.Line{rr.scaleLine, rr.scaleLeft, rr.scaleRight} {
		l.StrokeColor, l.StrokeWidth = fg, 2
	}
	rr.scaleLine.Position1, rr.scaleLine.Position2 = fyne.NewPos(x0, y), fyne.NewPos(x0+px, y)
	rr.scaleLeft.Position1, rr.scaleLeft.Position2 = fyne.NewPos(x0, y-5), fyne.NewPos(x0, y)
	rr.scaleRight.Position1, rr.scaleRight.Position2 = fyne.NewPos(x0+px, y-5), fyne.NewPos(x0+px, y)
	rr.scaleText.Text, rr.scaleText.Color = label, fg
	h := rr.scaleText.MinSize().Height
	rr.scaleText.Move(fyne.NewPos(x0+px+6, y-h/2-2))
	rr.scaleText.Refresh()
	rr.objects = append(rr.objects, rr.scaleLine, rr.scaleLeft, rr.scaleRight, rr.scaleText)
}

// scaleLength is the longest round length (1, 2 or 5 times a power of ten
// m or km; ft, or mi from half a mile) not longer than maxMetres, in
// metres, and its label.
func scaleLength(maxMetres float64, u Units) (float64, string) {
	type candidate struct {
		metres float64
		label  string
	}
	var cands []candidate
	add := func(values []float64, unit float64, name string) {
		for _, v := range values {
			cands = append(cands, candidate{v * unit, trimZeros(formatFloat(v, 1)) + name})
		}
	}
	small := []float64{1, 2, 5, 10, 20, 50, 100, 200, 500}
	large := []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000}
	if u == Imperial {
		add(append(small, 1000, 2000), 1/feetPerMetre, " ft")
		add(append([]float64{0.5}, large...), metresPerMile, " mi")
	} else {
		add(small, 1, " m")
		add(large, 1000, " km")
	}
	best := cands[0]
	for _, c := range cands {
		if c.metres <= maxMetres && c.metres > best.metres {
			best = c
		}
	}
	return best.metres, best.label
}

// placeMarker puts the hover marker on its position, or hides it.
func (rr *routeRenderer) placeMarker() {
	v := rr.view
	if !v.hasMarker || len(v.coords) == 0 || !rr.proj.ok {
		rr.marker.Hide()
		return
	}
	placeDot(rr.marker, rr.proj.at(v.marker), routeMarkerSize)
	rr.marker.Show()
	rr.marker.Refresh()
}

func placeDot(c *canvas.Circle, at fyne.Position, size float32) {
	c.Resize(fyne.NewSquareSize(size))
	c.Move(at.SubtractXY(size/2, size/2))
}

// projection maps [lat, lng] onto a view: longitudes are scaled by the
// cosine of the mean latitude so shapes are not stretched, and the route
// is scaled to fit inside the padding with its aspect ratio kept, centred.
type projection struct {
	kx, minX, minY, scale, offX, offY float64
	ok                                bool
}

func newProjection(coords [][2]float64, size fyne.Size, pad float32) projection {
	if len(coords) == 0 || size.Width <= 2*pad || size.Height <= 2*pad {
		return projection{}
	}
	var meanLat float64
	for _, c := range coords {
		meanLat += c[0]
	}
	p := projection{kx: math.Cos(meanLat / float64(len(coords)) * math.Pi / 180), ok: true}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range coords {
		x, y := c[1]*p.kx, -c[0]
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	w, h := float64(size.Width-2*pad), float64(size.Height-2*pad)
	spanX, spanY := maxX-minX, maxY-minY
	p.scale = math.Min(w/math.Max(spanX, 1e-12), h/math.Max(spanY, 1e-12))
	if spanX == 0 && spanY == 0 {
		p.scale = 0
	}
	p.minX, p.minY = minX, minY
	p.offX = float64(pad) + (w-spanX*p.scale)/2
	p.offY = float64(pad) + (h-spanY*p.scale)/2
	return p
}

// at is the position of a [lat, lng] point.
func (p projection) at(c [2]float64) fyne.Position {
	return fyne.NewPos(float32(p.offX+(c[1]*p.kx-p.minX)*p.scale), float32(p.offY+(-c[0]-p.minY)*p.scale))
}

// metresPerPixel is the ground length of one pixel; 0 for a single point.
func (p projection) metresPerPixel() float64 {
	if !p.ok || p.scale == 0 {
		return 0
	}
	return metresPerDegree / p.scale
}

// fit projects the points; points closer than routeMinStep pixels to the
// previous kept point are dropped (the last point is always kept).
func (p projection) fit(coords [][2]float64) []fyne.Position {
	if !p.ok {
		return nil
	}
	out := make([]fyne.Position, 0, len(coords))
	for i, c := range coords {
		pt := p.at(c)
		last := i == len(coords)-1
		if len(out) > 0 && !last && distance(out[len(out)-1], pt) < routeMinStep {
			continue
		}
		out = append(out, pt)
	}
	return out
}

func distance(a, b fyne.Position) float32 {
	dx, dy := a.X-b.X, a.Y-b.Y
	return float32(math.Sqrt(float64(dx*dx + dy*dy)))
}
