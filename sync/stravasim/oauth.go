package stravasim

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// scopes is a set of Strava OAuth scopes.
type scopes uint8

const (
	scopeRead scopes = 1 << iota
	scopeReadAll
	scopeProfileReadAll
	scopeProfileWrite
	scopeActivityRead
	scopeActivityReadAll
	scopeActivityWrite
)

// scopeNames lists Strava's scopes in the order Strava reports them.
func scopeNames() []string {
	return []string{"read", "read_all", "profile:read_all", "profile:write", "activity:read", "activity:read_all", "activity:write"}
}

// parseScopes parses Strava's comma-separated scope parameter. Unknown
// scopes (and other separators such as spaces) are an error, as on Strava.
func parseScopes(s string) (scopes, bool) {
	var out scopes
	if s == "" {
		return scopeRead, true
	}
	names := scopeNames()
	for _, part := range strings.Split(s, ",") {
		found := false
		for i, n := range names {
			if part == n {
				out |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return out, true
}

// scopesNamed is the set of the known scopes among names.
func scopesNamed(names []string) scopes {
	var out scopes
	for _, n := range names {
		if sc, ok := parseScopes(n); ok && n != "" {
			out |= sc
		}
	}
	return out
}

func (sc scopes) String() string {
	var parts []string
	for i, n := range scopeNames() {
		if sc&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ",")
}

func (sc scopes) has(x scopes) bool { return sc&x != 0 }

// canReadActivities: activity:read or activity:read_all.
func (sc scopes) canReadActivities() bool { return sc.has(scopeActivityRead | scopeActivityReadAll) }

// Consent is how the simulated user answers Strava's authorization page.
type Consent struct {
	// Deny: the user clicks "Cancel"; Strava redirects with error=access_denied.
	Deny bool
	// Refuse lists scopes the user unticks, e.g. "activity:read_all", or
	// "activity:read" and "activity:read_all" to refuse all activity access.
	// "read" is always granted.
	Refuse []string
}

// SetConsent sets how the simulated user answers the next authorizations.
func (s *Sim) SetConsent(c Consent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consent = Consent{Deny: c.Deny, Refuse: append([]string(nil), c.Refuse...)}
}

// SetAuthorizingAthlete makes the next authorizations log in as this athlete,
// creating them (with a generated history of OtherAthleteActivities) if new.
// Names of an existing athlete are updated when not empty.
func (s *Sim) SetAuthorizingAthlete(id int64, firstname, lastname string) {
	if id <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ath, ok := s.athletes[id]
	if !ok {
		ath = s.addAthleteLocked(id, firstname, lastname, s.cfg.OtherAthleteActivities)
	}
	if firstname != "" {
		ath.first = firstname
	}
	if lastname != "" {
		ath.last = lastname
	}
	s.authorizing = id
}

type authCode struct {
	athleteID int64
	scopes    scopes
	expires   time.Time
}

// grant is an athlete's authorization of the application.
type grant struct {
	athleteID    int64
	scopes       scopes
	refreshToken string
	latest       *accessToken
}

type accessToken struct {
	token     string
	athleteID int64
	scopes    scopes
	expires   time.Time
}

// redirectAllowed checks redirect_uri against the callback domain; localhost
// and 127.0.0.1 are always allowed, as on Strava.
func (s *Sim) redirectAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	host := u.Hostname()
	if host == "localhost" || net.ParseIP(host).IsLoopback() {
		return true
	}
	d := s.cfg.CallbackDomain
	return strings.EqualFold(host, d) || strings.HasSuffix(strings.ToLower(host), "."+strings.ToLower(d))
}

// handleAuthorize is GET /oauth/authorize. The simulated user is logged in
// and answers at once according to the consent set with SetConsent.
func (s *Sim) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.validClientID(q.Get("client_id")) {
		writeError(w, errBadRequest("Application", "client_id", "invalid"))
		return
	}
	redirect := q.Get("redirect_uri")
	if !s.redirectAllowed(redirect) {
		writeError(w, errBadRequest("Application", "redirect_uri", "invalid"))
		return
	}
	if q.Get("response_type") != "code" {
		writeError(w, errBadRequest("Authorize", "response_type", "invalid"))
		return
	}
	if p := q.Get("approval_prompt"); p != "" && p != "auto" && p != "force" {
		writeError(w, errBadRequest("Authorize", "approval_prompt", "invalid"))
		return
	}
	requested, ok := parseScopes(q.Get("scope"))
	if !ok {
		writeError(w, errBadRequest("Authorize", "scope", "invalid"))
		return
	}
	state := url.QueryEscape(q.Get("state"))

	s.mu.Lock()
	consent := s.consent
	athleteID := s.authorizing
	_, connected := s.grants[athleteID]
	if !connected && s.capacity > 0 && len(s.grants) >= s.capacity {
		s.mu.Unlock()
		// Strava shows this on its own page and never redirects back.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(athleteLimitPage))
		return
	}
	var params string
	if consent.Deny {
		params = "state=" + state + "&error=access_denied"
	} else {
		granted := (requested &^ scopesNamed(consent.Refuse)) | scopeRead
		code := newSecret()
		s.codes[code] = &authCode{athleteID: athleteID, scopes: granted, expires: s.now().Add(s.cfg.CodeTTL)}
		params = "state=" + state + "&code=" + code + "&scope=" + granted.String()
	}
	s.mu.Unlock()

	sep := "?"
	if strings.Contains(redirect, "?") {
		sep = "&"
	}
	http.Redirect(w, r, redirect+sep+params, http.StatusFound)
}

// athleteLimitPage is the authorize page Strava shows when the application
// has as many connected athletes as its capacity allows.
const athleteLimitPage = `<!DOCTYPE html><html><head><title>Strava</title></head><body>` +
	`<h1>Limit of connected athletes exceeded</h1>` +
	`<p>This application has reached its limit of connected athletes.</p></body></html>`

func (s *Sim) validClientID(id string) bool {
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1
}

// clientForm parses the request's form and checks the application
// credentials in it; on failure it writes the error (a bad form is a 400
// naming resource) and reports false.
func (s *Sim) clientForm(w http.ResponseWriter, r *http.Request, resource string) bool {
	if err := parseForm(w, r); err != nil {
		writeError(w, errBadRequest(resource, "", "invalid"))
		return false
	}
	if e := s.checkClient(r.Form); e != nil {
		writeError(w, e)
		return false
	}
	return true
}

// checkClient validates application credentials (token endpoint, push subscriptions).
func (s *Sim) checkClient(form url.Values) *apiError {
	if !s.validClientID(form.Get("client_id")) {
		return errBadRequest("Application", "client_id", "invalid")
	}
	if subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(s.cfg.ClientSecret)) != 1 {
		return errBadRequest("Application", "client_secret", "invalid")
	}
	return nil
}

