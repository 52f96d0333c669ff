package strava

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The rate-limit headers Strava sends with every API response. Each holds two
// comma-separated integers: the 15-minute value, then the daily value.
const (
	HeaderRateLimitLimit     = "X-RateLimit-Limit"
	HeaderRateLimitUsage     = "X-RateLimit-Usage"
	HeaderReadRateLimitLimit = "X-ReadRateLimit-Limit"
	HeaderReadRateLimitUsage = "X-ReadRateLimit-Usage"
)

// shortWindow is the length of Strava's short rate-limit window. Windows start
// at :00, :15, :30 and :45 (UTC; every time zone offset in use is a multiple
// of 15 minutes, so local clocks agree). The daily window starts at 00:00 UTC.
const shortWindow = 15 * time.Minute

// Scope says which of Strava's two rate limits a number belongs to.
type Scope string

const (
	// ScopeOverall is the limit every request counts against.
	ScopeOverall Scope = "overall"
	// ScopeRead is the "non-upload" limit: every endpoint except creating
	// activities, uploads and upload_media counts against it as well.
	ScopeRead Scope = "read"
)

// Window says which of the two windows of a limit a number belongs to.
type Window string

const (
	// Window15Min is the window that resets at :00, :15, :30 and :45.
	Window15Min Window = "15min"
	// WindowDaily is the window that resets at 00:00 UTC.
	WindowDaily Window = "daily"
)

// RateLimitCounts is one limit as Strava reported it. A zero limit means the
// limit is not known (no header seen yet): requests are then allowed.
type RateLimitCounts struct {
	Limit15  int `json:"limit_15min"`
	Usage15  int `json:"usage_15min"`
	LimitDay int `json:"limit_daily"`
	UsageDay int `json:"usage_daily"`
}

// Known reports whether Strava has told us this limit.
func (c RateLimitCounts) Known() bool { return c.Limit15 > 0 || c.LimitDay > 0 }

// RateLimitSnapshot is what the last rate-limit headers said, and when.
type RateLimitSnapshot struct {
	Overall RateLimitCounts `json:"overall"`
	Read    RateLimitCounts `json:"read"`
	// At is when the headers were received (the client's clock); zero when
	// no header has been seen.
	At time.Time `json:"at"`
	// BlockedUntil is set when Strava answered 429 without rate-limit
	// headers that explain it: no request is sent before then.
	BlockedUntil time.Time `json:"blocked_until,omitzero"`
}

// Next15MinReset returns the start of the 15-minute window after the one t is
// in, in t's location.
func Next15MinReset(t time.Time) time.Time {
	return t.UTC().Truncate(shortWindow).Add(shortWindow).In(t.Location())
}

// NextDailyReset returns the next 00:00 UTC after t, in t's location.
func NextDailyReset(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC).In(t.Location())
}

// Current returns the snapshot as it stands at now: usage counted in a window
// that has ended since At is zero, because Strava has reset it.
func (s RateLimitSnapshot) Current(now time.Time) RateLimitSnapshot {
	if s.At.IsZero() {
		return s
	}
	if !now.Before(NextDailyReset(s.At)) {
		s.Overall.UsageDay, s.Read.UsageDay = 0, 0
		s.Overall.Usage15, s.Read.Usage15 = 0, 0
	} else if !now.Before(Next15MinReset(s.At)) {
		s.Overall.Usage15, s.Read.Usage15 = 0, 0
	}
	return s
}

