package desktop

import (
	"encoding/json"
	"errors"
	"fmt"

	polyline "github.com/twpayne/go-polyline"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/ui"
)

// listItem is a list row: the indexed fields only, no JSON to decode.
func listItem(a store.Activity) ui.Activity {
	return ui.Activity{
		ID: a.ID, Name: a.Name, SportType: a.SportType, StartDate: a.StartDate, StartDateLocal: a.StartDateLocal,
		Timezone: a.Timezone, Distance: a.Distance, MovingTime: a.MovingTime, ElapsedTime: a.ElapsedTime,
		TotalElevationGain: a.TotalElevationGain, Private: a.Private,
	}
}

// viewOf is the whole record for the detail view: Strava's JSON is decoded
// once, with sync/strava's model. A document that cannot be read leaves the
// fields it holds empty and says why in Problem; the indexed fields and the
// JSON are shown all the same.
func viewOf(a store.Activity) ui.Activity {
	v := listItem(a)
	v.Loaded, v.Detailed, v.JSON = true, a.HasDetail(), a.JSON()
	var s strava.Activity
	if len(v.JSON) > 0 {
		if err := json.Unmarshal(v.JSON, &s); err != nil {
			v.Problem = fmt.Sprintf("reading Strava's JSON: %v", err)
		}
	}
	v.Description, v.DeviceName = s.Description, s.DeviceName
	v.Private = v.Private || s.Private
	v.Commute, v.Trainer, v.Manual = s.Commute, s.Trainer, s.Manual
	if s.Gear != nil {
		v.GearName = s.Gear.Name
	}
	v.Figures = figures(s)
	for _, l := range s.Laps {
		v.Laps = append(v.Laps, ui.Lap{Name: l.Name, Distance: l.Distance, MovingTime: l.MovingTime, ElapsedTime: l.ElapsedTime,
			TotalElevationGain: l.TotalElevationGain, AverageSpeed: l.AverageSpeed, AverageHeartrate: l.AverageHeartrate})
	}
	v.SplitsMetric, v.SplitsStandard = splits(s.SplitsMetric), splits(s.SplitsStandard)
	m := s.Map
	if m.Polyline == "" && m.SummaryPolyline == "" && a.HasDetail() {
		// The detailed JSON may lack the map the summary had.
		var summary struct {
			Map strava.PolylineMap `json:"map"`
		}
		if json.Unmarshal(a.Summary, &summary) == nil {
			m = summary.Map
		}
	}
	route, err := decodeRoute(m)
	switch {
	case errors.Is(err, errNoRoute):
	case err != nil:
		v.RouteProblem = err.Error()
	default:
		v.Route = route
	}
	return v
}

// figures are the overview's numbers; nil stays nil (not sent).
func figures(s strava.Activity) ui.Figures {
	return ui.Figures{
		AverageSpeed: s.AverageSpeed, MaxSpeed: s.MaxSpeed, ElevHigh: s.ElevHigh, ElevLow: s.ElevLow,
		AverageHeartrate: s.AverageHeartrate, MaxHeartrate: s.MaxHeartrate, AverageCadence: s.AverageCadence,
		AverageWatts: s.AverageWatts, WeightedAverageWatts: s.WeightedAverageWatts, MaxWatts: s.MaxWatts,
		Kilojoules: s.Kilojoules, Calories: s.Calories, AverageTemp: s.AverageTemp,
		KudosCount: s.KudosCount, CommentCount: s.CommentCount, AchievementCount: s.AchievementCount, PRCount: s.PRCount,
	}
}

func splits(in []strava.Split) []ui.Split {
	if len(in) == 0 {
		return nil
	}
	out := make([]ui.Split, len(in))
	for i, sp := range in {
		out[i] = ui.Split{Split: sp.Split, Distance: sp.Distance, MovingTime: sp.MovingTime, ElapsedTime: sp.ElapsedTime,
			ElevationDifference: sp.ElevationDifference, AverageSpeed: sp.AverageSpeed, AverageHeartrate: sp.AverageHeartrate}
	}
	return out
}

// errNoRoute: the activity has no GPS track (indoor, manual, privacy zone).
var errNoRoute = errors.New("no route")

// decodeRoute decodes the most detailed polyline into [lat, lng] points.
func decodeRoute(m strava.PolylineMap) ([][2]float64, error) {
	line := m.Polyline
	if line == "" {
		line = m.SummaryPolyline
	}
	if line == "" {
		return nil, errNoRoute
	}
	coords, _, err := polyline.DecodeCoords([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("the route's polyline is damaged: %w", err)
	}
	if len(coords) == 0 {
		return nil, errNoRoute
	}
	out := make([][2]float64, len(coords))
	for i, c := range coords {
		if len(c) != 2 || c[0] < -90 || c[0] > 90 || c[1] < -180 || c[1] > 180 {
			return nil, errors.New("the route's polyline is damaged: a point lies outside the map")
		}
		out[i] = [2]float64{c[0], c[1]}
	}
	return out, nil
}
