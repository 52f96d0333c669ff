package stravasim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config configures a simulated Strava. Every zero field gets a Strava-like default.
type Config struct {
	ClientID     string // default "12345"
	ClientSecret string // default "sim-client-secret"

	// Activities is the size of the generated history of the default athlete
	// (deterministic for a given Seed and HistoryEnd). Negative means 0.
	Activities int
	Seed       int64

	AthleteID        int64  // default athlete, default 134815
	AthleteFirstname string // default "Zoë"
	AthleteLastname  string // default "Ørsted"

	// OtherAthleteActivities is the history size of athletes added by
	// SetAuthorizingAthlete. Default 20; negative means none.
	OtherAthleteActivities int

	// HistoryEnd is the end of the generated ten-year history.
	// Default: Now() truncated to the UTC day, so a day's runs see the same history.
	HistoryEnd time.Time

	Now      func() time.Time // clock for rate-limit windows, token and code expiry; default time.Now
	TokenTTL time.Duration    // access token lifetime; default 6h like Strava
	CodeTTL  time.Duration    // authorization code lifetime; default 10 min

	// CallbackDomain is the application's "Authorization Callback Domain".
	// localhost and 127.0.0.1 are always allowed, like on Strava. Default "localhost".
	CallbackDomain string

	// AthleteCapacity is how many athletes may be connected at once; 0 = unlimited.
	AthleteCapacity int

	// RateLimits default to Strava's: overall 200/15 min and 2,000/day,
	// read ("non-upload") 100/15 min and 1,000/day. Zero fields get the default.
	RateLimits Limits

	// DeliveryTimeout is how long an event POST or validation GET may take
	// (Strava: 2 s). DeliveryRetryDelay is the wait between event attempts
	// (Strava waits minutes; the default here is 1 s to keep tests short).
	DeliveryTimeout    time.Duration
	DeliveryRetryDelay time.Duration

	// CallbackDial, when set, opens the connections of validation GETs and
	// event POSTs (tests reach a public callback host name on a local
	// server through it; the requests keep the callback URL's Host).
	// Default: the system's resolver and dialer.
	CallbackDial func(ctx context.Context, network, addr string) (net.Conn, error)

	// NoTies turns off the start-time ties of the generated history. By
	// default the history has ties (several activities starting in the same
	// second), and one tie straddles every 200-activity page boundary of the
	// full newest-first listing (see the package doc).
	NoTies bool

	// AfterOrder is the listing order when only `after` is given, which
	// Strava does not document (default OldestFirst).
	AfterOrder ListOrder

	// TieOrder is the order of activities starting in the same second,
	// which Strava does not document: TiesByID (default) or TiesUnstable
	// (a new order on every request).
	TieOrder TieOrder

	// UploadProcessing: for this long (by Now) after CreateActivity, GET
	// /activities/{id} and its streams answer 404 while the activity is
	// already listed and its create event sent (the upload is still being
	// processed). 0: readable at once. SetUploadProcessing changes it.
	UploadProcessing time.Duration

	// DuplicateCreateEvents: every create event is delivered twice (two
	// deliveries of the same event). SetDuplicateCreateEvents changes it.
	DuplicateCreateEvents bool

	// RefreshTokens: whether a refresh returns a new refresh token
	// (RotateRefreshToken, the default; the old one is then dead) or the
	// same one (KeepRefreshToken).
	RefreshTokens RefreshRotation

	Logger *slog.Logger // default: discard

	Addr string // listen address for Start; default "127.0.0.1:0"
}

