// Package textfmt formats numbers and durations for people, the same way in
// the command line and the window, and makes text from outside inert before
// it reaches a terminal (Inert).
package textfmt

import (
	"strconv"
	"strings"
	"time"
)

// Count writes n with thousands separators: 1234567 → "1,234,567".
func Count(n int) string {
	return GroupDigits(strconv.Itoa(n))
}

// GroupDigits inserts thousands separators into the integer part of a plain
// decimal number string: "-12345.67" → "-12,345.67".
func GroupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Clock formats a non-negative number of seconds as h:mm:ss: 3725 → "1:02:05".
func Clock(seconds int) string {
	d := time.Duration(seconds) * time.Second
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := int(d % time.Minute / time.Second)
	return strconv.Itoa(h) + ":" + pad2(m) + ":" + pad2(s)
}

// MinSec formats a non-negative number of seconds as m:ss, the minutes
// unbounded: 302 → "5:02", 3725 → "62:05".
func MinSec(seconds int) string {
	return strconv.Itoa(seconds/60) + ":" + pad2(seconds%60)
}

// HourMin formats a non-negative number of seconds as h:mm, the seconds
// dropped: 3725 → "1:02".
func HourMin(seconds int) string {
	return strconv.Itoa(seconds/3600) + ":" + pad2(seconds/60%60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
