// Package tunnel puts the app's public webhook handler on the internet through
// an ngrok endpoint, or says why webhooks are off.
//
// Run picks one of three set-ups from its Config:
//
//   - CallbackURL set: the user's own reverse proxy forwards Strava's calls to
//     owtray; no ngrok (ModeExternal).
//   - Authtoken set: an ngrok agent session with one HTTPS endpoint that
//     serves Handler, kept up until the context ends (ModeConnecting,
//     ModeLive, ModeError).
//   - neither: webhooks are off and polling keeps the data fresh (ModeOff).
//
// The ngrok authtoken is a secret: it never appears in a State, in an error
// or in a log line, even when ngrok echoes it back in an error message.
package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.ngrok.com/ngrok/v2"
)

// Mode says how, if at all, Strava's webhook calls reach owtray.
type Mode string

// Modes of a State.
const (
	// ModeOff: no ngrok authtoken and no own callback URL; polling only.
	ModeOff Mode = "off"
	// ModeConnecting: opening the ngrok session and endpoint, or waiting
	// for ngrok to come back after the connection was lost.
	ModeConnecting Mode = "connecting"
	// ModeLive: the ngrok endpoint is up; PublicURL is set.
	ModeLive Mode = "live"
	// ModeExternal: the user's own reverse proxy is used; PublicURL is set.
	ModeExternal Mode = "external"
	// ModeError: the tunnel failed. RetryAt says when Run tries again; it is
	// zero when Run has given up (the authtoken was rejected).
	ModeError Mode = "error"
)

// Modes lists every mode, for exhaustive mappings.
func Modes() []Mode { return []Mode{ModeOff, ModeConnecting, ModeLive, ModeExternal, ModeError} }

// OffMessage is State.Message in ModeOff.
const OffMessage = "Webhooks off: set NGROK_AUTHTOKEN to receive new activities within seconds (polling keeps data fresh meanwhile)"

// Defaults for the zero values of Config's tuning fields.
const (
	DefaultConnectTimeout  = 30 * time.Second
	DefaultReconnectGrace  = time.Minute
	DefaultRetryMin        = 2 * time.Second
	DefaultRetryMax        = 2 * time.Minute
	DefaultShutdownTimeout = 5 * time.Second
)