func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = "12345"
	}
	if c.ClientSecret == "" {
		c.ClientSecret = "sim-client-secret"
	}
	if c.Activities < 0 {
		c.Activities = 0
	}
	if c.AthleteID <= 0 {
		c.AthleteID = 134815
	}
	if c.AthleteFirstname == "" {
		c.AthleteFirstname = "Zoë"
	}
	if c.AthleteLastname == "" {
		c.AthleteLastname = "Ørsted"
	}
	if c.OtherAthleteActivities == 0 {
		c.OtherAthleteActivities = 20
	} else if c.OtherAthleteActivities < 0 {
		c.OtherAthleteActivities = 0
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HistoryEnd.IsZero() {
		c.HistoryEnd = c.Now().UTC().Truncate(24 * time.Hour)
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 6 * time.Hour
	}
	if c.CodeTTL <= 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.CallbackDomain == "" {
		c.CallbackDomain = "localhost"
	}
	if c.AthleteCapacity < 0 {
		c.AthleteCapacity = 0
	}
	c.RateLimits = c.RateLimits.withDefaults()
	if c.DeliveryTimeout <= 0 {
		c.DeliveryTimeout = 2 * time.Second
	}
	if c.DeliveryRetryDelay <= 0 {
		c.DeliveryRetryDelay = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	return c
}

// Sim is a simulated Strava: OAuth, API v3, push subscriptions with event
// delivery, rate limits and fault injection. It implements http.Handler and
// is safe for concurrent use. Call Close when done to stop event delivery.
type Sim struct {
	cfg    Config
	data   *simData // read-only tables: sports, places
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	client *http.Client // outbound: subscription validation and event delivery
	appID  int64
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu          sync.Mutex
	athletes    map[int64]*athlete
	activities  map[int64]*activity // every athlete's activities by id
	nextID      int64               // next activity id to hand out
	authorizing int64               // athlete who logs in at /oauth/authorize
	consent     Consent
	codes       map[string]*authCode
	access      map[string]*accessToken
	refresh     map[string]*grant
	grants      map[int64]*grant // connected athletes
	capacity    int
	sub         *subscription
	subCreating bool
	nextSubID   int64
	faults      faultState
	behaviour   behaviour
	notFound    map[int64]notFoundRule // transient 404s of GET /activities/{id}[/streams]
	rl          rateLimiter
	counts      map[string]int
	apiCount    int
	deliveries  []*delivery
	queue       []*delivery
	delivering  bool
	changed     chan struct{} // closed and replaced whenever deliveries change
	closed      bool
}

// callbackTransport is the transport of outbound calls to callback URLs.
func callbackTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if dial != nil {
		t.DialContext = dial
		t.Proxy = nil
	}
	return t
}

// New builds a simulated Strava with the default athlete's generated history.
func New(cfg Config) *Sim {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sim{
		cfg:        cfg,
		data:       newSimData(cfg.HistoryEnd.Year()),
		log:        cfg.Logger,
		now:        cfg.Now,
		mux:        http.NewServeMux(),
		client:     &http.Client{Transport: callbackTransport(cfg.CallbackDial)},
		ctx:        ctx,
		cancel:     cancel,
		athletes:   make(map[int64]*athlete),
		activities: make(map[int64]*activity),
		nextID:     firstActivityID,
		codes:      make(map[string]*authCode),
		access:     make(map[string]*accessToken),
		refresh:    make(map[string]*grant),
		grants:     make(map[int64]*grant),
		capacity:   cfg.AthleteCapacity,
		nextSubID:  120475,
		rl:         rateLimiter{limits: cfg.RateLimits},
		counts:     make(map[string]int),
		changed:    make(chan struct{}),
		notFound:   make(map[int64]notFoundRule),
		behaviour: behaviour{
			afterOrder: cfg.AfterOrder, tieOrder: cfg.TieOrder, uploadProcessing: cfg.UploadProcessing,
			duplicateCreates: cfg.DuplicateCreateEvents, refresh: cfg.RefreshTokens,
		},
	}
	if id, err := strconv.ParseInt(cfg.ClientID, 10, 64); err == nil {
		s.appID = id
	}
	s.mu.Lock()
	s.addAthleteLocked(cfg.AthleteID, cfg.AthleteFirstname, cfg.AthleteLastname, cfg.Activities)
	s.authorizing = cfg.AthleteID
	s.mu.Unlock()
	s.routes()
	return s
}

