package export_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		acts func(t *testing.T) []store.Activity
		// want: which stored JSON each element must be.
		want func(acts []store.Activity) [][]byte
	}{
		{
			name: "zero activities",
			acts: func(*testing.T) []store.Activity { return nil },
			want: func([]store.Activity) [][]byte { return nil },
		},
		{
			name: "summary only",
			acts: func(t *testing.T) []store.Activity { return []store.Activity{run(t)} },
			want: func(a []store.Activity) [][]byte { return [][]byte{a[0].Summary} },
		},
		{
			name: "detail fetched",
			acts: func(t *testing.T) []store.Activity { return []store.Activity{ride(t)} },
			want: func(a []store.Activity) [][]byte { return [][]byte{a[0].Detail} },
		},
		{
			name: "several, in the order given",
			acts: func(t *testing.T) []store.Activity {
				return []store.Activity{yoga(t), ride(t), run(t), virtualRide(t)}
			},
			want: func(a []store.Activity) [][]byte {
				return [][]byte{a[0].Summary, a[1].Detail, a[2].Summary, a[3].Summary}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := tt.acts(t)
			want := tt.want(acts)
			var buf bytes.Buffer
			if err := export.JSON(&buf, acts); err != nil {
				t.Fatal(err)
			}
			var got []map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("output is not a JSON array of objects: %v\n%s", err, buf.Bytes())
			}
			if got == nil {
				t.Fatalf("output %q is not an array", buf.Bytes())
			}
			if len(got) != len(want) {
				t.Fatalf("%d elements, want %d", len(got), len(want))
			}
			for i, w := range want {
				if !reflect.DeepEqual(got[i], decodeObject(t, w)) {
					t.Errorf("element %d differs from the stored JSON:\n got %v\nwant %s", i, got[i], w)
				}
				if !bytes.Contains(buf.Bytes(), bytes.TrimSpace(w)) {
					t.Errorf("element %d is not Strava's JSON byte for byte", i)
				}
			}
		})
	}
}

func TestJSONZeroActivities(t *testing.T) {
	var buf bytes.Buffer
	if err := export.JSON(&buf, []store.Activity{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "[]\n" {
		t.Errorf("got %q, want %q", got, "[]\n")
	}
}

// The fields Strava sends are kept as they are: unknown ones, nulls,
// unicode escapes, numbers as written, the detailed-only fields.
func TestJSONKeepsStravaFields(t *testing.T) {
	var buf bytes.Buffer
	if err := export.JSON(&buf, []store.Activity{run(t), ride(t), yoga(t)}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var got []map[string]any
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		elem  int
		field string
		want  any
	}{
		{0, "name", "Morgenlauf, „am See“ – Zürich 🏃 \"5k\""},
		{0, "id", json.Number("11234567890")},
		{0, "start_date_local", "2024-05-01T07:30:00Z"},
		{0, "utc_offset", json.Number("7200.0")},
		{0, "max_heartrate", json.Number("176.0")},
		{0, "some_future_field", map[string]any{"nested": []any{json.Number("1"), "zwei", nil, true, json.Number("1.5e-7")}}},
		{1, "resource_state", json.Number("3")},
		{1, "description", "Mit Jana & Tom, Gegenwind am \"Wannsee\".\nZweite Zeile: 東京 → Potsdam ☀️"},
		{1, "calories", json.Number("1117.4")},
		{1, "device_name", "Garmin Edge 530"},
		{1, "perceived_exertion", nil},
		{2, "gear_id", nil},
		{2, "upload_id", nil},
	}
	for _, c := range checks {
		v, ok := got[c.elem][c.field]
		if !ok {
			t.Errorf("element %d has no %s", c.elem, c.field)
			continue
		}
		if !reflect.DeepEqual(v, c.want) {
			t.Errorf("element %d %s = %#v, want %#v", c.elem, c.field, v, c.want)
		}
	}
}
