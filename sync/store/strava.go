package store

import (
	"encoding/json"

	"github.com/owtray/owtray/sync/strava"
)

// FromStrava converts a Strava activity; a detailed one fills Detail, a summary
// one Summary.
func FromStrava(a strava.Activity) Activity {
	s := Activity{
		ID:                 a.ID,
		AthleteID:          a.Athlete.ID,
		Name:               a.Name,
		SportType:          a.SportType,
		StartDate:          a.StartDate.UTC(),
		StartDateLocal:     a.StartDateLocal,
		Timezone:           a.Timezone,
		Distance:           a.Distance,
		MovingTime:         a.MovingTime,
		ElapsedTime:        a.ElapsedTime,
		TotalElevationGain: a.TotalElevationGain,
		Private:            a.Private,
	}
	if s.SportType == "" {
		s.SportType = a.Type
	}
	raw := json.RawMessage(a.Raw)
	if a.Detailed() {
		s.Detail = raw
	} else {
		s.Summary = raw
	}
	return s
}
