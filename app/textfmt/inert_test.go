package textfmt

import (
	"strings"
	"testing"
)

func TestInert(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Morning Ride 🚴 à Genève", "Morning Ride 🚴 à Genève"},
		{"empty", "", ""},
		{"SGR colour", "\x1b[31mRed\x1b[0m", "\uFFFD[31mRed\uFFFD[0m"},
		{"OSC title and hyperlink", "\x1b]0;pwned\x07\x1b]8;;https://evil\x1b\\x", "\uFFFD]0;pwned\uFFFD\uFFFD]8;;https://evil\uFFFD\\x"},
		{"8-bit CSI (C1)", "a\u009b2Jb", "a\uFFFD2Jb"},
		{"carriage return overwrite", "safe\rrm -rf", "safe\uFFFDrm -rf"},
		{"newline and tab", "a\nb\tc", "a\uFFFDb\uFFFDc"},
		{"DEL and NUL", "a\x7fb\x00c", "a\uFFFDb\uFFFDc"},
		{"bidi override", "abc\u202Egnp.exe", "abc\uFFFDgnp.exe"},
		{"bidi isolate", "\u2066x\u2069", "\uFFFDx\uFFFD"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"zero-width joiner kept", "👩\u200d💻", "👩\u200d💻"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Inert(tt.in); got != tt.want {
				t.Errorf("Inert(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestInertLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  two\n lines\t here ", "two lines here"},
		{"next\u0085line", "next line"}, // NEL is white space
		{"\x1b[2J clear", "\uFFFD[2J clear"},
	}
	for _, tt := range tests {
		got := InertLine(tt.in)
		if got != tt.want {
			t.Errorf("InertLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "\x1b\n\r\t") {
			t.Errorf("InertLine(%q) kept a control character: %q", tt.in, got)
		}
	}
}

func TestInertLines(t *testing.T) {
	in := "Strava said:\n\x1b[1mbold\x1b[0m\r\nend"
	want := "Strava said:\n\uFFFD[1mbold\uFFFD[0m\uFFFD\nend"
	if got := InertLines(in); got != want {
		t.Errorf("InertLines(%q) = %q, want %q", in, got, want)
	}
}
