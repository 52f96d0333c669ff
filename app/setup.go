package app

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/joho/godotenv"

	"github.com/owtray/owtray/app/auth"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/secrets"
)

// Setup is what the setup form edits. Empty secrets keep the stored ones.
type Setup struct {
	ClientID       string
	ClientSecret   string // keychain
	VerifyToken    string // keychain
	NgrokAuthtoken string // keychain
	CallbackURL    string // own public webhook URL instead of ngrok
}

// SetupState is the current setup, without secrets.
type SetupState struct {
	ClientID          string
	CallbackURL       string
	VerifyToken       string // shown (masked) in the form; the user may replace it
	HasClientSecret   bool
	HasNgrokAuthtoken bool
}

// SetupState reads the current setup; a missing verify token is generated.
func (a *App) SetupState() (SetupState, error) {
	cfg := a.conf()
	st := SetupState{ClientID: cfg.ClientID, CallbackURL: cfg.WebhookCallbackURL}
	if _, err := a.clientSecret(); err == nil {
		st.HasClientSecret = true
	}
	if cfg.NgrokAuthtoken != "" {
		st.HasNgrokAuthtoken = true
	} else if t, err := a.secrets.NgrokAuthtoken(); err == nil && t != "" {
		st.HasNgrokAuthtoken = true
	}
	tok, err := a.verifyToken()
	if err != nil {
		return st, err
	}
	st.VerifyToken = tok
	return st, nil
}

// SetupField names a field of Setup.
type SetupField int

// Setup fields.
const (
	SetupClientID SetupField = iota
	SetupClientSecret
	SetupVerifyToken
	SetupNgrokAuthtoken
	SetupCallbackURL
)

// SetupFields lists every field, for exhaustive mappings.
func SetupFields() []SetupField {
	return []SetupField{SetupClientID, SetupClientSecret, SetupVerifyToken, SetupNgrokAuthtoken, SetupCallbackURL}
}

// String is the Setup field's name.
func (f SetupField) String() string {
	switch f {
	case SetupClientID:
		return "ClientID"
	case SetupClientSecret:
		return "ClientSecret"
	case SetupVerifyToken:
		return "VerifyToken"
	case SetupNgrokAuthtoken:
		return "NgrokAuthtoken"
	case SetupCallbackURL:
		return "CallbackURL"
	}
	return "SetupField(" + strconv.Itoa(int(f)) + ")"
}

// SetupProblems checks s without I/O; the values say how to fix each
// invalid field.
func SetupProblems(s Setup, hasClientSecret bool) map[SetupField]string {
	p := map[SetupField]string{}
	id := strings.TrimSpace(s.ClientID)
	switch {
	case id == "":
		p[SetupClientID] = "Required: the Client ID from strava.com/settings/api."
	default:
		if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
			p[SetupClientID] = "The Client ID is a number, e.g. 12345."
		}
	}
	secret := strings.TrimSpace(s.ClientSecret)
	switch {
	case secret == "" && !hasClientSecret:
		p[SetupClientSecret] = "Required: the Client Secret from strava.com/settings/api."
	case secret != "" && !isHex(secret, 40):
		p[SetupClientSecret] = "The Client Secret is 40 characters of 0-9 and a-f."
	}
	if v := s.VerifyToken; v != "" && (len(v) < 8 || strings.ContainsAny(v, " \t\r\n")) {
		p[SetupVerifyToken] = "At least 8 characters, no spaces."
	}
	if strings.ContainsAny(s.NgrokAuthtoken, " \t\r\n") {
		p[SetupNgrokAuthtoken] = "The ngrok authtoken has no spaces; copy it from dashboard.ngrok.com."
	}
	if cb := strings.TrimSpace(s.CallbackURL); cb != "" && !isLoopbackHTTP(cb) {
		if !strings.HasPrefix(cb, "https://") || strings.ContainsAny(cb, " \t") || len(cb) < len("https://x.y") {
			p[SetupCallbackURL] = "Strava needs a public https:// URL ending in /api/v1/strava/webhook."
		}
	}
	return p
}

