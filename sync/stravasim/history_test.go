package stravasim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/twpayne/go-polyline"
)

// historyEnd is a fixed end of the generated history.
func historyEnd() time.Time { return time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC) }

func TestHistoryDeterministic(t *testing.T) {
	tests := []struct {
		name string
		a, b Config
		same bool
	}{
		{"same seed", Config{Activities: 150, Seed: 5, HistoryEnd: historyEnd()}, Config{Activities: 150, Seed: 5, HistoryEnd: historyEnd()}, true},
		{"other seed", Config{Activities: 150, Seed: 5, HistoryEnd: historyEnd()}, Config{Activities: 150, Seed: 6, HistoryEnd: historyEnd()}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := New(tc.a), New(tc.b)
			defer a.Close()
			defer b.Close()
			la, lb := a.Activities(0, true), b.Activities(0, true)
			same := len(la) == len(lb)
			for i := 0; same && i < len(la); i++ {
				ja, _ := a.ActivityJSON(la[i].ID, true)
				jb, _ := b.ActivityJSON(lb[i].ID, true)
				same = bytes.Equal(ja, jb)
			}
			if same != tc.same {
				t.Errorf("histories equal = %v, want %v", same, tc.same)
			}
		})
	}
}

func TestHistoryContent(t *testing.T) {
	const n = 5000
	sim := New(Config{Activities: n, Seed: 42, HistoryEnd: historyEnd()})
	defer sim.Close()
	all := sim.Activities(0, true)
	if len(all) != n {
		t.Fatalf("%d activities", len(all))
	}
	sports := map[string]int{}
	var private, commute, trainer, manual, cjk, emoji, accents int
	ids := map[int64]bool{}
	lateUploads := 0
	tzLabel := regexp.MustCompile(`^\(GMT[+-]\d\d:\d\d\) [A-Za-z_]+/[A-Za-z_]+$`)
	for i, a := range all {
		sports[a.SportType]++
		if ids[a.ID] {
			t.Fatalf("duplicate id %d", a.ID)
		}
		ids[a.ID] = true
		if i > 0 && a.StartDate.After(all[i-1].StartDate) {
			t.Fatalf("not newest first at %d", i)
		}
		if i > 0 && a.ID > all[i-1].ID {
			lateUploads++
		}
		if a.StartDate.Before(historyEnd().AddDate(-10, 0, -2)) || a.StartDate.After(historyEnd()) {
			t.Errorf("start %v outside ten years", a.StartDate)
		}
		if !tzLabel.MatchString(a.Timezone) {
			t.Errorf("timezone %q", a.Timezone)
		}
		if a.ElapsedTime < a.MovingTime || a.MovingTime <= 0 || a.Distance < 0 {
			t.Errorf("times/distance %+v", a)
		}
		if !utf8.ValidString(a.Name) || a.Name == "" {
			t.Errorf("name %q", a.Name)
		}
		hasRoute := a.SummaryPolyline != ""
		if hasRoute && (a.Trainer || a.Manual) {
			t.Errorf("trainer/manual activity with a route: %+v", a)
		}
		if hasRoute {
			pts, _, err := polyline.DecodeCoords([]byte(a.SummaryPolyline))
			if err != nil || len(pts) != summaryPoints {
				t.Errorf("summary polyline: %d points, %v", len(pts), err)
			}
		}
		for _, r := range a.Name {
			switch {
			case r >= 0x3040 && r <= 0x9fff, r >= 0xac00 && r <= 0xd7af:
				cjk++
			case r >= 0x1f300:
				emoji++
			case r >= 0xc0 && r <= 0x17f:
				accents++
			}
		}
		if a.Private {
			private++
		}
		if a.Commute {
			commute++
		}
		if a.Trainer {
			trainer++
		}
		if a.Manual {
			manual++
		}
	}
	for _, s := range []string{"Run", "Ride", "Swim", "Walk", "Hike", "AlpineSki", "NordicSki", "Rowing", "WeightTraining", "Yoga", "VirtualRide", "EMountainBikeRide", "Pickleball", UnknownSportType} {
		if sports[s] == 0 {
			t.Errorf("no %s in %v", s, sports)
		}
	}
	if p := float64(private) / n; p < 0.035 || p > 0.065 {
		t.Errorf("private share %.3f", p)
	}
	if commute == 0 || trainer == 0 || manual == 0 || cjk == 0 || emoji == 0 || accents == 0 || lateUploads == 0 {
		t.Errorf("commute %d trainer %d manual %d cjk %d emoji %d accents %d late uploads %d", commute, trainer, manual, cjk, emoji, accents, lateUploads)
	}
	if sim.ActivityCount(0, false) != n-private {
		t.Errorf("public count %d", sim.ActivityCount(0, false))
	}
}

