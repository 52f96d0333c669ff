package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/owtray/owtray/sync/store"
)

// column is one CSV column, named as Strava names the field. decoded gives
// the value from the decoded fields of the activity; when it is nil the value
// is read from the activity's Strava JSON under the column's name.
type column struct {
	name    string
	decoded func(a *store.Activity) string
}

func csvColumns() []column {
	return []column{
		{"id", func(a *store.Activity) string { return strconv.FormatInt(a.ID, 10) }},
		{"name", func(a *store.Activity) string { return a.Name }},
		{"sport_type", func(a *store.Activity) string { return a.SportType }},
		{"start_date", func(a *store.Activity) string { return utcTime(a.StartDate) }},
		{"start_date_local", func(a *store.Activity) string { return wallClock(a.StartDateLocal) }},
		{"timezone", func(a *store.Activity) string { return a.Timezone }},
		{"distance", func(a *store.Activity) string { return number(a.Distance) }},
		{"moving_time", func(a *store.Activity) string { return strconv.Itoa(a.MovingTime) }},
		{"elapsed_time", func(a *store.Activity) string { return strconv.Itoa(a.ElapsedTime) }},
		{"total_elevation_gain", func(a *store.Activity) string { return number(a.TotalElevationGain) }},
		{name: "average_speed"},
		{name: "max_speed"},
		{name: "average_heartrate"},
		{name: "max_heartrate"},
		{name: "calories"},
		{"private", func(a *store.Activity) string { return strconv.FormatBool(a.Private) }},
		{name: "commute"},
		{name: "trainer"},
		{name: "manual"},
		{name: "gear_id"},
		{name: "device_name"},
		{name: "description"},
	}
}

// CSV writes a header row and one row per activity with encoding/csv. The
// columns carry Strava's field names and units (metres, seconds, m/s):
//
//	id, name, sport_type, start_date, start_date_local, timezone, distance,
//	moving_time, elapsed_time, total_elevation_gain, average_speed,
//	max_speed, average_heartrate, max_heartrate, calories, private,
//	commute, trainer, manual, gear_id, device_name, description
//
// start_date is RFC 3339 in UTC; start_date_local is the local wall clock
// written the way Strava does, with a "Z" (2024-05-01T07:30:00Z). The
// decoded fields of store.Activity give id through total_elevation_gain and
// private; the others are read from the activity's Strava JSON (the detailed
// one when fetched): numbers and booleans as Strava wrote them, strings
// unquoted, and an empty cell when the field is absent or null (calories,
// device_name and description are only in the detailed JSON). Cells are not
// escaped against formula injection; see the package documentation.
//
// encoding/csv quotes cells with commas, quotes and line breaks, so they
// read back unchanged, except that a csv.Reader turns "\r\n" inside a
// quoted cell into "\n".
func CSV(w io.Writer, acts []store.Activity) error {
	cols := csvColumns()
	rows := make([][]string, 0, len(acts)+1)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	rows = append(rows, header)
	for i := range acts {
		row, err := csvRow(cols, &acts[i])
		if err != nil {
			return fmt.Errorf("export CSV: %w", err)
		}
		rows = append(rows, row)
	}
	if err := csv.NewWriter(w).WriteAll(rows); err != nil {
		return fmt.Errorf("export CSV: %w", err)
	}
	return nil
}

func csvRow(cols []column, a *store.Activity) ([]string, error) {
	raw, err := stravaJSON(*a)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("activity %d: %w: %w", a.ID, ErrBadActivity, err)
	}
	row := make([]string, len(cols))
	for i, c := range cols {
		if c.decoded != nil {
			row[i] = c.decoded(a)
			continue
		}
		if row[i], err = jsonCell(fields[c.name]); err != nil {
			return nil, fmt.Errorf("activity %d: field %s: %w: %w", a.ID, c.name, ErrBadActivity, err)
		}
	}
	return row, nil
}

// jsonCell is the CSV text of one JSON value: empty for an absent value or
// null, a string's contents, a number or boolean literal as written, and an
// object or array as compact JSON.
func jsonCell(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0 || string(v) == "null":
		return "", nil
	case v[0] == '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case v[0] == '{' || v[0] == '[':
		var b bytes.Buffer
		err := json.Compact(&b, v)
		return b.String(), err
	default:
		return string(v), nil
	}
}

// number formats metres or m/s without exponent and without losing digits.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// utcTime formats t as RFC 3339 in UTC; a zero time (absent) is empty.
func utcTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// wallClock formats t's wall clock in its own location the way Strava sends
// start_date_local: RFC 3339 with a "Z" although the time is local.
func wallClock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC).Format(time.RFC3339Nano)
}
