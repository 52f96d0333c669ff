package stravasim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name      string
		consent   Consent
		params    func(url.Values)
		wantScope string // "" when no code is expected
		wantError string // error parameter of the redirect
		wantFault []string
	}{
		{name: "default scopes", wantScope: "read,profile:read_all,activity:read_all"},
		{name: "no scope means read", params: func(v url.Values) { v.Del("scope") }, wantScope: "read"},
		{name: "all scopes requested", params: func(v url.Values) {
			v.Set("scope", "read,read_all,profile:read_all,profile:write,activity:read,activity:read_all,activity:write")
		}, wantScope: "read,read_all,profile:read_all,profile:write,activity:read,activity:read_all,activity:write"},
		{name: "user unticks private activities", consent: Consent{Refuse: []string{"activity:read_all"}},
			params: func(v url.Values) { v.Set("scope", "activity:read,activity:read_all,profile:read_all") }, wantScope: "read,profile:read_all,activity:read"},
		{name: "user unticks all activity scopes", consent: Consent{Refuse: []string{"activity:read", "activity:read_all"}},
			wantScope: "read,profile:read_all"},
		{name: "read cannot be refused", consent: Consent{Refuse: []string{"read", "profile:read_all"}}, wantScope: "read,activity:read_all"},
		{name: "user denies", consent: Consent{Deny: true}, wantError: "access_denied"},
		{name: "force prompt", params: func(v url.Values) { v.Set("approval_prompt", "force") }, wantScope: "read,profile:read_all,activity:read_all"},
		{name: "redirect on 127.0.0.1", params: func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9999/cb?x=1") }, wantScope: "read,profile:read_all,activity:read_all"},
		{name: "wrong client_id", params: func(v url.Values) { v.Set("client_id", "999") }, wantFault: []string{"Application", "client_id", "invalid"}},
		{name: "missing client_id", params: func(v url.Values) { v.Del("client_id") }, wantFault: []string{"Application", "client_id", "invalid"}},
		{name: "foreign redirect_uri", params: func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, wantFault: []string{"Application", "redirect_uri", "invalid"}},
		{name: "missing redirect_uri", params: func(v url.Values) { v.Del("redirect_uri") }, wantFault: []string{"Application", "redirect_uri", "invalid"}},
		{name: "space separated scopes", params: func(v url.Values) { v.Set("scope", "activity:read_all profile:read_all") }, wantFault: []string{"Authorize", "scope", "invalid"}},
		{name: "legacy scope", params: func(v url.Values) { v.Set("scope", "view_private") }, wantFault: []string{"Authorize", "scope", "invalid"}},
		{name: "response_type token", params: func(v url.Values) { v.Set("response_type", "token") }, wantFault: []string{"Authorize", "response_type", "invalid"}},
		{name: "bad approval_prompt", params: func(v url.Values) { v.Set("approval_prompt", "never") }, wantFault: []string{"Authorize", "approval_prompt", "invalid"}},
	}
	srv := start(t, Config{Activities: 5})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.Sim.SetConsent(tc.consent)
			p := authParams("activity:read_all,profile:read_all", "state with spaces & ü")
			if tc.params != nil {
				tc.params(p)
			}
			resp, q := authorize(t, srv, p)
			if tc.wantFault != nil {
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400", resp.StatusCode)
				}
				// authorize already closed the body; ask again for it.
				r2, err := http.Get(srv.OAuthURL() + "/authorize?" + p.Encode())
				if err != nil {
					t.Fatal(err)
				}
				_, body := readJSON(t, r2, nil)
				wantFault(t, body, "Bad Request", tc.wantFault[0], tc.wantFault[1], tc.wantFault[2])
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			if !strings.HasPrefix(resp.Header.Get("Location"), p.Get("redirect_uri")) {
				t.Errorf("Location %q does not start with the redirect_uri", resp.Header.Get("Location"))
			}
			if got := q.Get("state"); got != "state with spaces & ü" {
				t.Errorf("state = %q", got)
			}
			if got := q.Get("error"); got != tc.wantError {
				t.Errorf("error = %q, want %q", got, tc.wantError)
			}
			if got := q.Get("scope"); got != tc.wantScope {
				t.Errorf("scope = %q, want %q", got, tc.wantScope)
			}
			if (q.Get("code") != "") != (tc.wantScope != "") {
				t.Errorf("code = %q", q.Get("code"))
			}
		})
	}
}