type tokenResponse struct {
	TokenType    string              `json:"token_type"`
	ExpiresAt    int64               `json:"expires_at"`
	ExpiresIn    int64               `json:"expires_in"`
	RefreshToken string              `json:"refresh_token"`
	AccessToken  string              `json:"access_token"`
	Athlete      *summaryAthleteJSON `json:"athlete,omitempty"`
}

// handleToken is POST /oauth/token: authorization_code and refresh_token
// grants. Wrong application credentials are 401 here (Strava's
// {"resource":"Application","field":"","code":"invalid"}).
func (s *Sim) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeError(w, errBadRequest("Application", "", "invalid"))
		return
	}
	if s.checkClient(r.Form) != nil {
		writeError(w, errClientInvalid())
		return
	}
	var resp *tokenResponse
	var e *apiError
	switch gt := r.Form.Get("grant_type"); {
	case gt == "authorization_code" || (gt == "" && r.Form.Has("code")):
		resp, e = s.exchangeCode(r.Form.Get("code"))
	case gt == "refresh_token":
		resp, e = s.refreshGrant(r.Form.Get("refresh_token"))
	default:
		e = errBadRequest("Application", "grant_type", "invalid")
	}
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sim) exchangeCode(code string) (*tokenResponse, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c, ok := s.codes[code]
	if !ok {
		return nil, errBadRequest("AuthorizationCode", "code", "invalid")
	}
	delete(s.codes, code) // single use, also when it fails below
	if !now.Before(c.expires) {
		return nil, errBadRequest("AuthorizationCode", "", "expired")
	}
	ath, ok := s.athletes[c.athleteID]
	if !ok {
		return nil, errBadRequest("AuthorizationCode", "code", "invalid")
	}
	g, connected := s.grants[c.athleteID]
	if !connected {
		g = &grant{athleteID: c.athleteID}
		s.grants[c.athleteID] = g
	}
	g.scopes = c.scopes
	s.rotateRefreshLocked(g)
	at := s.issueAccessLocked(g, now)
	summary := ath.summaryJSON()
	return s.tokenJSON(g, at, now, &summary), nil
}

