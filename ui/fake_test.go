package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// fakeBackend is an in-memory Backend for tests. Its zero behaviour is a
// connected athlete whose calls succeed; tests change fields under mu or
// through the helpers, and read the recorded calls.
type fakeBackend struct {
	mu       sync.Mutex
	status   Status
	settings Settings
	setup    SetupForm
	acts     []Activity // newest first
	lower    []string   // lower-case names, for search
	subs     map[int]func(Event)
	nextSub  int

	// Hooks; nil means the default behaviour.
	beforeQuery   func(ctx context.Context, f Filter) error // runs before Activities answers
	beforeGet     func()                                    // runs before Activity answers
	beforeStreams func()                                    // runs before Streams answers
	streams       map[int64]Streams                         // by activity; none: empty Streams
	connect       func(ctx context.Context) (ConnectResult, error)
	syncNow       func() error
	// exportStep runs before each activity of ExportList; it may block,
	// and report a rate-limit wait with wait.
	exportStep func(ctx context.Context, i int, wait func(time.Time)) error
	noBrowser  bool   // Connect reports that no browser could be opened
	notRevoked string // Logout reports that Strava did not confirm the revoke

	// Recorded calls.
	queries       []Filter
	syncCalls     int
	savedSetups   []SetupForm
	savedSettings []Settings
	logouts       []bool
	connects      int
	fetched       []int64
	streamCalls   []int64
	demoStarted   bool
}

func newFakeBackend(n int) *fakeBackend {
	f := &fakeBackend{
		status: Status{Connected: true, Athlete: "Jane Doe", AthleteID: 4242,
			LastSync: time.Now(), Webhooks: Webhooks{State: WebhooksLive, PublicURL: "https://x.ngrok.app"},
			RateLimit: RateLimit{Used: 42, Limit: 100, DailyUsed: 420, DailyLimit: 1000,
				Remaining: 58, ResetsAt: time.Now().Add(10 * time.Minute)}},
		settings: Settings{Units: Metric, PollInterval: time.Hour, LookBack: 7 * 24 * time.Hour, Notifications: true},
		setup:    SetupForm{VerifyToken: "generated-verify-token-123"},
		subs:     map[int]func(Event){},
	}
	f.setActivities(makeActivities(n))
	return f
}

// setActivities replaces the stored activities (newest first).
func (f *fakeBackend) setActivities(acts []Activity) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acts = acts
	f.lower = make([]string, len(acts))
	for i, a := range acts {
		f.lower[i] = strings.ToLower(a.Name)
	}
}

// emit sends e to every subscriber, like the app does from its goroutines.
func (f *fakeBackend) emit(e Event) {
	f.mu.Lock()
	subs := make([]func(Event), 0, len(f.subs))
	for _, fn := range f.subs {
		subs = append(subs, fn)
	}
	f.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}

// setStatus changes the status and reports it.
func (f *fakeBackend) setStatus(change func(*Status)) {
	f.mu.Lock()
	change(&f.status)
	f.mu.Unlock()
	f.emit(Event{Kind: EventStatus})
}

func (f *fakeBackend) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeBackend) Subscribe(fn func(Event)) func() {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextSub
	f.nextSub++
	f.subs[id] = fn
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.subs, id)
	}
}

func (f *fakeBackend) SyncNow(context.Context) error {
	f.mu.Lock()
	f.syncCalls++
	hook, running := f.syncNow, f.status.Syncing
	f.mu.Unlock()
	if running {
		return errors.New("a sync is already running")
	}
	if hook != nil {
		return hook()
	}
	f.setStatus(func(s *Status) {
		s.Syncing, s.Progress = true, Progress{Phase: PhaseImport, Done: 1200, Total: 4000}
	})
	return nil
}