func TestTokenExchange(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	srv := start(t, Config{Activities: 3, Now: clk.Now})
	tokenURL := srv.OAuthURL() + "/token"
	newCode := func() string {
		_, q := authorize(t, srv, authParams("activity:read_all", ""))
		return q.Get("code")
	}
	form := func(code string, edit func(url.Values)) url.Values {
		v := url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "code": {code}, "grant_type": {"authorization_code"}}
		if edit != nil {
			edit(v)
		}
		return v
	}

	t.Run("success", func(t *testing.T) {
		var tok tokenJSON
		status, body := postForm(t, tokenURL, form(newCode(), nil), &tok)
		if status != http.StatusOK {
			t.Fatalf("%d %s", status, body)
		}
		if tok.TokenType != "Bearer" || len(tok.AccessToken) != 40 || len(tok.RefreshToken) != 40 {
			t.Errorf("token = %+v", tok)
		}
		if tok.ExpiresIn != 21600 || tok.ExpiresAt != clk.Now().Add(6*time.Hour).Unix() {
			t.Errorf("expires_in %d expires_at %d", tok.ExpiresIn, tok.ExpiresAt)
		}
		if tok.Athlete == nil || tok.Athlete.ID != 134815 || tok.Athlete.ResourceState != 2 || tok.Athlete.Firstname != "Zoë" {
			t.Errorf("athlete = %+v", tok.Athlete)
		}
		for _, secret := range []string{tok.AccessToken, tok.RefreshToken} {
			if strings.Contains(body, "sim-client-secret") || secret == "" {
				t.Errorf("body %s", body)
			}
		}
	})

	used := newCode()
	if status, body := postForm(t, tokenURL, form(used, nil), nil); status != http.StatusOK {
		t.Fatalf("first use: %d %s", status, body)
	}
	expired := newCode()
	clk.Advance(11 * time.Minute)

	tests := []struct {
		name   string
		form   url.Values
		status int
		fault  []string
	}{
		{"reused code", form(used, nil), 400, []string{"Bad Request", "AuthorizationCode", "code", "invalid"}},
		{"expired code", form(expired, nil), 400, []string{"Bad Request", "AuthorizationCode", "", "expired"}},
		{"expired code again", form(expired, nil), 400, []string{"Bad Request", "AuthorizationCode", "code", "invalid"}},
		{"unknown code", form("0123456789", nil), 400, []string{"Bad Request", "AuthorizationCode", "code", "invalid"}},
		{"empty code", form("", nil), 400, []string{"Bad Request", "AuthorizationCode", "code", "invalid"}},
		{"wrong secret", form(newCode(), func(v url.Values) { v.Set("client_secret", "nope") }), 401, []string{"Authorization Error", "Application", "", "invalid"}},
		{"missing secret", form(newCode(), func(v url.Values) { v.Del("client_secret") }), 401, []string{"Authorization Error", "Application", "", "invalid"}},
		{"wrong client_id", form(newCode(), func(v url.Values) { v.Set("client_id", "1") }), 401, []string{"Authorization Error", "Application", "", "invalid"}},
		{"unknown grant type", form(newCode(), func(v url.Values) { v.Set("grant_type", "password") }), 400, []string{"Bad Request", "Application", "grant_type", "invalid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postForm(t, tokenURL, tc.form, nil)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			wantFault(t, body, tc.fault[0], tc.fault[1], tc.fault[2], tc.fault[3])
		})
	}
}

