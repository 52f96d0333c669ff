package export_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
)

const (
	gpxNS = "http://www.topografix.com/GPX/1/1"
	tpxNS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
)

// gpxFile is what the tests read back from a GPX document.
type gpxFile struct {
	XMLName  xml.Name
	Version  string `xml:"version,attr"`
	Creator  string `xml:"creator,attr"`
	Metadata struct {
		Time string `xml:"time"`
	} `xml:"metadata"`
	Tracks []gpxTrk `xml:"trk"`
}

type gpxTrk struct {
	Name string `xml:"name"`
	Link struct {
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Type string `xml:"type"`
	Segs []struct {
		Points []gpxPt `xml:"trkpt"`
	} `xml:"trkseg"`
}

type gpxPt struct {
	Lat   float64  `xml:"lat,attr"`
	Lon   float64  `xml:"lon,attr"`
	Ele   *float64 `xml:"ele"`
	Time  *string  `xml:"time"`
	Power *int     `xml:"extensions>power"`
	TPX   *struct {
		XMLName xml.Name
		ATemp   *int `xml:"atemp"`
		HR      *int `xml:"hr"`
		Cad     *int `xml:"cad"`
	} `xml:"extensions>TrackPointExtension"`
}

func parseGPX(t *testing.T, data []byte) gpxFile {
	t.Helper()
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration: %.60q", data)
	}
	var f gpxFile
	if err := xml.Unmarshal(data, &f); err != nil {
		t.Fatalf("output is not XML: %v\n%s", err, data)
	}
	if f.XMLName != (xml.Name{Space: gpxNS, Local: "gpx"}) || f.Version != "1.1" || f.Creator != "owtray" {
		t.Errorf("root = %v version %q creator %q, want GPX 1.1 by owtray", f.XMLName, f.Version, f.Creator)
	}
	return f
}

// wantPoint is a track point as the streams JSON says it must be, decoded
// here independently of the strava package; nil where there is no value.
type wantPoint struct {
	lat, lon   float64
	ele        *float64
	time       *string
	hr, cad    *int
	temp, watt *int
}

// wantPoints decodes the streams fixture (as edited) into the expected points.
func wantPoints(t *testing.T, start time.Time, name string, edit func(map[string]json.RawMessage)) []wantPoint {
	t.Helper()
	var m map[string]struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(streams(t, name, edit).Raw, &m); err != nil {
		t.Fatal(err)
	}
	var latlng [][2]float64
	var offsets []*int
	var ele []*float64
	var hr, cad, temp, watts []*int
	for key, dst := range map[string]any{"latlng": &latlng, "time": &offsets, "altitude": &ele,
		"heartrate": &hr, "cadence": &cad, "temp": &temp, "watts": &watts} {
		if s, ok := m[key]; ok {
			if err := json.Unmarshal(s.Data, dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	at := func(v []*int, i int) *int {
		if v == nil {
			return nil
		}
		return v[i]
	}
	out := make([]wantPoint, len(latlng))
	for i, ll := range latlng {
		p := wantPoint{lat: ll[0], lon: ll[1], hr: at(hr, i), cad: at(cad, i), temp: at(temp, i), watt: at(watts, i)}
		if ele != nil {
			p.ele = ele[i]
		}
		if offsets != nil {
			s := start.Add(time.Duration(*offsets[i]) * time.Second).UTC().Format(time.RFC3339)
			p.time = &s
		}
		out[i] = p
	}
	return out
}

func checkPoints(t *testing.T, trk gpxTrk, want []wantPoint) {
	t.Helper()
	if len(trk.Segs) != 1 {
		t.Fatalf("track %q: %d segments, want 1", trk.Name, len(trk.Segs))
	}
	points := trk.Segs[0].Points
	if len(points) != len(want) {
		t.Fatalf("track %q: %d points, want %d (stream length)", trk.Name, len(points), len(want))
	}
	for i, w := range want {
		p := points[i]
		var hr, cad, temp *int
		if p.TPX != nil {
			if p.TPX.XMLName.Space != tpxNS {
				t.Errorf("point %d: TrackPointExtension in namespace %q, want %q", i, p.TPX.XMLName.Space, tpxNS)
			}
			hr, cad, temp = p.TPX.HR, p.TPX.Cad, p.TPX.ATemp
		}
		checks := []struct {
			what      string
			got, want any
		}{
			{"lat", p.Lat, w.lat},
			{"lon", p.Lon, w.lon},
			{"ele", p.Ele, w.ele},
			{"time", p.Time, w.time},
			{"hr", hr, w.hr},
			{"cad", cad, w.cad},
			{"atemp", temp, w.temp},
			{"power", p.Power, w.watt},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("point %d %s = %s, want %s", i, c.what, show(c.got), show(c.want))
			}
		}
	}
}

// show prints a value, dereferencing pointers; "none" for nil.
func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "none"
		}
		rv = rv.Elem()
	}
	return fmt.Sprint(rv.Interface())
}

