package stravasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Errors of the control methods.
var (
	ErrNotFound        = errors.New("stravasim: no such activity")
	ErrUnknownAthlete  = errors.New("stravasim: no such athlete")
	ErrNotConnected    = errors.New("stravasim: athlete has not authorized the application")
	ErrInvalidActivity = errors.New("stravasim: invalid activity")
)

// NewActivity describes an activity the simulated athlete records or uploads.
// Zero fields get realistic values for the sport.
type NewActivity struct {
	AthleteID   int64     // 0: the default athlete
	Name        string    // "": Strava's default name, e.g. "Morning Run"
	SportType   string    // "": "Run"; any string is accepted (unknown ones have type "Workout")
	StartDate   time.Time // zero: now minus the elapsed time; may be years back (late upload)
	ElapsedTime int       // seconds
	MovingTime  int       // seconds, ≤ ElapsedTime
	Distance    float64   // metres
	Description string
	Private     bool
	Trainer     bool
	Commute     bool
	Manual      bool
}

// ActivityUpdate changes an activity; nil fields stay as they are. Like on
// Strava, only name ("title"), sport type ("type") and privacy ("private")
// changes produce an update event; a description change produces none.
type ActivityUpdate struct {
	Name        *string
	SportType   *string
	Private     *bool
	Description *string
}

// Activity is the simulator's view of an activity, for tests.
type Activity struct {
	ID                 int64
	AthleteID          int64
	Name               string
	Description        string
	SportType          string
	Type               string
	StartDate          time.Time // UTC
	Timezone           string    // Strava's label, e.g. "(GMT+01:00) Europe/Berlin"
	Distance           float64
	MovingTime         int
	ElapsedTime        int
	TotalElevationGain float64
	Private            bool
	Trainer            bool
	Commute            bool
	Manual             bool
	SummaryPolyline    string
}

func (a *activity) snapshot() Activity {
	return Activity{
		ID: a.id, AthleteID: a.athleteID, Name: a.name, Description: a.description,
		SportType: a.sport, Type: a.typ, StartDate: a.start, Timezone: a.place.label,
		Distance: a.distance, MovingTime: a.moving, ElapsedTime: a.elapsed, TotalElevationGain: a.elevGain,
		Private: a.private, Trainer: a.trainer, Commute: a.commute, Manual: a.manual,
		SummaryPolyline: a.summaryPolyline,
	}
}

// CreateActivity adds an activity and sends the create event (if there is a
// subscription and the owner authorized the application). It returns the new id.
func (s *Sim) CreateActivity(n NewActivity) (int64, error) { return s.createActivity(n, true) }

// CreateActivityNoEvent adds an activity without any event: an upload the
// application missed (it was offline), typically with an older start date.
func (s *Sim) CreateActivityNoEvent(n NewActivity) (int64, error) { return s.createActivity(n, false) }

// UpdateActivity changes an activity and sends the update event.
func (s *Sim) UpdateActivity(id int64, u ActivityUpdate) error { return s.updateActivity(id, u, true) }

// UpdateActivityNoEvent changes an activity without any event.
func (s *Sim) UpdateActivityNoEvent(id int64, u ActivityUpdate) error {
	return s.updateActivity(id, u, false)
}

// DeleteActivity deletes an activity and sends the delete event.
func (s *Sim) DeleteActivity(id int64) error { return s.deleteActivity(id, true) }

// DeleteActivityNoEvent deletes an activity without any event (the
// application was offline and missed it).
func (s *Sim) DeleteActivityNoEvent(id int64) error { return s.deleteActivity(id, false) }

