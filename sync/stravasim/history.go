package stravasim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
	_ "time/tzdata" // timezones must work on machines without a zoneinfo database
)

const (
	firstActivityID = 1_000_000_000
	idStride        = 1000 // id block per generated activity; late uploads use the upper half
	maxLateLag      = 20   // a late upload gets an id up to this many activities later
	historySpan     = 3652 * 24 * time.Hour
)

// sportSpec describes how activities of one sport type look.
type sportSpec struct {
	sport, typ string     // sport_type and the legacy type
	label      string     // used in Strava's default names ("Morning Run")
	weight     int        // share of the generated history
	gps        bool       // recorded outdoors with a route
	speed      [2]float64 // m/s; zero: no distance
	dur        [2]int     // moving time range, seconds
	climb      float64    // metres of climbing per km
	cadence    float64    // typical cadence; 0: none
	power      float64    // share with a power meter
	gear       byte       // 'b' bike, 'g' shoes, 0 none
	lap        float64    // auto-lap distance, metres
	kcalPerMin float64
	indoorPct  int // percent recorded indoors on a trainer/treadmill
	names      []string
	devices    []string
}

func sportSpecs() []sportSpec {
	runNames := []string{
		"Intervalle 6×1 km 🔥", "朝ラン", "Łódź parkrun", "Весенний забег", "İstanbul sabah koşusu",
		"Zürich Seerunde", "Long run ☀️ Tempelhofer Feld", "Tempo — 10 km @ 4'30\"", "Course à pied à Montréal",
		"북한산 트레일 러닝", "Dziś biegamy! ✨", `"Race" <b>day</b> & PR 🏅`,
	}
	rideNames := []string{
		"Café ride ☕ to Potsdam", "Sortie vélo à Montréal", "Überquerung des Großglockners 🚴", "서울 한강 라이딩",
		"骑行去长城", "Κυριακάτικη βόλτα", "Ñandú gravel — Patagonia", "Col du Galibier 🏔️", "Commute 🚲 ⇄ office",
	}
	walkNames := []string{
		"Fjällvandring i Åre", "Wanderung zum Königssee 🥾", "富士山 登山", "Paseo por el Retiro 🌳", "Прогулка по набережной",
	}
	snowNames := []string{"Pistenspaß in Sölden ⛷️", "Skidåkning i Åre ❄️", "ニセコ パウダー", "Loipe am Achensee"}
	waterNames := []string{"Schwimmen 🏊 3×1000", "Rudern auf der Spree 🚣", "Natation — 2 km", "游泳训练"}
	gymNames := []string{"Leg day 💪", "Yoga & stretching 🧘", "Kraft + Core", "Pickleball mit Freunden 🏓", "Pádel con amigos 🎾", "Тренировка в зале"}
	watch := []string{"Garmin Forerunner 965", "COROS PACE 3", "Apple Watch Ultra 2", "Polar Vantage V3", "Suunto Race"}
	bike := []string{"Garmin Edge 840", "Wahoo ELEMNT BOLT", "Hammerhead Karoo"}
	return []sportSpec{
		{sport: "Run", typ: "Run", label: "Run", weight: 30, gps: true, speed: [2]float64{2.6, 3.8}, dur: [2]int{1500, 6000}, climb: 8, cadence: 84, gear: 'g', lap: 1000, kcalPerMin: 11, indoorPct: 4, names: runNames, devices: watch},
		{sport: "TrailRun", typ: "Run", label: "Trail Run", weight: 4, gps: true, speed: [2]float64{2.0, 3.0}, dur: [2]int{2400, 10800}, climb: 45, cadence: 80, gear: 'g', lap: 1000, kcalPerMin: 12, names: runNames, devices: watch},
		{sport: "Ride", typ: "Ride", label: "Ride", weight: 20, gps: true, speed: [2]float64{6, 9}, dur: [2]int{2700, 14400}, climb: 9, cadence: 88, power: 0.5, gear: 'b', lap: 5000, kcalPerMin: 10, indoorPct: 3, names: rideNames, devices: bike},
		{sport: "GravelRide", typ: "Ride", label: "Gravel Ride", weight: 3, gps: true, speed: [2]float64{5, 7.5}, dur: [2]int{3600, 18000}, climb: 12, cadence: 82, power: 0.3, gear: 'b', lap: 5000, kcalPerMin: 10, names: rideNames, devices: bike},
		{sport: "MountainBikeRide", typ: "Ride", label: "Mountain Bike Ride", weight: 3, gps: true, speed: [2]float64{3.5, 6}, dur: [2]int{3600, 14400}, climb: 30, cadence: 75, power: 0.2, gear: 'b', lap: 5000, kcalPerMin: 11, names: rideNames, devices: bike},
		{sport: "EMountainBikeRide", typ: "EBikeRide", label: "E-Mountain Bike Ride", weight: 2, gps: true, speed: [2]float64{4, 6.5}, dur: [2]int{3600, 10800}, climb: 35, cadence: 72, gear: 'b', lap: 5000, kcalPerMin: 6, names: rideNames, devices: bike},
		{sport: "VirtualRide", typ: "VirtualRide", label: "Virtual Ride", weight: 6, speed: [2]float64{8, 10}, dur: [2]int{1800, 5400}, cadence: 90, power: 1, gear: 'b', lap: 5000, kcalPerMin: 12, indoorPct: 100, names: []string{"Zwift - Volcano Circuit in Watopia", "Zwift - Tempus Fugit in Watopia", "Zwift - Innsbruckring in Innsbruck"}, devices: []string{"Zwift"}},
		{sport: "Swim", typ: "Swim", label: "Swim", weight: 6, speed: [2]float64{0.6, 0.95}, dur: [2]int{1200, 3600}, cadence: 28, lap: 100, kcalPerMin: 9, names: waterNames, devices: watch},
		{sport: "Walk", typ: "Walk", label: "Walk", weight: 8, gps: true, speed: [2]float64{1.2, 1.6}, dur: [2]int{1200, 5400}, climb: 6, cadence: 56, gear: 'g', lap: 1000, kcalPerMin: 4, names: walkNames, devices: watch},
		{sport: "Hike", typ: "Hike", label: "Hike", weight: 5, gps: true, speed: [2]float64{0.8, 1.3}, dur: [2]int{3600, 21600}, climb: 80, cadence: 52, gear: 'g', lap: 1000, kcalPerMin: 7, names: walkNames, devices: watch},
		{sport: "AlpineSki", typ: "AlpineSki", label: "Alpine Ski", weight: 2, gps: true, speed: [2]float64{4, 9}, dur: [2]int{7200, 21600}, climb: 120, lap: 5000, kcalPerMin: 7, names: snowNames, devices: watch},
		{sport: "NordicSki", typ: "NordicSki", label: "Nordic Ski", weight: 2, gps: true, speed: [2]float64{3, 5}, dur: [2]int{2700, 9000}, climb: 15, lap: 2000, kcalPerMin: 12, names: snowNames, devices: watch},
		{sport: "Rowing", typ: "Rowing", label: "Row", weight: 2, gps: true, speed: [2]float64{3, 4.5}, dur: [2]int{1800, 5400}, cadence: 24, lap: 2000, kcalPerMin: 9, names: waterNames, devices: watch},
		{sport: "WeightTraining", typ: "WeightTraining", label: "Weight Training", weight: 5, dur: [2]int{1800, 4800}, kcalPerMin: 5, names: gymNames, devices: watch},
		{sport: "Yoga", typ: "Yoga", label: "Yoga", weight: 3, dur: [2]int{1800, 5400}, kcalPerMin: 3, names: gymNames, devices: watch},
		{sport: "Workout", typ: "Workout", label: "Workout", weight: 1, dur: [2]int{1200, 3600}, kcalPerMin: 8, names: gymNames, devices: watch},
		{sport: "Pickleball", typ: "Workout", label: "Pickleball", weight: 1, dur: [2]int{2400, 5400}, kcalPerMin: 7, names: gymNames, devices: watch},
		// Padel is newer than most clients' sport lists: a client must keep it as-is.
		{sport: UnknownSportType, typ: "Workout", label: "Padel", weight: 1, dur: [2]int{3600, 5400}, kcalPerMin: 8, names: gymNames, devices: watch},
	}
}

