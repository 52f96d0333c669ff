// Package config reads owtray's settings from the environment and from .env
// files, validates them and says where each value was looked for.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Variable names, as in the Open Wearables Strava guide.
const (
	EnvClientID           = "STRAVA_CLIENT_ID"
	EnvClientSecret       = "STRAVA_CLIENT_SECRET"
	EnvRedirectURI        = "STRAVA_REDIRECT_URI"
	EnvDefaultScope       = "STRAVA_DEFAULT_SCOPE"
	EnvWebhookVerifyToken = "STRAVA_WEBHOOK_VERIFY_TOKEN"
	EnvWebhookCallbackURL = "STRAVA_WEBHOOK_CALLBACK_URL"
	EnvNgrokAuthtoken     = "NGROK_AUTHTOKEN"
	EnvNgrokDomain        = "NGROK_DOMAIN"
	EnvAPIURL             = "STRAVA_API_URL"
	EnvOAuthURL           = "STRAVA_OAUTH_URL"
	EnvDataDir            = "OWTRAY_DATA_DIR"
	EnvPollInterval       = "OWTRAY_POLL_INTERVAL"
	EnvLookBack           = "OWTRAY_LOOKBACK"
)

// Defaults for the optional variables.
const (
	DefaultRedirectURI  = "http://localhost:8000/api/v1/oauth/strava/callback"
	DefaultScope        = "activity:read_all,profile:read_all"
	DefaultAPIURL       = "https://www.strava.com/api/v3"
	DefaultOAuthURL     = "https://www.strava.com/oauth"
	DefaultPollInterval = time.Hour
	DefaultLookBack     = 7 * 24 * time.Hour
	// CallbackPath is the path of the OAuth callback route the app serves.
	CallbackPath = "/api/v1/oauth/strava/callback"
)

// knownScopes are the OAuth scopes Strava documents.
const knownScopes = "read,read_all,profile:read_all,profile:write,activity:read,activity:read_all,activity:write"

// Config is owtray's validated configuration. Secrets that may instead live
// in the OS keychain (client secret, verify token, ngrok authtoken) are empty
// here when they were not set in the environment or a .env file.
type Config struct {
	ClientID           string
	ClientSecret       string
	RedirectURI        *url.URL
	Scopes             []string
	WebhookVerifyToken string
	WebhookCallbackURL string
	NgrokAuthtoken     string
	NgrokDomain        string
	APIURL             string
	OAuthURL           string
	DataDir            string
	PollInterval       time.Duration
	LookBack           time.Duration

	// Sources lists where values were looked for, most important first,
	// e.g. "the environment", "/home/me/project/.env".
	Sources []string
	// From records where each variable that was set came from.
	From map[string]string
	// Warnings are problems that do not stop owtray, such as a variable
	// set twice in one .env file. They never hold a value.
	Warnings []string
}

// Options say where Load looks.
type Options struct {
	// LookupEnv reads the process environment; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// WorkDir holds the first .env file; the current directory when empty.
	WorkDir string
	// UserConfigDir is the base of the default data dir; os.UserConfigDir when empty.
	UserConfigDir string
}

// Error is a configuration problem with one variable.
type Error struct {
	Variable string
	Problem  string
	Sources  []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s (looked in %s)", e.Variable, e.Problem, strings.Join(e.Sources, ", "))
}

// ErrMissing is matched by errors.Is for a required variable that is not set.
var ErrMissing = errors.New("required setting missing")

// Is reports whether the error is about a missing value.
func (e *Error) Is(target error) bool {
	return target == ErrMissing && strings.HasPrefix(e.Problem, "is not set")
}

type layers struct {
	lookupEnv func(string) (string, bool)
	files     []envFile
}

type envFile struct {
	path       string
	values     map[string]string
	duplicates []string // warnings: variables set more than once
}

func (l *layers) get(name string) (value, from string, ok bool) {
	if v, ok := l.lookupEnv(name); ok && v != "" {
		return v, "the environment", true
	}
	for _, f := range l.files {
		if v, ok := f.values[name]; ok && v != "" {
			return v, f.path, true
		}
	}
	return "", "", false
}

func readEnvFile(path string) (envFile, bool, error) {
	values, err := godotenv.Read(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return envFile{}, false, nil
	case err != nil:
		return envFile{}, false, envFileError(path, err)
	}
	return envFile{path: path, values: values, duplicates: envDuplicates(path)}, true, nil
}

