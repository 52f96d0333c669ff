package stravasim

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/twpayne/go-polyline"
)

type listItem struct {
	ID            int64     `json:"id"`
	ResourceState int       `json:"resource_state"`
	Name          string    `json:"name"`
	SportType     string    `json:"sport_type"`
	StartDate     time.Time `json:"start_date"`
	Private       bool      `json:"private"`
	Athlete       struct {
		ID            int64 `json:"id"`
		ResourceState int   `json:"resource_state"`
	} `json:"athlete"`
	Map struct {
		ID              string  `json:"id"`
		SummaryPolyline string  `json:"summary_polyline"`
		Polyline        *string `json:"polyline"`
		ResourceState   int     `json:"resource_state"`
	} `json:"map"`
}

func ids(items []listItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestBearerErrors(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC))
	srv := start(t, Config{Activities: 10, Now: clk.Now})
	expired := login(t, srv, "activity:read_all").AccessToken
	clk.Advance(6*time.Hour + time.Second)
	valid := login(t, srv, "activity:read_all").AccessToken
	id := itoa(srv.Sim.Activities(0, true)[0].ID)

	headers := []struct {
		name, header string
		status       int
	}{
		{"no header", "", 401},
		{"unknown token", "Bearer 0000000000000000000000000000000000000000", 401},
		{"expired token", "Bearer " + expired, 401},
		{"basic auth", "Basic dXNlcjpwYXNz", 401},
		{"empty bearer", "Bearer ", 401},
		{"lowercase scheme", "bearer " + valid, 200},
		{"valid", "Bearer " + valid, 200},
	}
	paths := []string{"/athlete", "/athlete/activities", "/activities/" + id, "/activities/" + id + "/streams?keys=time"}
	for _, h := range headers {
		for _, p := range paths {
			t.Run(h.name+" "+p, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+p, nil)
				if h.header != "" {
					req.Header.Set("Authorization", h.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				status, body := readJSON(t, resp, nil)
				if status != h.status {
					t.Fatalf("status %d, want %d: %s", status, h.status, body)
				}
				if status == 401 {
					wantFault(t, body, "Authorization Error", "Athlete", "access_token", "invalid")
				}
				if resp.Header.Get("X-RateLimit-Usage") == "" || resp.Header.Get("X-ReadRateLimit-Limit") == "" {
					t.Errorf("rate limit headers missing: %v", resp.Header)
				}
			})
		}
	}
	// The legacy access_token parameter works too.
	if resp, _ := get(t, srv, "/athlete?access_token="+valid, "", nil); resp.StatusCode != 200 {
		t.Errorf("access_token parameter: %d", resp.StatusCode)
	}
}

func TestScopes(t *testing.T) {
	srv := start(t, Config{Activities: 300, Seed: 7})
	var private, public int64
	for _, a := range srv.Sim.Activities(0, true) {
		if a.Private && private == 0 {
			private = a.ID
		}
		if !a.Private && public == 0 {
			public = a.ID
		}
	}
	if private == 0 {
		t.Fatal("no private activity generated")
	}
	totalAll, totalPublic := srv.Sim.ActivityCount(0, true), srv.Sim.ActivityCount(0, false)

	tests := []struct {
		scope         string
		listStatus    int
		listLen       int
		privateStatus int
		publicStatus  int
		athleteState  int
	}{
		{"read", 401, 0, 401, 401, 2},
		{"read,profile:read_all", 401, 0, 401, 401, 3},
		{"activity:read", 200, totalPublic, 404, 200, 2},
		{"activity:read_all", 200, totalAll, 200, 200, 2},
		{"activity:read,activity:read_all,profile:read_all", 200, totalAll, 200, 200, 3},
	}
	for _, tc := range tests {
		t.Run(tc.scope, func(t *testing.T) {
			tok := login(t, srv, tc.scope).AccessToken
			var items []listItem
			n := 0
			for page := 1; ; page++ {
				items = nil
				resp, body := get(t, srv, "/athlete/activities?per_page=200&page="+itoa(int64(page)), tok, &items)
				if resp.StatusCode != tc.listStatus {
					t.Fatalf("list: %d %s", resp.StatusCode, body)
				}
				if resp.StatusCode != 200 {
					wantFault(t, body, "Authorization Error", "AccessToken", "activity:read_permission", "missing")
					break
				}
				if len(items) == 0 {
					break
				}
				n += len(items)
			}
			if n != tc.listLen {
				t.Errorf("listed %d, want %d", n, tc.listLen)
			}
			for _, c := range []struct {
				id     int64
				status int
			}{{private, tc.privateStatus}, {public, tc.publicStatus}} {
				for _, suffix := range []string{"", "/streams?keys=latlng"} {
					resp, body := get(t, srv, "/activities/"+itoa(c.id)+suffix, tok, nil)
					if resp.StatusCode != c.status {
						t.Errorf("activity %d%s: %d, want %d: %s", c.id, suffix, resp.StatusCode, c.status, body)
					}
					if resp.StatusCode == 404 {
						wantFault(t, body, "Record Not Found", "Activity", "id", "invalid")
					}
				}
			}
			var ath struct {
				ID            int64  `json:"id"`
				ResourceState int    `json:"resource_state"`
				Firstname     string `json:"firstname"`
				Measurement   string `json:"measurement_preference"`
				Bikes         []any  `json:"bikes"`
			}
			resp, body := get(t, srv, "/athlete", tok, &ath)
			if resp.StatusCode != 200 || ath.ResourceState != tc.athleteState || ath.ID != 134815 {
				t.Errorf("athlete: %d %s", resp.StatusCode, body)
			}
			if (tc.athleteState == 3) != (ath.Measurement == "meters" && len(ath.Bikes) == 2) {
				t.Errorf("athlete representation: %s", body)
			}
		})
	}
}

