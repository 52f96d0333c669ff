// Package store keeps the user's Strava activities, sync state and the
// webhook event queue in one local bbolt database.
package store

import (
	"encoding/json"
	"time"
)

// Activity is one stored Strava activity: the few decoded fields the list,
// filters and detail view need, plus Strava's JSON exactly as it was received,
// so no field Strava sends (known or not yet known) is ever lost.
type Activity struct {
	ID                 int64
	AthleteID          int64
	Name               string
	SportType          string    // sport_type; any value Strava sends is kept
	StartDate          time.Time // start_date, UTC
	StartDateLocal     time.Time // start_date_local: wall-clock time where the activity happened
	Timezone           string    // e.g. "(GMT+01:00) Europe/Berlin"
	Distance           float64   // metres
	MovingTime         int       // seconds
	ElapsedTime        int       // seconds
	TotalElevationGain float64   // metres
	Private            bool

	// Summary is Strava's SummaryActivity JSON as received from the list endpoint.
	Summary json.RawMessage
	// Detail is Strava's DetailedActivity JSON, nil until it has been fetched.
	Detail json.RawMessage
	// DetailFetchedAt is when Detail was fetched; zero when it never was.
	DetailFetchedAt time.Time
	// DetailStale is set by the store when a newer summary changed one of the
	// decoded fields above after Detail was fetched: Detail is kept (it holds
	// data no summary has) but should be fetched again when the budget allows.
	// Storing a new Detail clears it. It is ignored on input.
	DetailStale bool
}

// HasDetail reports whether the detailed activity has been fetched.
func (a Activity) HasDetail() bool { return len(a.Detail) > 0 }

// JSON is the most complete Strava JSON stored for the activity: the
// detailed activity when it was fetched, else the summary.
func (a Activity) JSON() json.RawMessage {
	if a.HasDetail() {
		return a.Detail
	}
	return a.Summary
}
