package stravasim

import (
	"strconv"
	"time"
)

// The JSON shapes below follow Strava's API reference (SummaryActivity,
// DetailedActivity, Lap, Split, SummaryAthlete, DetailedAthlete, StreamSet)
// and real responses: field names, nulls and resource_state as Strava sends them.

const (
	resourceMeta    = 1
	resourceSummary = 2
	resourceDetail  = 3

	stravaTime = "2006-01-02T15:04:05Z" // start_date_local keeps the Z although it is local time
)

type metaRef struct {
	ID            int64 `json:"id"`
	ResourceState int   `json:"resource_state"`
}

type mapJSON struct {
	ID              string  `json:"id"`
	Polyline        *string `json:"polyline,omitempty"`
	ResourceState   int     `json:"resource_state"`
	SummaryPolyline string  `json:"summary_polyline"`
}

type summaryActivityJSON struct {
	ResourceState              int       `json:"resource_state"`
	Athlete                    metaRef   `json:"athlete"`
	Name                       string    `json:"name"`
	Distance                   float64   `json:"distance"`
	MovingTime                 int       `json:"moving_time"`
	ElapsedTime                int       `json:"elapsed_time"`
	TotalElevationGain         float64   `json:"total_elevation_gain"`
	Type                       string    `json:"type"`
	SportType                  string    `json:"sport_type"`
	WorkoutType                *int      `json:"workout_type"`
	ID                         int64     `json:"id"`
	StartDate                  string    `json:"start_date"`
	StartDateLocal             string    `json:"start_date_local"`
	Timezone                   string    `json:"timezone"`
	UTCOffset                  float64   `json:"utc_offset"`
	LocationCity               *string   `json:"location_city"`
	LocationState              *string   `json:"location_state"`
	LocationCountry            *string   `json:"location_country"`
	AchievementCount           int       `json:"achievement_count"`
	KudosCount                 int       `json:"kudos_count"`
	CommentCount               int       `json:"comment_count"`
	AthleteCount               int       `json:"athlete_count"`
	PhotoCount                 int       `json:"photo_count"`
	Map                        mapJSON   `json:"map"`
	Trainer                    bool      `json:"trainer"`
	Commute                    bool      `json:"commute"`
	Manual                     bool      `json:"manual"`
	Private                    bool      `json:"private"`
	Visibility                 string    `json:"visibility"`
	Flagged                    bool      `json:"flagged"`
	GearID                     *string   `json:"gear_id"`
	StartLatlng                []float64 `json:"start_latlng"`
	EndLatlng                  []float64 `json:"end_latlng"`
	AverageSpeed               float64   `json:"average_speed"`
	MaxSpeed                   float64   `json:"max_speed"`
	AverageCadence             *float64  `json:"average_cadence,omitempty"`
	AverageWatts               *float64  `json:"average_watts,omitempty"`
	MaxWatts                   *float64  `json:"max_watts,omitempty"`
	WeightedAverageWatts       *float64  `json:"weighted_average_watts,omitempty"`
	Kilojoules                 *float64  `json:"kilojoules,omitempty"`
	DeviceWatts                *bool     `json:"device_watts,omitempty"`
	HasHeartrate               bool      `json:"has_heartrate"`
	AverageHeartrate           *float64  `json:"average_heartrate,omitempty"`
	MaxHeartrate               *float64  `json:"max_heartrate,omitempty"`
	HeartrateOptOut            bool      `json:"heartrate_opt_out"`
	DisplayHideHeartrateOption bool      `json:"display_hide_heartrate_option"`
	ElevHigh                   *float64  `json:"elev_high,omitempty"`
	ElevLow                    *float64  `json:"elev_low,omitempty"`
	UploadID                   *int64    `json:"upload_id"`
	UploadIDStr                *string   `json:"upload_id_str,omitempty"`
	ExternalID                 *string   `json:"external_id"`
	FromAcceptedTag            bool      `json:"from_accepted_tag"`
	PRCount                    int       `json:"pr_count"`
	TotalPhotoCount            int       `json:"total_photo_count"`
	HasKudoed                  bool      `json:"has_kudoed"`
	SufferScore                *float64  `json:"suffer_score,omitempty"`
}