// Check reports whether a request sent at now would be refused according to
// the snapshot. read says whether the request counts against the read limit
// (it always counts against the overall one). It returns nil when the request
// may be sent, or a *RateLimitError naming the exhausted limit that resets
// last.
func (s RateLimitSnapshot) Check(now time.Time, read bool) *RateLimitError {
	cur := s.Current(now)
	var worst *RateLimitError
	consider := func(scope Scope, c RateLimitCounts) {
		for _, w := range []struct {
			window       Window
			usage, limit int
			reset        time.Time
		}{
			{Window15Min, c.Usage15, c.Limit15, Next15MinReset(now)},
			{WindowDaily, c.UsageDay, c.LimitDay, NextDailyReset(now)},
		} {
			if w.limit <= 0 || w.usage < w.limit {
				continue
			}
			if worst == nil || w.reset.After(worst.ResumeAt) {
				worst = &RateLimitError{Scope: scope, Window: w.window, Usage: w.usage, Limit: w.limit, ResumeAt: w.reset, At: now}
			}
		}
	}
	if read {
		consider(ScopeRead, cur.Read)
	}
	consider(ScopeOverall, cur.Overall)
	if now.Before(s.BlockedUntil) && (worst == nil || s.BlockedUntil.After(worst.ResumeAt)) {
		worst = &RateLimitError{ResumeAt: s.BlockedUntil.In(now.Location()), At: now}
	}
	return worst
}

// Budget is how many more requests a limit allows.
type Budget struct {
	// Known is false until Strava's headers have been seen; the numbers are
	// then meaningless and requests are allowed.
	Known bool
	// Remaining15 and RemainingDay are never negative.
	Remaining15  int
	RemainingDay int
	// Reset15 and ResetDay are when the windows start afresh.
	Reset15  time.Time
	ResetDay time.Time
}

// ReadBudget returns how many more read requests (GETs) may be sent at now:
// the smaller of what the read and the overall limits leave.
func (s RateLimitSnapshot) ReadBudget(now time.Time) Budget {
	cur := s.Current(now)
	b := Budget{Reset15: Next15MinReset(now), ResetDay: NextDailyReset(now)}
	rem15, remDay := -1, -1 // -1: no limit known yet
	for _, c := range []RateLimitCounts{cur.Read, cur.Overall} {
		if c.Limit15 > 0 {
			rem15 = minKnown(rem15, max(c.Limit15-c.Usage15, 0))
		}
		if c.LimitDay > 0 {
			remDay = minKnown(remDay, max(c.LimitDay-c.UsageDay, 0))
		}
	}
	if now.Before(s.BlockedUntil) {
		rem15 = 0
		remDay = max(remDay, 0)
	}
	if rem15 < 0 && remDay < 0 {
		return b
	}
	// A window without a known limit is bounded only by the other one.
	if rem15 < 0 {
		rem15 = remDay
	}
	if remDay < 0 {
		remDay = rem15
	}
	b.Known = true
	b.Remaining15, b.RemainingDay = min(rem15, remDay), remDay
	return b
}

func minKnown(cur, v int) int {
	if cur < 0 {
		return v
	}
	return min(cur, v)
}

// RateLimits holds the latest rate-limit snapshot. It is safe for concurrent
// use; share one between every Client that uses the same Strava application
// (the limits are per application).
type RateLimits struct {
	mu   sync.Mutex
	snap RateLimitSnapshot
}

// NewRateLimits returns an empty RateLimits: no limit known, everything allowed.
func NewRateLimits() *RateLimits { return &RateLimits{} }

// Snapshot returns the snapshot as last recorded (see RateLimitSnapshot.Current
// for the view at a given moment).
func (r *RateLimits) Snapshot() RateLimitSnapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap
}

