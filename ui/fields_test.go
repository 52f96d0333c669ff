package ui

import (
	"slices"
	"testing"
)

func TestFlattenJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []jsonField
		wantErr bool
	}{
		{name: "order kept, nested flattened",
			in: `{"name":"Ride","distance":1234.5,"map":{"id":"a1","summary_polyline":"abc"},"private":false,"gear":null}`,
			want: []jsonField{{"name", "Ride", false}, {"distance", "1234.5", true}, {"map.id", "a1", false},
				{"map.summary_polyline", "abc", false}, {"private", "false", false}, {"gear", "null", false}}},
		{name: "arrays indexed",
			in:   `{"laps":[{"distance":1000},{"distance":2000}],"tags":["a"]}`,
			want: []jsonField{{"laps[0].distance", "1000", true}, {"laps[1].distance", "2000", true}, {"tags[0]", "a", false}}},
		{name: "empty containers kept",
			in:   `{"photos":{},"segment_efforts":[]}`,
			want: []jsonField{{"photos", "{}", false}, {"segment_efforts", "[]", false}}},
		{name: "numbers exactly as sent", in: `{"id":12345678901234567890,"x":1e3}`,
			want: []jsonField{{"id", "12345678901234567890", true}, {"x", "1e3", true}}},
		{name: "unicode", in: `{"name":"Hike to 富士山 \u00dc"}`, want: []jsonField{{"name", "Hike to 富士山 Ü", false}}},
		{name: "truncated", in: `{"name":"Ride","distance":`, want: []jsonField{{"name", "Ride", false}}, wantErr: true},
		{name: "trailing data", in: `{"a":1} {"b":2}`, want: []jsonField{{"a", "1", true}}, wantErr: true},
		{name: "not JSON", in: `<html>`, wantErr: true},
		{name: "empty", in: ``, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flattenJSON([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFieldValueUnits(t *testing.T) {
	tests := []struct {
		path, raw string
		number    bool
		units     Units
		want      string
	}{
		{"distance", "10000", true, Metric, "10.00 km"},
		{"distance", "10000", true, Imperial, "6.21 mi"},
		{"laps[3].distance", "1000", true, Metric, "1.00 km"},
		{"total_elevation_gain", "100", true, Imperial, "328 ft"},
		{"segment_efforts[0].segment.elevation_high", "500", true, Metric, "500 m"},
		{"moving_time", "3725", true, Metric, "1:02:05"},
		{"splits_metric[0].elapsed_time", "300", true, Metric, "0:05:00"},
		{"max_speed", "5", true, Metric, "18.0 km/h"},
		{"average_temp", "20", true, Imperial, "68 °F"},
		{"calories", "512.5", true, Imperial, "512.5"},
		{"name", "distance", false, Metric, "distance"},
		{"distance", "not-a-number", true, Metric, "not-a-number"},
	}
	for _, tt := range tests {
		if got := fieldValue(jsonField{tt.path, tt.raw, tt.number}, tt.units); got != tt.want {
			t.Errorf("fieldValue(%s=%s) = %q, want %q", tt.path, tt.raw, got, tt.want)
		}
	}
}

func TestActivityFlags(t *testing.T) {
	tests := []struct {
		a    Activity
		want []string
	}{
		{Activity{}, nil},
		{Activity{Private: true, Trainer: true, Manual: true}, []string{"Private", "Trainer", "Manual"}},
		{Activity{Commute: true, Manual: true}, []string{"Commute", "Manual"}},
	}
	for _, tt := range tests {
		if got := tt.a.Flags(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: flags = %q, want %q", tt.a, got, tt.want)
		}
	}
}

// leaves lists the leaves in the order sent.
func (t jsonTree) leaves() []jsonField {
	var out []jsonField
	var walk func(path string)
	walk = func(path string) {
		n := t[path]
		if n == nil {
			return
		}
		if len(n.Kids) == 0 && path != "" {
			out = append(out, n.Field)
		}
		for _, k := range n.Kids {
			walk(k)
		}
	}
	walk("")
	return out
}

// flattenJSON lists every leaf of a JSON document in the order sent.
func flattenJSON(data []byte) ([]jsonField, error) {
	t, err := parseJSONTree(data)
	return t.leaves(), err
}
