package export_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
)

var csvHeader = []string{
	"id", "name", "sport_type", "start_date", "start_date_local", "timezone", "distance",
	"moving_time", "elapsed_time", "total_elevation_gain", "average_speed", "max_speed",
	"average_heartrate", "max_heartrate", "calories", "private", "commute", "trainer",
	"manual", "gear_id", "device_name", "description",
}

// readCSV writes acts as CSV and reads the file back with encoding/csv,
// checking the header; it returns the rows keyed by column.
func readCSV(t *testing.T, acts []store.Activity) (rows []map[string]string, file []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := export.CSV(&buf, acts); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(buf.Bytes()))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, buf.Bytes())
	}
	if len(records) == 0 || !reflect.DeepEqual(records[0], csvHeader) {
		t.Fatalf("header = %q, want %q", records, csvHeader)
	}
	for _, rec := range records[1:] {
		row := make(map[string]string, len(rec))
		for i, v := range rec {
			row[csvHeader[i]] = v
		}
		rows = append(rows, row)
	}
	return rows, buf.Bytes()
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name string
		acts func(t *testing.T) []store.Activity
		want []map[string]string
	}{
		{
			name: "zero activities",
			acts: func(*testing.T) []store.Activity { return nil },
		},
		{
			name: "summary only: detailed-only fields are empty",
			acts: func(t *testing.T) []store.Activity { return []store.Activity{run(t)} },
			want: []map[string]string{{
				"id": "11234567890", "name": "Morgenlauf, „am See“ – Zürich 🏃 \"5k\"", "sport_type": "Run",
				"start_date": "2024-05-01T05:30:00Z", "start_date_local": "2024-05-01T07:30:00Z",
				"timezone": "(GMT+01:00) Europe/Zurich", "distance": "10234.5", "moving_time": "3120",
				"elapsed_time": "3305", "total_elevation_gain": "87.4", "average_speed": "3.28",
				"max_speed": "5.1", "average_heartrate": "148.3", "max_heartrate": "176.0", "calories": "",
				"private": "false", "commute": "false", "trainer": "false", "manual": "false",
				"gear_id": "g1234567", "device_name": "", "description": "",
			}},
		},
		{
			name: "detail fetched",
			acts: func(t *testing.T) []store.Activity { return []store.Activity{ride(t)} },
			want: []map[string]string{{
				"id": "11298765432", "name": "Feierabendrunde Havel", "sport_type": "Ride",
				"start_date": "2024-06-15T06:12:45Z", "start_date_local": "2024-06-15T08:12:45Z",
				"timezone": "(GMT+01:00) Europe/Berlin", "distance": "42195.3", "moving_time": "5340",
				"elapsed_time": "6012", "total_elevation_gain": "212", "average_speed": "7.902",
				"max_speed": "15.3", "average_heartrate": "139.1", "max_heartrate": "171.0",
				"calories": "1117.4", "private": "true", "commute": "true", "trainer": "false",
				"manual": "false", "gear_id": "b9876543", "device_name": "Garmin Edge 530",
				"description": "Mit Jana & Tom, Gegenwind am \"Wannsee\".\nZweite Zeile: 東京 → Potsdam ☀️",
			}},
		},
		{
			name: "nulls and absent fields are empty",
			acts: func(t *testing.T) []store.Activity { return []store.Activity{yoga(t), virtualRide(t)} },
			want: []map[string]string{{
				"id": "11322233344", "name": "Yoga", "sport_type": "Yoga",
				"start_date": "2024-06-21T16:30:00Z", "start_date_local": "2024-06-21T18:30:00Z",
				"timezone": "(GMT+01:00) Europe/Berlin", "distance": "0", "moving_time": "3600",
				"elapsed_time": "3600", "total_elevation_gain": "0", "average_speed": "0.0",
				"max_speed": "0", "average_heartrate": "", "max_heartrate": "", "calories": "",
				"private": "false", "commute": "false", "trainer": "false", "manual": "true",
				"gear_id": "", "device_name": "", "description": "",
			}, {
				"id": "11311122233", "name": "Zwift - Watopia", "sport_type": "VirtualRide",
				"start_date": "2024-06-20T17:00:03Z", "start_date_local": "2024-06-20T19:00:03Z",
				"timezone": "(GMT+01:00) Europe/Berlin", "distance": "25012.7", "moving_time": "2701",
				"elapsed_time": "2701", "total_elevation_gain": "301", "average_speed": "9.26",
				"max_speed": "17.2", "average_heartrate": "151.0", "max_heartrate": "182.0", "calories": "",
				"private": "false", "commute": "false", "trainer": "true", "manual": "false",
				"gear_id": "", "device_name": "", "description": "",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _ := readCSV(t, tt.acts(t))
			if len(rows) != len(tt.want) {
				t.Fatalf("%d rows, want %d", len(rows), len(tt.want))
			}
			for i, want := range tt.want {
				if !reflect.DeepEqual(rows[i], want) {
					for _, col := range csvHeader {
						if rows[i][col] != want[col] {
							t.Errorf("row %d %s = %q, want %q", i, col, rows[i][col], want[col])
						}
					}
				}
			}
		})
	}
}

// Names read back unchanged, including ones a spreadsheet would take for a
// formula: the export keeps the user's data as it is (see the package doc).
func TestCSVNamesRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		readBack string // what encoding/csv reads back when it is not name
	}{
		{"Run, with comma", ""},
		{`Say "hello" to the "hill"`, ""},
		{"two\nlines", ""},
		{"Zürich → 東京 🚴‍♀️ Ελληνικά", ""},
		{"  leading and trailing spaces  ", ""},
		{"", ""},
		{`=HYPERLINK("http://example.com","x")`, ""},
		{"+1 km extra", ""},
		{"-5 °C Morgenrunde", ""},
		{"@home trainer", ""},
		{"\tTabbed", ""},
		{`"`, ""},
		{`\N`, ""},
		// A csv.Reader drops the \r of \r\n inside a quoted cell; the file has it.
		{"windows\r\nline break", "windows\nline break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.readBack
			if want == "" {
				want = tt.name
			}
			rows, file := readCSV(t, []store.Activity{renamed(t, yoga(t), tt.name), run(t)})
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			if got := rows[0]["name"]; got != want {
				t.Errorf("name = %q, want %q", got, want)
			}
			if rows[0]["id"] != "11322233344" || rows[1]["id"] != "11234567890" {
				t.Errorf("ids = %q, %q: the name spilled into other cells", rows[0]["id"], rows[1]["id"])
			}
			if !strings.Contains(string(file), strings.ReplaceAll(tt.name, `"`, `""`)) {
				t.Errorf("file does not hold the name unchanged:\n%s", file)
			}
		})
	}
}

func TestCSVZeroActivities(t *testing.T) {
	var buf bytes.Buffer
	if err := export.CSV(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(csvHeader, ",") + "\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}
