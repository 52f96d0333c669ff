package strava

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// A detailed activity as Strava sends it, with fields owtray does not decode,
// an unknown sport type, unicode, odd spacing and key order.
const detailedActivity = `{
  "id" : 12345678987654321,
  "resource_state" : 3,
  "external_id" : "garmin_push_12345678987654321",
  "upload_id" : 98765432123456789,
  "athlete" : { "id" : 134815, "resource_state" : 1 },
  "name" : "Tour de l’Île 🚴 — 雨",
  "distance" : 28099.0,
  "moving_time" : 4207,
  "elapsed_time" : 4410,
  "total_elevation_gain" : 516.0,
  "type" : "Ride",
  "sport_type" : "HoverboardRace",
  "start_date" : "2018-02-16T14:52:54Z",
  "start_date_local" : "2018-02-16T06:52:54Z",
  "timezone" : "(GMT-08:00) America/Los_Angeles",
  "utc_offset" : -28800,
  "start_latlng" : [ 37.83, -122.26 ],
  "map" : {"id":"a1410355832","polyline":"_p~iF~ps|U_ulLnnqC_mqNvxq@\u0040","summary_polyline":"_p~iF~ps|U_ulLnnqC","resource_state":3},
  "trainer" : false,
  "commute" : false,
  "manual" : false,
  "private" : true,
  "visibility" : "only_me",
  "flagged" : false,
  "gear_id" : "b12345678987654321",
  "calories" : 870.2,
  "description" : "ligne 1\nligne 2 « citée »",
  "device_name" : "Garmin Edge 1030",
  "segment_efforts" : [ ],
  "laps" : [ { "id" : 4479306946, "name" : "Lap 1" } ],
  "a_field_strava_adds_next_year" : { "nested" : [ 1, 2, { "x" : null } ] }
}
`

func TestActivityDecodesAndKeepsRawJSON(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, detailedActivity))
	a, err := testClient(f, nil, nil).Activity(context.Background(), 12345678987654321)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Raw, []byte(strings.TrimSpace(detailedActivity))) {
		t.Errorf("Raw differs from what Strava sent:\n%s", a.Raw)
	}
	want := Activity{
		ID: 12345678987654321, ResourceState: 3, Name: "Tour de l’Île 🚴 — 雨",
		SportType: "HoverboardRace", Type: "Ride",
		StartDate:      time.Date(2018, 2, 16, 14, 52, 54, 0, time.UTC),
		StartDateLocal: time.Date(2018, 2, 16, 6, 52, 54, 0, time.UTC),
		Timezone:       "(GMT-08:00) America/Los_Angeles", UTCOffset: -28800,
		Distance: 28099, MovingTime: 4207, ElapsedTime: 4410, TotalElevationGain: 516,
		Private: true, Athlete: MetaAthlete{ID: 134815},
		Description: "ligne 1\nligne 2 « citée »", Calories: new(870.2), DeviceName: "Garmin Edge 1030",
		GearID: "b12345678987654321", ExternalID: "garmin_push_12345678987654321", UploadID: 98765432123456789,
		StartLatLng: []float64{37.83, -122.26}, Laps: []Lap{{ID: 4479306946, Name: "Lap 1"}},
	}
	got := a
	got.Raw, got.Map = nil, PolylineMap{}
	gotJSON, _ := json.Marshal(activityFields(got))
	wantJSON, _ := json.Marshal(activityFields(want))
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("decoded\n%s\nwant\n%s", gotJSON, wantJSON)
	}
	if a.Map.ID != "a1410355832" || a.Map.SummaryPolyline != "_p~iF~ps|U_ulLnnqC" || a.Map.Polyline != "_p~iF~ps|U_ulLnnqC_mqNvxq@@" {
		t.Errorf("map = %+v", a.Map)
	}
	if !a.Detailed() {
		t.Error("Detailed() = false for resource_state 3")
	}
	if h := a.StartDateLocal.Hour(); h != 6 {
		t.Errorf("StartDateLocal hour = %d, want the wall-clock 6", h)
	}
	// encoding/json compacts what MarshalJSON returns.
	var compact bytes.Buffer
	if err := json.Compact(&compact, a.Raw); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(a)
	if err != nil || !bytes.Equal(out, compact.Bytes()) {
		t.Errorf("json.Marshal(activity) is not Strava's JSON: %s, %v", out, err)
	}
}