func TestListActivities(t *testing.T) {
	srv := start(t, Config{Activities: 1000, Seed: 3})
	tok := login(t, srv, "activity:read_all").AccessToken
	all := srv.Sim.Activities(0, true) // newest first
	epoch := func(i int) string { return itoa(all[i].StartDate.Unix()) }
	rev := func(in []Activity) []Activity {
		out := make([]Activity, len(in))
		for i := range in {
			out[len(in)-1-i] = in[i]
		}
		return out
	}
	idsOf := func(as []Activity) []int64 {
		out := make([]int64, len(as))
		for i, a := range as {
			out[i] = a.ID
		}
		return out
	}
	tests := []struct {
		name  string
		query string
		want  []Activity
	}{
		{"default page", "", all[:30]},
		{"per_page 200", "?per_page=200", all[:200]},
		{"per_page capped at 200", "?per_page=500", all[:200]},
		{"per_page 0 is the default", "?per_page=0", all[:30]},
		{"page 2", "?per_page=50&page=2", all[50:100]},
		{"page 0 is page 1", "?page=0&per_page=5", all[:5]},
		{"last page (per_page capped)", "?per_page=300&page=5", all[800:1000]},
		{"page past the end", "?per_page=300&page=6", nil},
		{"last partial page", "?per_page=150&page=7", all[900:1000]},
		{"huge page", "?per_page=200&page=9223372036854775807", nil},
		{"before: newest first below it", "?before=" + epoch(100) + "&per_page=10", all[101:111]},
		{"after only: oldest first from it", "?after=" + epoch(100) + "&per_page=10", rev(all[90:100])},
		{"after only, page 2", "?after=" + epoch(100) + "&per_page=10&page=2", rev(all[80:90])},
		{"before and after: newest first", "?before=" + epoch(10) + "&after=" + epoch(30) + "&per_page=200", all[11:30]},
		{"empty range", "?before=" + epoch(30) + "&after=" + epoch(10), nil},
		{"after the newest", "?after=" + epoch(0), nil},
		{"before the oldest", "?before=" + epoch(len(all)-1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var items []listItem
			resp, body := get(t, srv, "/athlete/activities"+tc.query, tok, &items)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if !strings.HasPrefix(body, "[") {
				t.Errorf("body is not an array: %.40s", body)
			}
			want := idsOf(tc.want)
			if got := ids(items); !equalIDs(got, want) {
				t.Errorf("ids = %v, want %v", head(got), head(want))
			}
			for _, it := range items {
				if it.ResourceState != 2 || it.Athlete.ResourceState != 1 || it.Map.Polyline != nil || it.Map.ResourceState != 2 {
					t.Fatalf("summary shape wrong: %+v", it)
				}
			}
		})
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 5)] }

