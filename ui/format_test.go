package ui

import (
	"testing"
	"time"

	"github.com/owtray/owtray/app/textfmt"
)

func TestFormatNumbers(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"count 0", textfmt.Count(0), "0"},
		{"count 999", textfmt.Count(999), "999"},
		{"count 1000", textfmt.Count(1000), "1,000"},
		{"count 1234567", textfmt.Count(1234567), "1,234,567"},
		{"count negative", textfmt.Count(-4000), "-4,000"},
		{"float grouped", formatFloat(12345.678, 1), "12,345.7"},
		{"float small", formatFloat(0.5, 2), "0.50"},
		{"distance km", formatDistance(10234.5, Metric), "10.23 km"},
		{"distance mi", formatDistance(10234.5, Imperial), "6.36 mi"},
		{"distance long", formatDistance(1234567, Metric), "1,234.57 km"},
		{"distance zero", formatDistance(0, Metric), noValue},
		{"elevation m", formatElevation(123.4, Metric), "123 m"},
		{"elevation ft", formatElevation(123.4, Imperial), "405 ft"},
		{"elevation big", formatElevation(8848, Imperial), "29,029 ft"},
		{"speed km/h", formatSpeed(10, Metric), "36.0 km/h"},
		{"speed mph", formatSpeed(10, Imperial), "22.4 mph"},
		{"temperature C", formatTemperature(21, Metric), "21 °C"},
		{"temperature F", formatTemperature(21, Imperial), "70 °F"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		seconds int
		want    string
	}{
		{0, "0:00:00"},
		{59, "0:00:59"},
		{61, "0:01:01"},
		{3600, "1:00:00"},
		{45296, "12:34:56"},
		{360000, "100:00:00"},
		{-1, noValue},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.seconds); got != tt.want {
			t.Errorf("formatDuration(%d) = %q, want %q", tt.seconds, got, tt.want)
		}
	}
}

func TestFormatDates(t *testing.T) {
	wall := time.Date(2024, 3, 9, 6, 52, 0, 0, time.UTC)
	loc := time.FixedZone("test", 3600)
	now := time.Date(2024, 3, 9, 18, 0, 0, 0, loc)
	tests := []struct {
		name, got, want string
	}{
		{"list date", formatDate(wall), "2024-03-09 06:52"},
		{"list zero", formatDate(time.Time{}), noValue},
		{"long date", formatDateLong(wall), "Saturday, 9 March 2024, 06:52"},
		{"when today", formatWhen(time.Date(2024, 3, 9, 13, 5, 0, 0, time.UTC), now), "14:05"},
		{"when this year", formatWhen(time.Date(2024, 1, 2, 13, 5, 0, 0, loc), now), "2 Jan 13:05"},
		{"when last year", formatWhen(time.Date(2023, 1, 2, 13, 5, 0, 0, loc), now), "2 Jan 2023"},
		{"when never", formatWhen(time.Time{}, now), "never"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestFormatWords(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"minutes", formatInterval(15 * time.Minute), "15 minutes"},
		{"hour", formatInterval(time.Hour), "1 hour"},
		{"hours", formatInterval(6 * time.Hour), "6 hours"},
		{"days", formatInterval(7 * 24 * time.Hour), "7 days"},
		{"odd", formatInterval(90 * time.Second), "1m30s"},
		{"plural one", plural(1, "activity"), "1 activity"},
		{"plural many", plural(1234, "activity"), "1,234 activities"},
		{"plural day", plural(2, "day"), "2 days"},
		{"sport camel", sportLabel("MountainBikeRide"), "Mountain Bike Ride"},
		{"sport acronym", sportLabel("HIIT"), "HIIT"},
		{"sport prefix", sportLabel("EBikeRide"), "E Bike Ride"},
		{"sport plain", sportLabel("Run"), "Run"},
		{"sport unknown", sportLabel("Kitesurf2025New"), "Kitesurf2025 New"},
		{"sport empty", sportLabel(""), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