func TestListActivities(t *testing.T) {
	// Summary activities exactly as received, separated by odd white space.
	items := []string{
		`{"resource_state":2,"athlete":{"id":134815,"resource_state":1},"name":"Happy Friday","distance":24931.4,"moving_time":4500,"elapsed_time":4500,"total_elevation_gain":0,"type":"Ride","sport_type":"MountainBikeRide","workout_type":null,"id":154504250376823,"start_date":"2018-05-02T12:15:09Z","start_date_local":"2018-05-02T05:15:09Z","timezone":"(GMT-08:00) America/Los_Angeles","utc_offset":-25200,"map":{"id":"a12345678987654321","summary_polyline":null,"resource_state":2},"trainer":true,"commute":false,"manual":true,"private":false,"flagged":false}`,
		`{ "id":1234567809,"resource_state":2,"name":"Bondi Beach 🌊","sport_type":"Surfing","type":"Surfing","start_date":"2018-04-30T12:35:51Z","start_date_local":"2018-04-30T22:35:51Z","timezone":"(GMT+10:00) Australia/Sydney","private":true,"athlete":{"id":134815},"unknown":[1,2,3]}`,
	}
	body := "[\n  " + items[0] + " ,\n\t" + items[1] + "\n]"
	f := newFakeStrava(t, jsonReply(200, body))
	before := time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC)
	after := time.Date(2018, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
	list, err := testClient(f, nil, nil).ListActivities(context.Background(), ListOptions{Before: before, After: after, Page: 3, PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d activities, want 2", len(list))
	}
	for i, a := range list {
		if string(a.Raw) != items[i] {
			t.Errorf("activity %d Raw = %s, want %s", i, a.Raw, items[i])
		}
	}
	if list[0].ID != 154504250376823 || list[0].SportType != "MountainBikeRide" || !list[0].Trainer || !list[0].Manual || list[0].Map.SummaryPolyline != "" {
		t.Errorf("first = %+v", list[0])
	}
	if list[1].Name != "Bondi Beach 🌊" || list[1].SportType != "Surfing" || !list[1].Private || list[1].StartDateLocal.Hour() != 22 {
		t.Errorf("second = %+v", list[1])
	}
	q := f.requests()[0].Query
	if q.Get("before") != "1527811200" || q.Get("after") != "1514761200" || q.Get("page") != "3" || q.Get("per_page") != "200" {
		t.Errorf("query = %v", q)
	}
	if p := f.requests()[0].Path; p != "/api/v3/athlete/activities" {
		t.Errorf("path = %s", p)
	}
}

func TestListActivitiesQueryLeavesOutZeroValues(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, `[]`))
	list, err := testClient(f, nil, nil).ListActivities(context.Background(), ListOptions{})
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListActivities = %v, %v; want an empty, non-nil list", list, err)
	}
	if q := f.requests()[0].Query; len(q) != 0 {
		t.Errorf("query = %v, want none", q)
	}
}

func TestBadListResponses(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"object instead of array", `{"message":"ok"}`, "not a JSON array"},
		{"truncated", `[{"id":1},{"id":2`, "not the expected JSON"},
		{"activity without id", `[{"id":1},{"name":"no id"}]`, "activity 2 of the page without an id"},
		{"wrong type", `[{"id":1,"distance":"far"}]`, "not the expected JSON"},
		{"empty body", ``, "not a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, jsonReply(200, tt.body))
			_, err := testClient(f, nil, nil).ListActivities(context.Background(), ListOptions{})
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrBadResponse containing %q", err, tt.want)
			}
		})
	}
}

func TestActivityWithAnotherID(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, `{"id":2,"resource_state":3}`))
	_, err := testClient(f, nil, nil).Activity(context.Background(), 1)
	if !errors.Is(err, ErrBadResponse) {
		t.Errorf("error = %v, want ErrBadResponse", err)
	}
}

func TestAthlete(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, bodyAthlete+"\n"))
	a, err := testClient(f, nil, nil).Athlete(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 134815 || a.Name() != "Marianne Teutenberg" || string(a.Raw) != bodyAthlete {
		t.Errorf("athlete = %+v (Raw %s)", a, a.Raw)
	}
	if out, _ := json.Marshal(a); string(out) != bodyAthlete {
		t.Errorf("json.Marshal(athlete) = %s", out)
	}
}