// The summary JSON has Strava's fields and types, and the local time agrees
// with start_date, utc_offset and the timezone.
func TestSummaryJSON(t *testing.T) {
	sim := New(Config{Activities: 400, Seed: 9, HistoryEnd: historyEnd()})
	defer sim.Close()
	required := []string{"resource_state", "athlete", "name", "distance", "moving_time", "elapsed_time", "total_elevation_gain",
		"type", "sport_type", "workout_type", "id", "start_date", "start_date_local", "timezone", "utc_offset", "location_country",
		"map", "trainer", "commute", "manual", "private", "visibility", "gear_id", "start_latlng", "end_latlng",
		"average_speed", "max_speed", "has_heartrate", "upload_id", "external_id", "pr_count", "kudos_count"}
	offsets := map[float64]bool{}
	for _, a := range sim.Activities(0, true) {
		raw, err := sim.ActivityJSON(a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				t.Fatalf("summary lacks %q: %s", k, raw)
			}
		}
		for _, k := range []string{"description", "calories", "laps", "device_name"} {
			if _, ok := m[k]; ok {
				t.Fatalf("summary has detail field %q", k)
			}
		}
		start, err1 := time.Parse(time.RFC3339, m["start_date"].(string))
		local, err2 := time.Parse("2006-01-02T15:04:05Z", m["start_date_local"].(string))
		if err1 != nil || err2 != nil {
			t.Fatalf("dates %v %v", err1, err2)
		}
		off := m["utc_offset"].(float64)
		offsets[off] = true
		if !local.Equal(start.Add(time.Duration(off) * time.Second)) {
			t.Errorf("start_date %v + utc_offset %v ≠ start_date_local %v", start, off, local)
		}
		if vis := m["visibility"]; (vis == "only_me") != m["private"].(bool) {
			t.Errorf("visibility %v private %v", vis, m["private"])
		}
		if a.Manual && (m["upload_id"] != nil || m["external_id"] != nil) {
			t.Errorf("manual activity with upload: %s", raw)
		}
	}
	if len(offsets) < 4 {
		t.Errorf("only %d different utc offsets", len(offsets))
	}
}

func TestCreateActivityValidation(t *testing.T) {
	sim := New(Config{Activities: 1})
	defer sim.Close()
	tests := []struct {
		name string
		in   NewActivity
		ok   bool
	}{
		{"defaults", NewActivity{}, true},
		{"unknown sport kept", NewActivity{SportType: "Kitesurf"}, true},
		{"negative distance", NewActivity{Distance: -1}, false},
		{"negative time", NewActivity{ElapsedTime: -5}, false},
		{"moving > elapsed", NewActivity{ElapsedTime: 100, MovingTime: 200}, false},
		{"unknown athlete", NewActivity{AthleteID: 1}, false},
		{"tiny activity", NewActivity{ElapsedTime: 1, Distance: 1}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := sim.CreateActivityNoEvent(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			a, _ := sim.Activity(id)
			if tc.in.SportType != "" && a.SportType != tc.in.SportType {
				t.Errorf("sport %q", a.SportType)
			}
			if _, err := sim.ActivityJSON(id, true); err != nil {
				t.Error(err)
			}
		})
	}
}

