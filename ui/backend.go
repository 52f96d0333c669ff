package ui

import (
	"context"
	"io"
	"time"

	"github.com/owtray/owtray/app/textfmt"

	"github.com/owtray/owtray/sync/store"
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
	// Activities returns the page of stored activities matching f, newest
	// first by start date, with the total number of matches. It answers in
	// well under 100 ms for 20,000 activities. The items may carry only the
	// listed fields, without Strava's JSON: Activity has the whole record.
	Activities(ctx context.Context, f Filter) (ActivityPage, error)
	// Sports returns the distinct sport_type values stored, sorted.
	Sports(ctx context.Context) ([]string, error)
	// Activity returns one stored activity.
	Activity(ctx context.Context, id int64) (store.Activity, error)
	// FetchDetails fetches the detailed activity from Strava now, stores it
	// and returns the updated record.
	FetchDetails(ctx context.Context, id int64) (store.Activity, error)
	// Export writes one activity to w: GPX built from its streams (fetched
	// when missing, within the rate-limit budget) or Strava's JSON as stored.
	Export(ctx context.Context, id int64, format ExportFormat, w io.Writer) error
	// StravaURL is the activity's page, e.g. https://www.strava.com/activities/ID.
	StravaURL(id int64) string
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
	// waits for the callback. A refusal is returned as *ConnectError.
	Connect(ctx context.Context) (ConnectResult, error)
	// StartDemo switches to the built-in simulated Strava with its own data
	// directory; the new state arrives as EventStatus.
	StartDemo(ctx context.Context) error
	// Logout revokes access at Strava and deletes the tokens from the
	// keychain; wipe also deletes the locally stored activities.
	Logout(ctx context.Context, wipe bool) error
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
}

// Progress of a running sync.
type Progress struct {
	Phase string // e.g. "Importing history", "Fetching details"
	Done  int    // activities so far
	Total int    // 0 when not known yet
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
	Activity store.Activity // for EventNewActivity
}

// Filter selects stored activities. Zero values do not filter.
type Filter struct {
	Search string // case-insensitive substring of the name
	Sport  string // exact sport_type
	// Since (inclusive) and Until (exclusive) compare with the activity's
	// wall-clock start (store.Activity.StartDateLocal, whose clock reading
	// is the local time); the UI passes midnights in UTC.
	Since, Until time.Time
	Limit        int // page size; 0: backend default
	Offset       int
}

// ActivityPage is one page of a query.
type ActivityPage struct {
	Items []store.Activity
	Total int // all matches, not only this page
}

// ExportFormat is a file format for Export.
type ExportFormat int

// Export formats.
const (
	ExportGPX ExportFormat = iota
	ExportJSON
)

// Ext is the file name extension, with the dot.
func (f ExportFormat) Ext() string {
	if f == ExportGPX {
		return ".gpx"
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