type detailedActivityJSON struct {
	summaryActivityJSON
	Description             *string           `json:"description"`
	Calories                float64           `json:"calories"`
	PerceivedExertion       *int              `json:"perceived_exertion"`
	PreferPerceivedExertion bool              `json:"prefer_perceived_exertion"`
	SegmentEfforts          []struct{}        `json:"segment_efforts"`
	SplitsMetric            []splitJSON       `json:"splits_metric,omitempty"`
	SplitsStandard          []splitJSON       `json:"splits_standard,omitempty"`
	Laps                    []lapJSON         `json:"laps"`
	BestEfforts             *[]struct{}       `json:"best_efforts,omitempty"`
	Gear                    *gearJSON         `json:"gear,omitempty"`
	Photos                  photosJSON        `json:"photos"`
	StatsVisibility         []statsVisibility `json:"stats_visibility"`
	HideFromHome            bool              `json:"hide_from_home"`
	DeviceName              *string           `json:"device_name,omitempty"`
	EmbedToken              string            `json:"embed_token"`
	AvailableZones          []string          `json:"available_zones"`
}

type photosJSON struct {
	Primary *struct{} `json:"primary"`
	Count   int       `json:"count"`
}

type statsVisibility struct {
	Type       string `json:"type"`
	Visibility string `json:"visibility"`
}

type lapJSON struct {
	ID                 int64    `json:"id"`
	ResourceState      int      `json:"resource_state"`
	Name               string   `json:"name"`
	Activity           metaRef  `json:"activity"`
	Athlete            metaRef  `json:"athlete"`
	ElapsedTime        int      `json:"elapsed_time"`
	MovingTime         int      `json:"moving_time"`
	StartDate          string   `json:"start_date"`
	StartDateLocal     string   `json:"start_date_local"`
	Distance           float64  `json:"distance"`
	StartIndex         int      `json:"start_index"`
	EndIndex           int      `json:"end_index"`
	TotalElevationGain float64  `json:"total_elevation_gain"`
	AverageSpeed       float64  `json:"average_speed"`
	MaxSpeed           float64  `json:"max_speed"`
	AverageCadence     *float64 `json:"average_cadence,omitempty"`
	DeviceWatts        *bool    `json:"device_watts,omitempty"`
	AverageWatts       *float64 `json:"average_watts,omitempty"`
	AverageHeartrate   *float64 `json:"average_heartrate,omitempty"`
	MaxHeartrate       *float64 `json:"max_heartrate,omitempty"`
	LapIndex           int      `json:"lap_index"`
	Split              int      `json:"split"`
	PaceZone           *int     `json:"pace_zone,omitempty"`
}

type splitJSON struct {
	Distance                  float64  `json:"distance"`
	ElapsedTime               int      `json:"elapsed_time"`
	ElevationDifference       float64  `json:"elevation_difference"`
	MovingTime                int      `json:"moving_time"`
	Split                     int      `json:"split"`
	AverageSpeed              float64  `json:"average_speed"`
	AverageGradeAdjustedSpeed *float64 `json:"average_grade_adjusted_speed"`
	AverageHeartrate          *float64 `json:"average_heartrate,omitempty"`
	PaceZone                  int      `json:"pace_zone"`
}

type gearJSON struct {
	ID                string  `json:"id"`
	Primary           bool    `json:"primary"`
	Name              string  `json:"name"`
	Nickname          string  `json:"nickname"`
	ResourceState     int     `json:"resource_state"`
	Retired           bool    `json:"retired"`
	Distance          float64 `json:"distance"`
	ConvertedDistance float64 `json:"converted_distance"`
}

func ptr[T any](v T) *T { return &v }