func (s *Sim) refreshGrant(token string) (*tokenResponse, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	g, ok := s.refresh[token]
	if !ok || token == "" {
		return nil, errBadRequest("RefreshToken", "refresh_token", "invalid")
	}
	if s.behaviour.refresh == RotateRefreshToken {
		s.rotateRefreshLocked(g)
	}
	// Strava hands out the current access token again while it has more
	// than an hour left; otherwise a new one.
	at := g.latest
	if at == nil || s.access[at.token] == nil || at.expires.Sub(now) <= time.Hour {
		at = s.issueAccessLocked(g, now)
	}
	return s.tokenJSON(g, at, now, nil), nil
}

// rotateRefreshLocked gives the grant a new refresh token; the old one stops working.
func (s *Sim) rotateRefreshLocked(g *grant) {
	if g.refreshToken != "" {
		delete(s.refresh, g.refreshToken)
	}
	g.refreshToken = newSecret()
	s.refresh[g.refreshToken] = g
}

func (s *Sim) issueAccessLocked(g *grant, now time.Time) *accessToken {
	at := &accessToken{token: newSecret(), athleteID: g.athleteID, scopes: g.scopes, expires: now.Add(s.cfg.TokenTTL).Truncate(time.Second)}
	s.access[at.token] = at
	g.latest = at
	return at
}

func (s *Sim) tokenJSON(g *grant, at *accessToken, now time.Time, athlete *summaryAthleteJSON) *tokenResponse {
	return &tokenResponse{
		TokenType:    "Bearer",
		ExpiresAt:    at.expires.Unix(),
		ExpiresIn:    max(0, at.expires.Unix()-now.Unix()),
		RefreshToken: g.refreshToken,
		AccessToken:  at.token,
		Athlete:      athlete,
	}
}

// handleDeauthorize is POST /oauth/deauthorize: revokes every token of the
// athlete and, with a subscription, sends the athlete event.
func (s *Sim) handleDeauthorize(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		writeError(w, errTokenInvalid())
		return
	}
	token := bearerToken(r)
	s.mu.Lock()
	at, e := s.validTokenLocked(token)
	if e == nil {
		s.deauthorizeLocked(at.athleteID)
	}
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"access_token": token})
}

// validTokenLocked looks up an unexpired access token.
func (s *Sim) validTokenLocked(token string) (*accessToken, *apiError) {
	at, ok := s.access[token]
	if !ok || token == "" || !s.now().Before(at.expires) {
		return nil, errTokenInvalid()
	}
	return at, nil
}

// deauthorizeLocked revokes the athlete's authorization and sends the event.
func (s *Sim) deauthorizeLocked(athleteID int64) bool {
	g, ok := s.grants[athleteID]
	if !ok {
		return false
	}
	delete(s.grants, athleteID)
	delete(s.refresh, g.refreshToken)
	for tok, at := range s.access {
		if at.athleteID == athleteID {
			delete(s.access, tok)
		}
	}
	for c, ac := range s.codes {
		if ac.athleteID == athleteID {
			delete(s.codes, c)
		}
	}
	s.enqueueLocked(Event{
		ObjectType: "athlete", ObjectID: athleteID, AspectType: "update",
		Updates: map[string]string{"authorized": "false"}, OwnerID: athleteID,
	})
	return true
}

// ExpireAllTokens makes every access token expired, as if six hours passed.
// Refresh tokens keep working.
func (s *Sim) ExpireAllTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := s.now().Add(-time.Second)
	for _, at := range s.access {
		at.expires = past
	}
}

// DeauthorizeApp revokes the default athlete's authorization as if they
// removed the app in their Strava settings (the athlete event is sent).
func (s *Sim) DeauthorizeApp() error { return s.DeauthorizeAthlete(s.cfg.AthleteID) }

// DeauthorizeAthlete revokes an athlete's authorization (the athlete event is sent).
func (s *Sim) DeauthorizeAthlete(athleteID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deauthorizeLocked(athleteID) {
		return ErrNotConnected
	}
	return nil
}

// GrantedScopes returns the scopes the athlete granted, comma-separated in
// Strava's order, and whether the athlete is connected.
func (s *Sim) GrantedScopes(athleteID int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[athleteID]
	if !ok {
		return "", false
	}
	return g.scopes.String(), true
}
