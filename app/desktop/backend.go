// Package desktop adapts the app to the window's ui.Backend: it translates
// types and keeps snapshots of the status, the settings and the setup in
// memory, so the methods the UI calls on its goroutine answer without I/O
// (the keychain is reached over D-Bus: only from New and the context
// methods, which the UI runs in the background).
package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/autostart"
	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/ui"
)

// DefaultPageSize is the page size when the UI asks for none.
const DefaultPageSize = 100

// Backend implements ui.Backend on an *app.App.
type Backend struct {
	app   *app.App
	demo  bool
	start func(ctx context.Context) error // StartDemo
	login *autostart.Autostart            // nil: start at login not offered
	// onSyncing is Options.OnSyncing, or nil.
	onSyncing func(bool)

	mu       sync.Mutex
	status   ui.Status
	settings ui.Settings
	setup    app.SetupState // without secrets; refreshed by New and SaveSetup
	// loggedOut: Logout ran in this window; until the next Connect the
	// missing tokens are the calm "Not connected", not a lost connection.
	loggedOut bool
	sorted    sortedRows
}

var _ ui.Backend = (*Backend)(nil)

// Options adjust New.
type Options struct {
	// Demo marks a demo session (against the built-in simulator).
	Demo bool
	// StartDemo switches to the demo; nil: not offered.
	StartDemo func(ctx context.Context) error
	// Autostart is the start-at-login entry the Settings switch edits;
	// nil (the demo): the switch cannot be turned on.
	Autostart *autostart.Autostart
	// OnSyncing, when set, hears when a sync starts (true) and ends
	// (false), on the goroutine that publishes the status.
	OnSyncing func(syncing bool)
}

// ErrNoAutostart means start at login is not offered here (the demo).
var ErrNoAutostart = errors.New("start at login is not available in the demo")

// New returns the backend of a; call Close when the window is gone.
func New(a *app.App, opts Options) *Backend {
	b := &Backend{app: a, demo: opts.Demo, start: opts.StartDemo, login: opts.Autostart, onSyncing: opts.OnSyncing}
	b.refreshStatus()
	b.refreshSettings()
	b.refreshSetup()
	var pages pageCounter
	a.Subscribe(func(ev app.Event) { // for the backend's lifetime, which is the app's
		if ev.Kind == app.EventActivities || ev.Kind == app.EventNewActivity || pages.stored(ev) {
			b.sorted.changed()
		}
	})
	return b
}

// pageCounter follows a sync's progress to tell when a page was stored.
type pageCounter struct {
	mu   sync.Mutex
	last int
}

// stored reports whether ev is the progress of a sync that stored more
// activities since the last one: the list shows each page as it arrives.
func (p *pageCounter) stored(ev app.Event) bool {
	if ev.Kind != app.EventProgress || ev.Progress.Phase == engine.PhaseDetails {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	grew := ev.Progress.Activities != p.last
	p.last = ev.Progress.Activities
	return grew && p.last > 0
}

// Status returns the latest snapshot.
func (b *Backend) Status() ui.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.status
	st.Configured = b.setup.ClientID != "" && b.setup.HasClientSecret
	return st
}

// Subscribe forwards the app's events, refreshing the snapshot first.
func (b *Backend) Subscribe(fn func(ui.Event)) func() {
	var pages pageCounter
	return b.app.Subscribe(func(ev app.Event) {
		switch ev.Kind {
		case app.EventStatus:
			b.refreshStatus()
			fn(ui.Event{Kind: ui.EventStatus})
		case app.EventProgress:
			stored := pages.stored(ev)
			b.setProgress(ev.Progress)
			fn(ui.Event{Kind: ui.EventStatus})
			if stored {
				b.sorted.changed()
				fn(ui.Event{Kind: ui.EventActivitiesChanged})
			}
		case app.EventActivities:
			b.sorted.changed() // before the list asks again
			fn(ui.Event{Kind: ui.EventActivitiesChanged})
		case app.EventNewActivity:
			b.sorted.changed()
			act := ui.Activity{ID: ev.ActivityID, Name: ev.Name}
			if stored, err := b.app.Activity(ev.ActivityID); err == nil {
				act = viewOf(stored)
			}
			fn(ui.Event{Kind: ui.EventNewActivity, Activity: act})
		}
	})
}