func TestBadQueries(t *testing.T) {
	srv := start(t, Config{Activities: 20})
	tok := login(t, srv, "activity:read_all").AccessToken
	id := itoa(srv.Sim.Activities(0, true)[0].ID)
	tests := []struct {
		path   string
		status int
		field  string // field of the 400 error
	}{
		{"/athlete/activities?per_page=abc", 400, "per_page"},
		{"/athlete/activities?per_page=-5", 400, "per_page"},
		{"/athlete/activities?per_page=99999999999999999999", 400, "per_page"},
		{"/athlete/activities?page=-1", 400, "page"},
		{"/athlete/activities?page=1.5", 400, "page"},
		{"/athlete/activities?page=%00", 400, "page"},
		{"/athlete/activities?before=x", 400, "before"},
		{"/athlete/activities?before=", 400, "before"},
		{"/athlete/activities?after=1.7e9", 400, "after"},
		{"/athlete/activities?after=ü", 400, "after"},
		{"/athlete/activities?after=-1", 200, ""},
		{"/athlete/activities?before=99999999999", 200, ""},
		{"/athlete/activities?page=&per_page=", 200, ""},
		{"/athlete/activities?unknown=1&per_page=3", 200, ""},
		{"/activities/abc", 404, ""},
		{"/activities/-1", 404, ""},
		{"/activities/99999999999999999999", 404, ""},
		{"/activities/" + id + "/streams?keys=nonsense,%F0%9F%98%80", 200, ""},
		{"/activities/" + id + "/streams?keys=time&key_by_type=maybe", 400, "key_by_type"},
		{"/activities/" + id + "/streams", 200, ""},
		{"/nope", 404, ""},
		{"/athlete/activities/extra", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, srv, tc.path, tok, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if !json.Valid([]byte(body)) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("not JSON: %q %q", resp.Header.Get("Content-Type"), body)
			}
			if tc.field != "" {
				var f fault
				_ = json.Unmarshal([]byte(body), &f)
				if f.Message != "Bad Request" || len(f.Errors) != 1 || f.Errors[0].Field != tc.field || f.Errors[0].Code != "invalid" {
					t.Errorf("body %s", body)
				}
			}
		})
	}
}

