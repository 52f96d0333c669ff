package stravasim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCreateSubscription(t *testing.T) {
	srv := start(t, Config{DeliveryTimeout: 300 * time.Millisecond})
	tests := []struct {
		name     string
		validate func(w http.ResponseWriter, r *http.Request)
		token    string // verify_token sent with the creation
		callback func(rc *receiver) string
		fault    []string
	}{
		{name: "wrong verify token answered 403", token: "other", fault: []string{"callback url", "not verifiable"}},
		{name: "challenge not echoed", validate: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"hub.challenge":"wrong"}`))
		}, token: "vt", fault: []string{"callback url", "not verifiable"}},
		{name: "plain text echo", validate: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(r.URL.Query().Get("hub.challenge")))
		}, token: "vt", fault: []string{"callback url", "not verifiable"}},
		{name: "echo with status 201", validate: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"hub.challenge": r.URL.Query().Get("hub.challenge")})
		}, token: "vt", fault: []string{"callback url", "not verifiable"}},
		{name: "too slow", validate: func(w http.ResponseWriter, r *http.Request) {
			answerLate(r)
			_ = json.NewEncoder(w).Encode(map[string]string{"hub.challenge": r.URL.Query().Get("hub.challenge")})
		}, token: "vt", fault: []string{"callback url", "not verifiable"}},
		{name: "unreachable", token: "vt", callback: func(*receiver) string { return "http://127.0.0.1:1/webhook" }, fault: []string{"callback url", "not verifiable"}},
		{name: "not a URL", token: "vt", callback: func(*receiver) string { return "::nope" }, fault: []string{"callback url", "invalid"}},
		{name: "too long", token: "vt", callback: func(rc *receiver) string { return rc.URL + "/" + strings.Repeat("x", 260) }, fault: []string{"callback url", "invalid"}},
		{name: "no verify token", token: "", fault: []string{"verify token", "invalid"}},
		{name: "success", token: "vt"},
		{name: "one per application", token: "vt", fault: []string{"", "already exists"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, "vt")
			rc.validate = tc.validate
			cb := rc.URL + "/api/v1/strava/webhook"
			if tc.callback != nil {
				cb = tc.callback(rc)
			}
			status, body := subscribe(t, srv, cb, tc.token)
			if tc.fault != nil {
				if status != http.StatusBadRequest {
					t.Fatalf("status %d: %s", status, body)
				}
				wantFault(t, body, "Bad Request", "PushSubscription", tc.fault[0], tc.fault[1])
				return
			}
			if status != http.StatusCreated {
				t.Fatalf("status %d: %s", status, body)
			}
			var sub subscriptionJSON
			_ = json.Unmarshal([]byte(body), &sub)
			if sub.ID == 0 || sub.CallbackURL != cb || sub.ApplicationID != 12345 {
				t.Errorf("subscription %s", body)
			}
			vals := rc.validationQueries()
			if len(vals) != 1 {
				t.Fatalf("%d validation requests", len(vals))
			}
			q := vals[0]
			if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != "vt" || len(q.Get("hub.challenge")) < 16 {
				t.Errorf("validation query %v", q)
			}
		})
	}
}

func TestSubscriptionCredentials(t *testing.T) {
	srv := start(t, Config{})
	rc := newReceiver(t, "vt")
	tests := []struct {
		method, query string
		field         string
	}{
		{http.MethodGet, "client_id=12345&client_secret=wrong", "client_secret"},
		{http.MethodGet, "client_id=1&client_secret=sim-client-secret", "client_id"},
		{http.MethodGet, "", "client_id"},
		{http.MethodPost, "client_id=12345&client_secret=x&callback_url=" + url.QueryEscape(rc.URL) + "&verify_token=vt", "client_secret"},
		{http.MethodDelete, "client_id=12345", "client_secret"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.query, func(t *testing.T) {
			path := "/push_subscriptions"
			if tc.method == http.MethodDelete {
				path += "/1"
			}
			req, _ := http.NewRequest(tc.method, srv.APIURL()+path+"?"+tc.query, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			status, body := readJSON(t, resp, nil)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", status, body)
			}
			wantFault(t, body, "Bad Request", "Application", tc.field, "invalid")
		})
	}
	if len(rc.validationQueries()) != 0 {
		t.Error("validation GET sent despite bad credentials")
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	srv := start(t, Config{})
	rc := newReceiver(t, "vt")
	creds := "client_id=12345&client_secret=sim-client-secret"
	list := func() []subscriptionJSON {
		resp, err := http.Get(srv.APIURL() + "/push_subscriptions?" + creds)
		if err != nil {
			t.Fatal(err)
		}
		var out []subscriptionJSON
		if status, body := readJSON(t, resp, &out); status != 200 || !strings.HasPrefix(body, "[") {
			t.Fatalf("list: %d %s", status, body)
		}
		return out
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("initial list %v", got)
	}
	// multipart, as in Strava's curl -F example
	var buf strings.Builder
	buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\n12345\r\n")
	buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\nsim-client-secret\r\n")
	buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"callback_url\"\r\n\r\n" + rc.URL + "\r\n")
	buf.WriteString("--b\r\nContent-Disposition: form-data; name=\"verify_token\"\r\n\r\nvt\r\n--b--\r\n")
	resp, err := http.Post(srv.APIURL()+"/push_subscriptions", "multipart/form-data; boundary=b", strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := readJSON(t, resp, nil); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	subs := list()
	if len(subs) != 1 || subs[0].ResourceState != 2 || subs[0].CallbackURL != rc.URL || subs[0].ApplicationID != 12345 {
		t.Fatalf("list %+v", subs)
	}
	if _, err := time.Parse(time.RFC3339, subs[0].CreatedAt); err != nil {
		t.Errorf("created_at %q: %v", subs[0].CreatedAt, err)
	}
	del := func(id int64, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodDelete, srv.APIURL()+"/push_subscriptions/"+itoa(id), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readJSON(t, resp, nil)
	}
	if status, body := del(subs[0].ID+1, creds); status != http.StatusNotFound {
		t.Errorf("delete unknown: %d %s", status, body)
	}
	// curl -X DELETE … -d client_id=… -d client_secret=…: credentials in the body
	if status, body := del(subs[0].ID, creds); status != http.StatusNoContent || body != "" {
		t.Errorf("delete: %d %q", status, body)
	}
	if got := list(); len(got) != 0 {
		t.Errorf("list after delete %v", got)
	}
	if status, _ := subscribe(t, srv, rc.URL, "vt"); status != http.StatusCreated {
		t.Errorf("create after delete: %d", status)
	}
}

func TestEventDelivery(t *testing.T) {
	srv := start(t, Config{Activities: 20})
	sim := srv.Sim
	rc := newReceiver(t, "vt")
	if status, body := subscribe(t, srv, rc.URL, "vt"); status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	subID, _, _ := sim.Subscription()

	// Before the athlete authorized the application nothing is sent.
	if _, err := sim.CreateActivity(NewActivity{Name: "unseen"}); err != nil {
		t.Fatal(err)
	}
	login(t, srv, "activity:read_all,profile:read_all")

	id, err := sim.CreateActivity(NewActivity{Name: "Évening Run 🌙", SportType: "Run"})
	if err != nil {
		t.Fatal(err)
	}
	late, _ := sim.CreateActivityNoEvent(NewActivity{StartDate: time.Now().AddDate(0, -2, 0)})
	steps := []struct {
		name    string
		do      func() error
		aspect  string
		updates map[string]string
		objID   int64
	}{
		{"create", func() error { return nil }, "create", map[string]string{}, id},
		{"rename", func() error { return sim.UpdateActivity(id, ActivityUpdate{Name: ptr("Nachtlauf")}) }, "update", map[string]string{"title": "Nachtlauf"}, id},
		{"type and privacy", func() error {
			return sim.UpdateActivity(id, ActivityUpdate{SportType: ptr("TrailRun"), Private: ptr(true)})
		}, "update", map[string]string{"type": "TrailRun", "private": "true"}, id},
		{"delete", func() error { return sim.DeleteActivity(id) }, "delete", map[string]string{}, id},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		ds := waitDeliveries(t, sim, i+1)
		d := ds[i]
		ev := d.Event
		if !d.Delivered || len(d.Attempts) != 1 || d.Attempts[0].Status != 200 {
			t.Errorf("%s: delivery %+v", st.name, d)
		}
		if ev.ObjectType != "activity" || ev.AspectType != st.aspect || ev.ObjectID != st.objID || ev.OwnerID != 134815 ||
			ev.SubscriptionID != subID || ev.EventTime == 0 || !equalMaps(ev.Updates, st.updates) {
			t.Errorf("%s: event %+v", st.name, ev)
		}
	}
	// Nothing about the description, the late upload or a silent delete.
	_ = sim.UpdateActivity(late, ActivityUpdate{Description: ptr("no event")})
	_ = sim.DeleteActivityNoEvent(late)
	got := rc.received()
	if len(got) != len(steps) {
		t.Errorf("callback got %d events, want %d", len(got), len(steps))
	}
	// The JSON on the wire has Strava's field names and an object for updates.
	raw, _ := json.Marshal(got[0])
	for _, k := range []string{`"aspect_type":"create"`, `"updates":{}`, `"object_type":"activity"`, `"owner_id":134815`, `"subscription_id":`, `"event_time":`} {
		if !strings.Contains(string(raw), k) {
			t.Errorf("event JSON %s lacks %s", raw, k)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestEventRetries(t *testing.T) {
	tests := []struct {
		name      string
		handle    func(w http.ResponseWriter, r *http.Request, n int)
		attempts  int
		delivered bool
	}{
		{"200 at once", nil, 1, true},
		{"500 then 200", func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}, 2, true},
		{"always 503", func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusServiceUnavailable) }, 3, false},
		{"201 is not 200", func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusCreated) }, 3, false},
		{"too slow, then fast", func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				answerLate(r)
			}
		}, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, Config{Activities: 2, DeliveryTimeout: 200 * time.Millisecond, DeliveryRetryDelay: 10 * time.Millisecond})
			rc := newReceiver(t, "vt")
			rc.handle = tc.handle
			if status, body := subscribe(t, srv, rc.URL, "vt"); status != http.StatusCreated {
				t.Fatalf("subscribe: %d %s", status, body)
			}
			login(t, srv, "activity:read_all")
			if _, err := srv.Sim.CreateActivity(NewActivity{}); err != nil {
				t.Fatal(err)
			}
			d := waitDeliveries(t, srv.Sim, 1)[0]
			if len(d.Attempts) != tc.attempts || d.Delivered != tc.delivered || !d.Done {
				t.Errorf("delivery %+v", d)
			}
			if len(rc.received()) != tc.attempts {
				t.Errorf("receiver saw %d posts", len(rc.received()))
			}
		})
	}
}

// Without activity:read_all an application hears nothing about private
// activities, and privacy changes arrive as delete/create (Strava's docs).
func TestEventsWithoutReadAll(t *testing.T) {
	srv := start(t, Config{Activities: 2})
	sim := srv.Sim
	rc := newReceiver(t, "vt")
	subscribe(t, srv, rc.URL, "vt")
	login(t, srv, "activity:read")

	priv, _ := sim.CreateActivity(NewActivity{Private: true})
	_ = sim.UpdateActivity(priv, ActivityUpdate{Name: ptr("secret")})
	pub, _ := sim.CreateActivity(NewActivity{})
	_ = sim.UpdateActivity(pub, ActivityUpdate{Private: ptr(true)})
	_ = sim.UpdateActivity(pub, ActivityUpdate{Private: ptr(false)})
	_ = sim.DeleteActivity(priv)

	ds := waitDeliveries(t, sim, 3)
	want := []struct {
		aspect string
		id     int64
	}{{"create", pub}, {"delete", pub}, {"create", pub}}
	if len(ds) != len(want) {
		t.Fatalf("%d deliveries, want %d: %+v", len(ds), len(want), ds)
	}
	for i, w := range want {
		if ev := ds[i].Event; ev.AspectType != w.aspect || ev.ObjectID != w.id || len(ev.Updates) != 0 {
			t.Errorf("event %d: %+v, want %s of %d", i, ev, w.aspect, w.id)
		}
	}
}

func TestNoSubscriptionNoDelivery(t *testing.T) {
	srv := start(t, Config{Activities: 2})
	login(t, srv, "activity:read_all")
	if _, err := srv.Sim.CreateActivity(NewActivity{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Sim.DeauthorizeApp(); err != nil {
		t.Fatal(err)
	}
	if ds := srv.Sim.Deliveries(); len(ds) != 0 {
		t.Errorf("deliveries without subscription: %+v", ds)
	}
}
