package ui

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFilterInputs(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		in      filterInputs
		want    Filter
		wantErr string
	}{
		{name: "nothing", in: filterInputs{sport: allSports}, want: Filter{}},
		{name: "search trimmed", in: filterInputs{search: "  run ", sport: allSports}, want: Filter{Search: "run"}},
		{name: "sport", in: filterInputs{sport: "TrailRun"}, want: Filter{Sport: "TrailRun"}},
		{name: "from only", in: filterInputs{sport: allSports, from: "2024-05-01"}, want: Filter{Since: day(2024, 5, 1)}},
		{name: "to is inclusive", in: filterInputs{sport: allSports, to: "2024-05-31"}, want: Filter{Until: day(2024, 6, 1)}},
		{name: "one day", in: filterInputs{sport: allSports, from: "2024-02-29", to: "2024-02-29"},
			want: Filter{Since: day(2024, 2, 29), Until: day(2024, 3, 1)}},
		{name: "bad from", in: filterInputs{sport: allSports, from: "2024-5-1"}, wantErr: "From:"},
		{name: "bad to", in: filterInputs{sport: allSports, to: "yesterday"}, wantErr: "To:"},
		{name: "no such day", in: filterInputs{sport: allSports, to: "2023-02-29"}, wantErr: "not a date"},
		{name: "reversed", in: filterInputs{sport: allSports, from: "2024-06-02", to: "2024-06-01"}, wantErr: errDateRange.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.filter()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := (filterInputs{from: "2024-06-02", to: "2024-06-01"}).filter(); !errors.Is(err, errDateRange) {
		t.Errorf("reversed range: %v is not errDateRange", err)
	}
}
