package auth_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/stravasim"
)

// noRedirect is a client that shows the authorize route's own answer.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestAuthorizeRouteRefusals: another site's page and a DNS-rebound host
// name cannot start logins; the user's browser (address bar, a link on a
// page of owtray's own origin) can.
func TestAuthorizeRouteRefusals(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	port := strings.TrimPrefix(f.callback, "http://127.0.0.1:")
	tests := []struct {
		name      string
		host      string
		fetchSite string
		want      int
	}{
		{"address bar", "", "none", http.StatusFound},
		{"curl", "", "", http.StatusFound},
		{"same origin", "", "same-origin", http.StatusFound},
		{"localhost name", "localhost:" + port, "none", http.StatusFound},
		{"other site's page", "", "cross-site", http.StatusForbidden},
		{"DNS rebinding", "evil.example:" + port, "same-origin", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := auth.PendingStates(f.flow)
			req, _ := http.NewRequest(http.MethodGet, f.callback+auth.AuthorizePath, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tt.fetchSite)
			}
			resp := do(t, req)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			made := auth.PendingStates(f.flow) - before
			if (tt.want == http.StatusFound) != (made == 1) {
				t.Errorf("states made: %d", made)
			}
			if tt.want != http.StatusFound && !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("refusal page without CSP: %v", resp.Header)
			}
		})
	}
}

// TestAuthorizeFloodKeepsAHandful: 80,000 GETs of the authorize route keep
// at most MaxPending states and no memory; the user's own login, started
// before the flood and waiting, still completes.
func TestAuthorizeFloodKeepsAHandful(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	u, state := f.flow.Begin()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	result := make(chan error, 1)
	go func() { _, err := f.flow.Wait(ctx, state); result <- err }()
	clocktest.WaitUntil(t, "the login's Wait", 10*time.Second, func() bool { return auth.Waiters(f.flow, state) == 1 })

	h := f.flow.Handler()
	get := func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, f.callback+auth.AuthorizePath, nil))
		if rec.Code != http.StatusFound {
			t.Fatalf("authorize: %d", rec.Code)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for range 1000 {
		get()
	}
	start := heap()
	const flood = 80_000
	began := time.Now()
	for range flood - 1000 {
		get()
	}
	took := time.Since(began)
	grown := int64(heap()) - int64(start)
	t.Logf("%d authorize GETs: heap %+d bytes after the first 1,000, %.1f µs per GET", flood, grown, float64(took.Microseconds())/float64(flood-1000))
	if n := auth.PendingStates(f.flow); n > auth.MaxPending {
		t.Errorf("%d states kept, want at most %d", n, auth.MaxPending)
	}
	if grown > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d GETs", grown, flood)
	}
	if err := app.VisitURL(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := <-result; err != nil {
		t.Errorf("the waiting login failed after the flood: %v", err)
	}
}

// TestCallbackPageIsInert: what the callback's query carries is shown
// escaped, on a page that may run no script, load nothing and send no
// referrer.
func TestCallbackPageIsInert(t *testing.T) {
	f := newFixture(t, stravasim.Config{Activities: 1}, "sim-client-secret")
	const script = `<script>alert(document.domain)</script>`
	_, state := f.flow.Begin()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	result := make(chan error, 1)
	go func() { _, err := f.flow.Wait(ctx, state); result <- err }()
	tests := []struct{ name, query string }{
		{"error_description", url.Values{"state": {state}, "error": {"server_error" + script}, "error_description": {script + `"><img src=x onerror=alert(1)>`}}.Encode()},
		{"state", url.Values{"state": {script}, "code": {script}}.Encode()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(f.callback + auth.CallbackPath + "?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			low := strings.ToLower(string(body))
			if strings.Contains(low, "<script") || strings.Contains(low, "<img") {
				t.Errorf("page reflects markup:\n%s", body)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
				t.Errorf("Referrer-Policy %q", rp)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d", resp.StatusCode)
			}
			if tt.name == "error_description" && !strings.Contains(string(body), "&lt;script&gt;alert(document.domain)&lt;/script&gt;") {
				t.Errorf("Strava's error_description is not shown (escaped):\n%s", body)
			}
		})
	}
	if err := <-result; err == nil || !strings.Contains(err.Error(), "server_error") {
		t.Errorf("login result: %v", err)
	}
}

// BenchmarkAuthorize: one GET of the authorize route (the flow's handler,
// in-process: HTTP's own cost is not the flow's), on a fresh flow and after
// 80,000 earlier GETs; time per GET and the heap stay the same.
func BenchmarkAuthorize(b *testing.B) {
	for _, earlier := range []int{0, 80_000} {
		b.Run(fmt.Sprintf("after-%d", earlier), func(b *testing.B) {
			f := newFixture(b, stravasim.Config{Activities: 1}, "sim-client-secret")
			h := f.flow.Handler()
			for range earlier {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, f.callback+auth.AuthorizePath, nil))
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, f.callback+auth.AuthorizePath, nil))
				if rec.Code != http.StatusFound {
					b.Fatal(rec.Code)
				}
			}
			b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
		})
	}
}