// FuzzListQuery: any query string gives a clean 400 or a correctly ordered page, never a panic.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"", "per_page=abc", "page=-1", "before=x", "after=1&before=2", "page=9223372036854775807&per_page=200", "after=%00"} {
		f.Add(q)
	}
	sim := New(Config{Activities: 300, Seed: 1, HistoryEnd: historyEnd()})
	defer sim.Close()
	list := sim.athletes[sim.cfg.AthleteID].all
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lq, e := parseListQuery(q)
		if e != nil {
			if e.status != 400 {
				t.Fatalf("status %d", e.status)
			}
			return
		}
		out := page(list, lq.before, lq.after, lq.page, lq.perPage, OldestFirst, nil)
		if len(out) > lq.perPage || lq.perPage > maxPerPage {
			t.Fatalf("%d items for per_page %d", len(out), lq.perPage)
		}
		asc := lq.after != nil && lq.before == nil
		for i := 1; i < len(out); i++ {
			if c := activityLess(out[i-1], out[i]); (c < 0) != asc {
				t.Fatalf("order wrong at %d (ascending %v)", i, asc)
			}
		}
	})
}

// The generated history has a tie at every 200-activity boundary of the
// full listing: a moving `before` cursor loses activities, fixed bounds
// with page= see all 20,000 in ceil(20000/200)+1 requests.
func TestHistoryTiesAtPageBoundaries(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 20,000 activities")
	}
	srv := start(t, Config{Activities: 20000, Seed: 1, RateLimits: Limits{Read15: 1000, Overall15: 1000}})
	tok := login(t, srv, "activity:read_all").AccessToken
	walk := func(query func(last []listItem, page int) string) (map[int64]bool, int) {
		srv.Sim.ResetRequestCounts()
		seen := map[int64]bool{}
		var last []listItem
		for p := 1; ; p++ {
			var items []listItem
			resp, body := get(t, srv, "/athlete/activities?per_page=200"+query(last, p), tok, &items)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if len(items) == 0 {
				return seen, srv.Sim.RequestCount()
			}
			if p > 1 && items[0].StartDate.Equal(last[len(last)-1].StartDate) {
				seen[-int64(p)] = true // a tie straddles this boundary (negative keys count them)
			}
			for _, it := range items {
				seen[it.ID] = true
			}
			last = items
		}
	}
	paged, n := walk(func(_ []listItem, p int) string { return fmt.Sprintf("&before=%d&page=%d", time.Now().Unix()+86400, p) })
	ids, ties := 0, 0
	for id := range paged {
		if id < 0 {
			ties++
		} else {
			ids++
		}
	}
	if ids != 20000 || n != 101 || ties != 99 {
		t.Errorf("page=: %d activities in %d requests, %d boundaries with a tie; want 20000, 101, 99", ids, n, ties)
	}
	// With an unstable order within a second, page= alone loses some too.
	srv.Sim.SetTieOrder(TiesUnstable)
	unstable, _ := walk(func(_ []listItem, p int) string { return fmt.Sprintf("&before=%d&page=%d", time.Now().Unix()+86400, p) })
	srv.Sim.SetTieOrder(TiesByID)
	if n := len(unstable) - ties; n >= 20000 {
		t.Errorf("page= with unstable tie order saw all %d activities", n)
	}
	cursor, _ := walk(func(last []listItem, _ int) string {
		if last == nil {
			return ""
		}
		return fmt.Sprintf("&before=%d", last[len(last)-1].StartDate.Unix())
	})
	if len(cursor) >= 20000 {
		t.Errorf("a moving before cursor saw all %d activities: the history has no boundary ties", len(cursor))
	}
}

func BenchmarkGenerate20k(b *testing.B) {
	for b.Loop() {
		New(Config{Activities: 20000, Seed: 1, HistoryEnd: historyEnd()}).Close()
	}
}

func BenchmarkListPage(b *testing.B) {
	sim := New(Config{Activities: 20000, Seed: 1, HistoryEnd: historyEnd()})
	defer sim.Close()
	list := sim.athletes[sim.cfg.AthleteID].all
	before := list[len(list)/2].start.Unix()
	for b.Loop() {
		for _, a := range page(list, &before, nil, 1, 200, OldestFirst, nil) {
			_ = a.summaryJSON()
		}
	}
}

func BenchmarkDetailWithStreams(b *testing.B) {
	sim := New(Config{Activities: 2000, Seed: 1, HistoryEnd: historyEnd()})
	defer sim.Close()
	var a *activity
	for _, x := range sim.athletes[sim.cfg.AthleteID].all {
		if x.gps && x.moving > 3600 {
			a = x
			break
		}
	}
	ath := sim.athletes[sim.cfg.AthleteID]
	for b.Loop() {
		_ = a.detailedJSON(ath)
		_ = a.track()
	}
}
