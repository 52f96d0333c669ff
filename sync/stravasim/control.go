package stravasim

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The control API lets another process (owtray's tests, a shell) drive the
// simulator; see the package documentation for the list of endpoints.

const maxControlBody = 1 << 20

type controlError struct {
	Error string `json:"error"`
}

func (s *Sim) controlRoutes() {
	s.mux.HandleFunc("GET /_sim/", s.ctlIndex)
	s.mux.HandleFunc("GET /_sim/status", s.ctlStatus)
	s.mux.HandleFunc("POST /_sim/activities", s.ctlCreateActivity)
	s.mux.HandleFunc("PATCH /_sim/activities/{id}", s.ctlUpdateActivity)
	s.mux.HandleFunc("DELETE /_sim/activities/{id}", s.ctlDeleteActivity)
	s.mux.HandleFunc("POST /_sim/deauthorize", s.ctlDeauthorize)
	s.mux.HandleFunc("PUT /_sim/consent", s.ctlConsent)
	s.mux.HandleFunc("PUT /_sim/authorizing-athlete", s.ctlAuthorizingAthlete)
	s.mux.HandleFunc("PUT /_sim/faults", s.ctlFaults)
	s.mux.HandleFunc("POST /_sim/expire-tokens", s.ctlExpireTokens)
	s.mux.HandleFunc("GET /_sim/rate-limits", s.ctlGetRateLimits)
	s.mux.HandleFunc("PUT /_sim/rate-limits", s.ctlSetRateLimits)
	s.mux.HandleFunc("GET /_sim/requests", s.ctlRequests)
	s.mux.HandleFunc("DELETE /_sim/requests", s.ctlResetRequests)
	s.mux.HandleFunc("GET /_sim/deliveries", s.ctlDeliveries)
	s.mux.HandleFunc("DELETE /_sim/deliveries", s.ctlResetDeliveries)
}

func ctlFail(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, controlError{Error: err.Error()})
}

// decodeControl reads a JSON body strictly: unknown fields and trailing data are errors.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ctlFail(w, http.StatusBadRequest, fmt.Errorf("invalid JSON body: %w", err))
		return false
	}
	if dec.More() {
		ctlFail(w, http.StatusBadRequest, errors.New("invalid JSON body: more than one value"))
		return false
	}
	return true
}

// ctlResult answers a control call that returns only an error.
func ctlResult(w http.ResponseWriter, err error) {
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrUnknownAthlete), errors.Is(err, ErrNotConnected):
		ctlFail(w, http.StatusNotFound, err)
	default:
		ctlFail(w, http.StatusBadRequest, err)
	}
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		ctlFail(w, http.StatusBadRequest, fmt.Errorf("invalid activity id %q", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// withEvent reads the optional "event" query parameter (default true).
func withEvent(w http.ResponseWriter, r *http.Request) (bool, bool) {
	v := r.URL.Query().Get("event")
	if v == "" {
		return true, true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		ctlFail(w, http.StatusBadRequest, fmt.Errorf("invalid event parameter %q", v))
		return false, false
	}
	return b, true
}

func (s *Sim) ctlIndex(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"endpoints": []string{
			"GET /_sim/status", "POST /_sim/activities[?event=false]", "PATCH /_sim/activities/{id}[?event=false]",
			"DELETE /_sim/activities/{id}[?event=false]", "POST /_sim/deauthorize", "PUT /_sim/consent",
			"PUT /_sim/authorizing-athlete", "PUT /_sim/faults", "POST /_sim/expire-tokens",
			"GET|PUT /_sim/rate-limits", "GET|DELETE /_sim/requests", "GET|DELETE /_sim/deliveries",
		},
	})
}

type statusJSON struct {
	AthleteID      int64  `json:"athlete_id"`
	Activities     int    `json:"activities"`
	SubscriptionID int64  `json:"subscription_id,omitempty"`
	CallbackURL    string `json:"callback_url,omitempty"`
	Limits         Limits `json:"limits"`
	Usage          Usage  `json:"usage"`
	Requests       int    `json:"requests"`
}

