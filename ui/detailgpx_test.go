package ui

import "testing"

// TestExportGPXOnlyWithGPS: "Export GPX" is off for an activity without a
// GPS track (manual, indoor), also after another action finished, and on
// again for one with a route.
func TestExportGPXOnlyWithGPS(t *testing.T) {
	tests := []struct {
		name    string
		index   int
		enabled bool
	}{
		{"run with a route", 0, true},
		{"ride with a route", 1, true},
		{"manual activity", 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := detailFixture(fixtureLen)
			_, d := openDetail(t, be, tt.index, Metric)
			if got := !d.exportGPX.Disabled(); got != tt.enabled {
				t.Fatalf("Export GPX enabled = %v, want %v", got, tt.enabled)
			}
			d.busy("working")
			d.finish(nil, "done")
			if got := !d.exportGPX.Disabled(); got != tt.enabled {
				t.Errorf("after an action: Export GPX enabled = %v, want %v", got, tt.enabled)
			}
			if d.exportJSON.Disabled() {
				t.Error("Export JSON disabled")
			}
		})
	}
}
