package ui

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/owtray/owtray/app/textfmt"
)

// Backend is everything the window and the tray need from the application.
// The UI only draws and forwards: every network, keychain and database
// operation happens behind this interface.
//
// Methods that take a context may block; the UI never calls them on the UI
// goroutine. Methods without a context must answer from memory at once.
type Backend interface {
	StatusSource
	Library
	Account
	Preferences
}

// StatusSource reports the connection and sync state and starts syncs.
type StatusSource interface {
	// Status returns a snapshot of the current state without blocking.
	Status() Status
	// Subscribe calls fn for every Event until cancel is called. fn may be
	// called from any goroutine; it only queues work for the UI goroutine
	// and returns at once.
	Subscribe(fn func(Event)) (cancel func())
	// SyncNow starts a sync and returns once it has started (or failed to);
	// progress arrives as EventStatus. It fails when a sync is already running.
	SyncNow(ctx context.Context) error
}

// Library reads the locally stored activities.
type Library interface {
	// Activities returns the page of stored activities matching f, in f's
	// order (newest first by default), with the total number of matches. It
	// answers in well under 100 ms for 20,000 activities, in every order.
	// The items carry only the indexed fields (Loaded false): Activity has
	// the whole record.
	Activities(ctx context.Context, f Filter) (ActivityPage, error)
	// Sports returns the distinct sport_type values stored, sorted.
	Sports(ctx context.Context) ([]string, error)
	// Activity returns one stored activity, Loaded.
	Activity(ctx context.Context, id int64) (Activity, error)
	// FetchDetails fetches the detailed activity from Strava now, stores it
	// and returns the updated record, Loaded.
	FetchDetails(ctx context.Context, id int64) (Activity, error)
	// Export writes one activity to w: GPX built from its streams (fetched
	// when missing, within the rate-limit budget) or Strava's JSON as stored.
	Export(ctx context.Context, id int64, format ExportFormat, w io.Writer) error
	// ExportList writes every activity matching f (Limit and Offset are
	// ignored) to w. progress is called from the exporting goroutine after
	// each activity and while it waits for Strava's rate limit (GPX fetches
	// missing streams within the budget); it must not block.
	ExportList(ctx context.Context, f Filter, format ExportFormat, w io.Writer, progress func(ExportProgress)) error
	// StravaURL is the activity's page, e.g. https://www.strava.com/activities/ID.
	StravaURL(id int64) string
	// Streams returns the activity's recorded streams for the charts: from
	// the local cache, or fetched from Strava once and cached. An activity
	// without streams gives an empty Streams and no error.
	Streams(ctx context.Context, id int64) (Streams, error)
}

// Account sets up the Strava connection and ends it.
type Account interface {
	// SetupDefaults returns the current setup for the form. Secret fields
	// are empty; HasClientSecret and HasNgrokAuthtoken say whether one is stored.
	// VerifyToken is the current (possibly freshly generated) token.
	SetupDefaults() SetupForm
	// ValidateSetup checks f without I/O and names each invalid field.
	ValidateSetup(f SetupForm) FieldErrors
	// SaveSetup stores f: plain values in the config, secrets in the OS
	// keychain. An empty secret keeps the stored one. Invalid input is
	// returned as FieldErrors.
	SaveSetup(ctx context.Context, f SetupForm) error
	// Connect opens the Strava authorization page in the system browser and
	// waits for the callback. onURL, when not nil, gets the authorize URL as
	// soon as it is known, with the error of opening the browser (nil when
	// it opened), from any goroutine. A refusal is returned as *ConnectError.
	Connect(ctx context.Context, onURL func(url string, browserErr error)) (ConnectResult, error)
	// StartDemo switches to the built-in simulated Strava with its own data
	// directory; the new state arrives as EventStatus.
	StartDemo(ctx context.Context) error
	// Logout revokes access at Strava and deletes the tokens from the
	// keychain; wipe also deletes the locally stored activities.
	Logout(ctx context.Context, wipe bool) (LogoutResult, error)
}

// LogoutResult is how a logout went at Strava (the tokens are gone from
// the keychain either way).
type LogoutResult struct {
	// NotRevoked, when set, says that Strava did not confirm the revoke
	// and what to do about it.
	NotRevoked string
}

// Preferences reads and stores the user's settings.
type Preferences interface {
	// Settings returns the current settings without blocking.
	Settings() Settings
	// SaveSettings validates and stores s.
	SaveSettings(ctx context.Context, s Settings) error
}