func TestDeletedActivity(t *testing.T) {
	srv := start(t, Config{Activities: 5})
	tok := login(t, srv, "activity:read_all").AccessToken
	id := srv.Sim.Activities(0, true)[2].ID
	if err := srv.Sim.DeleteActivityNoEvent(id); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/activities/" + itoa(id), "/activities/" + itoa(id) + "/streams?keys=time"} {
		resp, body := get(t, srv, p, tok, nil)
		if resp.StatusCode != 404 || body != `{"message":"Record Not Found","errors":[{"resource":"Activity","field":"id","code":"invalid"}]}` {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	var items []listItem
	get(t, srv, "/athlete/activities", tok, &items)
	if len(items) != 4 {
		t.Errorf("listed %d", len(items))
	}
	if err := srv.Sim.DeleteActivity(id); err == nil {
		t.Error("deleting twice: no error")
	}
}

// pick finds a generated activity matching f.
func pick(t *testing.T, s *Sim, f func(a *activity) bool) *activity {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.athletes[s.cfg.AthleteID].all {
		if f(a) {
			return a
		}
	}
	t.Fatal("no such activity in the generated history")
	return nil
}

type detailJSON struct {
	ID                 int64    `json:"id"`
	ResourceState      int      `json:"resource_state"`
	Distance           float64  `json:"distance"`
	MovingTime         int      `json:"moving_time"`
	ElapsedTime        int      `json:"elapsed_time"`
	TotalElevationGain float64  `json:"total_elevation_gain"`
	Calories           *float64 `json:"calories"`
	Description        *string  `json:"description"`
	DeviceName         *string  `json:"device_name"`
	GearID             *string  `json:"gear_id"`
	Gear               *struct {
		ID string `json:"id"`
	} `json:"gear"`
	StartLatlng []float64 `json:"start_latlng"`
	Map         struct {
		Polyline        *string `json:"polyline"`
		SummaryPolyline string  `json:"summary_polyline"`
		ResourceState   int     `json:"resource_state"`
	} `json:"map"`
	Laps []struct {
		StartIndex  int     `json:"start_index"`
		EndIndex    int     `json:"end_index"`
		Distance    float64 `json:"distance"`
		ElapsedTime int     `json:"elapsed_time"`
		LapIndex    int     `json:"lap_index"`
	} `json:"laps"`
	SplitsMetric []struct {
		Distance float64 `json:"distance"`
	} `json:"splits_metric"`
}

func TestDetailedActivity(t *testing.T) {
	srv := start(t, Config{Activities: 400, Seed: 11})
	tok := login(t, srv, "activity:read_all").AccessToken
	outdoor := pick(t, srv.Sim, func(a *activity) bool { return a.gps && a.typ == "Run" && a.hasHR && a.gearID != "" })
	indoor := pick(t, srv.Sim, func(a *activity) bool { return !a.gps && !a.manual && a.distance == 0 })
	manualID, err := srv.Sim.CreateActivityNoEvent(NewActivity{SportType: "Run", Manual: true, Distance: 5000, ElapsedTime: 1800})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		id       int64
		polyline bool
		laps     bool
		splits   bool
		device   bool
	}{
		{"outdoor run", outdoor.id, true, true, true, true},
		{"indoor workout", indoor.id, false, true, false, true},
		{"manual run", manualID, false, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d detailJSON
			resp, body := get(t, srv, "/activities/"+itoa(tc.id), tok, &d)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if d.ResourceState != 3 || d.Map.ResourceState != 3 || d.Calories == nil || d.Map.Polyline == nil {
				t.Errorf("detail shape: %s", body)
			}
			if (*d.Map.Polyline != "") != tc.polyline || (d.Map.SummaryPolyline != "") != tc.polyline || (len(d.StartLatlng) == 2) != tc.polyline {
				t.Errorf("polyline presence wrong: %q / %q / %v", *d.Map.Polyline, d.Map.SummaryPolyline, d.StartLatlng)
			}
			if (len(d.Laps) > 0) != tc.laps || (len(d.SplitsMetric) > 0) != tc.splits || (d.DeviceName != nil) != tc.device {
				t.Errorf("laps %d splits %d device %v", len(d.Laps), len(d.SplitsMetric), d.DeviceName)
			}
			var lapDist float64
			for i, l := range d.Laps {
				lapDist += l.Distance
				if l.LapIndex != i+1 || l.EndIndex <= l.StartIndex || (i > 0 && l.StartIndex != d.Laps[i-1].EndIndex) {
					t.Errorf("lap %d: %+v", i, l)
				}
			}
			if tc.laps && d.Distance > 0 && math.Abs(lapDist-d.Distance) > 1 {
				t.Errorf("laps add up to %.1f m, activity %.1f m", lapDist, d.Distance)
			}
			if d.GearID != nil && (d.Gear == nil || d.Gear.ID != *d.GearID) {
				t.Errorf("gear %v / %+v", *d.GearID, d.Gear)
			}
			if tc.polyline {
				full, _, err := polyline.DecodeCoords([]byte(*d.Map.Polyline))
				if err != nil || len(full) < 2 {
					t.Fatalf("polyline: %v", err)
				}
				sum, _, _ := polyline.DecodeCoords([]byte(d.Map.SummaryPolyline))
				if dist(full[0], sum[0]) > 1 || dist(full[len(full)-1], sum[len(sum)-1]) > 1 || dist(full[0], d.StartLatlng) > 1 {
					t.Errorf("summary and detailed polylines disagree at the ends")
				}
			}
		})
	}
}

// dist is the distance in metres between two [lat, lng] points (small distances).
func dist(a, b []float64) float64 {
	dy := (a[0] - b[0]) * metresPerDegree
	dx := (a[1] - b[1]) * metresPerDegree * math.Cos(a[0]*math.Pi/180)
	return math.Hypot(dx, dy)
}

type streamOut struct {
	Type         string          `json:"type"`
	Data         json.RawMessage `json:"data"`
	SeriesType   string          `json:"series_type"`
	OriginalSize int             `json:"original_size"`
	Resolution   string          `json:"resolution"`
}

