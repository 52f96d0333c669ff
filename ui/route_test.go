package ui

import (
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// bounds of projected points.
func bounds(ps []fyne.Position) (minX, minY, maxX, maxY float32) {
	minX, minY, maxX, maxY = math.MaxFloat32, math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32
	for _, p := range ps {
		minX, maxX = min(minX, p.X), max(maxX, p.X)
		minY, maxY = min(minY, p.Y), max(maxY, p.Y)
	}
	return
}

func TestFitRoute(t *testing.T) {
	// A square of 0.01° at the equator (where a degree of longitude equals one of latitude).
	square := [][2]float64{{0, 0}, {0, 0.01}, {0.01, 0.01}, {0.01, 0}, {0, 0}}
	tests := []struct {
		name           string
		coords         [][2]float64
		size           fyne.Size
		wantW, wantH   float32
		wantCX, wantCY float32
	}{
		{"wide box keeps a square square", square, fyne.NewSize(400, 200), 180, 180, 200, 100},
		{"tall box keeps a square square", square, fyne.NewSize(200, 400), 180, 180, 100, 200},
		{"east-west line fills the width", [][2]float64{{0, 0}, {0, 1}}, fyne.NewSize(300, 100), 280, 0, 150, 50},
		{"single point is centred", [][2]float64{{47, 8}}, fyne.NewSize(100, 100), 0, 0, 50, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := fitRoute(tt.coords, tt.size, 10)
			minX, minY, maxX, maxY := bounds(ps)
			near := func(a, b float32) bool { return math.Abs(float64(a-b)) < 0.5 }
			if !near(maxX-minX, tt.wantW) || !near(maxY-minY, tt.wantH) {
				t.Errorf("route is %.1f × %.1f, want %.1f × %.1f", maxX-minX, maxY-minY, tt.wantW, tt.wantH)
			}
			if !near((minX+maxX)/2, tt.wantCX) || !near((minY+maxY)/2, tt.wantCY) {
				t.Errorf("centre (%.1f, %.1f), want (%.1f, %.1f)", (minX+maxX)/2, (minY+maxY)/2, tt.wantCX, tt.wantCY)
			}
		})
	}
}

func TestFitRouteNorthIsUpAndLatitudeScaled(t *testing.T) {
	// At 60° north a degree of longitude is half as long as one of latitude.
	ps := fitRoute([][2]float64{{60, 0}, {60.01, 0.02}}, fyne.NewSize(220, 220), 10)
	if ps[1].Y >= ps[0].Y {
		t.Error("north is not up")
	}
	w, h := ps[1].X-ps[0].X, ps[0].Y-ps[1].Y
	if math.Abs(float64(w/h)-1) > 0.01 {
		t.Errorf("aspect %.3f, want 1 (0.02° of longitude at 60° ≈ 0.01° of latitude)", w/h)
	}
}

func TestFitRouteDropsSubpixelSteps(t *testing.T) {
	coords := make([][2]float64, 10001)
	for i := range coords {
		coords[i] = [2]float64{0, float64(i) * 1e-5}
	}
	ps := fitRoute(coords, fyne.NewSize(120, 120), 10)
	if len(ps) > 100 || len(ps) < 50 {
		t.Errorf("%d points kept for a 100 px line", len(ps))
	}
	if last := ps[len(ps)-1]; math.Abs(float64(last.X-110)) > 0.5 {
		t.Errorf("last point at x=%.1f, want the end kept at 110", last.X)
	}
}

func TestFitRouteNothingToDraw(t *testing.T) {
	if ps := fitRoute(nil, fyne.NewSize(100, 100), 10); ps != nil {
		t.Errorf("no coords: %v", ps)
	}
	if ps := fitRoute([][2]float64{{0, 0}, {1, 1}}, fyne.NewSize(15, 100), 10); ps != nil {
		t.Errorf("no room: %v", ps)
	}
}

func TestRouteViewSegmentsAndPlaceholder(t *testing.T) {
	test.NewTempApp(t)
	r := newRouteView()
	r.Resize(fyne.NewSize(300, 200))
	r.setRoute([][2]float64{{0, 0}, {0, 0.01}, {0.01, 0.01}}, "", Metric)
	if lines, placeholder := routeParts(r); lines != 2 || placeholder != "" {
		t.Errorf("route: %d segments, placeholder %q; want 2 segments", lines, placeholder)
	}
	r.setRoute(nil, "No route", Metric)
	if lines, placeholder := routeParts(r); lines != 0 || placeholder != "No route" {
		t.Errorf("no route: %d segments, placeholder %q", lines, placeholder)
	}
	r.Resize(fyne.NewSize(400, 300)) // relayout keeps the placeholder
	if lines, placeholder := routeParts(r); lines != 0 || placeholder != "No route" {
		t.Errorf("after resize: %d segments, placeholder %q", lines, placeholder)
	}
}

// fitRoute projects coords onto a view of size (see projection).
func fitRoute(coords [][2]float64, size fyne.Size, pad float32) []fyne.Position {
	return newProjection(coords, size, pad).fit(coords)
}