// Status is a snapshot of the connection and sync state.
type Status struct {
	Connected bool
	Demo      bool // running against the built-in simulator
	Athlete   string
	AthleteID int64
	// NeedsReconnect says why access must be granted again (token refused,
	// access revoked); empty when the connection is fine.
	NeedsReconnect string
	LastSync       time.Time // zero: never synced
	Syncing        bool
	Progress       Progress // meaningful while Syncing
	// SyncError is the last sync failure in words that say what happens
	// next, e.g. "Strava rate limit reached (100/100 reads this 15 min);
	// resumes at 14:45"; empty after a successful sync.
	SyncError string
	Webhooks  Webhooks
	RateLimit RateLimit
	// Configured: the Strava application's credentials are set up, so
	// Connect can run without the setup form.
	Configured bool
	// Activities is how many activities are stored.
	Activities int
	// NoKeychain says why the OS keychain cannot be reached; owtray cannot
	// run without one. Empty when it works.
	NoKeychain string
}

// Progress of a running sync.
type Progress struct {
	Phase SyncPhase
	Done  int // activities so far
	Total int // 0 when not known yet
}

// SyncPhase is what a running sync does.
type SyncPhase int

// Sync phases.
const (
	PhaseNone          SyncPhase = iota // no progress reported yet
	PhaseImport                         // the first import of the whole history
	PhaseFullSync                       // checking the whole history for deletions
	PhaseNewActivities                  // fetching activities since the last sync
	PhaseDetails                        // fetching detailed activities
	PhaseDone                           // the history pass ended
	numPhases                           // keep last
)

// String is the phase in words for the status bar.
func (p SyncPhase) String() string {
	switch p {
	case PhaseNone:
		return ""
	case PhaseImport:
		return "Importing history"
	case PhaseFullSync:
		return "Checking the whole history"
	case PhaseNewActivities:
		return "Fetching new activities"
	case PhaseDetails:
		return "Fetching details"
	case PhaseDone:
		return "Done"
	}
	return "Syncing (phase " + strconv.Itoa(int(p)) + ")" // TestSyncPhaseNames lists every phase
}

// WebhookState says whether new activities arrive in real time.
type WebhookState int

// Webhook states.
const (
	// WebhooksOff: neither an ngrok authtoken nor an own callback URL is set.
	WebhooksOff WebhookState = iota
	WebhooksStarting
	WebhooksLive
	// WebhooksFailed: the tunnel or the subscription failed; see Detail.
	WebhooksFailed
)

// Webhooks is the state of the tunnel and the Strava push subscription.
type Webhooks struct {
	State     WebhookState
	PublicURL string // the callback URL Strava posts to, when known
	Detail    string // why it failed, without secrets
}

// RateLimit is the latest read rate-limit snapshot from Strava's headers.
type RateLimit struct {
	Used, Limit           int // reads in the current 15-minute window; Limit 0: unknown
	DailyUsed, DailyLimit int
	// Remaining is how many more read requests Strava allows before
	// ResetsAt: the smaller of what the 15-minute and the daily limits
	// leave. Meaningful when Limit > 0.
	Remaining int
	// ResetsAt is when the limit that binds (the one Remaining comes from)
	// starts afresh.
	ResetsAt time.Time
}

// EventKind says what changed.
type EventKind int

// Event kinds.
const (
	// EventStatus: Status() has changed (connection, sync progress, webhooks, rate limit).
	EventStatus EventKind = iota
	// EventActivitiesChanged: stored activities were added, updated or removed.
	EventActivitiesChanged
	// EventNewActivity: a new activity arrived by webhook; Activity is set.
	// Stored activities have changed too.
	EventNewActivity
)

// Event is a change reported by the backend.
type Event struct {
	Kind     EventKind
	Activity Activity // for EventNewActivity
}

// Filter selects stored activities. Zero values do not filter.
type Filter struct {
	Search string // case-insensitive substring of the name
	Sport  string // exact sport_type
	// Since (inclusive) and Until (exclusive) compare with the activity's
	// wall-clock start (Activity.StartDateLocal, whose clock reading is the
	// local time); the UI passes midnights in UTC.
	Since, Until time.Time
	Limit        int // page size; 0: backend default
	Offset       int
	// Sort is the column the list is ordered by; ties keep the newest first.
	Sort SortKey
	// Ascending reverses Sort's default order (newest, longest, A first:
	// see SortKey.Compare).
	Ascending bool
}

// SortKey is a column the activity list can be ordered by.
type SortKey int

// Sort keys; the zero key is the start date.
const (
	SortDate SortKey = iota
	SortName
	SortSport
	SortDistance
	SortMovingTime
	SortElevation
	numSortKeys // keep last
)