// optional returns nil for the zero value, so omitempty/null applies.
func optional[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func (a *activity) visibility() string {
	switch {
	case a.private:
		return "only_me"
	case a.followersOnly:
		return "followers_only"
	}
	return "everyone"
}

func (a *activity) localStart() time.Time { return a.start.In(a.place.loc) }

func (a *activity) summaryJSON() summaryActivityJSON {
	local := a.localStart()
	_, offset := local.Zone()
	j := summaryActivityJSON{
		ResourceState:      resourceSummary,
		Athlete:            metaRef{ID: a.athleteID, ResourceState: resourceMeta},
		Name:               a.name,
		Distance:           a.distance,
		MovingTime:         a.moving,
		ElapsedTime:        a.elapsed,
		TotalElevationGain: a.elevGain,
		Type:               a.typ,
		SportType:          a.sport,
		ID:                 a.id,
		StartDate:          a.start.Format(stravaTime),
		StartDateLocal:     local.Format(stravaTime),
		Timezone:           a.place.label,
		UTCOffset:          float64(offset),
		LocationCountry:    ptr(a.place.country),
		AchievementCount:   a.achievements,
		KudosCount:         a.kudos,
		CommentCount:       a.comments,
		AthleteCount:       a.athleteCount,
		PhotoCount:         0,
		Map:                mapJSON{ID: "a" + strconv.FormatInt(a.id, 10), ResourceState: resourceSummary, SummaryPolyline: a.summaryPolyline},
		Trainer:            a.trainer,
		Commute:            a.commute,
		Manual:             a.manual,
		Private:            a.private,
		Visibility:         a.visibility(),
		Flagged:            a.flagged(),
		GearID:             optional(a.gearID),
		StartLatlng:        []float64{},
		EndLatlng:          []float64{},
		HasHeartrate:       a.hasHR,
		PRCount:            a.prs,
		TotalPhotoCount:    a.photos,
		HasKudoed:          false,
	}
	if a.workoutType >= 0 {
		j.WorkoutType = ptr(a.workoutType)
	}
	if a.cityKnown {
		j.LocationCity, j.LocationState = ptr(a.place.city), ptr(a.place.state)
	}
	if a.moving > 0 {
		j.AverageSpeed = round(a.distance/float64(a.moving), 3)
		j.MaxSpeed = round(j.AverageSpeed*(1.25+float64(a.routeSeed%40)/100), 3)
	}
	if a.gps {
		sh := newShape(a.routeSeed)
		lat, lng, _ := a.pointAt(&sh, 0)
		j.StartLatlng = []float64{round(lat, 6), round(lng, 6)}
		lat, lng, _ = a.pointAt(&sh, 1)
		j.EndLatlng = []float64{round(lat, 6), round(lng, 6)}
		j.ElevHigh, j.ElevLow = ptr(a.elevHigh), ptr(a.elevLow)
	}
	j.AverageCadence = optional(a.avgCadence)
	if a.watts {
		j.AverageWatts, j.MaxWatts, j.WeightedAverageWatts = ptr(a.avgWatts), ptr(a.maxWatts), ptr(a.weighted)
		j.Kilojoules = ptr(round(a.avgWatts*float64(a.moving)/1000, 1))
		j.DeviceWatts = ptr(true)
	}
	if a.hasHR {
		j.AverageHeartrate, j.MaxHeartrate = ptr(a.avgHR), ptr(a.maxHR)
		j.SufferScore = ptr(a.sufferScore)
	}
	if !a.manual {
		j.UploadID = ptr(a.uploadID)
		j.UploadIDStr = ptr(strconv.FormatInt(a.uploadID, 10))
		j.ExternalID = ptr(a.externalID)
	}
	return j
}

// flagged marks a few activities as flagged by other athletes, deterministically.
func (a *activity) flagged() bool { return a.routeSeed%997 == 0 }

func (a *activity) detailedJSON(ath *athlete) detailedActivityJSON {
	j := detailedActivityJSON{
		summaryActivityJSON: a.summaryJSON(),
		Description:         optional(a.description),
		Calories:            a.calories,
		SegmentEfforts:      []struct{}{},
		Laps:                []lapJSON{},
		StatsVisibility: []statsVisibility{
			{Type: "heart_rate", Visibility: "everyone"}, {Type: "pace", Visibility: "everyone"},
			{Type: "power", Visibility: "everyone"}, {Type: "speed", Visibility: "everyone"}, {Type: "calories", Visibility: "everyone"},
		},
		DeviceName:     optional(a.device),
		EmbedToken:     a.embedToken,
		AvailableZones: []string{},
	}
	j.ResourceState = resourceDetail
	j.Map.ResourceState = resourceDetail
	tr := a.track()
	if a.gps && tr != nil {
		j.Map.Polyline = ptr(tr.polyline())
	} else {
		j.Map.Polyline = ptr("")
	}
	if a.hasHR {
		j.AvailableZones = append(j.AvailableZones, "heartrate")
	}
	if g := ath.gear(a.gearID); g != nil {
		j.Gear = ptr(g.json(ath))
	}
	if tr != nil {
		j.Laps = a.laps(tr)
		if a.typ == "Run" || a.typ == "Walk" || a.typ == "Hike" {
			j.SplitsMetric = a.splits(tr, 1000)
			j.SplitsStandard = a.splits(tr, 1609.34)
			j.BestEfforts = &[]struct{}{}
		}
	}
	return j
}

const maxLaps = 60

func (a *activity) laps(tr *track) []lapJSON {
	length := a.spec.lap
	if a.distance > 0 && length > 0 && a.distance/length > maxLaps {
		length = a.distance / maxLaps
	}
	segs := tr.segments(length)
	out := make([]lapJSON, 0, len(segs))
	for k, sg := range segs {
		st := tr.stats(sg)
		start := a.start.Add(time.Duration(tr.time[sg.start]) * time.Second)
		lap := lapJSON{
			ID:                 a.id*100 + int64(k+1),
			ResourceState:      resourceSummary,
			Name:               "Lap " + strconv.Itoa(k+1),
			Activity:           metaRef{ID: a.id, ResourceState: resourceMeta},
			Athlete:            metaRef{ID: a.athleteID, ResourceState: resourceMeta},
			ElapsedTime:        st.elapsed,
			MovingTime:         st.moving,
			StartDate:          start.Format(stravaTime),
			StartDateLocal:     start.In(a.place.loc).Format(stravaTime),
			Distance:           st.distance,
			StartIndex:         sg.start,
			EndIndex:           sg.end,
			TotalElevationGain: st.gain,
			AverageSpeed:       st.avgSpeed,
			MaxSpeed:           st.maxSpeed,
			LapIndex:           k + 1,
			Split:              k + 1,
		}
		if tr.cadence != nil {
			lap.AverageCadence = ptr(st.avgCadence)
		}
		if tr.watts != nil {
			lap.DeviceWatts, lap.AverageWatts = ptr(true), ptr(st.avgWatts)
		}
		if tr.hr != nil {
			lap.AverageHeartrate, lap.MaxHeartrate = ptr(st.avgHR), ptr(st.maxHR)
		}
		if a.typ == "Run" {
			lap.PaceZone = ptr(0)
		}
		out = append(out, lap)
	}
	return out
}

func (a *activity) splits(tr *track, length float64) []splitJSON {
	segs := tr.segments(length)
	out := make([]splitJSON, 0, len(segs))
	for k, sg := range segs {
		st := tr.stats(sg)
		sp := splitJSON{
			Distance: st.distance, ElapsedTime: st.elapsed, ElevationDifference: st.elevDiff,
			MovingTime: st.moving, Split: k + 1, AverageSpeed: st.avgSpeed,
		}
		if tr.hr != nil {
			sp.AverageHeartrate = ptr(st.avgHR)
		}
		out = append(out, sp)
	}
	return out
}

func (ath *athlete) gear(id string) *gear {
	if id == "" {
		return nil
	}
	for _, list := range [][]gear{ath.bikes, ath.shoes} {
		for i := range list {
			if list[i].id == id {
				return &list[i]
			}
		}
	}
	return nil
}

// gearDistance sums the distance of the athlete's activities with this gear.
func (ath *athlete) gearDistance(id string) float64 {
	var d float64
	for _, a := range ath.all {
		if a.gearID == id {
			d += a.distance
		}
	}
	return round(d, 1)
}

func (g *gear) json(ath *athlete) gearJSON {
	d := ath.gearDistance(g.id)
	return gearJSON{
		ID: g.id, Primary: g.id == ath.bikes[0].id || g.id == ath.shoes[0].id, Name: g.name, Nickname: g.nickname,
		ResourceState: resourceSummary, Distance: d, ConvertedDistance: round(d/1000, 1),
	}
}

type summaryAthleteJSON struct {
	ID            int64   `json:"id"`
	Username      *string `json:"username"`
	ResourceState int     `json:"resource_state"`
	Firstname     string  `json:"firstname"`
	Lastname      string  `json:"lastname"`
	Bio           string  `json:"bio"`
	City          string  `json:"city"`
	State         string  `json:"state"`
	Country       string  `json:"country"`
	Sex           string  `json:"sex"`
	Premium       bool    `json:"premium"`
	Summit        bool    `json:"summit"`
	CreatedAt     string  `json:"created_at"`
	UpdatedAt     string  `json:"updated_at"`
	BadgeTypeID   int     `json:"badge_type_id"`
	Weight        float64 `json:"weight"`
	ProfileMedium string  `json:"profile_medium"`
	Profile       string  `json:"profile"`
	Friend        *string `json:"friend"`
	Follower      *string `json:"follower"`
}

type detailedAthleteJSON struct {
	summaryAthleteJSON
	Blocked               bool       `json:"blocked"`
	CanFollow             bool       `json:"can_follow"`
	FollowerCount         int        `json:"follower_count"`
	FriendCount           int        `json:"friend_count"`
	MutualFriendCount     int        `json:"mutual_friend_count"`
	AthleteType           int        `json:"athlete_type"`
	DatePreference        string     `json:"date_preference"`
	MeasurementPreference string     `json:"measurement_preference"`
	Clubs                 []struct{} `json:"clubs"`
	FTP                   *int       `json:"ftp"`
	Bikes                 []gearJSON `json:"bikes"`
	Shoes                 []gearJSON `json:"shoes"`
}

func (ath *athlete) summaryJSON() summaryAthleteJSON {
	return summaryAthleteJSON{
		ID: ath.id, ResourceState: resourceSummary, Firstname: ath.first, Lastname: ath.last,
		City: ath.home.city, State: ath.home.state, Country: ath.home.country, Sex: ath.sex,
		Premium: true, Summit: true,
		CreatedAt: ath.created.UTC().Format(stravaTime), UpdatedAt: ath.created.Add(24 * time.Hour).UTC().Format(stravaTime),
		BadgeTypeID: 1, Weight: ath.weight,
		ProfileMedium: "avatar/athlete/medium.png", Profile: "avatar/athlete/large.png",
	}
}

func (ath *athlete) detailedJSON() detailedAthleteJSON {
	j := detailedAthleteJSON{
		summaryAthleteJSON: ath.summaryJSON(), CanFollow: true, FollowerCount: 42, FriendCount: 37,
		DatePreference: "%m/%d/%Y", MeasurementPreference: "meters", Clubs: []struct{}{},
	}
	j.ResourceState = resourceDetail
	for i := range ath.bikes {
		j.Bikes = append(j.Bikes, ath.bikes[i].json(ath))
	}
	for i := range ath.shoes {
		j.Shoes = append(j.Shoes, ath.shoes[i].json(ath))
	}
	return j
}
