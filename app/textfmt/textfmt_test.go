package textfmt

import "testing"

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{Count(0), "0"},
		{Count(999), "999"},
		{Count(1000), "1,000"},
		{Count(1234567), "1,234,567"},
		{Count(-4000), "-4,000"},
		{GroupDigits("12345.678"), "12,345.678"},
		{GroupDigits("-1000000.5"), "-1,000,000.5"},
		{GroupDigits("12"), "12"},
		{Clock(0), "0:00:00"},
		{Clock(59), "0:00:59"},
		{Clock(3725), "1:02:05"},
		{Clock(36*3600 + 61), "36:01:01"},
		{MinSec(0), "0:00"},
		{MinSec(302), "5:02"},
		{MinSec(3725), "62:05"},
		{HourMin(59), "0:00"},
		{HourMin(3725), "1:02"},
		{HourMin(36*3600 + 600), "36:10"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