// Config says what to expose and how.
type Config struct {
	// Authtoken is NGROK_AUTHTOKEN (environment or keychain). A secret.
	Authtoken string
	// Domain is NGROK_DOMAIN, an optional static domain such as
	// "owtray-me.ngrok.app" (an "https://" prefix is accepted). Recommended:
	// Strava allows one subscription per app, and a random domain can change
	// when the tunnel is rebuilt.
	Domain string
	// CallbackURL is STRAVA_WEBHOOK_CALLBACK_URL. When set, no tunnel is
	// opened: the user's own reverse proxy reaches owtray's local server.
	CallbackURL string
	// WebhookPath is the path of the webhook route, e.g.
	// "/api/v1/strava/webhook". In ModeLive, State.CallbackURL is the
	// endpoint's URL with this path. Optional.
	WebhookPath string
	// Handler is what the endpoint serves: the webhook-only handler (every
	// other path answers 404). Required unless CallbackURL is set.
	Handler http.Handler
	// Logger receives state changes and ngrok's warnings; nil discards.
	Logger *slog.Logger

	// AgentOptions are given to ngrok.NewAgent after owtray's own options,
	// e.g. ngrok.WithAgentConnectURL and ngrok.WithAgentConnectCAs to reach a
	// test server, or ngrok.WithProxyURL. Never pass ngrok.WithAuthtoken
	// here: Authtoken is the only token that gets redacted.
	AgentOptions []ngrok.AgentOption

	// ConnectTimeout bounds one attempt to open the session and the
	// endpoint. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ReconnectGrace is how long ngrok's own reconnection, which keeps the
	// endpoint's URL, may try after a live session was lost before Run
	// starts over with a new session. Zero means DefaultReconnectGrace.
	ReconnectGrace time.Duration
	// RetryMin and RetryMax bound the exponential backoff between failed
	// attempts. Zero means DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// ShutdownTimeout is how long requests in flight may take to finish
	// when Run stops. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// State is what the app shows about webhooks and uses to keep the Strava
// subscription pointed at the right URL.
type State struct {
	Mode Mode
	// PublicURL is scheme://host of the ngrok endpoint (ModeLive) or of
	// Config.CallbackURL (ModeExternal); empty in the other modes.
	PublicURL string
	// CallbackURL is where Strava should post: PublicURL plus
	// Config.WebhookPath (ModeLive), or Config.CallbackURL (ModeExternal).
	// When a live State carries a CallbackURL other than the one the
	// subscription points at, the subscription must be registered again.
	CallbackURL string
	// Message is for people: why webhooks are off, the error and when Run
	// retries, or where webhooks are received. Never a secret.
	Message string
	// Code is ngrok's error code (e.g. "ERR_NGROK_107") in ModeError, when
	// ngrok gave one.
	Code string
	// Since is when Mode was entered.
	Since time.Time
	// RetryAt is, in ModeError, when the next attempt starts; zero when Run
	// has given up.
	RetryAt time.Time
}

// Run exposes cfg.Handler through an ngrok endpoint and keeps it up until
// ctx ends. Every state change is passed to onState (nil is allowed), always
// from Run's own goroutine; onState must not block.
//
//   - No Authtoken and no CallbackURL: Run reports ModeOff with OffMessage
//     and returns nil at once, without touching the network.
//   - CallbackURL set: Run reports ModeExternal and returns nil at once.
//   - Otherwise Run connects an ngrok agent, listens on
//     "https://"+Domain (a random ngrok domain without Domain), serves
//     Handler on the endpoint and reports ModeLive. After a failure it
//     reports ModeError with RetryAt and tries again with bounded
//     exponential backoff; when the rebuilt endpoint has a new URL, the live
//     State carries it. When ctx ends, Run lets requests in flight finish
//     (up to ShutdownTimeout), closes the session and returns nil.
//
// Run returns an error only when it gives up: cfg is invalid (ErrConfig,
// before any network access) or ngrok rejected the authtoken (ErrAuthtoken,
// after reporting ModeError with a zero RetryAt). Errors are *Error values
// whose text never contains the authtoken.
func Run(ctx context.Context, cfg Config, onState func(State)) error {
	base := cfg.Logger
	if base == nil {
		base = slog.New(slog.DiscardHandler)
	}
	rep := newReporter(base, cfg.Authtoken, onState)
	if err := cfg.normalize(); err != nil {
		rep.report(State{Mode: ModeError, Message: "Webhooks off: " + err.Error()})
		return err
	}
	switch {
	case cfg.CallbackURL != "":
		u, _ := url.Parse(cfg.CallbackURL) // checked by normalize
		rep.report(State{
			Mode:        ModeExternal,
			PublicURL:   u.Scheme + "://" + u.Host,
			CallbackURL: cfg.CallbackURL,
			Message:     "Webhooks are received through your own callback URL " + cfg.CallbackURL,
		})
		return nil
	case cfg.Authtoken == "":
		rep.report(State{Mode: ModeOff, Message: OffMessage})
		return nil
	}
	t := &tunnel{
		cfg: cfg,
		rep: rep,
		log: rep.log,
		// ngrok logs its service's errors verbatim, which may quote the
		// token; its debug and info lines are of no use to users.
		ngrokLog: slog.New(newRedactHandler(base.Handler(), cfg.Authtoken, slog.LevelWarn)).With("component", "ngrok"),
	}
	return t.run(ctx)
}

// normalize checks cfg, fills in defaults and brings Domain to a bare
// host name. The errors never quote Authtoken.
func (cfg *Config) normalize() error {
	cfg.Authtoken = strings.TrimSpace(cfg.Authtoken)
	cfg.CallbackURL = strings.TrimSpace(cfg.CallbackURL)
	if cfg.CallbackURL != "" {
		if err := checkCallbackURL(cfg.CallbackURL); err != nil {
			return configError("STRAVA_WEBHOOK_CALLBACK_URL %s", err)
		}
		return nil // nothing else is used
	}
	if cfg.Authtoken == "" {
		return nil
	}
	if strings.ContainsFunc(cfg.Authtoken, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return configError("NGROK_AUTHTOKEN contains spaces or control characters")
	}
	domain, err := normalizeDomain(cfg.Domain)
	if err != nil {
		return configError("NGROK_DOMAIN %q %s", cfg.Domain, err)
	}
	cfg.Domain = domain
	if cfg.WebhookPath != "" && (!strings.HasPrefix(cfg.WebhookPath, "/") || strings.ContainsAny(cfg.WebhookPath, "?# ")) {
		return configError("webhook path %q must be a plain absolute path", cfg.WebhookPath)
	}
	if cfg.Handler == nil {
		return configError("no webhook handler to serve")
	}
	durations := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&cfg.ConnectTimeout, DefaultConnectTimeout},
		{&cfg.ReconnectGrace, DefaultReconnectGrace},
		{&cfg.RetryMin, DefaultRetryMin},
		{&cfg.RetryMax, DefaultRetryMax},
		{&cfg.ShutdownTimeout, DefaultShutdownTimeout},
	}
	for _, d := range durations {
		switch {
		case *d.d < 0:
			return configError("negative duration %s", *d.d)
		case *d.d == 0:
			*d.d = d.def
		}
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = cfg.RetryMin
	}
	return nil
}