// Close stops event delivery (pending deliveries are abandoned) and waits for
// the delivery goroutine. The handler keeps answering requests afterwards.
func (s *Sim) Close() {
	s.mu.Lock()
	s.closed = true
	for _, d := range s.queue {
		d.done = true
	}
	s.queue = nil
	s.notifyLocked()
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.client.CloseIdleConnections()
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Sim) routes() {
	s.oauth("GET /oauth/authorize", s.handleAuthorize)
	s.oauth("POST /oauth/token", s.handleToken)
	s.oauth("POST /api/v3/oauth/token", s.handleToken) // Strava answers on both paths
	s.oauth("POST /oauth/deauthorize", s.handleDeauthorize)

	s.api("GET /api/v3/athlete", s.handleAthlete)
	s.api("GET /api/v3/athlete/activities", s.handleListActivities)
	s.api("GET /api/v3/activities/{id}", s.handleGetActivity)
	s.api("GET /api/v3/activities/{id}/streams", s.handleStreams)
	s.api("POST /api/v3/push_subscriptions", s.handleCreateSubscription)
	s.api("GET /api/v3/push_subscriptions", s.handleListSubscriptions)
	s.api("DELETE /api/v3/push_subscriptions/{id}", s.handleDeleteSubscription)
	s.api("/api/v3/", func(w http.ResponseWriter, _ *http.Request) { writeError(w, errRouteNotFound()) })

	s.controlRoutes()
}

// oauth registers an OAuth endpoint: counted and subject to injected failures.
func (s *Sim) oauth(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[pattern]++
		injected := s.faults.takeFailure(r.URL.Path)
		s.mu.Unlock()
		s.log.Debug("stravasim request", "method", r.Method, "path", r.URL.Path)
		if injected != 0 {
			writeError(w, errInjected(injected))
			return
		}
		h(w, r)
	})
}

// api registers an API v3 endpoint: counted, delayed by the configured
// latency, subject to injected failures, rate limited (with Strava's four
// headers on every response) and refused while the application is inactive.
func (s *Sim) api(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[pattern]++
		s.apiCount++
		latency := s.faults.latency
		s.mu.Unlock()
		s.log.Debug("stravasim request", "method", r.Method, "path", r.URL.Path)

		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			case <-s.ctx.Done(): // closing: answer at once
				t.Stop()
			}
		}

		s.mu.Lock()
		injected := s.faults.takeFailure(r.URL.Path)
		var allowed, inactive bool
		if injected == 0 {
			allowed = s.rl.take(s.now(), true)
			s.rl.setHeaders(w.Header())
			inactive = s.faults.inactive
		}
		s.mu.Unlock()

		switch {
		case injected != 0:
			writeError(w, errInjected(injected))
		case !allowed:
			writeError(w, errRateLimited())
		case inactive:
			writeError(w, errAppInactive())
		default:
			h(w, r)
		}
	})
}

// RequestCount is the number of requests received under /api/v3 since the
// start or the last ResetRequestCounts (OAuth and /_sim/ requests excluded).
func (s *Sim) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiCount
}

// RequestCounts is the number of requests per route since the start or the
// last reset, keyed by route pattern, e.g. "GET /api/v3/athlete/activities"
// or "POST /oauth/token". Control requests are not counted.
func (s *Sim) RequestCounts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetRequestCounts sets every request counter to zero.
func (s *Sim) ResetRequestCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = make(map[string]int)
	s.apiCount = 0
}

// parseForm reads parameters the way Strava does: query string,
// application/x-www-form-urlencoded and multipart/form-data (curl -F).
// net/http reads form bodies of POST, PUT and PATCH only; DELETE bodies
// (curl -X DELETE -d …) are read here.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if ct == "multipart/form-data" {
		return r.ParseMultipartForm(maxFormBytes)
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	if ct != "application/x-www-form-urlencoded" || r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	vals, err := url.ParseQuery(string(b))
	if err != nil {
		return err
	}
	for k, vs := range vals {
		r.Form[k] = append(r.Form[k], vs...)
	}
	return nil
}

const maxFormBytes = 1 << 20

// newSecret returns 40 lowercase hex characters, the shape of Strava's tokens and codes.
func newSecret() string {
	var b [20]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// bearerToken returns the access token of a request: the Authorization
// header ("Bearer …") or, like Strava, an access_token parameter.
func bearerToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return r.FormValue("access_token")
}