const streamsBody = `{
 "latlng":{"data":[[37.833112,-122.483436],[37.832964,-122.483406]],"series_type":"distance","original_size":2,"resolution":"high"},
 "time":{"data":[0,1],"series_type":"distance","original_size":2,"resolution":"high"},
 "distance":{"data":[0.0,16.8],"series_type":"distance","original_size":2,"resolution":"high"},
 "altitude":{"data":[13.4,13.6],"series_type":"distance","original_size":2,"resolution":"high"},
 "heartrate":{"data":[112,115],"series_type":"distance","original_size":2,"resolution":"high"},
 "watts":{"data":[null,212],"series_type":"distance","original_size":2,"resolution":"high"},
 "moving":{"data":[false,true],"series_type":"distance","original_size":2,"resolution":"high"},
 "brand_new_stream":{"data":["x","y"],"series_type":"distance","original_size":2,"resolution":"high"}
}`

func TestStreams(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, streamsBody))
	keys := []string{StreamLatLng, StreamTime, StreamAltitude, StreamHeartrate, StreamWatts, StreamMoving, StreamCadence}
	s, err := testClient(f, nil, nil).Streams(context.Background(), 42, keys)
	if err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Path != "/api/v3/activities/42/streams" || r.Query.Get("keys") != "latlng,time,altitude,heartrate,watts,moving,cadence" || r.Query.Get("key_by_type") != "true" {
		t.Errorf("request = %s %v", r.Path, r.Query)
	}
	if string(s.Raw) != streamsBody {
		t.Error("Raw differs from what Strava sent")
	}
	ll, err := s.LatLng()
	if err != nil || len(ll) != 2 || ll[1] != [2]float64{37.832964, -122.483406} {
		t.Errorf("LatLng = %v, %v", ll, err)
	}
	if tm, err := s.Time(); err != nil || len(tm) != 2 || tm[1] != 1 {
		t.Errorf("Time = %v, %v", tm, err)
	}
	if alt, err := s.Altitude(); err != nil || alt[0] != 13.4 {
		t.Errorf("Altitude = %v, %v", alt, err)
	}
	if hr, err := s.Heartrate(); err != nil || hr[1] != 115 {
		t.Errorf("Heartrate = %v, %v", hr, err)
	}
	if w, err := s.Watts(); err != nil || w[0].Valid || !w[1].Valid || w[1].Value != 212 {
		t.Errorf("Watts = %v, %v", w, err)
	}
	if m, err := s.Moving(); err != nil || m[0] || !m[1] {
		t.Errorf("Moving = %v, %v", m, err)
	}
	if cad, err := s.Cadence(); err != nil || cad != nil || s.Has(StreamCadence) {
		t.Errorf("missing cadence: %v, %v", cad, err)
	}
	if st, ok := s.Stream("brand_new_stream"); !ok || string(st.Data) != `["x","y"]` || st.Resolution != "high" || st.OriginalSize != 2 {
		t.Errorf("unknown stream = %+v, %v", st, ok)
	}
	if len(s.Keys()) != 8 {
		t.Errorf("Keys = %v", s.Keys())
	}
}

func TestBadStreams(t *testing.T) {
	tests := []struct {
		name, body string
		access     func(Streams) error
		want       string
	}{
		{name: "array (key_by_type=false shape)", body: `[{"type":"time","data":[0,1]}]`, want: "keyed by stream type"},
		{name: "truncated", body: `{"time":{"data":[0,`, want: "unexpected end"},
		{name: "data not an array", body: `{"time":{"data":5}}`, want: `"time" has no data array`},
		{name: "latlng with one value", body: `{"latlng":{"data":[[1.5]]}}`, access: func(s Streams) error { _, err := s.LatLng(); return err }, want: "has 1 values, want 2"},
		{name: "latlng out of range", body: `{"latlng":{"data":[[91,0]]}}`, access: func(s Streams) error { _, err := s.LatLng(); return err }, want: "not a coordinate"},
		{name: "null heart rate", body: `{"heartrate":{"data":[100,null]}}`, access: func(s Streams) error { _, err := s.Heartrate(); return err }, want: "element 1 is null"},
		{name: "fractional time", body: `{"time":{"data":[0,1.5]}}`, access: func(s Streams) error { _, err := s.Time(); return err }, want: "stream time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, jsonReply(200, tt.body))
			s, err := testClient(f, nil, nil).Streams(context.Background(), 1, []string{"time"})
			if tt.access != nil {
				if err != nil {
					t.Fatal(err)
				}
				err = tt.access(s)
			} else if !errors.Is(err, ErrBadResponse) {
				t.Errorf("error = %v, want ErrBadResponse", err)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
