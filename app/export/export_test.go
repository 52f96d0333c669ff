package export_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
)

// Every writer checks all activities before writing: a bad one anywhere in
// the list gives ErrBadActivity naming it, and nothing is written.
func TestBadActivity(t *testing.T) {
	writers := []struct {
		name  string
		write func(io.Writer, []store.Activity) error
	}{
		{"JSON", export.JSON},
		{"CSV", export.CSV},
	}
	bad := []struct {
		name    string
		summary string
		detail  string
	}{
		{"no JSON stored", "", ""},
		{"truncated JSON", `{"id": 99, "name": "Lauf"`, ""},
		{"JSON array", `[{"id": 99}]`, ""},
		{"JSON string", `"Lauf"`, ""},
		{"invalid UTF-8", "{\"id\": 99, \"name\": \"\xff\xfe\"}", ""},
		{"bad detail with a good summary", `{"id": 99}`, `{"id": 99,}`},
	}
	for _, w := range writers {
		for _, b := range bad {
			t.Run(w.name+"/"+b.name, func(t *testing.T) {
				a := store.Activity{ID: 99, Name: "Lauf", Summary: json.RawMessage(b.summary)}
				if b.detail != "" {
					a.Detail = json.RawMessage(b.detail)
				}
				var buf bytes.Buffer
				err := w.write(&buf, []store.Activity{run(t), a})
				if !errors.Is(err, export.ErrBadActivity) {
					t.Fatalf("err = %v, want ErrBadActivity", err)
				}
				if !bytes.Contains([]byte(err.Error()), []byte(strconv.Itoa(99))) {
					t.Errorf("error %q does not name the activity", err)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %d bytes on bad input", buf.Len())
				}
			})
		}
	}
}

func TestWriteError(t *testing.T) {
	errDisk := errors.New("disk full")
	w := failingWriter{errDisk}
	rideTrack := func(t *testing.T) []export.Track {
		return []export.Track{{Activity: ride(t), Streams: streams(t, "ride_streams.json", nil)}}
	}
	tests := []struct {
		name  string
		write func(t *testing.T) error
	}{
		{"JSON", func(t *testing.T) error { return export.JSON(w, []store.Activity{run(t)}) }},
		{"JSON zero activities", func(*testing.T) error { return export.JSON(w, nil) }},
		{"CSV", func(t *testing.T) error { return export.CSV(w, []store.Activity{run(t)}) }},
		{"GPX", func(t *testing.T) error { _, err := export.GPX(w, rideTrack(t)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.write(t); !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want the writer's error", err)
			}
		})
	}
}