// Restore merges a snapshot saved earlier (for example by a previous run of
// the program) into r, so a limit reached then is still honoured.
func (r *RateLimits) Restore(s RateLimitSnapshot, now time.Time) {
	if s.At.IsZero() && s.BlockedUntil.IsZero() {
		return
	}
	s = s.Current(now)
	var overall, read *RateLimitCounts
	if s.Overall.Known() {
		overall = &s.Overall
	}
	if s.Read.Known() {
		read = &s.Read
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.merge(now, overall, read)
	r.block(s.BlockedUntil)
}

// Block refuses every request until the given time; used when Strava
// answered 429 without headers that say which limit was reached.
func (r *RateLimits) Block(until time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.block(until)
}

func (r *RateLimits) block(until time.Time) {
	if until.After(r.snap.BlockedUntil) {
		r.snap.BlockedUntil = until
	}
}

// Observe records the rate-limit headers of a response received at now.
// Headers that are missing are skipped; malformed ones are skipped too and
// reported in the returned error, while the well-formed ones are still
// recorded.
func (r *RateLimits) Observe(h http.Header, now time.Time) error {
	overall, errO := parseLimitPair(h, HeaderRateLimitLimit, HeaderRateLimitUsage)
	read, errR := parseLimitPair(h, HeaderReadRateLimitLimit, HeaderReadRateLimitUsage)
	if overall != nil || read != nil {
		r.mu.Lock()
		r.merge(now, overall, read)
		r.mu.Unlock()
	}
	return errors.Join(errO, errR)
}

// merge folds new counts into the snapshot; r.mu must be held. Within one
// window usage only grows, so the larger of the recorded and the reported
// usage wins (responses of concurrent requests may arrive out of order).
func (r *RateLimits) merge(now time.Time, overall, read *RateLimitCounts) {
	if now.Before(r.snap.At) {
		now = r.snap.At // never move backwards in time
	}
	cur := r.snap.Current(now)
	fold := func(dst *RateLimitCounts, src *RateLimitCounts) {
		if src == nil {
			return
		}
		dst.Limit15, dst.LimitDay = src.Limit15, src.LimitDay
		dst.Usage15 = max(dst.Usage15, src.Usage15)
		dst.UsageDay = max(dst.UsageDay, src.UsageDay)
	}
	fold(&cur.Overall, overall)
	fold(&cur.Read, read)
	cur.At = now
	r.snap = cur
}

// acquire checks whether a request may be sent at now and, when it may,
// counts it against the known limits right away, so concurrent requests do
// not all spend the last unit of budget. The next response's headers then
// replace the estimate.
func (r *RateLimits) acquire(now time.Time, read bool) *RateLimitError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if refused := r.snap.Check(now, read); refused != nil {
		return refused
	}
	if r.snap.At.IsZero() {
		return nil
	}
	if now.Before(r.snap.At) {
		now = r.snap.At
	}
	cur := r.snap.Current(now)
	count := func(c *RateLimitCounts) {
		if c.Known() {
			c.Usage15++
			c.UsageDay++
		}
	}
	count(&cur.Overall)
	if read {
		count(&cur.Read)
	}
	cur.At = now
	r.snap = cur
	return nil
}

// parseLimitPair parses a limit header and its usage header. It returns nil
// and no error when both are absent.
func parseLimitPair(h http.Header, limitKey, usageKey string) (*RateLimitCounts, error) {
	limitV, usageV := h.Values(limitKey), h.Values(usageKey)
	if len(limitV) == 0 && len(usageV) == 0 {
		return nil, nil
	}
	l15, lDay, err := parseTwoInts(limitKey, limitV)
	if err != nil {
		return nil, err
	}
	u15, uDay, err := parseTwoInts(usageKey, usageV)
	if err != nil {
		return nil, err
	}
	return &RateLimitCounts{Limit15: l15, Usage15: u15, LimitDay: lDay, UsageDay: uDay}, nil
}

// parseTwoInts parses "15min,daily" into two non-negative integers.
func parseTwoInts(key string, values []string) (int, int, error) {
	if len(values) != 1 {
		return 0, 0, fmt.Errorf("header %s: want one value, got %d", key, len(values))
	}
	v := values[0]
	if len(v) > 64 {
		return 0, 0, fmt.Errorf("header %s: value too long (%d bytes)", key, len(v))
	}
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0, fmt.Errorf("header %s: want two comma-separated integers, got %q", key, v)
	}
	x, errX := strconv.Atoi(strings.TrimSpace(a))
	y, errY := strconv.Atoi(strings.TrimSpace(b))
	if errX != nil || errY != nil || x < 0 || y < 0 {
		return 0, 0, fmt.Errorf("header %s: want two non-negative integers, got %q", key, v)
	}
	return x, y, nil
}