// UnknownSportType is a sport_type in the generated history that most
// clients do not know (they must keep it as Strava sends it).
const UnknownSportType = "Padel"

// genericSpec is used for sport types given to CreateActivity that the simulator does not model.
func genericSpec(sport string) sportSpec {
	return sportSpec{sport: sport, typ: "Workout", label: sport, speed: [2]float64{1.5, 3}, dur: [2]int{1800, 3600},
		gps: true, climb: 10, lap: 1000, kcalPerMin: 7, devices: []string{"Garmin fēnix 8"}}
}

// place is a start location with its timezone, in Strava's formats.
type place struct {
	city, state, country string
	tz                   string
	lat, lng, alt        float64
	loc                  *time.Location
	label                string // "(GMT+01:00) Europe/Berlin"
	snow                 bool
}

func placeTable() []place {
	return []place{
		{city: "Berlin", state: "Berlin", country: "Germany", tz: "Europe/Berlin", lat: 52.5163, lng: 13.3777, alt: 34},
		{city: "Zürich", state: "Zürich", country: "Switzerland", tz: "Europe/Zurich", lat: 47.3769, lng: 8.5417, alt: 408},
		{city: "Tokyo", state: "Tokyo", country: "Japan", tz: "Asia/Tokyo", lat: 35.6852, lng: 139.7528, alt: 40},
		{city: "San Francisco", state: "California", country: "United States", tz: "America/Los_Angeles", lat: 37.7694, lng: -122.4862, alt: 60},
		{city: "Sydney", state: "New South Wales", country: "Australia", tz: "Australia/Sydney", lat: -33.8915, lng: 151.2767, alt: 20},
		{city: "Kathmandu", state: "Bagmati", country: "Nepal", tz: "Asia/Kathmandu", lat: 27.7172, lng: 85.3240, alt: 1400},
		{city: "St. John's", state: "Newfoundland and Labrador", country: "Canada", tz: "America/St_Johns", lat: 47.5615, lng: -52.7126, alt: 60},
		{city: "Reykjavík", state: "Capital Region", country: "Iceland", tz: "Atlantic/Reykjavik", lat: 64.1466, lng: -21.9426, alt: 20},
		{city: "Innsbruck", state: "Tirol", country: "Austria", tz: "Europe/Vienna", lat: 47.2692, lng: 11.4041, alt: 1900, snow: true},
		{city: "Åre", state: "Jämtland", country: "Sweden", tz: "Europe/Stockholm", lat: 63.3990, lng: 13.0815, alt: 900, snow: true},
		{city: "Niseko", state: "Hokkaido", country: "Japan", tz: "Asia/Tokyo", lat: 42.8048, lng: 140.6874, alt: 800, snow: true},
	}
}