func TestTokenExchangeMultipartAndQuery(t *testing.T) {
	srv := start(t, Config{})
	_, q := authorize(t, srv, authParams("activity:read", ""))
	// Strava's docs use curl -F (multipart); the parameters may also be in the query.
	u := srv.OAuthURL() + "/token?client_id=12345&client_secret=sim-client-secret&grant_type=authorization_code&code=" + q.Get("code")
	resp, err := http.Post(u, "multipart/form-data; boundary=x", strings.NewReader("--x--\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	var tok tokenJSON
	if status, body := readJSON(t, resp, &tok); status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("%d %s", status, body)
	}
}

func TestRefreshRotation(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	srv := start(t, Config{Activities: 3, Now: clk.Now})
	tok := login(t, srv, "activity:read_all")
	refresh := func(rt string) (int, string, tokenJSON) {
		var out tokenJSON
		status, body := postForm(t, srv.OAuthURL()+"/token", url.Values{
			"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {rt},
		}, &out)
		return status, body, out
	}

	// More than an hour left: same access token, new refresh token.
	status, body, r1 := refresh(tok.RefreshToken)
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %s", status, body)
	}
	if r1.RefreshToken == tok.RefreshToken || r1.AccessToken != tok.AccessToken || r1.Athlete != nil {
		t.Errorf("refresh 1 = %+v", r1)
	}
	status, body, _ = refresh(tok.RefreshToken)
	if status != http.StatusBadRequest {
		t.Fatalf("old refresh token: %d %s", status, body)
	}
	wantFault(t, body, "Bad Request", "RefreshToken", "refresh_token", "invalid")

	// Close to expiry: a new access token; the old one keeps working until it expires.
	clk.Advance(5*time.Hour + 30*time.Minute)
	status, _, r2 := refresh(r1.RefreshToken)
	if status != http.StatusOK || r2.AccessToken == r1.AccessToken || r2.RefreshToken == r1.RefreshToken {
		t.Fatalf("refresh 2: %d %+v", status, r2)
	}
	if r2.ExpiresAt != clk.Now().Add(6*time.Hour).Unix() || r2.ExpiresIn != 21600 {
		t.Errorf("expiry %d %d", r2.ExpiresAt, r2.ExpiresIn)
	}
	if resp, _ := get(t, srv, "/athlete", r1.AccessToken, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("old access token before expiry: %d", resp.StatusCode)
	}
	clk.Advance(31 * time.Minute)
	if resp, _ := get(t, srv, "/athlete", r1.AccessToken, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old access token after expiry: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv, "/athlete", r2.AccessToken, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("new access token: %d", resp.StatusCode)
	}
}

func TestAthleteCapacity(t *testing.T) {
	srv := start(t, Config{Activities: 2, AthleteCapacity: 1})
	login(t, srv, "activity:read_all")
	login(t, srv, "activity:read_all") // the same athlete again is fine

	srv.Sim.SetAuthorizingAthlete(777, "Ana", "Ñúñez")
	// Strava shows the limit on its own authorize page: no redirect back.
	resp, q := authorize(t, srv, authParams("activity:read_all", ""))
	if resp.StatusCode != http.StatusForbidden || q != nil || resp.Header.Get("Location") != "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("authorize at capacity: %d %q %v", resp.StatusCode, resp.Header.Get("Location"), q)
	}

	srv.Sim.SetAthleteCapacity(0)
	tok := login(t, srv, "activity:read_all")
	if tok.Athlete.ID != 777 || tok.Athlete.Lastname != "Ñúñez" {
		t.Errorf("athlete = %+v", tok.Athlete)
	}
}

func TestOtherAthleteHasOwnHistory(t *testing.T) {
	srv := start(t, Config{Activities: 50, OtherAthleteActivities: 7})
	own := login(t, srv, "activity:read_all")
	srv.Sim.SetAuthorizingAthlete(4242, "Other", "Person")
	other := login(t, srv, "activity:read_all")
	if other.Athlete.ID != 4242 || other.Athlete.Firstname != "Other" {
		t.Fatalf("athlete = %+v", other.Athlete)
	}
	var mine, theirs []struct {
		ID      int64 `json:"id"`
		Athlete struct {
			ID int64 `json:"id"`
		} `json:"athlete"`
	}
	get(t, srv, "/athlete/activities?per_page=200", own.AccessToken, &mine)
	get(t, srv, "/athlete/activities?per_page=200", other.AccessToken, &theirs)
	if len(mine) != 50 || len(theirs) != 7 {
		t.Fatalf("lengths %d %d", len(mine), len(theirs))
	}
	if theirs[0].Athlete.ID != 4242 {
		t.Errorf("owner %d", theirs[0].Athlete.ID)
	}
	// Someone else's activity is not visible.
	resp, body := get(t, srv, "/activities/"+itoa(mine[0].ID), other.AccessToken, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("foreign activity: %d", resp.StatusCode)
	}
	wantFault(t, body, "Record Not Found", "Activity", "id", "invalid")
}

