// Package secrets keeps owtray's secrets in the OS keychain (Secret Service
// on Linux, Keychain on macOS, Credential Manager on Windows) and nowhere else.
package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"time"

	"github.com/zalando/go-keyring"
)

// Item names under the service.
const (
	itemToken        = "strava-token"
	itemClientSecret = "strava-client-secret"
	itemVerifyToken  = "strava-webhook-verify-token"
	itemNgrok        = "ngrok-authtoken"
)

// Errors callers check with errors.Is.
var (
	// ErrNotFound: the keychain has no such item.
	ErrNotFound = errors.New("not in the OS keychain")
	// ErrUnavailable: no keychain can be reached.
	ErrUnavailable = errors.New("no OS keychain available")
)

// Keyring is the subset of go-keyring's API the store uses.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// OSKeyring is the real OS keychain through go-keyring.
type OSKeyring struct{}

func (OSKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (OSKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (OSKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// Token is the Strava OAuth grant of the connected athlete.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry"`
	AthleteID    int64     `json:"athlete_id"`
	AthleteName  string    `json:"athlete_name"`
	Scopes       []string  `json:"scopes"`
}

// HasScope reports whether the grant includes scope.
func (t Token) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// String never shows the tokens themselves.
func (t Token) String() string {
	return fmt.Sprintf("Token{athlete %d (%s), scopes %v, expires %s, tokens redacted}", t.AthleteID, t.AthleteName, t.Scopes, t.Expiry.Format(time.RFC3339))
}

// GoString never shows the tokens themselves (%#v).
func (t Token) GoString() string { return t.String() }

// LogValue never shows the tokens themselves.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int64("athlete_id", t.AthleteID),
		slog.Any("scopes", t.Scopes),
		slog.Time("expiry", t.Expiry),
	)
}

// Store reads and writes owtray's items under one keychain service name
// ("owtray", or "owtray-demo" for the demo, so demo runs never touch real tokens).
type Store struct {
	ring    Keyring
	service string
}

// New returns a Store for service backed by ring (OSKeyring{} in the app).
func New(ring Keyring, service string) *Store {
	return &Store{ring: ring, service: service}
}

// Service is the keychain service name the items are stored under.
func (s *Store) Service() string { return s.service }

// Token reads the stored grant.
func (s *Store) Token() (Token, error) {
	raw, err := s.get(itemToken)
	if err != nil {
		return Token{}, err
	}
	var t Token
	if err := json.Unmarshal([]byte(raw), &t); err != nil {
		return Token{}, fmt.Errorf("the Strava token in the OS keychain (%s/%s) is unreadable; reconnect to replace it: %w", s.service, itemToken, errors.New(jsonProblem(err)))
	}
	return t, nil
}

// SaveToken stores the grant, replacing any previous one.
func (s *Store) SaveToken(t Token) error {
	raw, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encoding token: %w", err)
	}
	return s.set(itemToken, string(raw))
}

// DeleteToken removes the grant; a missing one is not an error.
func (s *Store) DeleteToken() error { return s.delete(itemToken) }

// ClientSecret reads the Strava app's client secret.
func (s *Store) ClientSecret() (string, error) { return s.get(itemClientSecret) }

// VerifyToken reads the webhook subscription's verify token.
func (s *Store) VerifyToken() (string, error) { return s.get(itemVerifyToken) }

// NgrokAuthtoken reads the ngrok authtoken.
func (s *Store) NgrokAuthtoken() (string, error) { return s.get(itemNgrok) }

// SaveClientSecret stores the Strava app's client secret.
func (s *Store) SaveClientSecret(v string) error { return s.set(itemClientSecret, v) }

// SaveVerifyToken stores the webhook subscription's verify token.
func (s *Store) SaveVerifyToken(v string) error { return s.set(itemVerifyToken, v) }

// SaveNgrokAuthtoken stores the ngrok authtoken.
func (s *Store) SaveNgrokAuthtoken(v string) error { return s.set(itemNgrok, v) }

// DeleteAll removes every item owtray stored (used by tests and uninstall).
func (s *Store) DeleteAll() error {
	var errs []error
	for _, item := range []string{itemToken, itemClientSecret, itemVerifyToken, itemNgrok} {
		errs = append(errs, s.delete(item))
	}
	return errors.Join(errs...)
}

func (s *Store) get(item string) (string, error) {
	v, err := s.ring.Get(s.service, item)
	if err != nil {
		return "", s.wrap("reading", item, err)
	}
	return v, nil
}

func (s *Store) set(item, value string) error {
	if err := s.ring.Set(s.service, item, value); err != nil {
		return s.wrap("saving", item, err)
	}
	return nil
}

func (s *Store) delete(item string) error {
	err := s.ring.Delete(s.service, item)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return s.wrap("deleting", item, err)
}

// wrap turns go-keyring's errors into ErrNotFound or ErrUnavailable with
// a message that says how to fix it. Values are never part of the message.
func (s *Store) wrap(op, item string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%s %s/%s: %w", op, s.service, item, ErrNotFound)
	}
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("%s %s/%s: the value is too large for the OS keychain: %w", op, s.service, item, err)
	}
	return &UnavailableError{Op: op, Item: s.service + "/" + item, Err: err}
}

// UnavailableError says the keychain could not be used and how to fix it.
type UnavailableError struct {
	Op   string
	Item string
	Err  error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s %s: no OS keychain available (%v). %s", e.Op, e.Item, e.Err, FixHint(runtime.GOOS))
}

func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// FixHint says how to get a working keychain on goos. owtray never falls
// back to a plain file.
func FixHint(goos string) string {
	switch goos {
	case "linux", "freebsd", "openbsd":
		return "owtray keeps tokens only in the Secret Service: install and unlock gnome-keyring or KeePassXC (with Secret Service enabled) in your desktop session, e.g. `sudo apt-get install gnome-keyring` and log in again; under a bare SSH session start one with `dbus-run-session` and `gnome-keyring-daemon --unlock --components=secrets`."
	case "darwin":
		return "Unlock your login keychain in Keychain Access and try again."
	case "windows":
		return "Make sure Windows Credential Manager is available for your user."
	default:
		return "owtray needs an OS keychain to store tokens."
	}
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %q has the wrong type", typ.Field)
	}
	return "invalid JSON"
}