// loadPlaces resolves the timezones of the place table and Strava's labels for them.
func loadPlaces(year int) []*place {
	table := placeTable()
	out := make([]*place, len(table))
	for i := range table {
		p := &table[i]
		loc, err := time.LoadLocation(p.tz)
		if err != nil { // cannot happen with time/tzdata embedded
			loc = time.UTC
		}
		p.loc = loc
		p.label = tzLabel(loc, p.tz, year)
		out[i] = p
	}
	return out
}

// tzLabel formats a timezone like Strava: "(GMT+01:00) Europe/Berlin", with the standard offset.
func tzLabel(loc *time.Location, name string, year int) string {
	_, jan := time.Date(year, 1, 1, 0, 0, 0, 0, loc).Zone()
	_, jul := time.Date(year, 7, 1, 0, 0, 0, 0, loc).Zone()
	std := min(jan, jul)
	sign := '+'
	if std < 0 {
		sign, std = '-', -std
	}
	return fmt.Sprintf("(GMT%c%02d:%02d) %s", sign, std/3600, std%3600/60, name)
}

// activityPlan is what is decided about an activity before its details are derived.
type activityPlan struct {
	spec            *sportSpec
	start           time.Time
	place           *place
	name            string
	description     string
	moving, elapsed int
	distance        float64
	private         bool
	followersOnly   bool
	trainer         bool
	commute         bool
	manual          bool
}

