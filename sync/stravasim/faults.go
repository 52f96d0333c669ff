package stravasim

import (
	"net/http"
	"strings"
	"time"
)

// faultState is the fault injection configuration.
type faultState struct {
	latency       time.Duration
	failRemaining int
	failStatus    int
	failPrefix    string
	inactive      bool
}

// takeFailure returns the status to fail a request to path with, or 0.
func (f *faultState) takeFailure(path string) int {
	if f.failRemaining > 0 && strings.HasPrefix(path, f.failPrefix) {
		f.failRemaining--
		return f.failStatus
	}
	return 0
}

// SetLatency delays every API v3 response by d (0 turns it off).
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = max(0, d)
}

// FailNext makes the next n requests whose path starts with pathPrefix
// ("" = any OAuth or API path, e.g. "/api/v3/athlete/activities" or
// "/oauth/token") fail with status (400-599; anything else means 500).
// Failed requests do not count toward the rate limits. n <= 0 clears it.
func (s *Sim) FailNext(n, status int, pathPrefix string) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.failRemaining = max(0, n)
	s.faults.failStatus = status
	s.faults.failPrefix = pathPrefix
}

// SetAppInactive switches the application's inactive status: while
// inactive every API call is answered 403 with Strava's
// {"resource":"Application","field":"Status","code":"Inactive"} error,
// while OAuth keeps working (as when the developer subscription lapsed).
func (s *Sim) SetAppInactive(inactive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.inactive = inactive
}

// SetAthleteCapacity sets how many athletes may be connected at once
// (0 = unlimited). A code exchange by one more athlete is refused with
// 403 "Limit of connected athletes exceeded".
func (s *Sim) SetAthleteCapacity(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.capacity = max(0, n)
}
