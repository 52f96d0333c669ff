package stravasim

import (
	"net/http"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

func TestRateLimitHeadersAndWindows(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 5, 10, 23, 44, 0, 0, time.UTC))
	srv := start(t, Config{Activities: 5, Now: clk.Now, RateLimits: Limits{Read15: 3, ReadDaily: 5}})
	tok := login(t, srv, "activity:read_all").AccessToken

	steps := []struct {
		name      string
		advance   time.Duration
		status    int
		usage     string // X-RateLimit-Usage
		readUsage string // X-ReadRateLimit-Usage
	}{
		{"first", 0, 200, "1,1", "1,1"},
		{"second", 0, 200, "2,2", "2,2"},
		{"third reaches the 15-min read limit", 0, 200, "3,3", "3,3"},
		{"fourth is refused", 0, 429, "4,4", "4,4"},
		{"refused ones still count", 30 * time.Second, 429, "5,5", "5,5"},
		{"23:45 starts a new window", 30 * time.Second, 429, "1,6", "1,6"}, // daily limit 5 exceeded
		{"midnight UTC resets the day", 15 * time.Minute, 200, "1,1", "1,1"},
		{"still the same windows", 14*time.Minute + 59*time.Second, 200, "2,2", "2,2"},
		{"00:15 new window", time.Second, 200, "1,3", "1,3"},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		resp, body := get(t, srv, "/athlete", tok, nil)
		if resp.StatusCode != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, resp.StatusCode, st.status, body)
		}
		h := resp.Header
		if h.Get("X-RateLimit-Limit") != "200,2000" || h.Get("X-ReadRateLimit-Limit") != "3,5" ||
			h.Get("X-RateLimit-Usage") != st.usage || h.Get("X-ReadRateLimit-Usage") != st.readUsage {
			t.Errorf("%s: headers %v %v %v %v", st.name, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Usage"),
				h.Get("X-ReadRateLimit-Limit"), h.Get("X-ReadRateLimit-Usage"))
		}
		if st.status == http.StatusTooManyRequests {
			wantFault(t, body, "Rate Limit Exceeded", "Application", "rate limit", "exceeded")
		}
	}
}

func TestSetRateLimitsAndUsage(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 5, 10, 12, 1, 0, 0, time.UTC))
	srv := start(t, Config{Activities: 5, Now: clk.Now})
	tok := login(t, srv, "activity:read_all").AccessToken
	l, u := srv.Sim.RateLimitStatus()
	if l != DefaultLimits() || u != (Usage{}) {
		t.Fatalf("initial %+v %+v", l, u)
	}
	srv.Sim.SetUsage(Usage{Overall15: 10, OverallDaily: 500, Read15: 99, ReadDaily: 400})
	tests := []struct {
		status int
		usage  string
	}{{200, "100,401"}, {429, "101,402"}}
	for _, tc := range tests {
		resp, _ := get(t, srv, "/athlete/activities", tok, nil)
		if resp.StatusCode != tc.status || resp.Header.Get("X-ReadRateLimit-Usage") != tc.usage {
			t.Errorf("status %d usage %s, want %d %s", resp.StatusCode, resp.Header.Get("X-ReadRateLimit-Usage"), tc.status, tc.usage)
		}
	}
	srv.Sim.SetRateLimits(Limits{Read15: 600, ReadDaily: 30000})
	resp, _ := get(t, srv, "/athlete", tok, nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-ReadRateLimit-Limit") != "600,30000" || resp.Header.Get("X-RateLimit-Limit") != "200,2000" {
		t.Errorf("after SetRateLimits: %d %v", resp.StatusCode, resp.Header)
	}
	// The overall limit applies as well.
	srv.Sim.SetUsage(Usage{Overall15: 200})
	if resp, _ := get(t, srv, "/athlete", tok, nil); resp.StatusCode != 429 {
		t.Errorf("overall limit: %d", resp.StatusCode)
	}
}
