package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestBrowserPostsRefused: what a web page can send to the loopback server
// without a CORS preflight (a form, a no-cors fetch: Origin, text/plain or
// form encoding) is refused before anything is read or queued — here a
// forged delete of an activity that exists, with the right owner and
// subscription ids. Strava's own requests (JSON, no browser headers) pass.
func TestBrowserPostsRefused(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true})
	subID, _, _ := e.sim.Sim.Subscription()
	victim := e.sim.Sim.Activities(0, true)[0].ID
	forged := mustJSON(t, map[string]any{"object_type": "activity", "object_id": victim, "aspect_type": "delete", "updates": map[string]any{},
		"owner_id": e.sim.Sim.AthleteID(), "subscription_id": subID, "event_time": 1700000000})
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{"cross-site form-like fetch", map[string]string{"Origin": "https://evil.example", "Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Site": "cross-site"}, 403},
		{"Origin with JSON", map[string]string{"Origin": "https://evil.example", "Content-Type": "application/json"}, 403},
		{"Origin null (sandboxed page)", map[string]string{"Origin": "null", "Content-Type": "application/json"}, 403},
		{"Sec-Fetch-Site same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}, 403},
		{"Sec-Fetch-Site same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, 403},
		{"text/plain", map[string]string{"Content-Type": "text/plain"}, 415},
		{"form encoded", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"multipart", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 415},
		{"no Content-Type", map[string]string{}, 415},
		{"malformed Content-Type", map[string]string{"Content-Type": "application/json; charset"}, 415},
		{"JSON look-alike", map[string]string{"Content-Type": "application/jsonp"}, 415},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sim.Sim.RequestCount()
			status, body := postWith(t, e.callbackURL(), forged, tt.headers)
			if status != tt.status {
				t.Fatalf("status %d %s, want %d", status, body, tt.status)
			}
			var eb errorBody
			if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.Error == "" {
				t.Errorf("answer %q is not {\"error\": reason}", body)
			}
			if n := e.depth(); n != 0 {
				t.Errorf("%d events queued", n)
			}
			if e.sim.Sim.RequestCount() != before {
				t.Errorf("a refused request caused a Strava API call")
			}
		})
	}

	// What Strava sends is accepted, with or without a charset and whatever
	// the case.
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		ev := mustJSON(t, map[string]any{"object_type": "activity", "object_id": victim + int64(i) + 1, "aspect_type": "create", "updates": map[string]any{},
			"owner_id": e.sim.Sim.AthleteID(), "subscription_id": subID, "event_time": 1700000000})
		headers := map[string]string{"Content-Type": ct}
		if i == 1 {
			headers["Sec-Fetch-Site"] = "none" // a user's own tool, not a page
		}
		if status, body := postWith(t, e.callbackURL(), ev, headers); status != 200 || !strings.Contains(body, `"queued"`) {
			t.Errorf("Content-Type %q: %d %s", ct, status, body)
		}
	}
	if n := e.depth(); n != 3 {
		t.Errorf("queue depth %d, want 3", n)
	}
}

// TestEventWithoutSubscriptionRefused: with no push subscription stored an
// event is refused (not acknowledged: Strava would retry a real one); once
// the subscription exists, the same event is queued.
func TestEventWithoutSubscriptionRefused(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})
	ev := mustJSON(t, map[string]any{"object_type": "activity", "object_id": e.sim.Sim.Activities(0, true)[0].ID, "aspect_type": "delete",
		"updates": map[string]any{}, "owner_id": e.sim.Sim.AthleteID(), "subscription_id": 0, "event_time": 1700000000})
	for _, sub := range []int64{1, 12345} {
		var m map[string]any
		_ = json.Unmarshal(ev, &m)
		m["subscription_id"] = sub
		status, body := e.post(mustJSON(t, m))
		if status != http.StatusForbidden || !strings.Contains(body, "no push subscription stored") {
			t.Errorf("subscription_id %d without a stored subscription: %d %s", sub, status, body)
		}
	}
	if n := e.depth(); n != 0 {
		t.Fatalf("%d events queued", n)
	}
	if _, err := e.subs.Ensure(context.Background(), e.callbackURL(), testVerifyToken); err != nil {
		t.Fatal(err)
	}
	subID, _, _ := e.sim.Sim.Subscription()
	var m map[string]any
	_ = json.Unmarshal(ev, &m)
	m["subscription_id"] = subID
	if status, body := e.post(mustJSON(t, m)); status != 200 || !strings.Contains(body, `"queued"`) {
		t.Errorf("after subscribing: %d %s", status, body)
	}
}

// postWith posts body with exactly the given headers.
func postWith(t *testing.T, u string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
