package strava

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Athlete is the authenticated athlete (GET /athlete).
type Athlete struct {
	ID        int64  `json:"id"`
	Firstname string `json:"firstname"`
	Lastname  string `json:"lastname"`
	// Raw is Strava's JSON as received, unknown fields included.
	Raw json.RawMessage `json:"-"`
}

// Name is "Firstname Lastname", trimmed.
func (a Athlete) Name() string {
	return strings.TrimSpace(a.Firstname + " " + a.Lastname)
}

type athleteFields Athlete

// UnmarshalJSON decodes the typed fields and keeps a copy of the JSON in Raw.
func (a *Athlete) UnmarshalJSON(data []byte) error {
	var f athleteFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*a = Athlete(f)
	a.Raw = bytes.Clone(data)
	return nil
}

// MarshalJSON returns Raw when set (Strava's own JSON), else the typed fields.
func (a Athlete) MarshalJSON() ([]byte, error) {
	if len(a.Raw) > 0 {
		return a.Raw, nil
	}
	return json.Marshal(athleteFields(a))
}

// MetaAthlete is the athlete reference inside an activity.
type MetaAthlete struct {
	ID int64 `json:"id"`
}

// PolylineMap is an activity's route as Google encoded polylines. Polyline
// (full resolution) is only in the detailed representation.
type PolylineMap struct {
	ID              string `json:"id"`
	SummaryPolyline string `json:"summary_polyline"`
	Polyline        string `json:"polyline"`
}

// Activity is a summary (from the list) or detailed (GET /activities/{id})
// activity. The fields of Strava's DetailedActivity model that owtray shows
// are decoded; Raw keeps everything, unknown fields included.
type Activity struct {
	ID            int64  `json:"id"`
	ResourceState int    `json:"resource_state"` // 2 summary, 3 detailed
	Name          string `json:"name"`
	// SportType is any string Strava sends; new sport types are not rejected.
	SportType string `json:"sport_type"`
	// Type is Strava's deprecated activity type.
	Type string `json:"type"`
	// StartDate is the start in UTC.
	StartDate time.Time `json:"start_date"`
	// StartDateLocal is the wall-clock start in the activity's time zone.
	// Strava encodes it with a "Z", so it decodes as a UTC time whose fields
	// (hour, day...) are the local ones: read the fields, never convert it.
	StartDateLocal     time.Time   `json:"start_date_local"`
	Timezone           string      `json:"timezone"` // e.g. "(GMT+01:00) Europe/Paris"
	UTCOffset          float64     `json:"utc_offset"`
	Distance           float64     `json:"distance"`     // meters
	MovingTime         int         `json:"moving_time"`  // seconds
	ElapsedTime        int         `json:"elapsed_time"` // seconds
	TotalElevationGain float64     `json:"total_elevation_gain"`
	Private            bool        `json:"private"`
	Athlete            MetaAthlete `json:"athlete"`
	Map                PolylineMap `json:"map"`
	Commute            bool        `json:"commute"`
	Trainer            bool        `json:"trainer"`
	Manual             bool        `json:"manual"`
	Flagged            bool        `json:"flagged"`
	HideFromHome       bool        `json:"hide_from_home"`
	WorkoutType        *int        `json:"workout_type"` // nil: not set
	GearID             string      `json:"gear_id"`
	ExternalID         string      `json:"external_id"`
	UploadID           int64       `json:"upload_id"`
	StartLatLng        []float64   `json:"start_latlng"` // [lat, lng]; empty without GPS
	EndLatLng          []float64   `json:"end_latlng"`
	AverageSpeed       *float64    `json:"average_speed"` // m/s; nil: not sent
	MaxSpeed           *float64    `json:"max_speed"`     // m/s
	ElevHigh           *float64    `json:"elev_high"`     // metres; nil: not recorded
	ElevLow            *float64    `json:"elev_low"`
	// Sensors; nil when the activity has no such data.
	HasHeartrate         bool     `json:"has_heartrate"`
	AverageHeartrate     *float64 `json:"average_heartrate"` // beats per minute
	MaxHeartrate         *float64 `json:"max_heartrate"`
	AverageCadence       *float64 `json:"average_cadence"` // rpm (running: steps per minute / 2)
	AverageWatts         *float64 `json:"average_watts"`
	MaxWatts             *float64 `json:"max_watts"`
	WeightedAverageWatts *float64 `json:"weighted_average_watts"`
	Kilojoules           *float64 `json:"kilojoules"`
	DeviceWatts          bool     `json:"device_watts"` // power from a meter, not estimated
	AverageTemp          *float64 `json:"average_temp"` // °C
	SufferScore          *float64 `json:"suffer_score"`
	// Social counts; nil when Strava did not send them.
	KudosCount       *int `json:"kudos_count"`
	CommentCount     *int `json:"comment_count"`
	AchievementCount *int `json:"achievement_count"`
	AthleteCount     *int `json:"athlete_count"`
	PhotoCount       *int `json:"photo_count"`
	PRCount          *int `json:"pr_count"`
	// Detailed representation only.
	Description    string       `json:"description"`
	Calories       *float64     `json:"calories"` // kilocalories; nil: not sent
	DeviceName     string       `json:"device_name"`
	Gear           *SummaryGear `json:"gear"` // nil: no gear set
	Laps           []Lap        `json:"laps"`
	SplitsMetric   []Split      `json:"splits_metric"`   // per kilometre
	SplitsStandard []Split      `json:"splits_standard"` // per mile
	// Raw is Strava's JSON for this activity byte for byte as received,
	// unknown fields included.
	Raw json.RawMessage `json:"-"`
}