func TestStreams(t *testing.T) {
	srv := start(t, Config{Activities: 400, Seed: 11})
	tok := login(t, srv, "activity:read_all").AccessToken
	ride := pick(t, srv.Sim, func(a *activity) bool { return a.gps && a.hasHR && a.watts && a.avgCadence > 0 })
	yoga := pick(t, srv.Sim, func(a *activity) bool { return a.sport == "Yoga" && a.hasHR })
	manual, _ := srv.Sim.CreateActivityNoEvent(NewActivity{Manual: true})
	all := "latlng,time,distance,altitude,heartrate,cadence,watts,velocity_smooth,moving,grade_smooth,temp"

	tests := []struct {
		name string
		id   int64
		keys string
		want []string
	}{
		{"ride, everything", ride.id, all, []string{"latlng", "time", "distance", "altitude", "heartrate", "cadence", "watts", "velocity_smooth", "moving", "grade_smooth"}},
		{"distance is always added", ride.id, "latlng", []string{"latlng", "distance"}},
		{"yoga: no gps, series is time", yoga.id, all, []string{"time", "heartrate", "moving"}},
		{"manual: no streams, 404", manual, all, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var keyed map[string]streamOut
			resp, body := get(t, srv, "/activities/"+itoa(tc.id)+"/streams?key_by_type=true&keys="+tc.keys, tok, nil)
			if tc.want == nil {
				if resp.StatusCode != 404 || body != `{"message":"Resource Not Found","errors":[]}` {
					t.Fatalf("no streams: %d %s", resp.StatusCode, body)
				}
				return
			}
			if err := json.Unmarshal([]byte(body), &keyed); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var list []streamOut
			get(t, srv, "/activities/"+itoa(tc.id)+"/streams?key_by_type=false&keys="+tc.keys, tok, &list)
			if len(keyed) != len(tc.want) || len(list) != len(tc.want) {
				t.Fatalf("got %d keyed / %d listed streams, want %v: %s", len(keyed), len(list), tc.want, body)
			}
			for _, k := range tc.want {
				st, ok := keyed[k]
				if !ok || st.Type != "" || st.Resolution != "high" || st.OriginalSize < 2 {
					t.Errorf("stream %s: %+v", k, st)
				}
			}
			for _, st := range list {
				if !contains(tc.want, st.Type) {
					t.Errorf("unexpected stream %q in array form", st.Type)
				}
			}
		})
	}

	// The streams agree with each other, the polyline and the totals.
	var st map[string]streamOut
	get(t, srv, "/activities/"+itoa(ride.id)+"/streams?key_by_type=true&keys="+all, tok, &st)
	var latlng [][]float64
	var times []int
	var distance, alt []float64
	var hr []int
	mustUnmarshal(t, st["latlng"].Data, &latlng)
	mustUnmarshal(t, st["time"].Data, &times)
	mustUnmarshal(t, st["distance"].Data, &distance)
	mustUnmarshal(t, st["altitude"].Data, &alt)
	mustUnmarshal(t, st["heartrate"].Data, &hr)
	n := st["time"].OriginalSize
	if len(latlng) != n || len(times) != n || len(distance) != n || len(alt) != n || len(hr) != n {
		t.Fatalf("lengths differ from original_size %d", n)
	}
	if st["latlng"].SeriesType != "distance" {
		t.Errorf("series_type %q", st["latlng"].SeriesType)
	}
	if times[0] != 0 || times[n-1] != ride.elapsed || distance[0] != 0 || distance[n-1] != ride.distance {
		t.Errorf("time %d..%d (elapsed %d), distance %.1f..%.1f (%.1f)", times[0], times[n-1], ride.elapsed, distance[0], distance[n-1], ride.distance)
	}
	var walked float64
	for i := 1; i < n; i++ {
		if times[i] < times[i-1] || distance[i] < distance[i-1] {
			t.Fatalf("stream not monotonic at %d", i)
		}
		walked += dist(latlng[i-1], latlng[i])
	}
	if math.Abs(walked-ride.distance)/ride.distance > 0.01 {
		t.Errorf("latlng path is %.0f m, distance %.0f m", walked, ride.distance)
	}
	var d detailJSON
	get(t, srv, "/activities/"+itoa(ride.id), tok, &d)
	full, _, _ := polyline.DecodeCoords([]byte(*d.Map.Polyline))
	if len(full) != n {
		t.Fatalf("polyline has %d points, streams %d", len(full), n)
	}
	for i := range full {
		if dist(full[i], latlng[i]) > 2 {
			t.Fatalf("point %d: polyline %v, stream %v", i, full[i], latlng[i])
		}
	}
	var gain float64
	for i := 1; i < n; i++ {
		gain += max(0, alt[i]-alt[i-1])
	}
	if math.Abs(gain-d.TotalElevationGain) > 0.1*d.TotalElevationGain+5 {
		t.Errorf("altitude stream climbs %.0f m, total_elevation_gain %.0f m", gain, d.TotalElevationGain)
	}
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("unmarshal %.60s: %v", data, err)
	}
}