func (b *Backend) refreshStatus() {
	st, err := b.app.Status(context.Background())
	u := ui.Status{
		Connected: st.Connected, Demo: b.demo, Athlete: st.AthleteName, AthleteID: st.AthleteID,
		LastSync: st.LastSync, Syncing: st.Syncing, Progress: progress(st.Progress),
		SyncError:  st.LastSyncError,
		Webhooks:   webhooks(st.Webhooks),
		RateLimit:  rateLimit(st.RateLimits, time.Now()),
		Activities: st.Activities,
	}
	if err != nil {
		u.SyncError = err.Error()
	}
	if st.DamagedRecords > 0 && u.SyncError == "" {
		u.SyncError = app.DamagedWarning(st.DamagedRecords) // the list skips them
	}
	if st.Problem.Kind == app.ProblemNoKeychain {
		u.NoKeychain = st.Problem.Message
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.onSyncing != nil && u.Syncing != b.status.Syncing {
		// Under b.mu, so that the calls come in the order of the changes.
		b.onSyncing(u.Syncing)
	}
	if st.Connected {
		b.loggedOut = false
	}
	if !st.Connected && st.Activities > 0 && !b.loggedOut && u.NoKeychain == "" {
		// Local data stays browsable; the banner offers Reconnect.
		u.NeedsReconnect = reconnectReason(st.Problem)
		if err != nil {
			u.NeedsReconnect = msgNoLongerConnected
		}
	}
	if !st.Connected {
		u.SyncError = "" // the "Not connected" state says what to do
	}
	b.status = u
}

// rateLimit is the read budget as the window shows it: the binding limit's
// remaining requests and when it resets.
func rateLimit(s strava.RateLimitSnapshot, now time.Time) ui.RateLimit {
	r := ui.RateLimit{
		Used: s.Read.Usage15, Limit: s.Read.Limit15,
		DailyUsed: s.Read.UsageDay, DailyLimit: s.Read.LimitDay,
	}
	b := s.ReadBudget(now)
	if !b.Known {
		return r
	}
	if r.Limit <= 0 { // only the overall limit is known
		r.Used, r.Limit = s.Overall.Usage15, s.Overall.Limit15
		r.DailyUsed, r.DailyLimit = s.Overall.UsageDay, s.Overall.LimitDay
	}
	// Remaining15 already counts what the day leaves; the day binds when
	// it leaves no more than that.
	r.Remaining, r.ResetsAt = b.Remaining15, b.Reset15
	if b.RemainingDay <= b.Remaining15 {
		r.ResetsAt = b.ResetDay
	}
	if !now.Before(s.BlockedUntil) {
		return r
	}
	if r.ResetsAt.Before(s.BlockedUntil) {
		r.Remaining, r.ResetsAt = 0, s.BlockedUntil
	}
	return r
}

const msgNoLongerConnected = "owtray is no longer connected to Strava (access was revoked or ended); reconnect to keep your activities in sync"

// reconnectReason is the banner's text for a disconnected athlete whose
// data is stored.
func reconnectReason(p app.Problem) string {
	switch p.Kind {
	case app.ProblemNone, app.ProblemNotConnected:
		return msgNoLongerConnected
	case app.ProblemReconnectNeeded, app.ProblemNoKeychain, app.ProblemAppInactive, app.ProblemOther:
		return p.Message
	}
	return p.Message // unreachable: TestEveryProblemKindIsMapped
}

// setProgress updates the progress only; whether a sync runs comes from the
// app's status (a "done" phase may be followed by the details phase).
func (b *Backend) setProgress(p engine.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status.Progress = progress(p)
}

func progress(p engine.Progress) ui.Progress {
	return ui.Progress{Phase: phase(p.Phase), Done: p.Activities, Total: p.Total}
}

// phase maps every engine.Phase (TestEveryPhaseIsMapped); the zero Phase
// is no progress yet.
func phase(p engine.Phase) ui.SyncPhase {
	switch p {
	case engine.PhaseImport:
		return ui.PhaseImport
	case engine.PhaseFullSync:
		return ui.PhaseFullSync
	case engine.PhaseIncremental:
		return ui.PhaseNewActivities
	case engine.PhaseDetails:
		return ui.PhaseDetails
	case engine.PhaseDone:
		return ui.PhaseDone
	}
	return ui.PhaseNone
}

func webhooks(w app.WebhookStatus) ui.Webhooks {
	out := ui.Webhooks{PublicURL: w.PublicURL, Detail: w.Message, State: webhookState(w.Mode)}
	if w.Subscription != "" {
		out.State, out.Detail = ui.WebhooksFailed, "Strava subscription: "+w.Subscription
	}
	if w.Paused != "" {
		out.Detail = "Event processing paused: " + w.Paused
	}
	return out
}

func webhookState(m app.WebhookMode) ui.WebhookState {
	switch m {
	case app.WebhooksLive, app.WebhooksExternal:
		return ui.WebhooksLive
	case app.WebhooksConnecting:
		return ui.WebhooksStarting
	case app.WebhooksError:
		return ui.WebhooksFailed
	case app.WebhooksOff, app.WebhooksNotRunning:
		return ui.WebhooksOff
	}
	return ui.WebhooksFailed // unreachable: TestEveryWebhookModeIsMapped
}

// SyncNow starts a sync in the running instance.
func (b *Backend) SyncNow(ctx context.Context) error {
	if b.Status().Syncing {
		return errors.New("a sync is already running")
	}
	return b.app.SyncNow(ctx)
}

// Activities returns one page of matches and the total.
func (b *Backend) Activities(_ context.Context, f ui.Filter) (ui.ActivityPage, error) {
	// The list shows only indexed fields; the detail view loads the JSON.
	q := store.Query{Search: f.Search, Sport: f.Sport, Since: f.Since, Until: f.Until, Limit: f.Limit, Offset: f.Offset, IndexOnly: true}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	if f.Sort != ui.SortDate || f.Ascending {
		items, total, err := b.sorted.page(b.app, q, f)
		return ui.ActivityPage{Items: items, Total: total}, err
	}
	items, err := b.app.Activities(q)
	if err != nil {
		return ui.ActivityPage{}, err
	}
	total := f.Offset + len(items)
	if len(items) == q.Limit { // more may follow: count them
		if total, err = b.app.CountActivities(q); err != nil {
			return ui.ActivityPage{}, err
		}
	}
	page := ui.ActivityPage{Items: make([]ui.Activity, len(items)), Total: total}
	for i, a := range items {
		page.Items[i] = listItem(a)
	}
	return page, nil
}

// Sports lists the stored sport types, sorted.
func (b *Backend) Sports(context.Context) ([]string, error) {
	counts, err := b.app.Sports()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(counts))
	for _, c := range counts {
		names = append(names, c.SportType)
	}
	slices.Sort(names)
	return names, nil
}