func (s *Sim) createActivity(n NewActivity, notify bool) (int64, error) {
	switch {
	case n.ElapsedTime < 0 || n.MovingTime < 0 || n.Distance < 0:
		return 0, fmt.Errorf("%w: negative time or distance", ErrInvalidActivity)
	case n.ElapsedTime > 0 && n.MovingTime > n.ElapsedTime:
		return 0, fmt.Errorf("%w: moving time %d s exceeds elapsed time %d s", ErrInvalidActivity, n.MovingTime, n.ElapsedTime)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	athID := n.AthleteID
	if athID == 0 {
		athID = s.cfg.AthleteID
	}
	ath, ok := s.athletes[athID]
	if !ok {
		return 0, fmt.Errorf("%w: %d", ErrUnknownAthlete, athID)
	}
	id := s.nextID
	s.nextID++
	rng := activityRNG(s.cfg.Seed, athID, id)
	sport := n.SportType
	if sport == "" {
		sport = "Run"
	}
	sp := s.data.specFor(sport)
	p := activityPlan{
		spec: sp, place: ath.home, name: n.Name, description: n.Description,
		moving: n.MovingTime, elapsed: n.ElapsedTime, distance: n.Distance,
		private: n.Private, trainer: n.Trainer, commute: n.Commute, manual: n.Manual,
	}
	if p.moving == 0 {
		p.moving = p.elapsed
	}
	if p.moving == 0 {
		p.moving = sp.dur[0] + rng.IntN(sp.dur[1]-sp.dur[0]+1)
	}
	if p.elapsed == 0 {
		p.elapsed = p.moving
	}
	if p.distance == 0 && sp.speed[1] > 0 {
		p.distance = round((sp.speed[0]+(sp.speed[1]-sp.speed[0])*rng.Float64())*float64(p.moving), 1)
	}
	p.start = n.StartDate
	if p.start.IsZero() {
		p.start = s.now().Add(-time.Duration(p.elapsed) * time.Second)
	}
	if p.name == "" {
		p.name = defaultName(sp, p.start.In(p.place.loc))
	}
	a := buildActivity(rng, ath, id, p)
	s.addActivityLocked(ath, a)
	if d := s.behaviour.uploadProcessing; d > 0 {
		s.notFound[id] = notFoundRule{until: s.now().Add(d)}
	}
	if notify {
		s.activityEventLocked(a, "create", nil, a.private)
	}
	return id, nil
}

func (s *Sim) updateActivity(id int64, u ActivityUpdate, notify bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	ath := s.athletes[a.athleteID]
	wasPrivate := a.private
	updates := map[string]string{}
	if u.Name != nil && *u.Name != a.name {
		a.name = *u.Name
		updates["title"] = a.name
	}
	if u.SportType != nil && *u.SportType != "" && *u.SportType != a.sport {
		a.spec = s.data.specFor(*u.SportType)
		a.sport, a.typ = a.spec.sport, a.spec.typ
		updates["type"] = a.sport
	}
	if u.Private != nil && *u.Private != a.private {
		setPrivate(ath, a, *u.Private)
		updates["private"] = strconv.FormatBool(a.private)
	}
	if u.Description != nil {
		a.description = *u.Description
	}
	if notify && len(updates) > 0 {
		s.activityEventLocked(a, "update", updates, wasPrivate)
	}
	return nil
}

func (s *Sim) deleteActivity(id int64, notify bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	s.removeActivityLocked(s.athletes[a.athleteID], a)
	if notify {
		s.activityEventLocked(a, "delete", nil, a.private)
	}
	return nil
}

// activityEventLocked queues an activity event the way Strava sends it to
// this application: only for athletes who authorized it with an activity
// scope, and, without activity:read_all, nothing about private activities;
// such applications get "delete" when an activity turns private and "create"
// when it turns public (Strava's documented behaviour).
func (s *Sim) activityEventLocked(a *activity, aspect string, updates map[string]string, wasPrivate bool) {
	g, ok := s.grants[a.athleteID]
	if !ok || !g.scopes.canReadActivities() {
		return
	}
	if !g.scopes.has(scopeActivityReadAll) {
		privacyChanged := aspect == "update" && wasPrivate != a.private
		switch {
		case privacyChanged && a.private:
			aspect, updates = "delete", nil
		case privacyChanged:
			aspect, updates = "create", nil
		case a.private:
			return
		}
	}
	s.enqueueLocked(Event{ObjectType: "activity", ObjectID: a.id, AspectType: aspect, Updates: updates, OwnerID: a.athleteID})
}

// Activity returns one activity as the simulator holds it.
func (s *Sim) Activity(id int64) (Activity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[id]
	if !ok {
		return Activity{}, false
	}
	return a.snapshot(), true
}

// Activities returns an athlete's activities newest first (0: the default
// athlete); private ones only when includePrivate.
func (s *Sim) Activities(athleteID int64, includePrivate bool) []Activity {
	s.mu.Lock()
	defer s.mu.Unlock()
	ath := s.athleteLocked(athleteID)
	if ath == nil {
		return nil
	}
	list := ath.public
	if includePrivate {
		list = ath.all
	}
	out := make([]Activity, len(list))
	for i, a := range list {
		out[len(list)-1-i] = a.snapshot()
	}
	return out
}

// ActivityCount is the number of an athlete's activities (0: the default athlete).
func (s *Sim) ActivityCount(athleteID int64, includePrivate bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ath := s.athleteLocked(athleteID)
	switch {
	case ath == nil:
		return 0
	case includePrivate:
		return len(ath.all)
	}
	return len(ath.public)
}

// ActivityJSON is the JSON the API serves for an activity: the
// SummaryActivity of the list endpoint, or the DetailedActivity.
func (s *Sim) ActivityJSON(id int64, detailed bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.activities[id]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrNotFound, id)
	}
	if detailed {
		return json.Marshal(a.detailedJSON(s.athletes[a.athleteID]))
	}
	return json.Marshal(a.summaryJSON())
}

// AthleteID is the default athlete's id.
func (s *Sim) AthleteID() int64 { return s.cfg.AthleteID }

func (s *Sim) athleteLocked(id int64) *athlete {
	if id == 0 {
		id = s.cfg.AthleteID
	}
	return s.athletes[id]
}
