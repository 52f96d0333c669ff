package strava

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestObserveParsesHeaders(t *testing.T) {
	at := utc(14, 3, 0)
	tests := []struct {
		name        string
		h           http.Header
		wantOverall RateLimitCounts
		wantRead    RateLimitCounts
		wantErr     bool
	}{
		{
			name: "all four headers",
			h: header(HeaderRateLimitLimit, "200,2000", HeaderRateLimitUsage, "12,340",
				HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, "10,300"),
			wantOverall: RateLimitCounts{Limit15: 200, Usage15: 12, LimitDay: 2000, UsageDay: 340},
			wantRead:    RateLimitCounts{Limit15: 100, Usage15: 10, LimitDay: 1000, UsageDay: 300},
		},
		{
			name:        "header names in any case, spaces after the comma",
			h:           http.Header{"X-Ratelimit-Limit": {"600, 30000"}, "X-Ratelimit-Usage": {"314, 27536"}},
			wantOverall: RateLimitCounts{Limit15: 600, Usage15: 314, LimitDay: 30000, UsageDay: 27536},
		},
		{name: "no headers"},
		{
			name:    "not numbers",
			h:       header(HeaderRateLimitLimit, "abc,def", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "one value",
			h:       header(HeaderRateLimitLimit, "100", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "three values",
			h:       header(HeaderRateLimitLimit, "100,1000,5", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "negative",
			h:       header(HeaderRateLimitLimit, "-100,1000", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "overflow",
			h:       header(HeaderRateLimitLimit, "99999999999999999999999,1", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "usage without limit",
			h:       header(HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name:    "empty value",
			h:       header(HeaderRateLimitLimit, "", HeaderRateLimitUsage, ""),
			wantErr: true,
		},
		{
			name:    "header twice",
			h:       header(HeaderRateLimitLimit, "100,1000", HeaderRateLimitLimit, "100,1000", HeaderRateLimitUsage, "1,2"),
			wantErr: true,
		},
		{
			name: "malformed read pair, good overall pair",
			h: header(HeaderRateLimitLimit, "200,2000", HeaderRateLimitUsage, "5,50",
				HeaderReadRateLimitLimit, "100;1000", HeaderReadRateLimitUsage, "5,50"),
			wantOverall: RateLimitCounts{Limit15: 200, Usage15: 5, LimitDay: 2000, UsageDay: 50},
			wantErr:     true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRateLimits()
			err := r.Observe(tt.h, at)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Observe error = %v, want error: %v", err, tt.wantErr)
			}
			s := r.Snapshot()
			if s.Overall != tt.wantOverall || s.Read != tt.wantRead {
				t.Errorf("snapshot = %+v / %+v, want %+v / %+v", s.Overall, s.Read, tt.wantOverall, tt.wantRead)
			}
			if known := tt.wantOverall.Known() || tt.wantRead.Known(); known != !s.At.IsZero() {
				t.Errorf("At = %v, want set: %v", s.At, known)
			}
		})
	}
}

func TestResetTimes(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+30*60)
	tests := []struct {
		name      string
		t         time.Time
		want15    time.Time
		wantDaily time.Time
	}{
		{"mid window", utc(14, 40, 12), utc(14, 45, 0), utc(24, 0, 0)},
		{"on a boundary", utc(14, 45, 0), utc(15, 0, 0), utc(24, 0, 0)},
		{":45 rolls over to the next hour", utc(14, 59, 59), utc(15, 0, 0), utc(24, 0, 0)},
		{"last window of the day", utc(23, 50, 0), utc(24, 0, 0), utc(24, 0, 0)},
		{"midnight exactly", utc(0, 0, 0), utc(0, 15, 0), utc(24, 0, 0)},
		{"end of month", time.Date(2026, 3, 31, 23, 59, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
		{"half-hour zone keeps quarter hours", time.Date(2026, 3, 14, 20, 10, 0, 0, ist), time.Date(2026, 3, 14, 20, 15, 0, 0, ist), time.Date(2026, 3, 15, 5, 30, 0, 0, ist)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Next15MinReset(tt.t); !got.Equal(tt.want15) || got.Location() != tt.t.Location() {
				t.Errorf("Next15MinReset(%v) = %v, want %v", tt.t, got, tt.want15)
			}
			if got := NextDailyReset(tt.t); !got.Equal(tt.wantDaily) {
				t.Errorf("NextDailyReset(%v) = %v, want %v", tt.t, got, tt.wantDaily)
			}
		})
	}
}

func TestSnapshotCurrentForgetsEndedWindows(t *testing.T) {
	full := RateLimitCounts{Limit15: 100, Usage15: 100, LimitDay: 1000, UsageDay: 900}
	tests := []struct {
		name     string
		at, now  time.Time
		want15   int
		wantDay  int
		wantZero bool
	}{
		{"same window", utc(14, 31, 0), utc(14, 44, 59), 100, 900, false},
		{"next quarter hour", utc(14, 31, 0), utc(14, 45, 0), 0, 900, false},
		{":45 to :00 rollover", utc(14, 50, 0), utc(15, 0, 1), 0, 900, false},
		{"next day", utc(23, 59, 0), utc(24, 0, 0), 0, 0, false},
		{"days later", utc(10, 0, 0), utc(24*3+10, 0, 0), 0, 0, false},
		{"clock went back", utc(14, 31, 0), utc(14, 20, 0), 100, 900, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := RateLimitSnapshot{Overall: full, Read: full, At: tt.at}
			got := s.Current(tt.now)
			for _, c := range []RateLimitCounts{got.Overall, got.Read} {
				if c.Usage15 != tt.want15 || c.UsageDay != tt.wantDay {
					t.Errorf("usage = %d/%d, want %d/%d", c.Usage15, c.UsageDay, tt.want15, tt.wantDay)
				}
				if c.Limit15 != 100 || c.LimitDay != 1000 {
					t.Errorf("limits changed: %+v", c)
				}
			}
			if !got.At.Equal(tt.at) {
				t.Errorf("At = %v, want %v", got.At, tt.at)
			}
		})
	}
}

func TestSnapshotCheck(t *testing.T) {
	tests := []struct {
		name     string
		snap     RateLimitSnapshot
		now      time.Time
		read     bool
		wantMsg  string // empty: allowed
		wantFrom Scope
		wantWin  Window
	}{
		{
			name: "nothing known: allowed",
			now:  utc(14, 40, 0), read: true,
		},
		{
			name: "under the limits",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 99, 1000, 500}, Overall: RateLimitCounts{200, 99, 2000, 500}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: true,
		},
		{
			name: "read 15-minute limit reached",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 500}, Overall: RateLimitCounts{200, 100, 2000, 500}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: true,
			wantMsg:  "Strava rate limit reached (100/100 reads this 15 min); resumes at 14:45",
			wantFrom: ScopeRead, wantWin: Window15Min,
		},
		{
			name: "read limit does not stop a non-read request",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 500}, Overall: RateLimitCounts{200, 100, 2000, 500}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: false,
		},
		{
			name: "overall limit stops everything",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 50, 1000, 500}, Overall: RateLimitCounts{200, 201, 2000, 500}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: false,
			wantMsg:  "Strava rate limit reached (201/200 requests this 15 min); resumes at 14:45",
			wantFrom: ScopeOverall, wantWin: Window15Min,
		},
		{
			name: "window rolled over at :45",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 500}, At: utc(14, 31, 0)},
			now:  utc(14, 45, 0), read: true,
		},
		{
			name: "daily limit wins over the 15-minute one",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 1000}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: true,
			wantMsg:  "Strava rate limit reached (1000/1000 reads today); resumes at 00:00 tomorrow",
			wantFrom: ScopeRead, wantWin: WindowDaily,
		},
		{
			name: "daily limit still reached in the next quarter hour",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 3, 1000, 1000}, At: utc(14, 31, 0)},
			now:  utc(18, 2, 0), read: true,
			wantMsg:  "Strava rate limit reached (1000/1000 reads today); resumes at 00:00 tomorrow",
			wantFrom: ScopeRead, wantWin: WindowDaily,
		},
		{
			name: "daily limit lifted at 00:00 UTC",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 3, 1000, 1000}, At: utc(23, 59, 0)},
			now:  utc(24, 0, 0), read: true,
		},
		{
			name: "15-minute reset past midnight says tomorrow",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 10}, At: utc(23, 50, 0)},
			now:  utc(23, 55, 0), read: true,
			wantMsg:  "Strava rate limit reached (100/100 reads this 15 min); resumes at 00:00 tomorrow",
			wantFrom: ScopeRead, wantWin: Window15Min,
		},
		{
			name: "times shown in the clock's zone",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 10}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0).In(time.FixedZone("CET", 3600)), read: true,
			wantMsg:  "Strava rate limit reached (100/100 reads this 15 min); resumes at 15:45",
			wantFrom: ScopeRead, wantWin: Window15Min,
		},
		{
			name: "zero limit means unknown",
			snap: RateLimitSnapshot{Read: RateLimitCounts{0, 5, 0, 5}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0), read: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.snap.Check(tt.now, tt.read)
			if tt.wantMsg == "" {
				if got != nil {
					t.Fatalf("Check = %v, want allowed", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("Check allowed, want %q", tt.wantMsg)
			}
			if got.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", got.Error(), tt.wantMsg)
			}
			if got.Scope != tt.wantFrom || got.Window != tt.wantWin {
				t.Errorf("scope/window = %s/%s, want %s/%s", got.Scope, got.Window, tt.wantFrom, tt.wantWin)
			}
			if !errors.Is(got, ErrRateLimited) || !got.Refused() {
				t.Errorf("want errors.Is(ErrRateLimited) and Refused()")
			}
		})
	}
}

