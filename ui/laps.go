package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

const (
	msgNoLaps   = "Strava sent no laps for this activity."
	msgNoSplits = "Strava sent no splits for this activity."
)

// table is a header and a scrolling list of rows of text, with a
// placeholder when there are no rows.
type table struct {
	header      *fyne.Container
	list        *widget.List
	rows        [][]string
	placeholder *widget.Label
	content     fyne.CanvasObject
}

func newTable(cols columns, right map[int]bool) *table {
	t := &table{placeholder: widget.NewLabel("")}
	t.placeholder.Wrapping = fyne.TextWrapWord
	t.header = newCells(cols, right, fyne.TextStyle{Bold: true})
	t.list = widget.NewList(func() int { return len(t.rows) },
		func() fyne.CanvasObject { return newCells(cols, right, fyne.TextStyle{}) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(t.rows) {
				setCells(o.(*fyne.Container), t.rows[id])
			}
		})
	t.content = container.NewStack(container.NewBorder(t.header, nil, nil, nil, t.list), container.NewVBox(t.placeholder))
	return t
}

// set shows rows under the header texts, or the placeholder when there
// are none; top scrolls back to the first row.
func (t *table) set(header []string, rows [][]string, placeholder string, top bool) {
	setCells(t.header, header)
	t.rows = rows
	t.list.Refresh()
	if top {
		t.list.ScrollToTop()
	}
	t.placeholder.SetText(placeholder)
	setVisible(t.placeholder, len(rows) == 0)
	setVisible(t.header, len(rows) > 0)
	setVisible(t.list, len(rows) > 0)
}

// tableColumns: lap or split, distance, moving time, pace or speed,
// elevation, heart rate.
func tableColumns() columns {
	return columns{widths: []float32{56, 84, 78, 96, 70, 80}, flex: 0}
}

// numericRight aligns every column but the first to the trailing edge.
func numericRight() map[int]bool {
	return map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true}
}

func speedHeader(sport string) string {
	if footSport(sport) {
		return "Pace"
	}
	return "Speed"
}

func optionalHeartrate(bpm *float64) string {
	if bpm == nil {
		return ""
	}
	return formatHeartrate(*bpm)
}

// lapRows are Strava's laps as sent, in the user's units; the time is the
// moving time, from which Strava computes the lap's average speed.
func lapRows(a Activity, u Units) (header []string, rows [][]string) {
	header = []string{"Lap", "Distance", "Time", speedHeader(a.SportType), "Elev", "HR"}
	for _, l := range a.Laps {
		rows = append(rows, []string{l.Name, formatDistance(l.Distance, u), formatDuration(l.MovingTime),
			formatSpeedOrPace(l.AverageSpeed, a.SportType, u),
			formatElevation(l.TotalElevationGain, u), optionalHeartrate(l.AverageHeartrate)})
	}
	return header, rows
}

// splitRows are Strava's splits per km (metric) or per mile (imperial).
func splitRows(a Activity, u Units) (header []string, rows [][]string) {
	splits, unit := a.SplitsMetric, "km"
	if u == Imperial {
		splits, unit = a.SplitsStandard, "mi"
	}
	header = []string{unit, "Distance", "Time", speedHeader(a.SportType), "Elev", "HR"}
	for _, s := range splits {
		rows = append(rows, []string{strconv.Itoa(s.Split), formatDistance(s.Distance, u), formatDuration(s.MovingTime),
			formatSpeedOrPace(s.AverageSpeed, a.SportType, u),
			signed(formatElevation(s.ElevationDifference, u), s.ElevationDifference), optionalHeartrate(s.AverageHeartrate)})
	}
	return header, rows
}

// signed puts a plus before a rise; a fall already has its minus.
func signed(text string, v float64) string {
	if v > 0 {
		return "+" + text
	}
	return text
}
