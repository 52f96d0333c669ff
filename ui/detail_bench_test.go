package ui

import (
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// benchStreamPoints is the stream length the issue sets the targets for.
const benchStreamPoints = 10000

// open selects row i, waits for its charts and paints the chart images at
// their size, as the GL painter asks for them.
func open(tb testing.TB, h *harness, i int) {
	tb.Helper()
	d := h.ui.detail
	want := locked(h.be, func() int64 { return h.be.acts[i].ID })
	h.selectRow(i)
	h.until("the charts", func() bool { return d.charts.id == want && d.charts.state == streamsShown })
	h.pump.drain()
	c := d.charts.chart
	for k, p := range c.plots {
		c.paint(k, int(p.Size().Width), int(p.Size().Height))
	}
}

// openAndPaint opens row i and paints the whole window with the software
// painter (which the real window leaves to the GPU).
func openAndPaint(tb testing.TB, h *harness, i int) {
	tb.Helper()
	open(tb, h, i)
	h.ui.win.Canvas().Capture()
}

// BenchmarkOpenDetail measures opening an activity whose streams of
// 10,000 points are cached: the overview, laps and splits tables, the
// route and the charts built and painted. The backend's share (reading and
// decoding the cached streams) is app/desktop's BenchmarkDecodeStreams.
// Target: < 200 ms. "built" paints the chart images only (the GL window
// draws the rest on the GPU); "software-painted" also paints the whole
// window on the CPU with Fyne's test painter.
//
//	go test -run '^$' -bench OpenDetail -benchmem ./ui/
func BenchmarkOpenDetail(b *testing.B) {
	for _, bb := range []struct {
		name string
		open func(testing.TB, *harness, int)
	}{{"built", open}, {"software-painted", openAndPaint}} {
		b.Run(bb.name, func(b *testing.B) {
			h := newHarness(b, detailFixture(benchStreamPoints))
			opens := 0
			for b.Loop() {
				bb.open(b, h, opens%2) // the run and the ride in turn: each is a new activity
				opens++
			}
			if n := len(h.ui.detail.charts.chart.series); n < 4 {
				b.Fatalf("%d charts drawn", n)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(opens)/1000, "ms/open")
		})
	}
}

// BenchmarkHoverChart measures one pointer move over the charts of 10,000
// points: the sample found, the crosshair moved, the values written and
// the route marker moved. Target: < 16 ms (one frame).
func BenchmarkHoverChart(b *testing.B) {
	h := newHarness(b, detailFixture(benchStreamPoints))
	openAndPaint(b, h, 1)
	c := h.ui.detail.charts.chart
	w := c.plotWidth()
	moves := 0
	for b.Loop() {
		x := chartGutter + float32(moves%97)/96*w
		c.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(x, 20)}})
		moves++
	}
	if !h.ui.detail.route.renderer.marker.Visible() {
		b.Fatal("no route marker")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(moves)/1000, "µs/move")
}

// heapAfterGC is the live heap in bytes.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkDetailChartsMemory measures the memory an open detail with
// charts of 10,000 points holds above the same detail without streams
// (the samples kept for hovering and the painted chart images). Target: < 10 MB.
func BenchmarkDetailChartsMemory(b *testing.B) {
	var extra float64
	for b.Loop() {
		be := detailFixture(benchStreamPoints)
		streams := be.streams[2]
		delete(be.streams, 2)
		h := newHarness(b, be)
		openAndPaint(b, h, 1)
		without := heapAfterGC()
		be.mu.Lock()
		be.streams[2] = streams
		be.mu.Unlock()
		openAndPaint(b, h, 0)
		openAndPaint(b, h, 1)
		with := heapAfterGC()
		if len(h.ui.detail.charts.chart.series) != 5 {
			b.Fatal("the ride's charts are not drawn")
		}
		extra = (float64(with) - float64(without)) / (1 << 20)
		h.ui.Close()
	}
	b.ReportMetric(extra, "MB-above")
}
