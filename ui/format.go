package ui

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/owtray/owtray/app/textfmt"
)

const (
	metresPerMile = 1609.344
	feetPerMetre  = 3.28084
	noValue       = "—"
)

// formatFloat rounds to decimals places and groups thousands.
func formatFloat(v float64, decimals int) string {
	return textfmt.GroupDigits(strconv.FormatFloat(v, 'f', decimals, 64))
}

// formatDistance formats metres as km or miles; 0 (no distance) is a dash.
func formatDistance(m float64, u Units) string {
	if m == 0 || math.IsNaN(m) {
		return noValue
	}
	if u == Imperial {
		return formatFloat(m/metresPerMile, 2) + " mi"
	}
	return formatFloat(m/1000, 2) + " km"
}

// formatElevation formats metres as m or ft.
func formatElevation(m float64, u Units) string {
	if math.IsNaN(m) {
		return noValue
	}
	if u == Imperial {
		return formatFloat(m*feetPerMetre, 0) + " ft"
	}
	return formatFloat(m, 0) + " m"
}

// formatSpeed formats metres per second as km/h or mph.
func formatSpeed(mps float64, u Units) string {
	if u == Imperial {
		return formatFloat(mps*3600/metresPerMile, 1) + " mph"
	}
	return formatFloat(mps*3.6, 1) + " km/h"
}

// formatTemperature formats degrees Celsius as °C or °F.
func formatTemperature(c float64, u Units) string {
	if u == Imperial {
		return formatFloat(c*9/5+32, 0) + " °F"
	}
	return formatFloat(c, 0) + " °C"
}

// formatDuration formats seconds as h:mm:ss; negative is "no value".
func formatDuration(seconds int) string {
	if seconds < 0 {
		return noValue
	}
	return textfmt.Clock(seconds)
}

// formatDate formats an activity's wall-clock start for the list. The
// clock reading is used as is: it is the local time where the activity
// happened.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return noValue
	}
	return t.Format("2006-01-02 15:04")
}

// formatDateLong formats an activity's wall-clock start for the detail view.
func formatDateLong(t time.Time) string {
	if t.IsZero() {
		return noValue
	}
	return t.Format("Monday, 2 January 2006, 15:04")
}

// formatWhen formats a moment in the user's time zone relative to now:
// "14:05" today, "2 Jan 14:05" this year, "2 Jan 2023" before.
func formatWhen(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	t = t.In(now.Location())
	switch {
	case sameDay(t, now):
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("2 Jan 15:04")
	default:
		return t.Format("2 Jan 2006")
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// formatInterval formats a settings duration in words: "15 minutes", "1 hour", "7 days".
func formatInterval(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	default:
		return d.String()
	}
}

// plural writes "1 activity", "2 activities", "1,234 days".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ay") {
		return textfmt.Count(n) + " " + strings.TrimSuffix(noun, "y") + "ies"
	}
	return textfmt.Count(n) + " " + noun + "s"
}

// sportLabel turns a Strava sport_type into words: "MountainBikeRide" →
// "Mountain Bike Ride", "HIIT" stays "HIIT". Unknown types are kept.
func sportLabel(sport string) string {
	rs := []rune(sport)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