// envDuplicates names the variables a .env file sets more than once, with
// the lines (godotenv keeps the last). Values are never read into a message:
// a line counts as setting NAME when it starts with NAME= (or export NAME=)
// outside a quoted value, which is when everything before it parses alone.
func envDuplicates(path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil || len(raw) > 1<<20 {
		return nil
	}
	lines := strings.Split(string(raw), "\n")
	if len(lines) > 2000 {
		return nil
	}
	seen := map[string][]int{}
	var order []string
	for i, line := range lines {
		name, ok := envAssignment(line)
		if !ok {
			continue
		}
		if i > 0 {
			if _, err := godotenv.Unmarshal(strings.Join(lines[:i], "\n")); err != nil {
				continue // inside a quoted value that spans lines
			}
		}
		if _, dup := seen[name]; !dup {
			order = append(order, name)
		}
		seen[name] = append(seen[name], i+1)
	}
	var out []string
	for _, name := range order {
		if at := seen[name]; len(at) > 1 {
			nums := make([]string, len(at))
			for j, n := range at {
				nums[j] = strconv.Itoa(n)
			}
			out = append(out, fmt.Sprintf("%s is set %d times in %s (lines %s); the last one is used", name, len(at), path, strings.Join(nums, ", ")))
		}
	}
	return out
}

// envAssignment returns the variable a .env line assigns, if it looks like
// one (NAME=, NAME: or export NAME=).
func envAssignment(line string) (string, bool) {
	s := strings.TrimSpace(line)
	s = strings.TrimSpace(strings.TrimPrefix(s, "export "))
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r == '.' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if end <= 0 {
		return "", false
	}
	rest := strings.TrimSpace(s[end:])
	if !strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, ":") {
		return "", false
	}
	return s[:end], true
}

// ErrMalformedEnvFile is matched by errors.Is for a .env file that does not parse.
var ErrMalformedEnvFile = errors.New("malformed .env file")

// envFileError describes a .env parse error without quoting the file:
// godotenv's messages echo the text around the problem, which may hold a
// secret. It names the first line that does not parse on its own.
func envFileError(path string, err error) error {
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	raw, rerr := os.ReadFile(path)
	if rerr != nil {
		return fmt.Errorf("reading %s: %w", path, rerr)
	}
	problem := "it does not parse"
	for i, line := range strings.Split(string(raw), "\n") {
		if _, lerr := godotenv.Unmarshal(line); lerr != nil {
			kind := "unexpected character in a variable name"
			if strings.Contains(lerr.Error(), "unterminated") {
				kind = "a quoted value is not closed"
			}
			problem = fmt.Sprintf("line %d: %s (expected NAME=value)", i+1, kind)
			break
		}
	}
	return fmt.Errorf("%w %s: %s", ErrMalformedEnvFile, path, problem)
}

// Load reads the configuration: the environment first, then ./.env, then
// <data dir>/.env, then the defaults. Only format errors are reported here;
// whether the Strava app credentials are present is checked by RequireClient,
// since the desktop app can start without them and ask for them.
func Load(opts Options) (Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	l := &layers{lookupEnv: opts.LookupEnv}
	sources := []string{"the environment"}

	workDir := opts.WorkDir
	if workDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return Config{}, fmt.Errorf("finding the current directory: %w", err)
		}
		workDir = wd
	}
	localEnv := filepath.Join(workDir, ".env")
	sources = append(sources, localEnv)
	if f, ok, err := readEnvFile(localEnv); err != nil {
		return Config{}, err
	} else if ok {
		l.files = append(l.files, f)
	}

	dataDir, from, ok := l.get(EnvDataDir)
	if !ok {
		base := opts.UserConfigDir
		if base == "" {
			d, err := os.UserConfigDir()
			if err != nil {
				return Config{}, fmt.Errorf("%s is not set and the user config directory is unknown: %w", EnvDataDir, err)
			}
			base = d
		}
		dataDir = filepath.Join(base, "owtray")
	}
	if !filepath.IsAbs(dataDir) {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return Config{}, &Error{Variable: EnvDataDir, Problem: fmt.Sprintf("%q is not a usable path: %v", dataDir, err), Sources: []string{from}}
		}
		dataDir = abs
	}
	dataEnv := filepath.Join(dataDir, ".env")
	if dataEnv != localEnv {
		sources = append(sources, dataEnv)
		if f, ok, err := readEnvFile(dataEnv); err != nil {
			return Config{}, err
		} else if ok {
			l.files = append(l.files, f)
		}
	}

	c := Config{DataDir: dataDir, Sources: sources, From: map[string]string{}}
	for _, f := range l.files {
		c.Warnings = append(c.Warnings, f.duplicates...)
	}
	p := parser{layers: l, cfg: &c}
	c.ClientID = p.str(EnvClientID, "")
	c.ClientSecret = p.str(EnvClientSecret, "")
	c.RedirectURI = p.redirectURI()
	c.Scopes = p.scopes()
	c.WebhookVerifyToken = p.str(EnvWebhookVerifyToken, "")
	c.WebhookCallbackURL = p.httpURL(EnvWebhookCallbackURL, "", true)
	c.NgrokAuthtoken = p.str(EnvNgrokAuthtoken, "")
	c.NgrokDomain = p.str(EnvNgrokDomain, "")
	c.APIURL = strings.TrimRight(p.httpURL(EnvAPIURL, DefaultAPIURL, false), "/")
	c.OAuthURL = strings.TrimRight(p.httpURL(EnvOAuthURL, DefaultOAuthURL, false), "/")
	c.PollInterval = p.duration(EnvPollInterval, DefaultPollInterval, time.Minute)
	c.LookBack = p.duration(EnvLookBack, DefaultLookBack, 0)
	if c.ClientID != "" {
		if _, err := strconv.ParseUint(c.ClientID, 10, 64); err != nil {
			p.fail(EnvClientID, "must be the numeric Client ID from https://www.strava.com/settings/api")
		}
	}
	if strings.ContainsAny(c.WebhookVerifyToken, " \t\r\n") {
		p.fail(EnvWebhookVerifyToken, "must not contain white space")
	}
	if err := errors.Join(p.errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// RequireClient checks that the Strava app's Client ID is set. The client
// secret may also come from the keychain, so it is checked by the caller.
func (c Config) RequireClient() error {
	if c.ClientID == "" {
		return &Error{Variable: EnvClientID, Problem: "is not set: create an API application at https://www.strava.com/settings/api and set its Client ID", Sources: c.Sources}
	}
	return nil
}

// MissingSecret is the error for a client secret found nowhere.
func (c Config) MissingSecret() error {
	return &Error{Variable: EnvClientSecret, Problem: "is not set and not in the OS keychain: set it, or save it with the setup form", Sources: append(slices.Clone(c.Sources), "the OS keychain")}
}

// ListenAddr is the loopback host:port the app serves its HTTP routes on,
// taken from the redirect URI.
func (c Config) ListenAddr() string {
	return c.RedirectURI.Host
}

// EnsureDataDir creates the data directory with mode 0700.
func (c Config) EnsureDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	if err := os.Chmod(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("securing data directory: %w", err)
	}
	return nil
}