// isLoopbackHTTP reports whether raw is an http:// URL on this computer:
// only a local Strava (the demo's simulator) can post there, and the
// demo's own callback URL is one.
func isLoopbackHTTP(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// ErrSetupInvalid wraps SetupProblems returned by SaveSetup.
var ErrSetupInvalid = errors.New("the setup has invalid fields")

// SetupError carries the per-field problems.
type SetupError struct{ Problems map[SetupField]string }

func (e *SetupError) Error() string { return fmt.Sprintf("%s (%d)", ErrSetupInvalid, len(e.Problems)) }
func (e *SetupError) Unwrap() error { return ErrSetupInvalid }

// SaveSetup stores the setup: the Client ID and callback URL in
// <data dir>/.env (mode 0600), secrets in the keychain. The running instance
// uses the new values at once.
func (a *App) SaveSetup(s Setup) error {
	st, err := a.SetupState()
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return err
	}
	p := SetupProblems(s, st.HasClientSecret)
	if s.VerifyToken != "" && s.VerifyToken != st.VerifyToken && a.conf().WebhookVerifyToken != "" {
		p[SetupVerifyToken] = "STRAVA_WEBHOOK_VERIFY_TOKEN is set in the environment or .env; change it there."
	}
	if len(p) > 0 {
		return &SetupError{Problems: p}
	}
	if v := strings.TrimSpace(s.ClientSecret); v != "" {
		if err := a.secrets.SaveClientSecret(v); err != nil {
			return err
		}
	}
	if v := s.VerifyToken; v != "" && v != st.VerifyToken {
		if err := a.secrets.SaveVerifyToken(v); err != nil {
			return err
		}
		if in := a.instance(); in != nil {
			if err := in.webhook.setVerifyToken(v); err != nil {
				return err
			}
		}
	}
	if v := strings.TrimSpace(s.NgrokAuthtoken); v != "" {
		if err := a.secrets.SaveNgrokAuthtoken(v); err != nil {
			return err
		}
	}
	values := map[string]string{
		config.EnvClientID:           strings.TrimSpace(s.ClientID),
		config.EnvWebhookCallbackURL: strings.TrimSpace(s.CallbackURL),
	}
	if err := updateEnvFile(filepath.Join(a.conf().DataDir, ".env"), values); err != nil {
		return err
	}
	a.mu.Lock()
	a.cfg.ClientID = values[config.EnvClientID]
	a.cfg.WebhookCallbackURL = values[config.EnvWebhookCallbackURL]
	a.mu.Unlock()
	secret, _ := a.clientSecret()
	a.tokens.Configure(a.authConfig(secret))
	if in := a.instance(); in != nil {
		in.setupChanged() // new credentials for the next login, tunnel restarted
	}
	a.events.publish(Event{Kind: EventStatus})
	return nil
}

// updateEnvFile sets (or, for empty values, removes) keys in a .env file,
// keeping its other lines' values; written atomically with mode 0600.
func updateEnvFile(path string, values map[string]string) error {
	current, err := godotenv.Read(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		current = map[string]string{}
	case err != nil:
		return fmt.Errorf("reading %s: %w", path, err)
	}
	for k, v := range values {
		if v == "" {
			delete(current, k)
		} else {
			current[k] = v
		}
	}
	content, err := godotenv.Marshal(current)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := io.WriteString(w, content+"\n")
		return err
	})
}

// ConnectProblem classifies a login error for the window.
type ConnectProblem int

// Login problems.
const (
	ConnectOther ConnectProblem = iota
	ConnectDenied
	ConnectMissingScope
	ConnectBadClientSecret
	ConnectAppInactive
	ConnectTimeout
)

// ClassifyLoginError says which problem a Login error is.
func ClassifyLoginError(err error) ConnectProblem {
	switch {
	case errors.Is(err, auth.ErrAccessDenied):
		return ConnectDenied
	case errors.Is(err, auth.ErrMissingScope):
		return ConnectMissingScope
	case errors.Is(err, auth.ErrBadClientSecret):
		return ConnectBadClientSecret
	case errors.Is(err, auth.ErrAppInactive):
		return ConnectAppInactive
	case errors.Is(err, ErrLoginTimeout):
		return ConnectTimeout
	default:
		return ConnectOther
	}
}
