package webhook

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSubscriptionHandshake: the simulator's real validation GET against the
// handler, through Subscriptions.Ensure.
func TestSubscriptionHandshake(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true})
	id, cb, ok := e.sim.Sim.Subscription()
	if !ok || cb != e.callbackURL() {
		t.Fatalf("simulator subscription = %d %q %v, want one for %q", id, cb, ok, e.callbackURL())
	}
	ss, err := e.st.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	if ss.Webhook.SubscriptionID != id || ss.Webhook.CallbackURL != cb {
		t.Errorf("recorded %+v, want id %d url %q", ss.Webhook, id, cb)
	}
	if !strings.Contains(e.logs.String(), "webhook validation answered") {
		t.Errorf("no validation GET reached the handler")
	}
}

// TestVerify covers the validation GET's answers.
func TestVerify(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return e.callbackURL() + "?" + v.Encode()
	}
	tests := []struct {
		name   string
		url    string
		status int
		want   string // in the body
	}{
		{"ok", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken, "hub.challenge", "15f7d1a91c1f40f8a748fd134752feb3"),
			200, `{"hub.challenge":"15f7d1a91c1f40f8a748fd134752feb3"}`},
		{"challenge is JSON-escaped", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken, "hub.challenge", `a"<b>`),
			200, `{"hub.challenge":"a\"\u003cb\u003e"}`},
		{"wrong verify token", q("hub.mode", "subscribe", "hub.verify_token", "guess", "hub.challenge", "c"), 403, "wrong hub.verify_token"},
		{"token prefix", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken[:5], "hub.challenge", "c"), 403, ""},
		{"wrong hub.mode", q("hub.mode", "unsubscribe", "hub.verify_token", testVerifyToken, "hub.challenge", "c"), 400, "hub.mode"},
		{"missing hub.mode", q("hub.verify_token", testVerifyToken, "hub.challenge", "c"), 400, "missing hub.mode"},
		{"missing token", q("hub.mode", "subscribe", "hub.challenge", "c"), 400, "missing hub.verify_token"},
		{"missing challenge", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken), 400, "missing hub.challenge"},
		{"no query", e.callbackURL(), 400, "missing"},
		{"duplicate challenge", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken, "hub.challenge", "a", "hub.challenge", "b"), 400, "more than one"},
		{"malformed query", e.callbackURL() + "?hub.mode=subscribe&hub.challenge=%zz", 400, "malformed"},
		{"huge challenge", q("hub.mode", "subscribe", "hub.verify_token", testVerifyToken, "hub.challenge", strings.Repeat("x", 2000)), 400, "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := do(t, http.DefaultClient, http.MethodGet, tt.url, nil)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("GET = %d %s, want %d containing %q", status, body, tt.status, tt.want)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if strings.Contains(body, testVerifyToken) {
				t.Errorf("the verify token is in the answer")
			}
		})
	}
}

// TestBadInputs posts every kind of bad input; each gets its status, nothing
// is queued, and the handler keeps working afterwards.
func TestBadInputs(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true})
	subID, _, _ := e.sim.Sim.Subscription()
	athlete := e.sim.Sim.AthleteID()
	valid := func(f func(m map[string]any)) []byte {
		m := map[string]any{"object_type": "activity", "object_id": 42, "aspect_type": "create", "updates": map[string]any{},
			"owner_id": athlete, "subscription_id": subID, "event_time": 1700000000}
		f(m)
		return mustJSON(t, m)
	}
	big := bytes.Repeat([]byte(" "), 8<<20)
	copy(big, valid(func(map[string]any) {}))
	tests := []struct {
		name   string
		method string
		body   []byte
		status int
		want   string
	}{
		{"malformed JSON", "POST", []byte(`{"object_type":"activity",`), 400, "malformed JSON"},
		{"empty body", "POST", nil, 400, "empty body"},
		{"not JSON", "POST", []byte("object_type=activity"), 400, "not JSON"},
		{"JSON array", "POST", []byte("[" + string(valid(func(map[string]any) {})) + "]"), 400, "array"},
		{"JSON null", "POST", []byte("null"), 400, "not a JSON object"},
		{"missing owner_id", "POST", valid(func(m map[string]any) { delete(m, "owner_id") }), 400, "owner_id: missing"},
		{"missing object_id", "POST", valid(func(m map[string]any) { delete(m, "object_id") }), 400, "object_id: missing"},
		{"missing aspect_type", "POST", valid(func(m map[string]any) { delete(m, "aspect_type") }), 400, "aspect_type: missing"},
		{"object_id as text", "POST", valid(func(m map[string]any) { m["object_id"] = "forty-two" }), 400, "object_id"},
		{"event_time as bool", "POST", valid(func(m map[string]any) { m["event_time"] = true }), 400, "event_time"},
		{"updates as list", "POST", valid(func(m map[string]any) { m["updates"] = []string{"title"} }), 400, "updates"},
		{"unknown object_type", "POST", valid(func(m map[string]any) { m["object_type"] = "segment" }), 400, "object_type"},
		{"unknown aspect_type", "POST", valid(func(m map[string]any) { m["aspect_type"] = "merge" }), 400, "aspect_type"},
		{"8 MiB body", "POST", big, 413, "larger than"},
		{"8 MiB chunked body", "POST", big, 413, "larger than"},
		{"foreign owner", "POST", valid(func(m map[string]any) { m["owner_id"] = athlete + 1 }), 200, `"ignored"`},
		{"foreign subscription", "POST", valid(func(m map[string]any) { m["subscription_id"] = subID + 1 }), 200, `"ignored"`},
		{"PUT", "PUT", valid(func(map[string]any) {}), 405, "method not allowed"},
		{"DELETE", "DELETE", nil, 405, "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sim.Sim.RequestCount()
			var body io.Reader
			switch {
			case strings.Contains(tt.name, "chunked"): // no Content-Length
				body = io.MultiReader(bytes.NewReader(tt.body))
			case tt.body != nil:
				body = bytes.NewReader(tt.body)
			}
			status, hdr, got := do(t, http.DefaultClient, tt.method, e.callbackURL(), body)
			if status != tt.status || !strings.Contains(got, tt.want) {
				t.Fatalf("%s = %d %.200s, want %d containing %q", tt.method, status, got, tt.status, tt.want)
			}
			if status == 405 && hdr.Get("Allow") != "GET, POST" {
				t.Errorf("Allow = %q", hdr.Get("Allow"))
			}
			if status >= 400 {
				var eb errorBody
				if err := json.Unmarshal([]byte(got), &eb); err != nil || eb.Error == "" {
					t.Errorf("error body %q is not {\"error\": …}", got)
				}
			}
			if n := e.depth(); n != 0 {
				t.Errorf("queue depth = %d, want 0", n)
			}
			if e.sim.Sim.RequestCount() != before {
				t.Errorf("a bad or foreign event caused a Strava API call")
			}
			// Still healthy: the handler answers and a valid event is queued.
			if status, _, _ := do(t, http.DefaultClient, http.MethodGet, e.callbackURL(), nil); status != http.StatusBadRequest {
				t.Errorf("validation GET without parameters after a bad input = %d, want 400", status)
			}
		})
	}
	status, body := e.post(valid(func(m map[string]any) { m["event_time"] = time.Now().Unix() }))
	if status != 200 || !strings.Contains(body, `"queued"`) || e.depth() != 1 {
		t.Fatalf("valid event after bad inputs: %d %s, depth %d", status, body, e.depth())
	}
	if ignored, rejected := e.obs.ignored.Load(), e.obs.rejected.Load(); ignored != 2 || rejected != 15 {
		t.Errorf("observer told ignored %d rejected %d, want 2 and 15", ignored, rejected)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "owner is not the connected athlete") || !strings.Contains(logs, "not our subscription") {
		t.Errorf("ignored events were not logged")
	}
}

