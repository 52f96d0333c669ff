// Package app ties owtray together: configuration, keychain, store, Strava
// client, login, sync engine and the local HTTP server. The CLI and the
// desktop UI talk to an *App and nothing below it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/buildinfo"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// ID is the app ID of FyneApp.toml.
const ID = "io.github.owtray.owtray"

// KeychainService is the keychain service name of real (non-demo) data.
const KeychainService = "owtray"

// Options adjust an App; the zero value is the real desktop configuration.
type Options struct {
	// Keyring is the keychain backend; the OS keychain when nil.
	Keyring secrets.Keyring
	// KeychainService names the keychain items' service; "owtray" when empty.
	KeychainService string
	Logger          *slog.Logger
	// HTTPClient talks to Strava; a client with sane timeouts when nil.
	HTTPClient *http.Client
	// OpenBrowser opens the authorize URL; the system browser when nil.
	OpenBrowser func(ctx context.Context, url string) error
	Now         func() time.Time
}

// App is one running owtray: it owns the database file while it lives.
type App struct {
	cfg     config.Config
	opts    Options
	log     *slog.Logger
	secrets *secrets.Store
	store   *store.Store
	tokens  *auth.TokenSource
	limits  *strava.RateLimits
	client  *strava.Client
	engine  *engine.Engine
	events  *broadcaster

	mu           sync.Mutex
	allowReplace bool // the next login may replace the stored athlete

	stateMu  sync.Mutex
	syncing  int             // syncs running or waiting
	progress engine.Progress // of the sync running
	running  *instance       // while Run runs, else nil
}

// DatabaseFile is the bbolt file inside the data dir.
const DatabaseFile = "owtray.db"

// Open opens the data dir and database of cfg.
func Open(cfg config.Config, opts Options) (*App, error) {
	if opts.Keyring == nil {
		opts.Keyring = secrets.OSKeyring{}
	}
	if opts.KeychainService == "" {
		opts.KeychainService = KeychainService
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.OpenBrowser == nil {
		opts.OpenBrowser = OpenBrowser
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	for _, w := range cfg.Warnings {
		opts.Logger.Warn(w)
	}
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, err
	}
	keychain := secrets.New(opts.Keyring, opts.KeychainService)
	st, err := store.Open(filepath.Join(cfg.DataDir, DatabaseFile), store.Options{Logger: opts.Logger, Now: opts.Now, HadData: hadData(keychain)})
	if err != nil {
		return nil, err
	}
	a := &App{
		cfg:     cfg,
		opts:    opts,
		log:     opts.Logger,
		secrets: keychain,
		store:   st,
		limits:  strava.NewRateLimits(),
		events:  newBroadcaster(),
	}
	// The client secret may live in the keychain; a missing one only
	// matters once a token must be refreshed.
	secret, _ := a.clientSecret()
	a.tokens = auth.NewTokenSource(a.authConfig(secret), a.secrets, a.onReconnectNeeded)
	if state, err := st.SyncState(); err == nil {
		// The last process's headers: never send what they say Strava refuses.
		a.limits.Restore(state.RateLimit, opts.Now())
	}
	a.client = strava.New(cfg.APIURL, a.tokens,
		strava.WithHTTPClient(opts.HTTPClient),
		strava.WithLogger(a.log),
		strava.WithRateLimits(a.limits),
		strava.WithClock(opts.Now),
		strava.WithUserAgent(buildinfo.Get().UserAgent()),
	)
	a.engine = engine.New(a.client, st, engine.Config{
		LookBack: cfg.LookBack,
		Logger:   a.log,
		Now:      opts.Now,
		Progress: a.onProgress,
	})
	if s, err := a.LoadSettings(); err == nil {
		a.engine.SetLookBack(s.LookBack)
	}
	return a, nil
}

func (a *App) onProgress(p engine.Progress) {
	a.stateMu.Lock()
	a.progress = p
	a.stateMu.Unlock()
	a.events.publish(Event{Kind: EventProgress, Progress: p})
}

// Close releases the database.
func (a *App) Close() error { return a.store.Close() }

// Config is the configuration the app runs with.
func (a *App) Config() config.Config { return a.conf() }

// conf is the current configuration (the setup form can change it).
func (a *App) conf() config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

func (a *App) authConfig(secret string) auth.Config {
	cfg := a.conf()
	return auth.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: secret,
		OAuthURL:     cfg.OAuthURL,
		RedirectURI:  cfg.RedirectURI.String(),
		Scopes:       cfg.Scopes,
		HTTPClient:   a.opts.HTTPClient,
		Now:          a.opts.Now,
		Logger:       a.log,
	}
}

// clientSecret comes from the environment/.env, else from the keychain.
func (a *App) clientSecret() (string, error) {
	cfg := a.conf()
	if cfg.ClientSecret != "" {
		return cfg.ClientSecret, nil
	}
	s, err := a.secrets.ClientSecret()
	if errors.Is(err, secrets.ErrNotFound) {
		return "", cfg.MissingSecret()
	}
	return s, err
}

// credentials checks the Strava app credentials and returns the auth config.
func (a *App) credentials() (auth.Config, error) {
	if err := a.conf().RequireClient(); err != nil {
		return auth.Config{}, err
	}
	secret, err := a.clientSecret()
	if err != nil {
		return auth.Config{}, err
	}
	return a.authConfig(secret), nil
}

func (a *App) onReconnectNeeded(err error) {
	a.log.Warn("Strava connection needs to be reconnected", "err", err)
	a.events.publish(Event{Kind: EventStatus})
}

// ErrOtherAthlete means the login was for a different athlete than the stored data.
var ErrOtherAthlete = errors.New("a different Strava athlete is already stored here")

// acceptAthlete enforces "one athlete only" before a token is stored.
func (a *App) acceptAthlete(_ context.Context, tok secrets.Token) error {
	stored, err := a.store.AthleteID()
	if err != nil {
		return err
	}
	a.mu.Lock()
	replace := a.allowReplace
	a.mu.Unlock()
	switch {
	case stored == 0 || stored == tok.AthleteID:
	case !replace:
		return fmt.Errorf("%w: this computer keeps the activities of athlete %d, and you connected athlete %d (%s). owtray keeps one athlete only: to delete the stored activities and connect this one, run `owtray login --replace`, or in the window log out deleting local data (Settings) and connect again", ErrOtherAthlete, stored, tok.AthleteID, tok.AthleteName)
	default:
		a.log.Info("replacing the stored athlete", "old", stored, "new", tok.AthleteID)
		if err := a.store.ReplaceAthlete(tok.AthleteID); err != nil {
			return fmt.Errorf("removing the previous athlete's data: %w", err)
		}
		return nil
	}
	return a.store.SetAthleteID(tok.AthleteID)
}
