package stravasim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	defaultPerPage = 30
	maxPerPage     = 200
)

// authLocked checks the request's bearer token.
func (s *Sim) authLocked(r *http.Request) (*accessToken, *athlete, *apiError) {
	at, e := s.validTokenLocked(bearerToken(r))
	if e != nil {
		return nil, nil, e
	}
	ath, ok := s.athletes[at.athleteID]
	if !ok {
		return nil, nil, errTokenInvalid()
	}
	return at, ath, nil
}

// respond builds an answer under the lock (the body must not share state
// with the simulator) and writes it, or the error, after unlocking.
func (s *Sim) respond(w http.ResponseWriter, build func() (any, *apiError)) {
	s.mu.Lock()
	body, e := build()
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// handleAthlete is GET /athlete: the detailed athlete with profile:read_all,
// the summary otherwise.
func (s *Sim) handleAthlete(w http.ResponseWriter, r *http.Request) {
	s.respond(w, func() (any, *apiError) {
		at, ath, e := s.authLocked(r)
		switch {
		case e != nil:
			return nil, e
		case at.scopes.has(scopeProfileReadAll):
			return ath.detailedJSON(), nil
		}
		return ath.summaryJSON(), nil
	})
}

// listQuery is the parsed query of GET /athlete/activities.
type listQuery struct {
	before, after *int64
	page, perPage int
}

func parseListQuery(q url.Values) (listQuery, *apiError) {
	lq := listQuery{page: 1, perPage: defaultPerPage}
	for _, name := range []string{"before", "after"} {
		if !q.Has(name) {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(q.Get(name)), 10, 64)
		if err != nil {
			return lq, errBadRequest("Activity", name, "invalid")
		}
		if name == "before" {
			lq.before = &v
		} else {
			lq.after = &v
		}
	}
	for _, name := range []string{"page", "per_page"} {
		if !q.Has(name) || q.Get(name) == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(q.Get(name)))
		if err != nil || v < 0 {
			return lq, errBadRequest("Activity", name, "invalid")
		}
		if name == "page" && v > 0 {
			lq.page = v
		}
		if name == "per_page" && v > 0 {
			lq.perPage = min(v, maxPerPage)
		}
	}
	return lq, nil
}

// handleListActivities is GET /athlete/activities.
func (s *Sim) handleListActivities(w http.ResponseWriter, r *http.Request) {
	s.respond(w, func() (any, *apiError) {
		at, ath, e := s.authLocked(r)
		if e != nil {
			return nil, e
		}
		if !at.scopes.canReadActivities() {
			return nil, errMissingActivityRead()
		}
		lq, e := parseListQuery(r.URL.Query())
		if e != nil {
			return nil, e
		}
		if lq.after != nil && *lq.after > s.now().Unix() {
			return nil, errBadRequest("Activity", "after", "future")
		}
		list := ath.public
		if at.scopes.has(scopeActivityReadAll) {
			list = ath.all
		}
		acts := page(list, lq.before, lq.after, lq.page, lq.perPage, s.behaviour.afterOrder, s.tieShuffleLocked())
		out := make([]summaryActivityJSON, len(acts))
		for i, a := range acts {
			out[i] = a.summaryJSON()
		}
		return out, nil
	})
}

// visibleActivityLocked finds an activity the token may read: its own,
// and private ones only with activity:read_all. Anything else is 404.
func (s *Sim) visibleActivityLocked(r *http.Request) (*activity, *athlete, *apiError) {
	at, ath, e := s.authLocked(r)
	if e != nil {
		return nil, nil, e
	}
	if !at.scopes.canReadActivities() {
		return nil, nil, errMissingActivityRead()
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, nil, errNotFound("Activity")
	}
	a, ok := s.activities[id]
	if !ok || a.athleteID != at.athleteID || (a.private && !at.scopes.has(scopeActivityReadAll)) {
		return nil, nil, errNotFound("Activity")
	}
	if s.transientNotFoundLocked(id) {
		return nil, nil, errNotFound("Activity")
	}
	return a, ath, nil
}

// handleGetActivity is GET /activities/{id}: the DetailedActivity.
func (s *Sim) handleGetActivity(w http.ResponseWriter, r *http.Request) {
	s.respond(w, func() (any, *apiError) {
		a, ath, e := s.visibleActivityLocked(r)
		if e != nil {
			return nil, e
		}
		return a.detailedJSON(ath), nil
	})
}

// streamJSON is one Strava stream. Type is only present in the array form.
type streamJSON struct {
	Type         string `json:"type,omitempty"`
	Data         any    `json:"data"`
	SeriesType   string `json:"series_type"`
	OriginalSize int    `json:"original_size"`
	Resolution   string `json:"resolution"`
}

// streamTypes lists Strava's stream types in the order of its reference.
func streamTypes() []string {
	return []string{"time", "distance", "latlng", "altitude", "velocity_smooth", "heartrate", "cadence", "watts", "temp", "moving", "grade_smooth"}
}

// data returns a stream of the track, or false when the activity has none of that type.
func (tr *track) data(key string) (any, bool) {
	switch key {
	case "time":
		return tr.time, true
	case "distance":
		return tr.dist, tr.dist != nil
	case "latlng":
		return tr.latlng, tr.latlng != nil
	case "altitude":
		return tr.alt, tr.alt != nil
	case "velocity_smooth":
		return tr.velocity, tr.velocity != nil
	case "heartrate":
		return tr.hr, tr.hr != nil
	case "cadence":
		return tr.cadence, tr.cadence != nil
	case "watts":
		return tr.watts, tr.watts != nil
	case "grade_smooth":
		return tr.grade, tr.grade != nil
	case "moving":
		moving := make([]bool, tr.n)
		for i := range moving {
			moving[i] = i == 0 || i != tr.pause+1
		}
		return moving, true
	}
	return nil, false // temp: no temperature sensor; unknown keys are ignored like on Strava
}

// handleStreams is GET /activities/{id}/streams?keys=...&key_by_type=true.
// Like Strava it always adds the series-type stream (distance, or time
// without distance) and leaves out streams the activity does not have.
func (s *Sim) handleStreams(w http.ResponseWriter, r *http.Request) {
	s.respond(w, func() (any, *apiError) {
		a, _, e := s.visibleActivityLocked(r)
		if e != nil {
			return nil, e
		}
		q := r.URL.Query()
		keyByType := false
		if v := q.Get("key_by_type"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, errBadRequest("Stream", "key_by_type", "invalid")
			}
			keyByType = b
		}
		wanted := map[string]bool{}
		for _, v := range q["keys"] {
			for k := range strings.SplitSeq(v, ",") {
				wanted[strings.TrimSpace(k)] = true
			}
		}
		tr := a.track()
		if tr == nil {
			return nil, errRouteNotFound() // no streams: 404, not an empty set
		}
		return streams(tr, wanted, keyByType), nil
	})
}

// streams renders a track's streams: a StreamSet keyed by type, or an array.
func streams(tr *track, wanted map[string]bool, keyByType bool) any {
	keyed := map[string]streamJSON{}
	list := []streamJSON{}
	if tr != nil {
		series := "time"
		if tr.dist != nil {
			series = "distance"
		}
		wanted[series] = true
		for _, key := range streamTypes() {
			data, ok := tr.data(key)
			if !wanted[key] || !ok {
				continue
			}
			st := streamJSON{Data: data, SeriesType: series, OriginalSize: tr.n, Resolution: "high"}
			keyed[key] = st
			st.Type = key
			list = append(list, st)
		}
	}
	if keyByType {
		return keyed
	}
	return list
}