// Compare orders a before b (negative), after b (positive) or level (0)
// ascending by k: earliest, A to Z (case-insensitive), shortest, lowest.
func (k SortKey) Compare(a, b Activity) int {
	switch k {
	case SortName:
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	case SortSport:
		return cmp.Compare(strings.ToLower(a.SportType), strings.ToLower(b.SportType))
	}
	return k.compareNumbers(a, b)
}

func (k SortKey) compareNumbers(a, b Activity) int {
	switch k {
	case SortDistance:
		return cmp.Compare(a.Distance, b.Distance)
	case SortMovingTime:
		return cmp.Compare(a.MovingTime, b.MovingTime)
	case SortElevation:
		return cmp.Compare(a.TotalElevationGain, b.TotalElevationGain)
	}
	return a.StartDate.Compare(b.StartDate)
}

// SortActivities orders items (given newest first) by f's sort, as
// Compare does; equal ones keep their order, so ties stay newest first.
func SortActivities(items []Activity, f Filter) {
	order := SortOrder(len(items), func(i int) Activity { return items[i] }, f)
	if order == nil {
		return
	}
	sorted := make([]Activity, len(items))
	for i, at := range order {
		sorted[i] = items[at]
	}
	copy(items, sorted)
}

// SortOrder returns the indexes of n rows (given newest first; row(i) is
// row i as an Activity) in f's order, as SortActivities would place them;
// nil when that is the order they have. It sorts small keys (names
// lower-cased once) and moves no row, so a caller that keeps the rows, in
// whatever form, can change the sort for the cost of the keys alone.
func SortOrder(n int, row func(i int) Activity, f Filter) []int32 {
	if f.Sort == SortDate && !f.Ascending {
		return nil // the stored order
	}
	sign := -1
	if f.Ascending {
		sign = 1
	}
	type keyed struct {
		text string
		num  float64
		at   time.Time // f.Sort == SortDate: the start
		i    int32
	}
	keys := make([]keyed, n)
	for i := range keys {
		a := row(i)
		k := keyed{i: int32(i)}
		switch f.Sort {
		case SortDate:
			k.at = a.StartDate
		case SortName:
			k.text = strings.ToLower(a.Name)
		case SortSport:
			k.text = strings.ToLower(a.SportType)
		case SortDistance:
			k.num = a.Distance
		case SortMovingTime:
			k.num = float64(a.MovingTime)
		case SortElevation:
			k.num = a.TotalElevationGain
		}
		keys[i] = k
	}
	slices.SortStableFunc(keys, func(x, y keyed) int {
		c := cmp.Compare(x.text, y.text)
		if c == 0 {
			c = cmp.Compare(x.num, y.num)
		}
		if c == 0 {
			c = x.at.Compare(y.at)
		}
		return sign * c
	})
	order := make([]int32, len(keys))
	for i, k := range keys {
		order[i] = k.i
	}
	return order
}

// ExportProgress is how far a list export is.
type ExportProgress struct {
	Done, Total int
	// WaitingUntil is set while the export waits for Strava's rate limit
	// (GPX streams) and says when it goes on.
	WaitingUntil time.Time
}

// ActivityPage is one page of a query.
type ActivityPage struct {
	Items []Activity
	Total int // all matches, not only this page
}

// Activity is one activity as the window shows it. A list row carries the
// indexed fields only; Activity and FetchDetails return it Loaded, with
// what the detail view shows, decoded by the backend from Strava's JSON.
type Activity struct {
	ID        int64
	Name      string
	SportType string // Strava's sport_type, any value, e.g. "TrailRun"
	// StartDate is the start as an instant (UTC): what the date sort and
	// the stored order follow, so activities in other time zones fall in
	// their real order.
	StartDate time.Time
	// StartDateLocal is the wall-clock start where the activity happened:
	// its clock reading is the local time (read the fields, never convert).
	StartDateLocal     time.Time
	Timezone           string  // e.g. "(GMT+01:00) Europe/Zurich"
	Distance           float64 // metres
	MovingTime         int     // seconds
	ElapsedTime        int     // seconds
	TotalElevationGain float64 // metres
	Private            bool

	// Loaded: the fields below are set; false for a list row.
	Loaded bool
	// Detailed: Strava's detailed representation is stored (description,
	// device, laps, gear); false while only the summary is.
	Detailed                 bool
	Description              string
	DeviceName               string
	Commute, Trainer, Manual bool
	GearName                 string // "" when no gear is set
	// Figures holds the overview's numbers as Strava sent them.
	Figures Figures
	Laps    []Lap
	// SplitsMetric (per km) and SplitsStandard (per mile) as Strava sent them.
	SplitsMetric, SplitsStandard []Split
	// Route is the most detailed polyline, decoded to [lat, lng] points;
	// nil when the activity has no GPS track or RouteProblem is set.
	Route [][2]float64
	// RouteProblem says why the route cannot be drawn (a damaged polyline).
	RouteProblem string
	// JSON is Strava's JSON as stored (detailed, else summary), for the
	// all-fields view.
	JSON []byte
	// Problem says which of Strava's fields could not be read; "" when all could.
	Problem string
}