func (f *fakeBackend) Activities(ctx context.Context, flt Filter) (ActivityPage, error) {
	f.mu.Lock()
	f.queries = append(f.queries, flt)
	hook := f.beforeQuery
	f.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, flt); err != nil {
			return ActivityPage{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := strings.ToLower(flt.Search)
	var page ActivityPage
	// Like app/desktop's: the rows in the sort's order, none moved.
	order := SortOrder(len(f.acts), func(i int) Activity { return f.acts[i] }, flt)
	for j := range f.acts {
		i := j
		if order != nil { // nil: the stored order
			i = int(order[j])
		}
		a := f.acts[i]
		if !strings.Contains(f.lower[i], q) || (flt.Sport != "" && a.SportType != flt.Sport) ||
			(!flt.Since.IsZero() && a.StartDateLocal.Before(flt.Since)) ||
			(!flt.Until.IsZero() && !a.StartDateLocal.Before(flt.Until)) {
			continue
		}
		if page.Total >= flt.Offset && (flt.Limit == 0 || len(page.Items) < flt.Limit) {
			// Like app/desktop's: list items carry only the indexed fields.
			page.Items = append(page.Items, Activity{ID: a.ID, Name: a.Name, SportType: a.SportType,
				StartDate: a.StartDate, StartDateLocal: a.StartDateLocal, Timezone: a.Timezone, Distance: a.Distance,
				MovingTime: a.MovingTime, ElapsedTime: a.ElapsedTime, TotalElevationGain: a.TotalElevationGain,
				Private: a.Private})
		}
		page.Total++
	}
	return page, nil
}

func (f *fakeBackend) Sports(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.acts {
		if !slices.Contains(out, a.SportType) {
			out = append(out, a.SportType)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeBackend) Activity(_ context.Context, id int64) (Activity, error) {
	f.mu.Lock()
	hook := f.beforeGet
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.acts {
		if a.ID == id {
			return a, nil
		}
	}
	return Activity{}, fmt.Errorf("activity %d: not stored", id)
}

func (f *fakeBackend) FetchDetails(ctx context.Context, id int64) (Activity, error) {
	a, err := f.Activity(ctx, id)
	if err != nil {
		return a, err
	}
	a.JSON = []byte(`{"id":` + fmt.Sprint(id) + `,"name":"` + a.Name +
		`","description":"Felt strong","device_name":"Garmin Forerunner 965","calories":512.5,"commute":true}`)
	a.Detailed, a.Description, a.DeviceName, a.Commute = true, "Felt strong", "Garmin Forerunner 965", true
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetched = append(f.fetched, id)
	for i := range f.acts {
		if f.acts[i].ID == id {
			f.acts[i] = a
		}
	}
	return a, nil
}

func (f *fakeBackend) Export(_ context.Context, id int64, format ExportFormat, w io.Writer) error {
	if format == ExportGPX {
		_, err := fmt.Fprintf(w, "<gpx><trk><name>%d</name></trk></gpx>", id)
		return err
	}
	_, err := fmt.Fprintf(w, `{"id":%d}`, id)
	return err
}

func (f *fakeBackend) Streams(_ context.Context, id int64) (Streams, error) {
	f.mu.Lock()
	f.streamCalls = append(f.streamCalls, id)
	hook := f.beforeStreams
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.streams[id] // copied, as a real backend decodes a new one each time
	for _, p := range []*[]float64{&s.Time, &s.Distance, &s.Altitude, &s.Velocity, &s.Heartrate, &s.Cadence, &s.Watts} {
		*p = slices.Clone(*p)
	}
	s.LatLng = slices.Clone(s.LatLng)
	return s, nil
}

func (f *fakeBackend) ExportList(ctx context.Context, flt Filter, format ExportFormat, w io.Writer, progress func(ExportProgress)) error {
	flt.Limit, flt.Offset = 0, 0
	page, err := f.Activities(ctx, flt)
	if err != nil {
		return err
	}
	f.mu.Lock()
	step := f.exportStep
	f.mu.Unlock()
	progress(ExportProgress{Total: page.Total})
	for i, a := range page.Items {
		if step != nil {
			if err := step(ctx, i, func(until time.Time) {
				progress(ExportProgress{Done: i, Total: page.Total, WaitingUntil: until})
			}); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "%d,%s%s\n", a.ID, a.Name, format.Ext()); err != nil {
			return err
		}
		progress(ExportProgress{Done: i + 1, Total: page.Total})
	}
	return nil
}

func (f *fakeBackend) StravaURL(id int64) string {
	return fmt.Sprintf("https://www.strava.com/activities/%d", id)
}

func (f *fakeBackend) SetupDefaults() SetupForm {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.setup
}

func (f *fakeBackend) ValidateSetup(s SetupForm) FieldErrors {
	errs := FieldErrors{}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(s.ClientID) {
		errs[FieldClientID] = "Enter the Client ID: digits only, from strava.com/settings/api."
	}
	if !(s.ClientSecret == "" && f.SetupDefaults().HasClientSecret) &&
		!regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(s.ClientSecret) {
		errs[FieldClientSecret] = "The Client Secret is 40 characters 0-9 and a-f."
	}
	if len(s.VerifyToken) < 8 {
		errs[FieldVerifyToken] = "Use at least 8 characters."
	}
	if s.CallbackURL != "" && !strings.HasPrefix(s.CallbackURL, "https://") {
		errs[FieldCallbackURL] = "Strava needs an https:// URL."
	}
	return errs
}

func (f *fakeBackend) SaveSetup(_ context.Context, s SetupForm) error {
	if errs := f.ValidateSetup(s); len(errs) > 0 {
		return errs
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.savedSetups = append(f.savedSetups, s)
	f.setup = SetupForm{ClientID: s.ClientID, VerifyToken: s.VerifyToken, CallbackURL: s.CallbackURL,
		HasClientSecret: true, HasNgrokAuthtoken: s.NgrokAuthtoken != ""}
	return nil
}

// fakeAuthorizeURL is the address the fake's Connect reports.
const fakeAuthorizeURL = "https://www.strava.com/oauth/authorize?client_id=12345&state=abc"

func (f *fakeBackend) Connect(ctx context.Context, onURL func(string, error)) (ConnectResult, error) {
	f.mu.Lock()
	f.connects++
	hook, noBrowser := f.connect, f.noBrowser
	f.mu.Unlock()
	if onURL != nil {
		var err error
		if noBrowser {
			err = errors.New(`exec: "xdg-open": executable file not found in $PATH`)
		}
		onURL(fakeAuthorizeURL, err)
	}
	if hook != nil {
		return hook(ctx)
	}
	f.setStatus(func(s *Status) { s.Connected, s.NeedsReconnect = true, "" })
	return ConnectResult{Athlete: "Jane Doe", AthleteID: 4242}, nil
}

func (f *fakeBackend) StartDemo(context.Context) error {
	f.mu.Lock()
	f.demoStarted = true
	f.mu.Unlock()
	f.setStatus(func(s *Status) { s.Connected, s.Demo, s.Athlete = true, true, "Demo Athlete" })
	return nil
}

func (f *fakeBackend) Logout(_ context.Context, wipe bool) (LogoutResult, error) {
	f.mu.Lock()
	f.logouts = append(f.logouts, wipe)
	f.mu.Unlock()
	if wipe {
		f.setActivities(nil)
	}
	f.setStatus(func(s *Status) { s.Connected = false })
	return LogoutResult{NotRevoked: f.notRevoked}, nil
}

func (f *fakeBackend) Settings() Settings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.settings
}

func (f *fakeBackend) SaveSettings(_ context.Context, s Settings) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settings = s
	f.savedSettings = append(f.savedSettings, s)
	return nil
}

// locked reads recorded state under the lock.
func locked[T any](f *fakeBackend, read func() T) T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return read()
}

// fakeSports are the sport types of generated activities, in turn.
func fakeSports() []string { return []string{"Run", "Ride", "Swim", "TrailRun", "Hike"} }

// makeActivities generates n activities, newest first: names cycle through
// a few words (with unicode), sports through fakeSports, one every 13 hours
// back from 2024-06-01; swims have no route. Each is Loaded with its
// summary JSON, as the backend's Activity returns it.
func makeActivities(n int) []Activity {
	names := []string{"Morning Run", "Evening Ride", "Lunch Swim", "Trail Run Über Berg", "Hike to 富士山"}
	route := [][2]float64{{47.3769, 8.5417}, {47.3800, 8.5450}, {47.3850, 8.5400}, {47.3820, 8.5350}, {47.3769, 8.5417}}
	start := time.Date(2024, 6, 1, 7, 30, 0, 0, time.UTC)
	out := make([]Activity, n)
	for i := range out {
		sport := fakeSports()[i%len(fakeSports())]
		a := Activity{
			ID: int64(1000 + n - i), Name: fmt.Sprintf("%s %d", names[i%len(names)], n-i),
			SportType: sport, StartDateLocal: start.Add(-time.Duration(i) * 13 * time.Hour),
			StartDate: start.Add(-time.Duration(i)*13*time.Hour - time.Hour), // Zurich is UTC+1
			Timezone:  "(GMT+01:00) Europe/Zurich", Distance: 1000 + float64(i%50)*370,
			MovingTime: 1800 + i%3600, ElapsedTime: 2000 + i%3600, TotalElevationGain: float64(i % 300),
			Private: i%7 == 0, Loaded: true,
		}
		summary := map[string]any{"id": a.ID, "name": a.Name, "sport_type": sport, "distance": a.Distance,
			"moving_time": a.MovingTime, "elapsed_time": a.ElapsedTime, "total_elevation_gain": a.TotalElevationGain,
			"private": a.Private, "trainer": false, "manual": false, "commute": false,
			"start_date_local": a.StartDateLocal.Format(time.RFC3339), "average_speed": 3.1,
			"athlete": map[string]any{"id": 4242, "resource_state": 1}, "map": map[string]any{"id": "a1"}}
		if sport != "Swim" {
			summary["map"] = map[string]any{"id": "a1", "summary_polyline": "(encoded route)"}
			a.Route = route
		}
		a.JSON, _ = json.Marshal(summary)
		out[i] = a
	}
	return out
}