// simData is the read-only data every generator call needs, built once per Sim.
type simData struct {
	specs     []sportSpec
	bySport   map[string]*sportSpec
	weightSum int
	places    []*place
}

func newSimData(year int) *simData {
	d := &simData{specs: sportSpecs(), places: loadPlaces(year), bySport: map[string]*sportSpec{}}
	for i := range d.specs {
		d.bySport[d.specs[i].sport] = &d.specs[i]
		d.weightSum += d.specs[i].weight
	}
	return d
}

func (d *simData) pickSpec(rng *rand.Rand) *sportSpec {
	n := rng.IntN(d.weightSum)
	for i := range d.specs {
		if n < d.specs[i].weight {
			return &d.specs[i]
		}
		n -= d.specs[i].weight
	}
	return &d.specs[0]
}

func (d *simData) specFor(sport string) *sportSpec {
	if sp, ok := d.bySport[sport]; ok {
		return sp
	}
	sp := genericSpec(sport)
	return &sp
}

func activityRNG(seed int64, athleteID, n int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(athleteID)<<32^uint64(n)))
}

// generateHistoryLocked adds n activities over the ten years before HistoryEnd.
func (s *Sim) generateHistoryLocked(ath *athlete, n int) {
	if n <= 0 {
		return
	}
	end := s.cfg.HistoryEnd.UTC()
	begin := end.Add(-historySpan)
	step := historySpan / time.Duration(n)
	base := s.nextID
	acts := make([]*activity, 0, n)
	for i := range n {
		rng := activityRNG(s.cfg.Seed, ath.id, int64(i))
		t := begin.Add(time.Duration(i)*step + time.Duration(rng.Int64N(int64(max(step, 1))))).Truncate(time.Second)
		id := base + int64(i)*idStride + rng.Int64N(idStride/2)
		if rng.IntN(100) == 0 { // uploaded late: a newer id than later activities
			id = base + int64(i+1+rng.IntN(maxLateLag))*idStride + idStride/2 + int64(i%(idStride/2))
		}
		p := s.data.randomPlan(rng, ath, t)
		acts = append(acts, buildActivity(rng, ath, id, p))
	}
	s.nextID = base + int64(n+maxLateLag+1)*idStride
	slices.SortFunc(acts, activityLess)
	if !s.cfg.NoTies {
		addTies(acts, activityRNG(s.cfg.Seed, ath.id, -2))
		slices.SortFunc(acts, activityLess)
	}
	ath.all = append(ath.all, acts...)
	slices.SortFunc(ath.all, activityLess)
	for _, a := range acts {
		s.activities[a.id] = a
		if !a.private {
			ath.public = append(ath.public, a)
		}
	}
	slices.SortFunc(ath.public, activityLess)
}

// tiePage is the page size at whose boundaries the generated history has ties.
const tiePage = 200

// addTies gives activities (sorted by start, oldest first) the start second
// of a neighbour: about 2 % at random (two devices uploading one ride, hidden
// start times), and at every tiePage boundary of the newest-first listing
// the first activity of the next page starts in the same second as the last
// of the page before (every fifth boundary a tie of three). The order stays
// sorted once re-sorted by (start, id).
func addTies(acts []*activity, rng *rand.Rand) {
	n := len(acts)
	for i := 1; i < n; i++ {
		if rng.IntN(50) == 0 {
			acts[i-1].start = acts[i].start
		}
	}
	for k := 1; k*tiePage < n; k++ {
		newer := acts[n-k*tiePage] // desc index k*tiePage-1: last of page k
		acts[n-1-k*tiePage].start = newer.start
		if k%5 == 0 && n-2-k*tiePage >= 0 {
			acts[n-2-k*tiePage].start = newer.start
		}
	}
}