// SummaryGear is the gear (bike or shoes) an activity used.
type SummaryGear struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Primary  bool    `json:"primary"`
	Distance float64 `json:"distance"` // metres on this gear in total
}

// Lap is one lap of a detailed activity (Strava's Lap model).
type Lap struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	LapIndex           int      `json:"lap_index"`
	Split              int      `json:"split"`
	StartDate          string   `json:"start_date"`
	StartDateLocal     string   `json:"start_date_local"`
	Distance           float64  `json:"distance"`     // metres
	MovingTime         int      `json:"moving_time"`  // seconds
	ElapsedTime        int      `json:"elapsed_time"` // seconds
	TotalElevationGain float64  `json:"total_elevation_gain"`
	AverageSpeed       float64  `json:"average_speed"` // m/s
	MaxSpeed           float64  `json:"max_speed"`
	AverageCadence     *float64 `json:"average_cadence"`
	AverageWatts       *float64 `json:"average_watts"`
	AverageHeartrate   *float64 `json:"average_heartrate"`
	MaxHeartrate       *float64 `json:"max_heartrate"`
	PaceZone           *int     `json:"pace_zone"`
	StartIndex         int      `json:"start_index"`
	EndIndex           int      `json:"end_index"`
}

// Split is one kilometre (splits_metric) or mile (splits_standard).
type Split struct {
	Split               int      `json:"split"`
	Distance            float64  `json:"distance"` // metres
	MovingTime          int      `json:"moving_time"`
	ElapsedTime         int      `json:"elapsed_time"`
	ElevationDifference float64  `json:"elevation_difference"`
	AverageSpeed        float64  `json:"average_speed"`
	AverageHeartrate    *float64 `json:"average_heartrate"`
	PaceZone            int      `json:"pace_zone"`
}

// Detailed reports whether this is Strava's detailed representation.
func (a Activity) Detailed() bool { return a.ResourceState >= 3 }

type activityFields Activity

// UnmarshalJSON decodes the typed fields and keeps a copy of the JSON in Raw.
func (a *Activity) UnmarshalJSON(data []byte) error {
	var f activityFields
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*a = Activity(f)
	a.Raw = bytes.Clone(data)
	return nil
}

// MarshalJSON returns Raw when set (Strava's own JSON), else the typed fields.
func (a Activity) MarshalJSON() ([]byte, error) {
	if len(a.Raw) > 0 {
		return a.Raw, nil
	}
	return json.Marshal(activityFields(a))
}

