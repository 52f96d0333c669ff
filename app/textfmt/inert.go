package textfmt

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Replacement stands in for every character Inert removes.
const Replacement = '\uFFFD'

// Inert makes text from outside (activity names and descriptions, athlete
// names, Strava's error texts) safe to write to a terminal on one line:
// every control character — C0 (including ESC, CR, LF and TAB), DEL, C1
// (including the 8-bit CSI and OSC introducers) — and the Unicode
// bidirectional overrides and isolates, which reorder what a terminal
// shows, become Replacement; so do invalid UTF-8 bytes. The remains of an
// escape sequence ("[31m") then print as plain text. Text without such
// characters is returned as is. JSON output must not use it: it stays
// exactly as Strava sent it.
func Inert(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for _, r := range s {
		if unsafeRune(r) || r == utf8.RuneError {
			r = Replacement
		}
		b.WriteRune(r)
	}
	return b.String()
}

// InertLine is Inert after folding every run of white space (newlines and
// tabs included) into one space: one value, one table cell, one line.
func InertLine(s string) string {
	return Inert(strings.Join(strings.Fields(s), " "))
}

// InertLines is Inert for text of several lines (an error message): each
// line is made inert and the line breaks are kept.
func InertLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Inert(l)
	}
	return strings.Join(lines, "\n")
}

// unsafeRune reports the characters Inert replaces.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL and C1
		return true
	case r >= '\u202A' && r <= '\u202E', // LRE, RLE, PDF, LRO, RLO
		r >= '\u2066' && r <= '\u2069',                  // LRI, RLI, FSI, PDI
		r == '\u200E' || r == '\u200F' || r == '\u061C': // LRM, RLM, ALM
		return true
	}
	return false
}
