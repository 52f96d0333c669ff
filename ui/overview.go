package ui

import (
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"github.com/owtray/owtray/app/textfmt"
)

// stat is one figure of the overview: what it is and its value in the
// user's units.
type stat struct{ caption, value string }

// footSport reports whether Strava shows a pace (time per distance) rather
// than a speed for the sport.
func footSport(sport string) bool {
	switch sport {
	case "Run", "TrailRun", "VirtualRun", "Walk", "Hike", "Snowshoe":
		return true
	}
	return false
}

// formatPace formats metres per second as time per km or mile: "5:02 /km".
func formatPace(mps float64, u Units) string {
	per, unit := 1000.0, " /km"
	if u == Imperial {
		per, unit = metresPerMile, " /mi"
	}
	if !(mps > 0) || per/mps >= 100*60 { // stopped, or slower than 99:59
		return noValue
	}
	s := int(math.Round(per / mps))
	return textfmt.MinSec(s) + unit
}

// formatCadence shows cadence as Strava does: running cadence, which the API
// sends per leg, as steps per minute; anything else as revolutions per minute.
func formatCadence(rpm float64, sport string) string {
	if footSport(sport) {
		return formatFloat(2*rpm, 0) + " spm"
	}
	return formatFloat(rpm, 0) + " rpm"
}

func formatHeartrate(bpm float64) string { return formatFloat(bpm, 0) + " bpm" }
func formatWatts(w float64) string       { return formatFloat(w, 0) + " W" }

// formatSpeedOrPace is pace for foot sports and speed for the rest.
func formatSpeedOrPace(mps float64, sport string, u Units) string {
	if footSport(sport) {
		return formatPace(mps, u)
	}
	return formatSpeed(mps, u)
}

// overviewStats lists the figures Strava sent, in the user's units. A
// figure Strava did not send is left out; so are zero totals of an activity
// without distance (a yoga session's 0 km).
func overviewStats(a Activity, u Units) []stat {
	var out []stat
	add := func(caption, value string) { out = append(out, stat{caption, value}) }
	f := a.Figures
	if a.Distance > 0 {
		add("Distance", formatDistance(a.Distance, u))
	}
	if a.MovingTime > 0 {
		add("Moving time", formatDuration(a.MovingTime))
	}
	if a.ElapsedTime > 0 {
		add("Elapsed time", formatDuration(a.ElapsedTime))
	}
	if f.AverageSpeed != nil && a.Distance > 0 {
		if footSport(a.SportType) {
			add("Pace", formatPace(*f.AverageSpeed, u))
		} else {
			add("Average speed", formatSpeed(*f.AverageSpeed, u))
		}
	}
	if f.MaxSpeed != nil && *f.MaxSpeed > 0 && a.Distance > 0 && !footSport(a.SportType) {
		add("Max speed", formatSpeed(*f.MaxSpeed, u))
	}
	if a.TotalElevationGain > 0 || f.ElevHigh != nil {
		add("Elevation gain", formatElevation(a.TotalElevationGain, u))
	}
	// Strava sends 0 calories and kilojoules for activities without the data.
	for _, zero := range []**float64{&f.Kilojoules, &f.Calories} {
		if *zero != nil && **zero == 0 {
			*zero = nil
		}
	}
	for _, x := range []struct {
		caption string
		v       *float64
		format  func(float64) string
	}{
		{"Elevation high", f.ElevHigh, func(v float64) string { return formatElevation(v, u) }},
		{"Elevation low", f.ElevLow, func(v float64) string { return formatElevation(v, u) }},
		{"Avg heart rate", f.AverageHeartrate, formatHeartrate},
		{"Max heart rate", f.MaxHeartrate, formatHeartrate},
		{"Cadence", f.AverageCadence, func(v float64) string { return formatCadence(v, a.SportType) }},
		{"Avg power", f.AverageWatts, formatWatts},
		{"Weighted power", f.WeightedAverageWatts, formatWatts},
		{"Max power", f.MaxWatts, formatWatts},
		{"Energy output", f.Kilojoules, func(v float64) string { return formatFloat(v, 0) + " kJ" }},
		{"Calories", f.Calories, func(v float64) string { return formatFloat(v, 0) }},
		{"Temperature", f.AverageTemp, func(v float64) string { return formatTemperature(v, u) }},
	} {
		if x.v != nil {
			add(x.caption, x.format(*x.v))
		}
	}
	return out
}

// socialLine is "12 kudos · 3 comments · 4 achievements · 1 PR" with the
// counts Strava sent.
func socialLine(f Figures) string {
	var parts []string
	for _, c := range []struct {
		n    *int
		noun string
	}{{f.KudosCount, "kudos"}, {f.CommentCount, "comment"}, {f.AchievementCount, "achievement"}, {f.PRCount, "PR"}} {
		switch {
		case c.n == nil:
		case c.noun == "kudos":
			parts = append(parts, strconv.Itoa(*c.n)+" kudos")
		default:
			parts = append(parts, plural(*c.n, c.noun))
		}
	}
	return joinNonEmpty(" · ", parts...)
}

const (
	statColumns   = 4
	statMinWidth  = 110
	statValueSize = 16
)

// statsLayout puts its cells in a grid of statColumns equal columns.
type statsLayout struct{}

func (statsLayout) cellHeight(objs []fyne.CanvasObject) float32 {
	var h float32
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return h
}

func (l statsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	w := (size.Width - pad*(statColumns-1)) / statColumns
	h := l.cellHeight(objs)
	for i, o := range objs {
		o.Move(fyne.NewPos(float32(i%statColumns)*(w+pad), float32(i/statColumns)*(h+pad)))
		o.Resize(fyne.NewSize(w, h))
	}
}

func (l statsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	rows := (len(objs) + statColumns - 1) / statColumns
	if rows == 0 {
		return fyne.Size{}
	}
	pad := theme.Padding()
	return fyne.NewSize(statColumns*statMinWidth+pad*(statColumns-1), float32(rows)*l.cellHeight(objs)+float32(rows-1)*pad)
}

// setStats fills grid with one cell per stat: the value large, its caption
// small beneath.
func setStats(grid *fyne.Container, stats []stat) {
	objs := make([]fyne.CanvasObject, len(stats))
	for i, s := range stats {
		v := canvas.NewText(s.value, theme.Color(theme.ColorNameForeground))
		v.TextSize, v.TextStyle = statValueSize, fyne.TextStyle{Bold: true}
		c := canvas.NewText(s.caption, theme.Color(theme.ColorNamePlaceHolder))
		c.TextSize = theme.CaptionTextSize()
		objs[i] = container.NewVBox(v, c)
	}
	grid.Objects = objs
	grid.Refresh()
}