// checkCallbackURL explains what is wrong with raw, quoting it without a
// password it might contain.
func checkCallbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a URL")
	}
	var problem string
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		problem = "must start with https://"
	case u.Host == "" || u.Hostname() == "":
		problem = "has no host"
	case u.User != nil:
		problem = "must not contain a user name or password"
	case u.Fragment != "" || u.RawQuery != "":
		problem = "must not contain a query or fragment"
	default:
		return nil
	}
	return fmt.Errorf("%q %s", u.Redacted(), problem)
}

// normalizeDomain accepts "name.ngrok.app" or "https://name.ngrok.app" and
// returns the lower-case host name.
func normalizeDomain(raw string) (string, error) {
	d := strings.TrimSpace(raw)
	if d == "" {
		return "", nil
	}
	if strings.Contains(d, "://") {
		u, err := url.Parse(d)
		if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return "", errors.New("must be a domain name such as owtray-me.ngrok.app")
		}
		d = u.Hostname()
	}
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	labels := strings.Split(d, ".")
	if len(d) > 253 || len(labels) < 2 {
		return "", errors.New("must be a domain name such as owtray-me.ngrok.app")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", errors.New("must be a domain name such as owtray-me.ngrok.app")
		}
	}
	return d, nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// reporter passes state changes to onState and the log, once each.
type reporter struct {
	onState func(State)
	log     *slog.Logger
	last    State
	now     func() time.Time
}

func newReporter(logger *slog.Logger, token string, onState func(State)) *reporter {
	return &reporter{
		onState: onState,
		log:     slog.New(newRedactHandler(logger.Handler(), token, nil)).With("component", "tunnel"),
		now:     time.Now,
	}
}

// report sets s.Since and passes s on unless nothing changed.
func (r *reporter) report(s State) {
	s.Since = r.now()
	if s.Mode == r.last.Mode {
		s.Since = r.last.Since
	}
	if s == r.last {
		return
	}
	r.last = s
	attrs := []any{"mode", s.Mode, "message", s.Message}
	if s.PublicURL != "" {
		attrs = append(attrs, "public_url", s.PublicURL)
	}
	if s.Code != "" {
		attrs = append(attrs, "code", s.Code)
	}
	if !s.RetryAt.IsZero() {
		attrs = append(attrs, "retry_at", s.RetryAt)
	}
	level := slog.LevelInfo
	if s.Mode == ModeError {
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "webhook tunnel state", attrs...)
	if r.onState != nil {
		r.onState(s)
	}
}

// failed reports err; retryAt is zero when Run gives up.
func (r *reporter) failed(err *Error, retryAt time.Time) {
	s := State{Mode: ModeError, Code: err.Code, RetryAt: retryAt}
	if retryAt.IsZero() {
		s.Message = fmt.Sprintf("Webhooks off: %s (polling keeps data fresh meanwhile)", err.Msg)
	} else {
		wait := max(retryAt.Sub(r.now()), 0)
		s.Message = fmt.Sprintf("Webhooks unavailable: %s; retrying in %s at %s (polling keeps data fresh meanwhile)",
			err.Msg, roundWait(wait), retryAt.Format(time.TimeOnly))
	}
	r.report(s)
}

func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