func TestGPX(t *testing.T) {
	type trackSpec struct {
		act     func(t *testing.T) store.Activity
		streams string
		edit    func(map[string]json.RawMessage)
	}
	rideAll := trackSpec{ride, "ride_streams.json", nil}
	tests := []struct {
		name        string
		tracks      []trackSpec
		wantSkipped []int64
		wantMeta    string // metadata time: the earliest start
	}{
		{
			name:     "all streams, watts with nulls",
			tracks:   []trackSpec{rideAll},
			wantMeta: "2024-06-15T06:12:45Z",
		},
		{
			name:     "no time stream: points without time",
			tracks:   []trackSpec{{ride, "ride_streams.json", without("time")}},
			wantMeta: "2024-06-15T06:12:45Z",
		},
		{
			name:     "only latlng",
			tracks:   []trackSpec{{ride, "ride_streams.json", without("time", "altitude", "heartrate", "cadence", "watts", "temp")}},
			wantMeta: "2024-06-15T06:12:45Z",
		},
		{
			name:     "watts all null: no power",
			tracks:   []trackSpec{{ride, "ride_streams.json", setData("watts", "[null,null,null,null,null,null]")}},
			wantMeta: "2024-06-15T06:12:45Z",
		},
		{
			name:     "unused streams of another length are ignored",
			tracks:   []trackSpec{{ride, "ride_streams.json", setData("grade_smooth", "[0.5]")}},
			wantMeta: "2024-06-15T06:12:45Z",
		},
		{
			name:        "indoor activity skipped, the others kept in order",
			tracks:      []trackSpec{rideAll, {virtualRide, "virtualride_streams.json", nil}, {run, "ride_streams.json", nil}},
			wantSkipped: []int64{virtualRideID},
			wantMeta:    "2024-05-01T05:30:00Z",
		},
		{
			name: "empty latlng stream and no streams at all are skipped",
			tracks: []trackSpec{
				{yoga, "ride_streams.json", setData("latlng", "[]")},
				rideAll,
				{virtualRide, "virtualride_streams.json", nil},
			},
			wantSkipped: []int64{yogaID, virtualRideID},
			wantMeta:    "2024-06-15T06:12:45Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tracks []export.Track
			var want [][]wantPoint
			for _, s := range tt.tracks {
				a := s.act(t)
				tracks = append(tracks, export.Track{Activity: a, Streams: streams(t, s.streams, s.edit)})
				if w := wantPoints(t, a.StartDate, s.streams, s.edit); len(w) > 0 {
					want = append(want, w)
				}
			}
			var buf bytes.Buffer
			skipped, err := export.GPX(&buf, tracks)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(skipped, tt.wantSkipped) {
				t.Errorf("skipped = %v, want %v", skipped, tt.wantSkipped)
			}
			f := parseGPX(t, buf.Bytes())
			if f.Metadata.Time != tt.wantMeta {
				t.Errorf("metadata time = %q, want %q", f.Metadata.Time, tt.wantMeta)
			}
			if len(f.Tracks) != len(want) {
				t.Fatalf("%d tracks, want %d", len(f.Tracks), len(want))
			}
			exported := 0
			for _, tr := range tracks {
				if contains(skipped, tr.Activity.ID) {
					continue
				}
				trk, a := f.Tracks[exported], tr.Activity
				if trk.Name != a.Name || trk.Type != a.SportType {
					t.Errorf("track %d: name %q type %q, want %q %q", exported, trk.Name, trk.Type, a.Name, a.SportType)
				}
				if href := "https://www.strava.com/activities/" + strconv.FormatInt(a.ID, 10); trk.Link.Href != href {
					t.Errorf("track %d: link %q, want %q", exported, trk.Link.Href, href)
				}
				checkPoints(t, trk, want[exported])
				exported++
			}
		})
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Names with markup characters and unicode read back unchanged.
func TestGPXNames(t *testing.T) {
	names := []string{`Tom & Jerry <3 "Berg" 'auf'`, "Zürich → 東京 🚴‍♀️", "]]> <!-- -->", ""}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			a := ride(t)
			a.Name = name
			var buf bytes.Buffer
			if _, err := export.GPX(&buf, []export.Track{{Activity: a, Streams: streams(t, "ride_streams.json", nil)}}); err != nil {
				t.Fatal(err)
			}
			if f := parseGPX(t, buf.Bytes()); len(f.Tracks) != 1 || f.Tracks[0].Name != name {
				t.Errorf("tracks = %+v, want one named %q", f.Tracks, name)
			}
		})
	}
}

