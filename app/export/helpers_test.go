package export_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// Fixture activities (testdata/*.json): Strava's own JSON shapes.
const (
	runID         = 11234567890 // summary only: unicode name, unknown field
	rideID        = 11298765432 // summary and detailed JSON, all streams
	virtualRideID = 11311122233 // indoor: streams without latlng
	yogaID        = 11322233344 // manual: nulls, no heart rate
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeActivity decodes Strava activity JSON the way the API client does.
func decodeActivity(t *testing.T, data []byte) strava.Activity {
	t.Helper()
	var a strava.Activity
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// stored is the activity as the sync engine stores it: the summary from the
// list and, when detail is not "", the detailed JSON fetched afterwards.
func stored(t *testing.T, summary, detail string) store.Activity {
	t.Helper()
	s := decodeActivity(t, fixture(t, summary))
	if detail == "" {
		return store.FromStrava(s)
	}
	a := store.FromStrava(decodeActivity(t, fixture(t, detail)))
	a.Summary = s.Raw
	return a
}

func run(t *testing.T) store.Activity  { return stored(t, "run_summary.json", "") }
func ride(t *testing.T) store.Activity { return stored(t, "ride_summary.json", "ride_detail.json") }
func virtualRide(t *testing.T) store.Activity {
	return stored(t, "virtualride_summary.json", "")
}
func yoga(t *testing.T) store.Activity { return stored(t, "yoga_summary.json", "") }

// streams parses a streams fixture after edit (if not nil) changed its
// streams, keyed by type.
func streams(t *testing.T, name string, edit func(m map[string]json.RawMessage)) strava.Streams {
	t.Helper()
	data := fixture(t, name)
	if edit != nil {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		var err error
		if data, err = json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	}
	s, err := strava.ParseStreams(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setData replaces a stream's data array.
func setData(key, data string) func(map[string]json.RawMessage) {
	return func(m map[string]json.RawMessage) {
		m[key] = json.RawMessage(`{"data":` + data + `,"series_type":"distance","original_size":6,"resolution":"high"}`)
	}
}

// without removes streams.
func without(keys ...string) func(map[string]json.RawMessage) {
	return func(m map[string]json.RawMessage) {
		for _, k := range keys {
			delete(m, k)
		}
	}
}

// renamed changes the activity's name in the decoded field and in its
// Strava JSON, keeping every other field (numbers exactly as written).
func renamed(t *testing.T, a store.Activity, name string) store.Activity {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(a.Summary))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m["name"] = name
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	a.Name, a.Summary = name, raw
	return a
}

// decodeObject decodes one JSON object for semantic comparison.
func decodeObject(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// failingWriter fails every write.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
