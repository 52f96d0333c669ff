package ui

import (
	"encoding/json"
	"errors"
	"fmt"

	polyline "github.com/twpayne/go-polyline"

	"github.com/owtray/owtray/sync/store"
)

// extras are the fields of Strava's JSON the detail view shows beyond the
// decoded store record.
type extras struct {
	Description string `json:"description"`
	DeviceName  string `json:"device_name"`
	Private     bool   `json:"private"`
	Commute     bool   `json:"commute"`
	Trainer     bool   `json:"trainer"`
	Manual      bool   `json:"manual"`
	Map         struct {
		Polyline        string `json:"polyline"`
		SummaryPolyline string `json:"summary_polyline"`
	} `json:"map"`
}

// extrasOf decodes the extras of a. A malformed document leaves the
// fields that could not be read empty and is reported.
func extrasOf(a store.Activity) (extras, error) {
	var x extras
	var err error
	if raw := a.JSON(); len(raw) > 0 {
		if err = json.Unmarshal(raw, &x); err != nil {
			err = fmt.Errorf("reading Strava's JSON: %w", err)
		}
	}
	if x.Map.Polyline == "" && x.Map.SummaryPolyline == "" && a.HasDetail() {
		var s extras
		if json.Unmarshal(a.Summary, &s) == nil {
			x.Map = s.Map
		}
	}
	x.Private = x.Private || a.Private
	return x, err
}

// flags names the activity's flags that are set.
func (x extras) flags() []string {
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{{x.Private, "Private"}, {x.Commute, "Commute"}, {x.Trainer, "Trainer"}, {x.Manual, "Manual"}} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return out
}

// errNoRoute: the activity has no GPS track (indoor, manual, privacy zone).
var errNoRoute = errors.New("no route")

// route decodes the most detailed polyline into [lat, lng] points.
func (x extras) route() ([][]float64, error) {
	line := x.Map.Polyline
	if line == "" {
		line = x.Map.SummaryPolyline
	}
	if line == "" {
		return nil, errNoRoute
	}
	coords, _, err := polyline.DecodeCoords([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("the route's polyline is damaged: %w", err)
	}
	for _, c := range coords {
		if c[0] < -90 || c[0] > 90 || c[1] < -180 || c[1] > 180 {
			return nil, errors.New("the route's polyline is damaged: a point lies outside the map")
		}
	}
	if len(coords) == 0 {
		return nil, errNoRoute
	}
	return coords, nil
}
