package store

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func seedQueryFixture(t *testing.T) *Store {
	t.Helper()
	s, _ := openTemp(t, Options{})
	tokyo := time.FixedZone("JST", 9*3600)
	newYork := time.FixedZone("EDT", -4*3600)
	withLocal := func(a Activity, loc *time.Location) Activity {
		a.StartDateLocal = wallAsUTC(a.StartDate.In(loc))
		return a
	}
	mustUpsert(t, s,
		act(t, 1, "2024-01-01T08:00:00Z", "Ärger am Berg", "Ride"),
		withLocal(act(t, 2, "2024-03-03T00:10:00Z", "東京マラソン", "Run"), tokyo),
		act(t, 3, "2024-02-15T06:00:00Z", "Morning Run 🏃", "Run"),
		act(t, 4, "2023-12-31T23:30:00Z", "ÄRGER mit dem Rad", "MountainBikeRide"), // local: 2024-01-01 00:30
		act(t, 5, "2023-08-01T09:00:00Z", "Σίσυφος", "Hike"),
		withLocal(act(t, 6, "2022-06-01T02:00:00Z", "Nachtlauf", "TrailRun"), newYork), // local: 2022-05-31 22:00
	)
	return s
}

// wallAsUTC is t's wall clock labelled UTC, as Strava sends start_date_local.
func wallAsUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func TestQuery(t *testing.T) {
	s := seedQueryFixture(t)
	newYear := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		q    Query
		want []int64
	}{
		{"all newest first", Query{}, []int64{2, 3, 1, 4, 5, 6}},
		{"sport exact, case-insensitive", Query{Sport: "run"}, []int64{2, 3}},
		{"sport is not a substring match", Query{Sport: "Ride"}, []int64{1}},
		{"unknown sport", Query{Sport: "Kitesurf"}, nil},
		{"search umlaut any case", Query{Search: "ärger"}, []int64{1, 4}},
		{"search upper-case query", Query{Search: "ÄRGER AM"}, []int64{1}},
		{"search CJK", Query{Search: "東京"}, []int64{2}},
		{"search emoji", Query{Search: "🏃"}, []int64{3}},
		{"search Greek final sigma", Query{Search: "ΣΊΣΥΦΟΣ"}, []int64{5}},
		{"search trims spaces", Query{Search: "  berg "}, []int64{1}},
		{"search no match", Query{Search: "zzz"}, nil},
		{"since on local date", Query{Since: newYear}, []int64{2, 3, 1, 4}},
		{"since uses the wall clock of its own zone", Query{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("X", -11*3600))}, []int64{2, 3, 1, 4}},
		{"until is exclusive", Query{Until: time.Date(2024, 1, 1, 0, 30, 0, 0, time.UTC)}, []int64{5, 6}},
		{"local date differs from UTC date", Query{Since: time.Date(2022, 5, 31, 0, 0, 0, 0, time.UTC), Until: time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)}, []int64{6}},
		{"since and until", Query{Since: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}, []int64{3}},
		{"sport and search", Query{Sport: "MountainBikeRide", Search: "ärger"}, []int64{4}},
		{"limit", Query{Limit: 2}, []int64{2, 3}},
		{"offset and limit", Query{Offset: 2, Limit: 3}, []int64{1, 4, 5}},
		{"offset past the end", Query{Offset: 10}, nil},
		{"filter with limit", Query{Search: "r", Limit: 2, Offset: 1}, []int64{1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("List = %v, want %v", ids(got), tt.want)
			}
			for _, a := range got {
				if len(a.Summary) == 0 {
					t.Errorf("activity %d listed without its summary JSON", a.ID)
				}
			}
			indexOnly := tt.q
			indexOnly.IndexOnly = true
			lean, err := s.List(indexOnly)
			if err != nil {
				t.Fatal(err)
			}
			if len(lean) != len(got) {
				t.Fatalf("IndexOnly listed %v, want %v", ids(lean), ids(got))
			}
			for i, a := range got {
				a.Summary, a.Detail, a.DetailFetchedAt = nil, nil, time.Time{}
				if !reflect.DeepEqual(lean[i], a) {
					t.Errorf("IndexOnly activity %d = %+v, want the listed one without JSON %+v", a.ID, lean[i], a)
				}
			}
			n, err := s.CountMatching(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if tt.q.Limit == 0 && tt.q.Offset == 0 && n != len(tt.want) {
				t.Errorf("CountMatching = %d, want %d", n, len(tt.want))
			}
		})
	}
	if _, err := s.List(Query{Limit: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative limit: %v", err)
	}
}

func TestEachStops(t *testing.T) {
	s := seedQueryFixture(t)
	stop := errors.New("stop")
	var seen []int64
	err := s.Each(Query{}, func(a Activity) error {
		seen = append(seen, a.ID)
		if len(seen) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, []int64{2, 3}) {
		t.Errorf("Each = %v after %v", err, seen)
	}
}

func TestSports(t *testing.T) {
	s := seedQueryFixture(t)
	got, err := s.Sports()
	if err != nil {
		t.Fatal(err)
	}
	want := []SportCount{{"Run", 2}, {"Hike", 1}, {"MountainBikeRide", 1}, {"Ride", 1}, {"TrailRun", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Sports = %v, want %v", got, want)
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Ärger", "äRGER"},
		{"Straße", "STRAßE"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"\u212a", "k"}, // Kelvin sign
		{"東京", "東京"},
		{"🏃‍♀️", "🏃‍♀️"},
	}
	for _, tt := range tests {
		if fold(tt.a) != fold(tt.b) {
			t.Errorf("fold(%q) = %q, fold(%q) = %q", tt.a, fold(tt.a), tt.b, fold(tt.b))
		}
	}
}