func (s *Sim) ctlStatus(w http.ResponseWriter, _ *http.Request) {
	st := statusJSON{AthleteID: s.cfg.AthleteID, Activities: s.ActivityCount(0, true), Requests: s.RequestCount()}
	st.SubscriptionID, st.CallbackURL, _ = s.Subscription()
	st.Limits, st.Usage = s.RateLimitStatus()
	writeJSON(w, http.StatusOK, st)
}

type newActivityJSON struct {
	AthleteID   int64      `json:"athlete_id"`
	Name        string     `json:"name"`
	SportType   string     `json:"sport_type"`
	StartDate   *time.Time `json:"start_date"` // RFC 3339
	ElapsedTime int        `json:"elapsed_time"`
	MovingTime  int        `json:"moving_time"`
	Distance    float64    `json:"distance"`
	Description string     `json:"description"`
	Private     bool       `json:"private"`
	Trainer     bool       `json:"trainer"`
	Commute     bool       `json:"commute"`
	Manual      bool       `json:"manual"`
}

func (s *Sim) ctlCreateActivity(w http.ResponseWriter, r *http.Request) {
	event, ok := withEvent(w, r)
	if !ok {
		return
	}
	var req newActivityJSON
	if !decodeControl(w, r, &req) {
		return
	}
	n := NewActivity{
		AthleteID: req.AthleteID, Name: req.Name, SportType: req.SportType, ElapsedTime: req.ElapsedTime,
		MovingTime: req.MovingTime, Distance: req.Distance, Description: req.Description,
		Private: req.Private, Trainer: req.Trainer, Commute: req.Commute, Manual: req.Manual,
	}
	if req.StartDate != nil {
		n.StartDate = *req.StartDate
	}
	id, err := s.createActivity(n, event)
	if err != nil {
		ctlResult(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

type activityUpdateJSON struct {
	Name        *string `json:"name"`
	SportType   *string `json:"sport_type"`
	Private     *bool   `json:"private"`
	Description *string `json:"description"`
}

func (s *Sim) ctlUpdateActivity(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	event, ok := withEvent(w, r)
	if !ok {
		return
	}
	var req activityUpdateJSON
	if !decodeControl(w, r, &req) {
		return
	}
	ctlResult(w, s.updateActivity(id, ActivityUpdate(req), event))
}

func (s *Sim) ctlDeleteActivity(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	event, ok := withEvent(w, r)
	if !ok {
		return
	}
	ctlResult(w, s.deleteActivity(id, event))
}

func (s *Sim) ctlDeauthorize(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AthleteID int64 `json:"athlete_id"`
	}
	if r.ContentLength != 0 && !decodeControl(w, r, &req) {
		return
	}
	if req.AthleteID == 0 {
		req.AthleteID = s.cfg.AthleteID
	}
	ctlResult(w, s.DeauthorizeAthlete(req.AthleteID))
}

func (s *Sim) ctlConsent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Deny   bool     `json:"deny"`
		Refuse []string `json:"refuse"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	for _, sc := range req.Refuse {
		if _, ok := parseScopes(sc); !ok || sc == "" {
			ctlFail(w, http.StatusBadRequest, fmt.Errorf("unknown scope %q", sc))
			return
		}
	}
	s.SetConsent(Consent{Deny: req.Deny, Refuse: req.Refuse})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) ctlAuthorizingAthlete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID        int64  `json:"id"`
		Firstname string `json:"firstname"`
		Lastname  string `json:"lastname"`
	}
	if !decodeControl(w, r, &req) {
		return
	}
	if req.ID <= 0 {
		ctlFail(w, http.StatusBadRequest, errors.New("id must be a positive athlete id"))
		return
	}
	s.SetAuthorizingAthlete(req.ID, req.Firstname, req.Lastname)
	w.WriteHeader(http.StatusNoContent)
}

type faultsJSON struct {
	LatencyMS *int `json:"latency_ms"`
	FailNext  *struct {
		Count  int    `json:"count"`
		Status int    `json:"status"`
		Path   string `json:"path"`
	} `json:"fail_next"`
	AppInactive     *bool `json:"app_inactive"`
	AthleteCapacity *int  `json:"athlete_capacity"`
	NotFound        *struct {
		ID    int64      `json:"id"`
		Count int        `json:"count"`
		Until *time.Time `json:"until"` // RFC 3339
	} `json:"not_found"`
	UploadProcessingMS    *int    `json:"upload_processing_ms"`
	DuplicateCreateEvents *bool   `json:"duplicate_create_events"`
	AfterOrder            *string `json:"after_order"`    // "oldest_first" | "newest_first"
	TieOrder              *string `json:"tie_order"`      // "by_id" | "unstable"
	RefreshTokens         *string `json:"refresh_tokens"` // "rotate" | "keep"
}

func (s *Sim) ctlFaults(w http.ResponseWriter, r *http.Request) {
	var req faultsJSON
	if !decodeControl(w, r, &req) {
		return
	}
	order, err1 := choice(req.AfterOrder, "after_order", map[string]ListOrder{"oldest_first": OldestFirst, "newest_first": NewestFirst})
	tieOrder, err2 := choice(req.TieOrder, "tie_order", map[string]TieOrder{"by_id": TiesByID, "unstable": TiesUnstable})
	rotation, err3 := choice(req.RefreshTokens, "refresh_tokens", map[string]RefreshRotation{"rotate": RotateRefreshToken, "keep": KeepRefreshToken})
	if err := errors.Join(err1, err2, err3); err != nil {
		ctlFail(w, http.StatusBadRequest, err)
		return
	}
	if req.AfterOrder != nil {
		s.SetAfterOrder(order)
	}
	if req.TieOrder != nil {
		s.SetTieOrder(tieOrder)
	}
	if req.RefreshTokens != nil {
		s.SetRefreshRotation(rotation)
	}
	if nf := req.NotFound; nf != nil {
		s.NotFoundNext(nf.ID, nf.Count)
		if nf.Until != nil {
			s.NotFoundUntil(nf.ID, *nf.Until)
		}
	}
	if req.UploadProcessingMS != nil {
		s.SetUploadProcessing(time.Duration(*req.UploadProcessingMS) * time.Millisecond)
	}
	if req.DuplicateCreateEvents != nil {
		s.SetDuplicateCreateEvents(*req.DuplicateCreateEvents)
	}
	if req.LatencyMS != nil {
		s.SetLatency(time.Duration(*req.LatencyMS) * time.Millisecond)
	}
	if req.FailNext != nil {
		s.FailNext(req.FailNext.Count, req.FailNext.Status, req.FailNext.Path)
	}
	if req.AppInactive != nil {
		s.SetAppInactive(*req.AppInactive)
	}
	if req.AthleteCapacity != nil {
		s.SetAthleteCapacity(*req.AthleteCapacity)
	}
	w.WriteHeader(http.StatusNoContent)
}

// choice looks up an optional named value; nil gives the zero value.
func choice[T any](v *string, field string, choices map[string]T) (T, error) {
	var zero T
	if v == nil {
		return zero, nil
	}
	if c, ok := choices[*v]; ok {
		return c, nil
	}
	names := slices.Sorted(maps.Keys(choices))
	return zero, fmt.Errorf("%s %q: want one of %s", field, *v, strings.Join(names, ", "))
}

func (s *Sim) ctlExpireTokens(w http.ResponseWriter, _ *http.Request) {
	s.ExpireAllTokens()
	w.WriteHeader(http.StatusNoContent)
}

type rateLimitsJSON struct {
	Limits *Limits `json:"limits"`
	Usage  *Usage  `json:"usage"`
}

func (s *Sim) ctlGetRateLimits(w http.ResponseWriter, _ *http.Request) {
	l, u := s.RateLimitStatus()
	writeJSON(w, http.StatusOK, rateLimitsJSON{Limits: &l, Usage: &u})
}

func (s *Sim) ctlSetRateLimits(w http.ResponseWriter, r *http.Request) {
	var req rateLimitsJSON
	if !decodeControl(w, r, &req) {
		return
	}
	if req.Limits != nil {
		s.SetRateLimits(*req.Limits)
	}
	if req.Usage != nil {
		s.SetUsage(*req.Usage)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) ctlRequests(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"total": s.RequestCount(), "by_route": s.RequestCounts()})
}

func (s *Sim) ctlResetRequests(w http.ResponseWriter, _ *http.Request) {
	s.ResetRequestCounts()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) ctlDeliveries(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Deliveries())
}

func (s *Sim) ctlResetDeliveries(w http.ResponseWriter, _ *http.Request) {
	s.ResetDeliveries()
	w.WriteHeader(http.StatusNoContent)
}