// randomPlan decides sport, place, name, duration and flags of a generated activity.
func (d *simData) randomPlan(rng *rand.Rand, ath *athlete, start time.Time) activityPlan {
	sp := d.pickSpec(rng)
	p := activityPlan{spec: sp, start: start, place: ath.home}
	switch {
	case sp.sport == "AlpineSki" || sp.sport == "NordicSki":
		snow := d.snowPlaces()
		p.place = snow[rng.IntN(len(snow))]
	case rng.IntN(100) < 12:
		p.place = d.places[rng.IntN(len(d.places))]
	}
	p.trainer = rng.IntN(100) < sp.indoorPct
	p.manual = rng.IntN(100) < 2
	p.commute = sp.gps && !p.trainer && !p.manual && (sp.typ == "Ride" || sp.typ == "Run" || sp.typ == "Walk") && rng.IntN(100) < 10
	switch r := rng.IntN(100); {
	case r < 5:
		p.private = true
	case r < 20:
		p.followersOnly = true
	}
	p.moving = sp.dur[0] + rng.IntN(sp.dur[1]-sp.dur[0]+1)
	p.elapsed = p.moving
	if !p.manual {
		p.elapsed += int(float64(p.moving) * 0.15 * rng.Float64())
	}
	if sp.speed[1] > 0 {
		v := sp.speed[0] + (sp.speed[1]-sp.speed[0])*rng.Float64()
		p.distance = round(v*float64(p.moving), 1)
	}
	p.name = defaultName(sp, start.In(p.place.loc))
	if rng.IntN(100) < 35 && len(sp.names) > 0 {
		p.name = sp.names[rng.IntN(len(sp.names))]
	}
	if rng.IntN(100) < 25 {
		descriptions := []string{"Felt great!\nNeue Schuhe 👟", "Wind von vorn 💨 — next time clockwise.", "雨でした ☔", "Avec Élodie & Jürgen", "Easy 🐢"}
		p.description = descriptions[rng.IntN(len(descriptions))]
	}
	return p
}

func (d *simData) snowPlaces() []*place {
	var out []*place
	for _, p := range d.places {
		if p.snow {
			out = append(out, p)
		}
	}
	return out
}

// defaultName is Strava's name for an activity nobody renamed, e.g. "Lunch Ride".
func defaultName(sp *sportSpec, local time.Time) string {
	var part string
	switch h := local.Hour(); {
	case h >= 4 && h < 11:
		part = "Morning"
	case h >= 11 && h < 14:
		part = "Lunch"
	case h >= 14 && h < 18:
		part = "Afternoon"
	case h >= 18 && h < 22:
		part = "Evening"
	default:
		part = "Night"
	}
	return part + " " + sp.label
}