func TestReadBudget(t *testing.T) {
	tests := []struct {
		name              string
		snap              RateLimitSnapshot
		now               time.Time
		want              Budget
		want15, wantDaily time.Time
	}{
		{
			name: "unknown before any header",
			now:  utc(14, 40, 0),
			want: Budget{Known: false},
		},
		{
			name: "read limit is the tighter one",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 40, 1000, 300}, Overall: RateLimitCounts{200, 45, 2000, 310}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0),
			want: Budget{Known: true, Remaining15: 60, RemainingDay: 700},
		},
		{
			name: "overall limit is the tighter one",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 40, 1000, 300}, Overall: RateLimitCounts{200, 190, 2000, 1990}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0),
			want: Budget{Known: true, Remaining15: 10, RemainingDay: 10},
		},
		{
			name: "15-minute budget capped by the daily one",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 0, 1000, 995}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0),
			want: Budget{Known: true, Remaining15: 5, RemainingDay: 5},
		},
		{
			name: "window reset gives the full 15-minute budget back",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 300}, At: utc(14, 31, 0)},
			now:  utc(14, 46, 0),
			want: Budget{Known: true, Remaining15: 100, RemainingDay: 700},
		},
		{
			name: "over the limit is zero, not negative",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 130, 1000, 1300}, At: utc(14, 31, 0)},
			now:  utc(14, 40, 0),
			want: Budget{Known: true, Remaining15: 0, RemainingDay: 0},
		},
		{
			name: "daily reset at 00:00 UTC",
			snap: RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 1000}, At: utc(23, 59, 59)},
			now:  utc(24, 0, 0),
			want: Budget{Known: true, Remaining15: 100, RemainingDay: 1000},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.snap.ReadBudget(tt.now)
			if got.Known != tt.want.Known || got.Remaining15 != tt.want.Remaining15 || got.RemainingDay != tt.want.RemainingDay {
				t.Errorf("ReadBudget = %+v, want %+v", got, tt.want)
			}
			if !got.Reset15.Equal(Next15MinReset(tt.now)) || !got.ResetDay.Equal(NextDailyReset(tt.now)) {
				t.Errorf("resets = %v, %v", got.Reset15, got.ResetDay)
			}
		})
	}
}

