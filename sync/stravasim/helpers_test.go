package stravasim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

const testRedirect = "http://localhost:8000/api/v1/oauth/strava/callback"

// start runs a simulator on a real port for the test.
func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// noRedirect is an HTTP client that returns redirects instead of following them.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// authorize calls /oauth/authorize and returns the redirect's query.
func authorize(t *testing.T, srv *Server, params url.Values) (*http.Response, url.Values) {
	t.Helper()
	resp, err := noRedirect().Get(srv.OAuthURL() + "/authorize?" + params.Encode())
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return resp, nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	return resp, loc.Query()
}

func authParams(scope, state string) url.Values {
	return url.Values{
		"client_id": {"12345"}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"approval_prompt": {"auto"}, "scope": {scope}, "state": {state},
	}
}

type tokenJSON struct {
	TokenType    string `json:"token_type"`
	ExpiresAt    int64  `json:"expires_at"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	AccessToken  string `json:"access_token"`
	Athlete      *struct {
		ID            int64  `json:"id"`
		Firstname     string `json:"firstname"`
		Lastname      string `json:"lastname"`
		ResourceState int    `json:"resource_state"`
	} `json:"athlete"`
}

// postForm posts a form and decodes the JSON answer into out (when not nil).
func postForm(t *testing.T, u string, form url.Values, out any) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return readJSON(t, resp, out)
}

func readJSON(t *testing.T, resp *http.Response, out any) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
	return resp.StatusCode, string(body)
}

// login runs the OAuth flow and exchanges the code.
func login(t *testing.T, srv *Server, scope string) tokenJSON {
	t.Helper()
	_, q := authorize(t, srv, authParams(scope, "st"))
	if q.Get("code") == "" {
		t.Fatalf("no code in redirect: %v", q)
	}
	var tok tokenJSON
	status, body := postForm(t, srv.OAuthURL()+"/token", url.Values{
		"client_id": {"12345"}, "client_secret": {"sim-client-secret"}, "code": {q.Get("code")}, "grant_type": {"authorization_code"},
	}, &tok)
	if status != http.StatusOK {
		t.Fatalf("token exchange: %d %s", status, body)
	}
	return tok
}

// get does an authenticated GET on the API.
func get(t *testing.T, srv *Server, path, token string, out any) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.APIURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	_, body := readJSON(t, resp, out)
	return resp, body
}

// wantFault checks a Strava error body.
func wantFault(t *testing.T, body, message, resource, field, code string) {
	t.Helper()
	var f fault
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if f.Message != message || len(f.Errors) != 1 || f.Errors[0] != (faultError{resource, field, code}) {
		t.Errorf("error body = %s, want message %q and %s/%s/%s", body, message, resource, field, code)
	}
}

// receiver is the application's webhook endpoint as a test double: it
// echoes the validation challenge and records event POSTs.
type receiver struct {
	*httptest.Server
	mu          sync.Mutex
	verifyToken string
	validations []url.Values
	events      []Event
	handle      func(w http.ResponseWriter, r *http.Request, n int) // answers the n-th POST (from 1); nil: 200
	validate    func(w http.ResponseWriter, r *http.Request)
}

// answerLate returns once the simulator has given up on r: its
// DeliveryTimeout passed and it closed the connection (at the latest after
// 10 s, so a simulator that never gives up fails the test, not hangs it).
func answerLate(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func newReceiver(t *testing.T, verifyToken string) *receiver {
	rc := &receiver{verifyToken: verifyToken}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		rc.validations = append(rc.validations, q)
		validate := rc.validate
		rc.mu.Unlock()
		if validate != nil {
			validate(w, r)
			return
		}
		if q.Get("hub.verify_token") != rc.verifyToken || q.Get("hub.mode") != "subscribe" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"hub.challenge": q.Get("hub.challenge")})
	case http.MethodPost:
		var ev Event
		err := json.NewDecoder(r.Body).Decode(&ev)
		if err == nil {
			rc.events = append(rc.events, ev)
		}
		n, handle := len(rc.events), rc.handle
		rc.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if handle != nil {
			handle(w, r, n)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		rc.mu.Unlock()
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (rc *receiver) validationQueries() []url.Values {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]url.Values(nil), rc.validations...)
}

func (rc *receiver) received() []Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Event(nil), rc.events...)
}

func subscribe(t *testing.T, srv *Server, callback, verifyToken string) (int, string) {
	t.Helper()
	return postForm(t, srv.APIURL()+"/push_subscriptions", url.Values{
		"client_id": {"12345"}, "client_secret": {"sim-client-secret"},
		"callback_url": {callback}, "verify_token": {verifyToken},
	}, nil)
}

func waitDeliveries(t *testing.T, sim *Sim, n int) []Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ds, err := sim.WaitDeliveries(ctx, n)
	if err != nil {
		t.Fatalf("waiting for %d deliveries: %v (have %d)", n, err, len(ds))
	}
	return ds
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