func TestDeauthorize(t *testing.T) {
	srv := start(t, Config{Activities: 3})
	rc := newReceiver(t, "vt")
	if status, body := subscribe(t, srv, rc.URL, "vt"); status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	tok := login(t, srv, "activity:read_all")
	second := login(t, srv, "activity:read_all")

	tests := []struct {
		name   string
		form   url.Values
		header string
		status int
	}{
		{"no token", url.Values{}, "", http.StatusUnauthorized},
		{"unknown token", url.Values{"access_token": {"abc"}}, "", http.StatusUnauthorized},
		{"bearer header", url.Values{}, "Bearer " + tok.AccessToken, http.StatusOK},
		{"already revoked", url.Values{"access_token": {second.AccessToken}}, "", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.OAuthURL()+"/deauthorize", strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			status, body := readJSON(t, resp, nil)
			if status != tc.status {
				t.Fatalf("status %d want %d: %s", status, tc.status, body)
			}
			if status == http.StatusOK && body != `{"access_token":"`+tok.AccessToken+`"}` {
				t.Errorf("body %s", body)
			}
			if status == http.StatusUnauthorized {
				wantFault(t, body, "Authorization Error", "Athlete", "access_token", "invalid")
			}
		})
	}
	// Every token of the athlete is revoked, including the refresh token.
	if resp, _ := get(t, srv, "/athlete", second.AccessToken, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token after deauthorize: %d", resp.StatusCode)
	}
	status, _ := postForm(t, srv.OAuthURL()+"/token", url.Values{
		"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken},
	}, nil)
	if status != http.StatusBadRequest {
		t.Errorf("refresh after deauthorize: %d", status)
	}
	ds := waitDeliveries(t, srv.Sim, 1)
	ev := ds[0].Event
	if ev.ObjectType != "athlete" || ev.AspectType != "update" || ev.ObjectID != 134815 || ev.OwnerID != 134815 || ev.Updates["authorized"] != "false" {
		t.Errorf("event %+v", ev)
	}
	if _, ok := srv.Sim.GrantedScopes(134815); ok {
		t.Error("still connected")
	}
	if err := srv.Sim.DeauthorizeApp(); err == nil {
		t.Error("DeauthorizeApp of a disconnected athlete: no error")
	}
}

// A Sim is a plain http.Handler; the token endpoint also answers under /api/v3.
func TestSimAsHandler(t *testing.T) {
	sim := New(Config{Activities: 3})
	defer sim.Close()
	ts := httptest.NewServer(sim)
	defer ts.Close()
	srv := &Server{URL: ts.URL, Sim: sim}
	if srv.OAuthURL() != ts.URL+"/oauth" || srv.APIURL() != ts.URL+"/api/v3" || srv.ControlURL() != ts.URL+"/_sim" {
		t.Errorf("URLs %s %s %s", srv.OAuthURL(), srv.APIURL(), srv.ControlURL())
	}
	_, q := authorize(t, srv, authParams("activity:read_all", "s"))
	var tok tokenJSON
	status, body := postForm(t, ts.URL+"/api/v3/oauth/token", url.Values{
		"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "code": {q.Get("code")}, "grant_type": {"authorization_code"},
	}, &tok)
	if status != http.StatusOK || tok.Athlete == nil {
		t.Fatalf("%d %s", status, body)
	}
	var items []listItem
	if resp, body := get(t, srv, "/athlete/activities", tok.AccessToken, &items); resp.StatusCode != 200 || len(items) != 3 {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestStartAddress(t *testing.T) {
	if _, err := Start(Config{Addr: "256.0.0.1:99999"}); err == nil {
		t.Error("Start on a bad address: no error")
	}
	srv := start(t, Config{Addr: "127.0.0.1:0"})
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s", srv.URL)
	}
}
