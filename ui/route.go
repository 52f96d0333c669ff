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
	routePadding  = 12 // pixels kept free around the route
	routeMinStep  = 1.5
	routeMinWidth = 240
	routeDotSize  = 8
)

// routeView draws a route as line segments, fitted to its size with the
// aspect ratio kept, or a placeholder when there is none.
type routeView struct {
	widget.BaseWidget
	coords      [][2]float64 // [lat, lng]
	placeholder string
}

func newRouteView() *routeView {
	r := &routeView{placeholder: "No route"}
	r.ExtendBaseWidget(r)
	return r
}

// setRoute shows coords; without coords it shows the placeholder text.
func (r *routeView) setRoute(coords [][2]float64, placeholder string) {
	r.coords, r.placeholder = coords, placeholder
	r.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (r *routeView) CreateRenderer() fyne.WidgetRenderer {
	rr := &routeRenderer{
		view:  r,
		bg:    canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		label: widget.NewLabel(""),
		start: canvas.NewCircle(color.NRGBA{G: 0xa0, A: 0xff}),
		end:   canvas.NewCircle(color.NRGBA{R: 0xd0, A: 0xff}),
	}
	rr.label.Alignment = fyne.TextAlignCenter
	rr.Refresh()
	return rr
}

type routeRenderer struct {
	view       *routeView
	bg         *canvas.Rectangle
	label      *widget.Label
	start, end *canvas.Circle
	objects    []fyne.CanvasObject
}

func (rr *routeRenderer) Destroy() {}

func (rr *routeRenderer) MinSize() fyne.Size {
	return fyne.NewSize(routeMinWidth, routeMinWidth*2/3)
}

func (rr *routeRenderer) Objects() []fyne.CanvasObject { return rr.objects }

func (rr *routeRenderer) Refresh() {
	rr.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	rr.label.SetText(rr.view.placeholder)
	rr.Layout(rr.view.Size())
	canvas.Refresh(rr.view)
}

// Layout rebuilds the segments for size.
func (rr *routeRenderer) Layout(size fyne.Size) {
	rr.bg.Resize(size)
	points := fitRoute(rr.view.coords, size, routePadding)
	rr.objects = append(rr.objects[:0], rr.bg)
	if len(points) == 0 {
		rr.label.Resize(size)
		rr.objects = append(rr.objects, rr.label)
		return
	}
	stroke := theme.Color(theme.ColorNamePrimary)
	for i := 1; i < len(points); i++ {
		l := canvas.NewLine(stroke)
		l.StrokeWidth = 2
		l.Position1, l.Position2 = points[i-1], points[i]
		rr.objects = append(rr.objects, l)
	}
	placeDot(rr.start, points[0])
	placeDot(rr.end, points[len(points)-1])
	rr.objects = append(rr.objects, rr.start, rr.end)
}

func placeDot(c *canvas.Circle, at fyne.Position) {
	c.Resize(fyne.NewSquareSize(routeDotSize))
	c.Move(at.SubtractXY(routeDotSize/2, routeDotSize/2))
}

// fitRoute projects [lat, lng] points onto a size: longitudes are scaled by
// the cosine of the mean latitude so shapes are not stretched, the route is
// scaled to fit inside the padding with its aspect ratio kept and centred.
// Points closer than routeMinStep pixels to the previous kept point are
// dropped (the last point is always kept).
func fitRoute(coords [][2]float64, size fyne.Size, pad float32) []fyne.Position {
	if len(coords) == 0 || size.Width <= 2*pad || size.Height <= 2*pad {
		return nil
	}
	var meanLat float64
	for _, c := range coords {
		meanLat += c[0]
	}
	kx := math.Cos(meanLat / float64(len(coords)) * math.Pi / 180)
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range coords {
		x, y := c[1]*kx, -c[0]
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	w, h := float64(size.Width-2*pad), float64(size.Height-2*pad)
	spanX, spanY := maxX-minX, maxY-minY
	scale := math.Min(w/math.Max(spanX, 1e-12), h/math.Max(spanY, 1e-12))
	if spanX == 0 && spanY == 0 {
		scale = 0
	}
	offX := float64(pad) + (w-spanX*scale)/2
	offY := float64(pad) + (h-spanY*scale)/2

	out := make([]fyne.Position, 0, len(coords))
	for i, c := range coords {
		p := fyne.NewPos(float32(offX+(c[1]*kx-minX)*scale), float32(offY+(-c[0]-minY)*scale))
		last := i == len(coords)-1
		if len(out) > 0 && !last && distance(out[len(out)-1], p) < routeMinStep {
			continue
		}
		out = append(out, p)
	}
	return out
}

func distance(a, b fyne.Position) float32 {
	dx, dy := a.X-b.X, a.Y-b.Y
	return float32(math.Sqrt(float64(dx*dx + dy*dy)))
}
