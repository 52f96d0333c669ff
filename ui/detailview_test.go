package ui

import (
	"image/png"
	"os"
	"testing"
)

func TestDetailLookScreenshot(t *testing.T) {
	out := os.Getenv("OWTRAY_DETAIL_PNG")
	if out == "" {
		t.Skip("OWTRAY_DETAIL_PNG not set")
	}
	h := newHarness(t, detailFixture(2000))
	h.selectRow(0)
	h.until("the charts", func() bool { return h.ui.detail.charts.state == streamsShown })
	h.pump.drain()
	img := h.ui.win.Canvas().Capture()
	f, _ := os.Create(out)
	defer f.Close()
	_ = png.Encode(f, img)
}