// TestPublicHandlerRoutes: the handler (which the tunnel serves, with the
// app's health route beside it) answers the webhook only.
func TestPublicHandlerRoutes(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/oauth/strava/callback?code=x&state=y", 404},
		{"GET", "/", 404},
		{"GET", "/api/v1/strava/webhook/", 404},
		{"GET", "/api/v1/strava/webhook/../../oauth/strava/callback", 404},
		{"GET", "/api/v1/strava/webhookx", 404},
		{"GET", "/API/V1/STRAVA/WEBHOOK", 404},
		{"GET", "//api/v1/strava/webhook", 404},
		{"GET", "/api/v1/strava/health/", 404},
		{"GET", "/api/v1/strava", 404},
		{"POST", "/api/v1/oauth/strava/callback", 404},
		{"GET", "/debug/pprof/", 404},
		{"GET", "/api/v1/strava/health", 404},  // the app's (app.TestPublicHandler)
		{"GET", "/api/v1/strava/webhook", 400}, // no hub.* parameters
		{"OPTIONS", "/api/v1/strava/webhook", 405},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			// A raw request, so that the path reaches the server unchanged.
			status := rawRequest(t, e.srv.Listener.Addr().String(), tt.method, tt.path)
			if status != tt.status {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, status, tt.status)
			}
		})
	}
}

// rawRequest writes an HTTP/1.1 request with the path as given and returns
// the status code.
func rawRequest(t *testing.T, addr, method, path string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, method+" "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, "http://x/", nil)
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"https://abc.ngrok.app/api/v1/strava/webhook", "https://abc.ngrok.app/api/v1/strava/webhook"},
		{"https://user:pw@host/p?key=secret#f", "https://host/p (query and user info not shown)"},
		{"not a url", "(not shown: not a valid URL)"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewHandlerChecksConfig(t *testing.T) {
	if _, err := NewHandler(Config{VerifyToken: "x"}); err == nil {
		t.Error("no store: no error")
	}
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})
	if _, err := NewHandler(Config{Store: e.st}); err == nil {
		t.Error("no verify token: no error")
	}
}

func TestMismatch(t *testing.T) {
	id := Identity{AthleteID: 7, SubscriptionID: 9}
	ev := Event{OwnerID: 7, SubscriptionID: 9}
	tests := []struct {
		name string
		id   Identity
		ev   Event
		want foreignReason
	}{
		{"ours", id, ev, ours},
		{"no subscription stored", Identity{AthleteID: 7}, ev, noSubscription},
		{"no athlete connected", Identity{SubscriptionID: 9}, ev, noAthlete},
		{"another athlete", id, Event{OwnerID: 8, SubscriptionID: 9}, otherOwner},
		{"another subscription", id, Event{OwnerID: 7, SubscriptionID: 10}, otherSubscription},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		got := mismatch(tt.ev, tt.id)
		if got != tt.want {
			t.Errorf("%s: mismatch = %v, want %v", tt.name, got, tt.want)
		}
		text := got.String()
		if (text == "") != (got == ours) || seen[text] || strings.HasPrefix(text, "foreignReason(") {
			t.Errorf("%s: reason %d reads %q: want a distinct sentence (none for ours)", tt.name, got, text)
		}
		seen[text] = true
	}
}