// buildActivity derives everything else about an activity (sensors, social
// counts, gear, device, route) from its plan, deterministically from rng.
func buildActivity(rng *rand.Rand, ath *athlete, id int64, p activityPlan) *activity {
	sp := p.spec
	a := &activity{
		id: id, athleteID: ath.id, name: p.name, description: p.description,
		sport: sp.sport, typ: sp.typ, spec: sp, start: p.start.UTC().Truncate(time.Second), place: p.place,
		cityKnown: rng.IntN(2) == 0, distance: p.distance, moving: p.moving, elapsed: p.elapsed,
		private: p.private, followersOnly: p.followersOnly && !p.private,
		trainer: p.trainer, commute: p.commute, manual: p.manual,
		gps:         sp.gps && !p.trainer && !p.manual && p.distance > 0,
		workoutType: -1, routeSeed: rng.Uint64(), pauseAt: 0.2 + 0.6*rng.Float64(),
		embedToken: fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
	}
	if !a.manual {
		a.hasHR = rng.IntN(100) < 75
		a.device = sp.devices[rng.IntN(len(sp.devices))]
		a.uploadID = id*7/5 + 1_000_000_000
		a.externalID = "garmin_ping_" + strconv.FormatInt(rng.Int64N(1e12), 10)
		if a.device == "Zwift" {
			a.externalID = "zwift-activity-" + strconv.FormatInt(rng.Int64N(1e15), 10) + ".fit"
		}
		if sp.cadence > 0 && rng.IntN(100) < 80 {
			a.avgCadence = round(sp.cadence*(0.92+0.16*rng.Float64()), 1)
		}
		if rng.Float64() < sp.power {
			a.watts = true
			a.avgWatts = round(140+110*rng.Float64(), 1)
			a.weighted = math.Round(a.avgWatts * (1.02 + 0.08*rng.Float64()))
			a.maxWatts = math.Round(a.avgWatts * (2.5 + rng.Float64()))
		}
	}
	if a.hasHR {
		a.avgHR = round(115+45*rng.Float64(), 1)
		a.maxHR = math.Round(a.avgHR + 12 + 20*rng.Float64())
		a.sufferScore = math.Round(float64(a.moving) / 60 * (a.avgHR - 95) / 30)
	}
	a.kudos = rng.IntN(30)
	a.comments = rng.IntN(4)
	a.athleteCount = 1 + rng.IntN(3)*rng.IntN(2)
	if a.gps {
		a.achievements = rng.IntN(6)
		a.prs = rng.IntN(a.achievements + 1)
	}
	a.photos = rng.IntN(3) * rng.IntN(2)
	switch sp.typ {
	case "Run":
		a.workoutType = []int{0, 0, 0, 0, 0, 0, 1, 2, 3, 3}[rng.IntN(10)]
	case "Ride":
		a.workoutType = []int{10, 10, 10, 10, 11, 12}[rng.IntN(6)]
	}
	if sp.gear == 'b' && len(ath.bikes) > 0 {
		a.gearID = ath.bikes[rng.IntN(len(ath.bikes))].id
	} else if sp.gear == 'g' && len(ath.shoes) > 0 {
		a.gearID = ath.shoes[rng.IntN(len(ath.shoes))].id
	}
	a.calories = round(float64(a.moving)/60*sp.kcalPerMin*(0.85+0.3*rng.Float64()), 1)
	if a.watts {
		a.calories = round(a.avgWatts*float64(a.moving)/1000*1.05, 1)
	}
	a.shapeRoute(rng)
	return a
}

func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}

// addAthleteLocked creates an athlete with a generated history of n activities.
func (s *Sim) addAthleteLocked(id int64, first, last string, n int) *athlete {
	rng := activityRNG(s.cfg.Seed, id, -1)
	ath := &athlete{
		id: id, first: first, last: last,
		home:    s.data.places[0],
		sex:     []string{"F", "M"}[rng.IntN(2)],
		weight:  round(55+30*rng.Float64(), 1),
		created: s.cfg.HistoryEnd.Add(-historySpan - 30*24*time.Hour).Add(time.Duration(rng.IntN(86400)) * time.Second),
	}
	if id != s.cfg.AthleteID {
		ath.home = s.data.places[int(uint64(id)%uint64(len(s.data.places)))]
	}
	g := strconv.FormatInt(id, 10)
	ath.bikes = []gear{
		{id: "b" + g + "1", name: "Canyon Endurace CF 7", nickname: "Rennrad", bike: true},
		{id: "b" + g + "2", name: "Specialized Stumpjumper", nickname: "MTB 🌲", bike: true},
	}
	ath.shoes = []gear{
		{id: "g" + g + "1", name: "Nike Pegasus 40", nickname: "Daily"},
		{id: "g" + g + "2", name: "Hoka Speedgoat 5", nickname: "Trail"},
	}
	s.athletes[id] = ath
	s.generateHistoryLocked(ath, n)
	return ath
}