// Bad or routeless input: a clear error naming the activity, no panic, and
// nothing written, even when good tracks came first.
func TestGPXErrors(t *testing.T) {
	good := func(t *testing.T) export.Track {
		return export.Track{Activity: run(t), Streams: streams(t, "ride_streams.json", nil)}
	}
	rideWith := func(edit func(map[string]json.RawMessage)) func(t *testing.T) []export.Track {
		return func(t *testing.T) []export.Track {
			return []export.Track{good(t), {Activity: ride(t), Streams: streams(t, "ride_streams.json", edit)}}
		}
	}
	indoor := func(t *testing.T) export.Track {
		return export.Track{Activity: virtualRide(t), Streams: streams(t, "virtualride_streams.json", nil)}
	}
	tests := []struct {
		name        string
		tracks      func(t *testing.T) []export.Track
		wantErr     error
		wantMsg     []string
		wantSkipped []int64
	}{
		{
			name:    "no tracks",
			tracks:  func(*testing.T) []export.Track { return nil },
			wantErr: export.ErrNoRoute,
			wantMsg: []string{"no activities"},
		},
		{
			name:        "only an indoor activity",
			tracks:      func(t *testing.T) []export.Track { return []export.Track{indoor(t)} },
			wantErr:     export.ErrNoRoute,
			wantMsg:     []string{"this activity has no GPS track (activity 11311122233)"},
			wantSkipped: []int64{virtualRideID},
		},
		{
			name: "no track has GPS",
			tracks: func(t *testing.T) []export.Track {
				return []export.Track{indoor(t), {Activity: yoga(t)}}
			},
			wantErr:     export.ErrNoRoute,
			wantMsg:     []string{"none of the 2 activities has a GPS track (11311122233, 11322233344)"},
			wantSkipped: []int64{virtualRideID, yogaID},
		},
		{
			name:    "altitude shorter than latlng",
			tracks:  rideWith(setData("altitude", "[34.2, 34.4, 34.8, 35.0, 35.1]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "altitude has 5 samples, latlng has 6"},
		},
		{
			name:    "heartrate longer than latlng",
			tracks:  rideWith(setData("heartrate", "[98, 101, 104, 108, 111, 113, 115]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "heartrate has 7 samples, latlng has 6"},
		},
		{
			name:    "time stream empty",
			tracks:  rideWith(setData("time", "[]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "time has 0 samples"},
		},
		{
			name:    "watts shorter, with nulls",
			tracks:  rideWith(setData("watts", "[null, 120]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"watts has 2 samples"},
		},
		{
			name:    "null heart rate",
			tracks:  rideWith(setData("heartrate", "[98, null, 104, 108, 111, 113]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "heartrate", "null"},
		},
		{
			name:    "heart rate GPX cannot hold",
			tracks:  rideWith(setData("heartrate", "[98, 101, 300, 108, 111, 113]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "heartrate: element 2 is 300"},
		},
		{
			name:    "negative cadence",
			tracks:  rideWith(setData("cadence", "[0, -1, 75, 81, 84, 85]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"cadence: element 1 is -1"},
		},
		{
			name:    "latitude out of range",
			tracks:  rideWith(setData("latlng", "[[52.5,13.4],[95.0,13.4],[52.5,13.4],[52.5,13.4],[52.5,13.4],[52.5,13.4]]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"11298765432", "latlng"},
		},
		{
			name:    "latlng pair with one value",
			tracks:  rideWith(setData("latlng", "[[52.5,13.4],[52.5],[52.5,13.4],[52.5,13.4],[52.5,13.4],[52.5,13.4]]")),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"latlng"},
		},
		{
			name:    "altitude as strings",
			tracks:  rideWith(setData("altitude", `["34.2","34.4","34.8","35.0","35.1","35.3"]`)),
			wantErr: export.ErrBadStreams,
			wantMsg: []string{"altitude"},
		},
		{
			name: "time stream without start_date",
			tracks: func(t *testing.T) []export.Track {
				a := ride(t)
				a.StartDate = time.Time{}
				return []export.Track{good(t), {Activity: a, Streams: streams(t, "ride_streams.json", nil)}}
			},
			wantErr: export.ErrBadActivity,
			wantMsg: []string{"11298765432", "start_date"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			skipped, err := export.GPX(&buf, tt.tracks(t))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
			if !reflect.DeepEqual(skipped, tt.wantSkipped) {
				t.Errorf("skipped = %v, want %v", skipped, tt.wantSkipped)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}