type parser struct {
	layers *layers
	cfg    *Config
	errs   []error
}

func (p *parser) fail(name, problem string) {
	src := []string{p.cfg.From[name]}
	if src[0] == "" {
		src = p.cfg.Sources
	}
	p.errs = append(p.errs, &Error{Variable: name, Problem: problem, Sources: src})
}

func (p *parser) str(name, def string) string {
	v, from, ok := p.layers.get(name)
	if !ok {
		return def
	}
	p.cfg.From[name] = from
	return strings.TrimSpace(v)
}

func (p *parser) httpURL(name, def string, allowEmpty bool) string {
	v := p.str(name, def)
	if v == "" && allowEmpty {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, fmt.Sprintf("is %q, not an absolute http(s) URL", v))
		return ""
	}
	return v
}

// redirectURI checks STRAVA_REDIRECT_URI: Strava sends the browser to it on
// this computer, where owtray serves plain HTTP on a loopback port. The value
// is never echoed (user info could hold a password).
func (p *parser) redirectURI() *url.URL {
	v := p.str(EnvRedirectURI, DefaultRedirectURI)
	if msg := redirectProblem(v); msg != "" {
		p.fail(EnvRedirectURI, msg)
		return nil
	}
	u, _ := url.Parse(v) // checked by redirectProblem
	return u
}

// redirectProblem says what is wrong with a redirect URI, "" when nothing.
func redirectProblem(v string) string {
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "":
		return "is not an absolute URL like " + DefaultRedirectURI
	case u.Scheme != "http":
		return fmt.Sprintf("must start with http:// (not %s://): Strava sends your browser to this address on this computer, where owtray serves plain HTTP on loopback", u.Scheme)
	case u.User != nil:
		return "must not contain a user name or password (user@): the browser would not send them to owtray"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query (?…): Strava adds its own"
	case u.Fragment != "" || strings.Contains(v, "#"):
		return "must not have a fragment (#…): the browser never sends it, so the callback could not arrive"
	}
	host := u.Hostname()
	if host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Sprintf("must point at this computer (localhost, 127.0.0.1 or [::1]), not %q: owtray serves the callback on loopback only", host)
		}
	}
	port := u.Port()
	if port == "" {
		return "must include a port, e.g. http://localhost:8000" + CallbackPath
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("has port %s: want a port between 1 and 65535, e.g. 8000", port)
	}
	if u.Path != CallbackPath {
		return "must end in " + CallbackPath
	}
	return ""
}

func (p *parser) scopes() []string {
	v := p.str(EnvDefaultScope, DefaultScope)
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(strings.Split(knownScopes, ","), s) {
			p.fail(EnvDefaultScope, fmt.Sprintf("has unknown scope %q (known: %s)", s, knownScopes))
			return nil
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		p.fail(EnvDefaultScope, "is empty")
	}
	return out
}

func (p *parser) duration(name string, def, minimum time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := parseDuration(v)
	if err != nil {
		p.fail(name, fmt.Sprintf("is %q, not a duration like 30m, 1h or 7d", v))
		return def
	}
	if d < minimum || d < 0 {
		p.fail(name, fmt.Sprintf("is %s, must be at least %s", d, minimum))
		return def
	}
	return d
}

// parseDuration accepts Go durations plus a whole number of days ("7d").
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
