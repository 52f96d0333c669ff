package store

import (
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

const testAthlete = 7

func quietOptions() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// openTemp opens a new store in t.TempDir() and closes it at cleanup.
func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "owtray.db")
	if opts.Logger == nil {
		opts.Logger = quietOptions().Logger
	}
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// act builds an activity that started at start (RFC 3339, UTC) in Berlin
// (local wall clock one hour later), with a small Summary JSON.
func act(t testing.TB, id int64, start, name, sport string) Activity {
	t.Helper()
	st := mustTime(t, start)
	local := st.Add(time.Hour)
	summary, err := json.Marshal(map[string]any{
		"id": id, "name": name, "sport_type": sport, "type": sport,
		"start_date": st.Format(time.RFC3339), "start_date_local": local.Format(time.RFC3339),
		"athlete": map[string]any{"id": testAthlete, "resource_state": 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return Activity{
		ID: id, AthleteID: testAthlete, Name: name, SportType: sport,
		StartDate: st, StartDateLocal: local, Timezone: "(GMT+01:00) Europe/Berlin",
		Distance: 1234.5, MovingTime: 600, ElapsedTime: 660, TotalElevationGain: 42.1,
		Summary: summary,
	}
}

func ids(acts []Activity) []int64 {
	out := make([]int64, len(acts))
	for i, a := range acts {
		out[i] = a.ID
	}
	return out
}

func mustUpsert(t testing.TB, s *Store, acts ...Activity) UpsertResult {
	t.Helper()
	res, err := s.UpsertPage(acts, nil)
	if err != nil {
		t.Fatalf("UpsertPage: %v", err)
	}
	return res
}