// Subscription is a webhook push subscription.
type Subscription struct {
	ID            int64     `json:"id"`
	ResourceState int       `json:"resource_state"`
	ApplicationID int64     `json:"application_id"`
	CallbackURL   string    `json:"callback_url"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Stream is one stream of an activity, its Data left as JSON.
type Stream struct {
	Data         json.RawMessage `json:"data"`
	SeriesType   string          `json:"series_type"`
	OriginalSize int             `json:"original_size"`
	Resolution   string          `json:"resolution"`
}

// Stream keys Strava documents.
const (
	StreamTime           = "time"
	StreamDistance       = "distance"
	StreamLatLng         = "latlng"
	StreamAltitude       = "altitude"
	StreamVelocitySmooth = "velocity_smooth"
	StreamHeartrate      = "heartrate"
	StreamCadence        = "cadence"
	StreamWatts          = "watts"
	StreamTemp           = "temp"
	StreamMoving         = "moving"
	StreamGradeSmooth    = "grade_smooth"
)

// Streams is an activity's streams keyed by type (key_by_type=true). Strava
// leaves out streams the activity does not have, and may add ones that were
// not asked for (it always includes distance).
type Streams struct {
	// Raw is Strava's JSON as received.
	Raw    json.RawMessage
	byType map[string]Stream
}

// ParseStreams decodes Strava's key_by_type streams JSON (as cached by the store).
func ParseStreams(data []byte) (Streams, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Streams{}, fmt.Errorf("streams: want a JSON object keyed by stream type")
	}
	var m map[string]Stream
	if err := json.Unmarshal(data, &m); err != nil {
		return Streams{}, fmt.Errorf("streams: %w", err)
	}
	for k, s := range m {
		if d := bytes.TrimSpace(s.Data); len(d) == 0 || d[0] != '[' {
			return Streams{}, fmt.Errorf("streams: %q has no data array", k)
		}
	}
	return Streams{Raw: bytes.Clone(data), byType: m}, nil
}

// Keys returns the stream types present, sorted.
func (s Streams) Keys() []string {
	keys := make([]string, 0, len(s.byType))
	for k := range s.byType {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Stream returns the stream of the given type.
func (s Streams) Stream(key string) (Stream, bool) {
	st, ok := s.byType[key]
	return st, ok
}

// Has reports whether the stream of the given type is present.
func (s Streams) Has(key string) bool {
	_, ok := s.byType[key]
	return ok
}

// decodeStream decodes a stream's data into []T. A missing stream gives nil
// and no error; a null element is an error.
func decodeStream[T any](s Streams, key string) ([]T, error) {
	ptrs, err := decodeNullable[T](s, key)
	if err != nil || ptrs == nil {
		return nil, err
	}
	out := make([]T, len(ptrs))
	for i, p := range ptrs {
		if p == nil {
			return nil, fmt.Errorf("stream %s: element %d is null", key, i)
		}
		out[i] = *p
	}
	return out, nil
}

// decodeNullable decodes a stream's data into []*T, nil for null elements.
func decodeNullable[T any](s Streams, key string) ([]*T, error) {
	st, ok := s.byType[key]
	if !ok {
		return nil, nil
	}
	var out []*T
	if err := json.Unmarshal(st.Data, &out); err != nil {
		return nil, fmt.Errorf("stream %s: %w", key, err)
	}
	if out == nil {
		out = []*T{}
	}
	return out, nil
}

// NullInt is an integer sample that may be missing (null in Strava's JSON).
type NullInt struct {
	Value int
	Valid bool
}

// LatLng returns the latlng stream as [latitude, longitude] pairs.
func (s Streams) LatLng() ([][2]float64, error) {
	pairs, err := decodeStream[[]float64](s, StreamLatLng)
	if err != nil || pairs == nil {
		return nil, err
	}
	out := make([][2]float64, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("stream %s: element %d has %d values, want 2", StreamLatLng, i, len(p))
		}
		if p[0] < -90 || p[0] > 90 || p[1] < -180 || p[1] > 180 {
			return nil, fmt.Errorf("stream %s: element %d (%g, %g) is not a coordinate", StreamLatLng, i, p[0], p[1])
		}
		out[i] = [2]float64{p[0], p[1]}
	}
	return out, nil
}

// Time returns the time stream: seconds since the start.
func (s Streams) Time() ([]int, error) { return decodeStream[int](s, StreamTime) }

// Distance returns the distance stream in meters.
func (s Streams) Distance() ([]float64, error) { return decodeStream[float64](s, StreamDistance) }

// Altitude returns the altitude stream in meters.
func (s Streams) Altitude() ([]float64, error) { return decodeStream[float64](s, StreamAltitude) }

// VelocitySmooth returns the smoothed velocity stream in meters per second.
func (s Streams) VelocitySmooth() ([]float64, error) {
	return decodeStream[float64](s, StreamVelocitySmooth)
}

// Heartrate returns the heart rate stream in beats per minute.
func (s Streams) Heartrate() ([]int, error) { return decodeStream[int](s, StreamHeartrate) }

// Cadence returns the cadence stream in revolutions per minute.
func (s Streams) Cadence() ([]int, error) { return decodeStream[int](s, StreamCadence) }

// Watts returns the power stream; samples without a power reading (null in
// Strava's JSON) are not Valid.
func (s Streams) Watts() ([]NullInt, error) {
	ptrs, err := decodeNullable[int](s, StreamWatts)
	if err != nil || ptrs == nil {
		return nil, err
	}
	out := make([]NullInt, len(ptrs))
	for i, p := range ptrs {
		if p != nil {
			out[i] = NullInt{Value: *p, Valid: true}
		}
	}
	return out, nil
}

// Temp returns the temperature stream in degrees Celsius.
func (s Streams) Temp() ([]int, error) { return decodeStream[int](s, StreamTemp) }

// Moving returns the moving stream.
func (s Streams) Moving() ([]bool, error) { return decodeStream[bool](s, StreamMoving) }

// GradeSmooth returns the smoothed grade stream in percent.
func (s Streams) GradeSmooth() ([]float64, error) {
	return decodeStream[float64](s, StreamGradeSmooth)
}
