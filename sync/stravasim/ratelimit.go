package stravasim

import (
	"net/http"
	"strconv"
	"time"
)

// Limits are an application's rate limits: overall and read ("non-upload"),
// per 15 minutes and per day.
type Limits struct {
	Overall15    int `json:"overall_15min"`
	OverallDaily int `json:"overall_daily"`
	Read15       int `json:"read_15min"`
	ReadDaily    int `json:"read_daily"`
}

// Usage is an application's request count in the current windows.
type Usage struct {
	Overall15    int `json:"overall_15min"`
	OverallDaily int `json:"overall_daily"`
	Read15       int `json:"read_15min"`
	ReadDaily    int `json:"read_daily"`
}

// DefaultLimits are Strava's default rate limits.
func DefaultLimits() Limits {
	return Limits{Overall15: 200, OverallDaily: 2000, Read15: 100, ReadDaily: 1000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Overall15 <= 0 {
		l.Overall15 = d.Overall15
	}
	if l.OverallDaily <= 0 {
		l.OverallDaily = d.OverallDaily
	}
	if l.Read15 <= 0 {
		l.Read15 = d.Read15
	}
	if l.ReadDaily <= 0 {
		l.ReadDaily = d.ReadDaily
	}
	return l
}

// rateLimiter counts requests in Strava's windows: 15 minutes starting at
// :00, :15, :30 and :45, and the UTC day. Requests over a limit are refused
// but still counted, as Strava does.
type rateLimiter struct {
	limits Limits
	usage  Usage
	window time.Time // start of the current 15-minute window
	day    time.Time // start of the current UTC day
}

func (rl *rateLimiter) roll(now time.Time) {
	now = now.UTC()
	if w := now.Truncate(15 * time.Minute); !w.Equal(rl.window) {
		rl.window = w
		rl.usage.Overall15, rl.usage.Read15 = 0, 0
	}
	if d := now.Truncate(24 * time.Hour); !d.Equal(rl.day) {
		rl.day = d
		rl.usage.OverallDaily, rl.usage.ReadDaily = 0, 0
	}
}

// take counts one request and reports whether it is within the limits.
func (rl *rateLimiter) take(now time.Time, read bool) bool {
	rl.roll(now)
	u := &rl.usage
	u.Overall15++
	u.OverallDaily++
	if read {
		u.Read15++
		u.ReadDaily++
	}
	l := rl.limits
	if u.Overall15 > l.Overall15 || u.OverallDaily > l.OverallDaily {
		return false
	}
	return !read || (u.Read15 <= l.Read15 && u.ReadDaily <= l.ReadDaily)
}

func pair(a, b int) string { return strconv.Itoa(a) + "," + strconv.Itoa(b) }

func (rl *rateLimiter) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", pair(rl.limits.Overall15, rl.limits.OverallDaily))
	h.Set("X-RateLimit-Usage", pair(rl.usage.Overall15, rl.usage.OverallDaily))
	h.Set("X-ReadRateLimit-Limit", pair(rl.limits.Read15, rl.limits.ReadDaily))
	h.Set("X-ReadRateLimit-Usage", pair(rl.usage.Read15, rl.usage.ReadDaily))
}

// SetRateLimits changes the application's limits; zero fields keep Strava's defaults.
func (s *Sim) SetRateLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rl.limits = l.withDefaults()
}

// SetUsage sets the usage of the current windows, e.g. to start a test
// just below a limit. Negative values count as 0.
func (s *Sim) SetUsage(u Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rl.roll(s.now())
	s.rl.usage = Usage{Overall15: max(0, u.Overall15), OverallDaily: max(0, u.OverallDaily), Read15: max(0, u.Read15), ReadDaily: max(0, u.ReadDaily)}
}

// RateLimitStatus returns the limits and the usage of the current windows.
func (s *Sim) RateLimitStatus() (Limits, Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rl.roll(s.now())
	return s.rl.limits, s.rl.usage
}