func TestObserveMerges(t *testing.T) {
	obs := func(r *RateLimits, at time.Time, usage15, usageDay int) {
		t.Helper()
		h := header(HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, fmt.Sprintf("%d,%d", usage15, usageDay))
		if err := r.Observe(h, at); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("usage never shrinks within a window (responses out of order)", func(t *testing.T) {
		r := NewRateLimits()
		obs(r, utc(14, 31, 0), 11, 111)
		obs(r, utc(14, 31, 1), 10, 110)
		if got := r.Snapshot().Read; got.Usage15 != 11 || got.UsageDay != 111 {
			t.Errorf("read = %+v, want usage 11/111", got)
		}
	})
	t.Run("a new window starts from what Strava says", func(t *testing.T) {
		r := NewRateLimits()
		obs(r, utc(14, 44, 0), 99, 500)
		obs(r, utc(14, 45, 1), 1, 501)
		if got := r.Snapshot().Read; got.Usage15 != 1 || got.UsageDay != 501 {
			t.Errorf("read = %+v, want usage 1/501", got)
		}
	})
	t.Run("a new day starts from what Strava says", func(t *testing.T) {
		r := NewRateLimits()
		obs(r, utc(23, 59, 0), 99, 999)
		obs(r, utc(24, 0, 1), 1, 1)
		if got := r.Snapshot().Read; got.Usage15 != 1 || got.UsageDay != 1 {
			t.Errorf("read = %+v, want usage 1/1", got)
		}
	})
	t.Run("headers of one limit keep the other", func(t *testing.T) {
		r := NewRateLimits()
		_ = r.Observe(header(HeaderRateLimitLimit, "200,2000", HeaderRateLimitUsage, "5,50",
			HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, "4,40"), utc(14, 31, 0))
		_ = r.Observe(header(HeaderRateLimitLimit, "200,2000", HeaderRateLimitUsage, "6,51"), utc(14, 32, 0))
		s := r.Snapshot()
		if s.Read.Usage15 != 4 || s.Overall.Usage15 != 6 || !s.At.Equal(utc(14, 32, 0)) {
			t.Errorf("snapshot = %+v", s)
		}
	})
	t.Run("limits are read, not assumed", func(t *testing.T) {
		r := NewRateLimits()
		_ = r.Observe(header(HeaderReadRateLimitLimit, "300,3000", HeaderReadRateLimitUsage, "299,400"), utc(14, 31, 0))
		if b := r.Snapshot().ReadBudget(utc(14, 32, 0)); b.Remaining15 != 1 {
			t.Errorf("budget = %+v, want 1 left of 300", b)
		}
	})
}

func TestRestore(t *testing.T) {
	saved := RateLimitSnapshot{Read: RateLimitCounts{100, 100, 1000, 1000}, At: utc(14, 31, 0)}
	r := NewRateLimits()
	r.Restore(saved, utc(14, 35, 0))
	if err := r.Snapshot().Check(utc(14, 36, 0), true); err == nil || err.Window != WindowDaily {
		t.Errorf("after Restore, Check = %v, want the daily limit", err)
	}
	r2 := NewRateLimits()
	r2.Restore(saved, utc(24, 1, 0))
	if err := r2.Snapshot().Check(utc(24, 1, 0), true); err != nil {
		t.Errorf("restoring yesterday's snapshot: Check = %v, want allowed", err)
	}
}

func TestAcquireCountsAgainstTheBudget(t *testing.T) {
	r := NewRateLimits()
	at := utc(14, 31, 0)
	_ = r.Observe(header(HeaderRateLimitLimit, "200,2000", HeaderRateLimitUsage, "97,97",
		HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, "97,97"), at)
	allowed := 0
	for range 10 {
		if r.acquire(at, true) == nil {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("allowed %d requests with 3 left, want 3", allowed)
	}
	if got := r.Snapshot().Overall.Usage15; got != 100 {
		t.Errorf("overall usage = %d, want 100", got)
	}
}

func TestRateLimitsConcurrentUse(t *testing.T) {
	r := NewRateLimits()
	clock := clocktest.New(utc(14, 31, 0))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				switch j % 4 {
				case 0:
					_ = r.Observe(header(HeaderReadRateLimitLimit, "100,1000", HeaderReadRateLimitUsage, fmt.Sprintf("%d,%d", j%100, j)), clock.Now())
				case 1:
					_ = r.acquire(clock.Now(), i%2 == 0)
				case 2:
					_ = r.Snapshot().ReadBudget(clock.Now())
				default:
					clock.Set(clock.Now().Add(time.Second))
				}
			}
		})
	}
	wg.Wait()
	if s := r.Snapshot(); s.Read.Limit15 != 100 {
		t.Errorf("snapshot = %+v", s)
	}
}