// Activity returns one stored activity with Strava's JSON decoded.
func (b *Backend) Activity(_ context.Context, id int64) (ui.Activity, error) {
	a, err := b.app.Activity(id)
	if err != nil {
		return ui.Activity{}, err
	}
	return viewOf(a), nil
}

// FetchDetails fetches the detailed activity now.
func (b *Backend) FetchDetails(ctx context.Context, id int64) (ui.Activity, error) {
	a, err := b.app.FetchDetails(ctx, id)
	if err != nil {
		return ui.Activity{}, err
	}
	return viewOf(a), nil
}

// Export writes one activity as GPX (from its streams) or Strava's JSON.
func (b *Backend) Export(ctx context.Context, id int64, format ui.ExportFormat, w io.Writer) error {
	act, err := b.app.Activity(id)
	if err != nil {
		return err
	}
	if format == ui.ExportJSON {
		return export.JSON(w, []store.Activity{act})
	}
	if !hasRoute(act) {
		return errNoGPS // without spending a request on its streams
	}
	tracks, err := b.app.GPXTracks(ctx, []store.Activity{act})
	if err != nil {
		return err
	}
	_, err = export.GPX(w, tracks)
	return err
}

// Streams returns the activity's streams for the charts, from the store's
// cache or fetched once (and cached) within Strava's rate limits.
func (b *Backend) Streams(ctx context.Context, id int64) (ui.Streams, error) {
	s, err := b.app.Streams(ctx, id)
	if err != nil {
		return ui.Streams{}, err
	}
	return streamsOf(s), nil
}

// StravaURL is the activity's page on Strava.
func (b *Backend) StravaURL(id int64) string {
	return fmt.Sprintf("https://www.strava.com/activities/%d", id)
}

// refreshSetup reads the setup, reaching the keychain: never call it on
// the UI goroutine.
func (b *Backend) refreshSetup() {
	st, _ := b.app.SetupState() // what could be read; a keychain error leaves the "has" flags false
	b.mu.Lock()
	b.setup = st
	b.mu.Unlock()
}

// SetupDefaults fills the setup form from the snapshot; secrets stay empty.
func (b *Backend) SetupDefaults() ui.SetupForm {
	b.mu.Lock()
	st := b.setup
	b.mu.Unlock()
	return ui.SetupForm{
		ClientID: st.ClientID, VerifyToken: st.VerifyToken, CallbackURL: st.CallbackURL,
		HasClientSecret: st.HasClientSecret, HasNgrokAuthtoken: st.HasNgrokAuthtoken,
	}
}

func fieldErrors(p map[app.SetupField]string) ui.FieldErrors {
	if len(p) == 0 {
		return nil
	}
	out := ui.FieldErrors{}
	for k, v := range p {
		out[field(k)] = v
	}
	return out
}

// field is the form's field of a Setup field.
func field(f app.SetupField) ui.Field {
	fields := [...]ui.Field{
		app.SetupClientID: ui.FieldClientID, app.SetupClientSecret: ui.FieldClientSecret,
		app.SetupVerifyToken: ui.FieldVerifyToken, app.SetupNgrokAuthtoken: ui.FieldNgrokAuthtoken,
		app.SetupCallbackURL: ui.FieldCallbackURL,
	}
	if f < 0 || int(f) >= len(fields) {
		return ui.FieldClientID // unreachable: TestEverySetupFieldIsMapped
	}
	return fields[f]
}

