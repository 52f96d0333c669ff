package stravasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	srv := start(t, Config{Activities: 5})
	tok := login(t, srv, "activity:read_all")
	tests := []struct {
		name     string
		n        int
		status   int
		prefix   string
		path     string
		want     []int
		wantUsed int // rate-limit usage added by the calls
	}{
		{"two 503 on the list", 2, 503, "/api/v3/athlete/activities", "/athlete/activities", []int{503, 503, 200}, 1},
		{"other paths unaffected", 1, 500, "/api/v3/athlete/activities", "/athlete", []int{200}, 1},
		{"any path", 1, 502, "", "/athlete", []int{502, 200}, 1},
		{"invalid status means 500", 1, 200, "", "/athlete", []int{500, 200}, 1},
		{"cleared", 0, 500, "", "/athlete", []int{200}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.Sim.FailNext(0, 0, "")
			srv.Sim.FailNext(tc.n, tc.status, tc.prefix)
			_, before := srv.Sim.RateLimitStatus()
			for i, want := range tc.want {
				resp, body := get(t, srv, tc.path, tok.AccessToken, nil)
				if resp.StatusCode != want {
					t.Fatalf("call %d: %d, want %d: %s", i, resp.StatusCode, want, body)
				}
			}
			_, after := srv.Sim.RateLimitStatus()
			if after.Read15-before.Read15 != tc.wantUsed {
				t.Errorf("usage grew by %d", after.Read15-before.Read15)
			}
		})
	}
	// Token endpoint failures, for refresh retry tests.
	srv.Sim.FailNext(1, 500, "/oauth/token")
	form := url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	if status, _ := postForm(t, srv.OAuthURL()+"/token", form, nil); status != 500 {
		t.Errorf("token with injected failure: %d", status)
	}
	if status, body := postForm(t, srv.OAuthURL()+"/token", form, nil); status != 200 {
		t.Errorf("token after failure: %d %s", status, body)
	}
}

func TestLatency(t *testing.T) {
	srv := start(t, Config{Activities: 2})
	tok := login(t, srv, "activity:read_all").AccessToken
	srv.Sim.SetLatency(150 * time.Millisecond)
	begin := time.Now()
	if resp, _ := get(t, srv, "/athlete", tok, nil); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("answered after %v, latency 150ms", d)
	}
	// A client that gives up is not kept waiting.
	srv.Sim.SetLatency(time.Hour)
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+"/athlete", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if _, err := client.Do(req); err == nil {
		t.Error("expected a client timeout")
	}
	srv.Sim.SetLatency(0)
}

func TestAppInactive(t *testing.T) {
	srv := start(t, Config{Activities: 2})
	tok := login(t, srv, "activity:read_all")
	srv.Sim.SetAppInactive(true)
	for _, p := range []string{"/athlete", "/athlete/activities"} {
		resp, body := get(t, srv, p, tok.AccessToken, nil)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
		wantFault(t, body, "Forbidden", "Application", "Status", "Inactive")
		if resp.Header.Get("X-RateLimit-Usage") == "" {
			t.Error("no rate limit headers on 403")
		}
	}
	// OAuth keeps working, as reported for lapsed developer subscriptions.
	form := url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	if status, body := postForm(t, srv.OAuthURL()+"/token", form, nil); status != 200 {
		t.Errorf("refresh while inactive: %d %s", status, body)
	}
	srv.Sim.SetAppInactive(false)
	if resp, _ := get(t, srv, "/athlete", tok.AccessToken, nil); resp.StatusCode != 200 {
		t.Errorf("after reactivation: %d", resp.StatusCode)
	}
}

func TestExpireAllTokens(t *testing.T) {
	srv := start(t, Config{Activities: 2})
	tok := login(t, srv, "activity:read_all")
	srv.Sim.ExpireAllTokens()
	resp, body := get(t, srv, "/athlete", tok.AccessToken, nil)
	if resp.StatusCode != 401 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	wantFault(t, body, "Authorization Error", "Athlete", "access_token", "invalid")
	var r tokenJSON
	form := url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	if status, body := postForm(t, srv.OAuthURL()+"/token", form, &r); status != 200 || r.AccessToken == tok.AccessToken {
		t.Fatalf("refresh: %d %s", status, body)
	}
	if resp, _ := get(t, srv, "/athlete", r.AccessToken, nil); resp.StatusCode != 200 {
		t.Errorf("new token: %d", resp.StatusCode)
	}
}

func TestRequestCounts(t *testing.T) {
	srv := start(t, Config{Activities: 3})
	tok := login(t, srv, "activity:read_all").AccessToken
	srv.Sim.ResetRequestCounts()
	get(t, srv, "/athlete/activities", tok, nil)
	get(t, srv, "/athlete/activities?page=2", tok, nil)
	get(t, srv, "/athlete", "", nil)
	get(t, srv, "/activities/1", tok, nil)
	get(t, srv, "/unknown", tok, nil)
	if resp, err := http.Get(srv.ControlURL() + "/status"); err == nil { // control calls are not counted
		resp.Body.Close()
	}
	if n := srv.Sim.RequestCount(); n != 5 {
		t.Errorf("RequestCount = %d, want 5", n)
	}
	c := srv.Sim.RequestCounts()
	if c["GET /api/v3/athlete/activities"] != 2 || c["GET /api/v3/athlete"] != 1 || c["GET /api/v3/activities/{id}"] != 1 || c["POST /oauth/token"] != 0 {
		t.Errorf("counts %v", c)
	}
	login(t, srv, "activity:read")
	if c := srv.Sim.RequestCounts(); c["POST /oauth/token"] != 1 || c["GET /oauth/authorize"] != 1 {
		t.Errorf("oauth counts %v", c)
	}
	srv.Sim.ResetRequestCounts()
	if srv.Sim.RequestCount() != 0 || len(srv.Sim.RequestCounts()) != 0 {
		t.Error("reset did not reset")
	}
}

// fetch is a GET usable from any goroutine.
func fetch(u, token string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// Many clients at once, with changes going on: run with -race.
func TestConcurrentUse(t *testing.T) {
	srv := start(t, Config{Activities: 2000, RateLimits: Limits{Overall15: 1e6, OverallDaily: 1e6, Read15: 1e6, ReadDaily: 1e6}})
	rc := newReceiver(t, "vt")
	subscribe(t, srv, rc.URL, "vt")
	tok := login(t, srv, "activity:read_all").AccessToken
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				status, body, err := fetch(srv.APIURL()+"/athlete/activities?per_page=200&page="+itoa(int64(i+1)), tok)
				var items []listItem
				if err == nil {
					err = json.Unmarshal(body, &items)
				}
				if err != nil || status != 200 {
					t.Errorf("worker %d: %d %v", w, status, err)
					return
				}
				if len(items) > 0 {
					if status, _, err := fetch(srv.APIURL()+"/activities/"+itoa(items[0].ID)+"/streams?keys=latlng", tok); err != nil || (status != 200 && status != 404) {
						t.Errorf("streams: %d %v", status, err)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			id, err := srv.Sim.CreateActivity(NewActivity{})
			if err != nil {
				t.Error(err)
				return
			}
			_ = srv.Sim.UpdateActivity(id, ActivityUpdate{Private: ptr(true)})
			_ = srv.Sim.DeleteActivity(id)
			srv.Sim.SetUsage(Usage{})
			srv.Sim.ResetRequestCounts()
		}
	}()
	wg.Wait()
	waitDeliveries(t, srv.Sim, 60)
}