// Lap is one lap of a detailed activity.
type Lap struct {
	Name               string
	Distance           float64  // metres
	MovingTime         int      // seconds
	ElapsedTime        int      // seconds
	TotalElevationGain float64  // metres
	AverageSpeed       float64  // m/s
	AverageHeartrate   *float64 // beats per minute; nil: not recorded
}

// Flags names the activity's flags that are set.
func (a Activity) Flags() []string {
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{{a.Private, "Private"}, {a.Commute, "Commute"}, {a.Trainer, "Trainer"}, {a.Manual, "Manual"}} {
		if f.on {
			out = append(out, f.name)
		}
	}
	return out
}

// ExportFormat is a file format for Export.
type ExportFormat int

// Export formats.
const (
	ExportGPX ExportFormat = iota
	ExportJSON
	ExportCSV
)

// Ext is the file name extension, with the dot.
func (f ExportFormat) Ext() string {
	switch f {
	case ExportGPX:
		return ".gpx"
	case ExportCSV:
		return ".csv"
	}
	return ".json"
}

// SetupForm holds the Strava app credentials and webhook settings.
type SetupForm struct {
	ClientID       string
	ClientSecret   string // keychain; empty keeps the stored one
	VerifyToken    string // webhook verify token
	NgrokAuthtoken string // keychain; empty keeps the stored one
	CallbackURL    string // own public webhook URL instead of ngrok

	HasClientSecret   bool // a client secret is stored (SetupDefaults only)
	HasNgrokAuthtoken bool // an ngrok authtoken is stored (SetupDefaults only)
}

// Field names a SetupForm field.
type Field string

// SetupForm fields.
const (
	FieldClientID       Field = "client_id"
	FieldClientSecret   Field = "client_secret"
	FieldVerifyToken    Field = "verify_token"
	FieldNgrokAuthtoken Field = "ngrok_authtoken"
	FieldCallbackURL    Field = "callback_url"
)

// FieldErrors maps an invalid field to a message that says how to fix it.
// It is an error so SaveSetup can return it.
type FieldErrors map[Field]string

func (e FieldErrors) Error() string {
	return "the setup has " + textfmt.Count(len(e)) + " invalid field(s)"
}

// ConnectResult is a successful connection.
type ConnectResult struct {
	Athlete   string
	AthleteID int64
	// Warnings, e.g. that activity:read_all was not granted so private
	// activities will not sync.
	Warnings []string
}

// ConnectReason classifies a failed connection.
type ConnectReason int

// Reasons a connection fails.
const (
	ConnectFailed               ConnectReason = iota // anything else; see Detail
	ConnectDenied                                    // the user clicked Cancel on Strava's page
	ConnectMissingScope                              // activity:read not granted
	ConnectBadClientSecret                           // Strava refused the client credentials
	ConnectSubscriptionInactive                      // the Strava API application is inactive
	ConnectTimeout                                   // no callback in time
)

// ConnectError is a refused or failed connection.
type ConnectError struct {
	Reason ConnectReason
	Detail string // extra words for the user; never a secret
}

func (e *ConnectError) Error() string {
	switch {
	case e.Detail == "":
		return connectMessage(e.Reason)
	case e.Reason == ConnectFailed:
		return "Connecting to Strava failed: " + e.Detail
	}
	return connectMessage(e.Reason) + " (" + e.Detail + ")"
}

// Units is the user's measurement system.
type Units int

// Measurement systems.
const (
	Metric Units = iota
	Imperial
)

// Settings are the user's preferences.
type Settings struct {
	Units         Units
	PollInterval  time.Duration // how often to ask Strava when webhooks are off or as a fallback
	LookBack      time.Duration // incremental syncs re-check this window for late uploads
	Notifications bool          // notify on a new activity from a webhook
	StartAtLogin  bool          // start owtray at login, in the tray (an OS entry, not settings.json)
}