func setup(f ui.SetupForm) app.Setup {
	return app.Setup{ClientID: f.ClientID, ClientSecret: f.ClientSecret, VerifyToken: f.VerifyToken, NgrokAuthtoken: f.NgrokAuthtoken, CallbackURL: f.CallbackURL}
}

// ValidateSetup checks the form without I/O (the snapshot says whether a
// client secret is stored).
func (b *Backend) ValidateSetup(f ui.SetupForm) ui.FieldErrors {
	return fieldErrors(app.SetupProblems(setup(f), f.HasClientSecret || b.SetupDefaults().HasClientSecret))
}

// SaveSetup stores the form.
func (b *Backend) SaveSetup(_ context.Context, f ui.SetupForm) error {
	err := b.app.SaveSetup(setup(f))
	b.refreshSetup()
	var se *app.SetupError
	if errors.As(err, &se) {
		return fieldErrors(se.Problems)
	}
	return err
}

// Connect runs the browser login.
func (b *Backend) Connect(ctx context.Context, onURL func(url string, browserErr error)) (ui.ConnectResult, error) {
	opts := app.LoginOptions{}
	if onURL != nil {
		opts.OnURL = func(url string) { onURL(url, nil) }
		opts.OnBrowserError = func(url string, err error) { onURL(url, err) }
	}
	res, err := b.app.Login(ctx, opts)
	if err != nil {
		reason := map[app.ConnectProblem]ui.ConnectReason{
			app.ConnectDenied: ui.ConnectDenied, app.ConnectMissingScope: ui.ConnectMissingScope,
			app.ConnectBadClientSecret: ui.ConnectBadClientSecret, app.ConnectAppInactive: ui.ConnectSubscriptionInactive,
			app.ConnectTimeout: ui.ConnectTimeout,
		}[app.ClassifyLoginError(err)]
		detail := ""
		if reason == ui.ConnectFailed {
			detail = err.Error()
		}
		return ui.ConnectResult{}, &ui.ConnectError{Reason: reason, Detail: detail}
	}
	b.refreshStatus()
	return ui.ConnectResult{Athlete: res.Token.AthleteName, AthleteID: res.Token.AthleteID, Warnings: res.Warnings}, nil
}

// StartDemo switches to the built-in simulator.
func (b *Backend) StartDemo(ctx context.Context) error {
	if b.start == nil {
		return errors.New("the demo is not available here")
	}
	return b.start(ctx)
}

// Logout revokes access and removes the tokens; wipe deletes local data.
func (b *Backend) Logout(ctx context.Context, wipe bool) (ui.LogoutResult, error) {
	b.mu.Lock()
	b.loggedOut = true
	b.mu.Unlock()
	rep, err := b.app.Logout(ctx, wipe)
	b.refreshStatus()
	var res ui.LogoutResult
	if errors.Is(rep.RevokeError, app.ErrRevokeNotConfirmed) {
		res.NotRevoked = app.ErrRevokeNotConfirmed.Error()
	}
	return res, err
}

// Settings returns the preferences.
func (b *Backend) Settings() ui.Settings {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.settings
}

func (b *Backend) refreshSettings() {
	s, _ := b.app.LoadSettings() // a damaged file gives the defaults; saving replaces it
	u := ui.Settings{Units: ui.Metric, PollInterval: s.PollInterval, LookBack: s.LookBack, Notifications: s.Notifications}
	if s.Units == app.UnitsImperial {
		u.Units = ui.Imperial
	}
	if b.login != nil {
		st, _ := b.login.Status() // unreadable: shown as off; saving rewrites it
		u.StartAtLogin = st.Enabled
	}
	b.mu.Lock()
	b.settings = u
	b.mu.Unlock()
}

// SaveSettings validates and stores the preferences, then adds or removes
// the start-at-login entry.
func (b *Backend) SaveSettings(_ context.Context, s ui.Settings) error {
	if s.StartAtLogin && b.login == nil {
		return ErrNoAutostart
	}
	units := app.UnitsMetric
	if s.Units == ui.Imperial {
		units = app.UnitsImperial
	}
	if err := b.app.SaveSettings(app.Settings{Units: units, PollInterval: s.PollInterval, LookBack: s.LookBack, Notifications: s.Notifications}); err != nil {
		return err
	}
	defer b.refreshSettings()
	var err error
	switch {
	case b.login == nil:
	case s.StartAtLogin:
		err = b.login.Enable() // also re-points an entry to this executable
	case b.Settings().StartAtLogin:
		err = b.login.Disable()
	}
	if err != nil {
		return fmt.Errorf("the other settings are saved, but: %w", err)
	}
	return nil
}
