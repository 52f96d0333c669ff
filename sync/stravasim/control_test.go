package stravasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func ctl(t *testing.T, srv *Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.ControlURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return readJSON(t, resp, nil)
}

func TestControlAPI(t *testing.T) {
	srv := start(t, Config{Activities: 10, DeliveryRetryDelay: time.Millisecond})
	sim := srv.Sim
	rc := newReceiver(t, "vt")
	subscribe(t, srv, rc.URL, "vt")
	login(t, srv, "activity:read_all")
	before := sim.ActivityCount(0, true)

	var created int64
	tests := []struct {
		name, method, path, body string
		status                   int
		check                    func(t *testing.T, body string)
	}{
		{name: "index", method: "GET", path: "/", status: 200},
		{name: "status", method: "GET", path: "/status", status: 200, check: func(t *testing.T, body string) {
			if !strings.Contains(body, `"athlete_id":134815`) || !strings.Contains(body, `"activities":10`) {
				t.Errorf("status %s", body)
			}
		}},
		{name: "create with event", method: "POST", path: "/activities",
			body:   `{"name":"Ctl ride 🚴","sport_type":"Ride","start_date":"2024-05-01T06:30:00Z","elapsed_time":3600,"moving_time":3500,"distance":30000}`,
			status: 201, check: func(t *testing.T, body string) {
				var out struct{ ID int64 }
				_ = json.Unmarshal([]byte(body), &out)
				created = out.ID
				a, ok := sim.Activity(created)
				if !ok || a.Name != "Ctl ride 🚴" || a.Distance != 30000 || a.MovingTime != 3500 || !a.StartDate.Equal(time.Date(2024, 5, 1, 6, 30, 0, 0, time.UTC)) {
					t.Errorf("created %+v", a)
				}
			}},
		{name: "late upload without event", method: "POST", path: "/activities?event=false", body: `{"start_date":"2020-01-01T08:00:00Z"}`, status: 201},
		{name: "create: bad JSON", method: "POST", path: "/activities", body: `{"name":`, status: 400},
		{name: "create: unknown field", method: "POST", path: "/activities", body: `{"nmae":"x"}`, status: 400},
		{name: "create: moving > elapsed", method: "POST", path: "/activities", body: `{"elapsed_time":10,"moving_time":20}`, status: 400},
		{name: "create: unknown athlete", method: "POST", path: "/activities", body: `{"athlete_id":5}`, status: 404},
		{name: "create: bad event flag", method: "POST", path: "/activities?event=perhaps", body: `{}`, status: 400},
		{name: "rename", method: "PATCH", path: "/activities/{created}", body: `{"name":"Renamed"}`, status: 204},
		{name: "update unknown", method: "PATCH", path: "/activities/1", body: `{"name":"x"}`, status: 404},
		{name: "update bad id", method: "PATCH", path: "/activities/abc", body: `{}`, status: 400},
		{name: "delete", method: "DELETE", path: "/activities/{created}", status: 204},
		{name: "delete again", method: "DELETE", path: "/activities/{created}", status: 404},
		{name: "consent", method: "PUT", path: "/consent", body: `{"refuse":["activity:read_all"]}`, status: 204},
		{name: "consent: unknown scope", method: "PUT", path: "/consent", body: `{"refuse":["everything"]}`, status: 400},
		{name: "authorizing athlete", method: "PUT", path: "/authorizing-athlete", body: `{"id":99,"firstname":"Nina","lastname":"Ng"}`, status: 204},
		{name: "authorizing athlete: bad id", method: "PUT", path: "/authorizing-athlete", body: `{"id":-1}`, status: 400},
		{name: "faults", method: "PUT", path: "/faults", body: `{"latency_ms":0,"fail_next":{"count":1,"status":503,"path":"/api/v3/athlete"},"app_inactive":false,"athlete_capacity":0}`, status: 204},
		{name: "rate limits", method: "PUT", path: "/rate-limits", body: `{"limits":{"read_15min":50},"usage":{"read_15min":7}}`, status: 204},
		{name: "get rate limits", method: "GET", path: "/rate-limits", status: 200, check: func(t *testing.T, body string) {
			if !strings.Contains(body, `"read_15min":50`) || !strings.Contains(body, `"read_15min":7`) {
				t.Errorf("rate limits %s", body)
			}
		}},
		{name: "expire tokens", method: "POST", path: "/expire-tokens", status: 204},
		{name: "requests", method: "GET", path: "/requests", status: 200, check: func(t *testing.T, body string) {
			if !strings.Contains(body, `"POST /api/v3/push_subscriptions":1`) {
				t.Errorf("requests %s", body)
			}
		}},
		{name: "reset requests", method: "DELETE", path: "/requests", status: 204},
		{name: "deauthorize", method: "POST", path: "/deauthorize", status: 204},
		{name: "deauthorize again", method: "POST", path: "/deauthorize", body: `{"athlete_id":134815}`, status: 404},
		{name: "deliveries", method: "GET", path: "/deliveries", status: 200, check: func(t *testing.T, body string) {
			if !strings.Contains(body, `"aspect_type":"create"`) {
				t.Errorf("deliveries %s", body)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := strings.ReplaceAll(tc.path, "{created}", itoa(created))
			status, body := ctl(t, srv, tc.method, path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if status >= 400 && !strings.Contains(body, `"error":`) {
				t.Errorf("error body %s", body)
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
	if n := sim.ActivityCount(0, true); n != before+1 { // created and deleted one, added the late upload
		t.Errorf("activities %d, want %d", n, before+1)
	}
	ds := waitDeliveries(t, sim, 4) // create, update, delete, deauthorization
	aspects := []string{}
	for _, d := range ds {
		aspects = append(aspects, d.Event.ObjectType+":"+d.Event.AspectType)
	}
	if strings.Join(aspects, ",") != "activity:create,activity:update,activity:delete,athlete:update" {
		t.Errorf("events %v", aspects)
	}
	sim.mu.Lock()
	code := sim.faults.failStatus
	sim.mu.Unlock()
	if code != 503 {
		t.Errorf("fault not set: %d", code)
	}
	if status, _ := ctl(t, srv, "DELETE", "/deliveries", ""); status != 204 || len(sim.Deliveries()) != 0 {
		t.Errorf("reset deliveries: %d %d", status, len(sim.Deliveries()))
	}
}
