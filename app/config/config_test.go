package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type fixture struct {
	env      map[string]string
	localEnv string // contents of ./.env; "" = no file
	dataEnv  string // contents of <data dir>/.env
}

func (f fixture) load(t *testing.T) (Config, error) {
	t.Helper()
	work := t.TempDir()
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{EnvDataDir: data}
	for k, v := range f.env {
		env[k] = v
	}
	if f.localEnv != "" {
		if err := os.WriteFile(filepath.Join(work, ".env"), []byte(f.localEnv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if f.dataEnv != "" {
		if err := os.MkdirAll(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, ".env"), []byte(f.dataEnv), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return Load(Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		WorkDir:   work,
	})
}

func TestLoadDefaults(t *testing.T) {
	c, err := fixture{}.load(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RedirectURI.String(); got != DefaultRedirectURI {
		t.Errorf("redirect = %q", got)
	}
	if strings.Join(c.Scopes, ",") != DefaultScope {
		t.Errorf("scopes = %v", c.Scopes)
	}
	if c.APIURL != DefaultAPIURL || c.OAuthURL != DefaultOAuthURL {
		t.Errorf("urls = %q %q", c.APIURL, c.OAuthURL)
	}
	if c.PollInterval != time.Hour || c.LookBack != 7*24*time.Hour {
		t.Errorf("durations = %v %v", c.PollInterval, c.LookBack)
	}
	if c.ListenAddr() != "localhost:8000" {
		t.Errorf("listen = %q", c.ListenAddr())
	}
	if err := c.RequireClient(); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), EnvClientID) {
		t.Errorf("RequireClient = %v", err)
	}
}

func TestLoadPrecedence(t *testing.T) {
	tests := []struct {
		name     string
		f        fixture
		wantID   string
		wantFrom string
	}{
		{"environment wins", fixture{env: map[string]string{EnvClientID: "1"}, localEnv: "STRAVA_CLIENT_ID=2\n", dataEnv: "STRAVA_CLIENT_ID=3\n"}, "1", "the environment"},
		{"local .env before data dir", fixture{localEnv: "STRAVA_CLIENT_ID=2\n", dataEnv: "STRAVA_CLIENT_ID=3\n"}, "2", ".env"},
		{"data dir .env", fixture{dataEnv: "# comment\nSTRAVA_CLIENT_ID=\"3\"\n"}, "3", filepath.Join("data", ".env")},
		{"export syntax", fixture{localEnv: "export STRAVA_CLIENT_ID=4\n"}, "4", ".env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.f.load(t)
			if err != nil {
				t.Fatal(err)
			}
			if c.ClientID != tt.wantID {
				t.Errorf("ClientID = %q, want %q", c.ClientID, tt.wantID)
			}
			if !strings.HasSuffix(c.From[EnvClientID], tt.wantFrom) {
				t.Errorf("from = %q, want suffix %q", c.From[EnvClientID], tt.wantFrom)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		f       fixture
		wantVar string
		wantMsg string
	}{
		{"non-numeric client id", fixture{env: map[string]string{EnvClientID: "abc"}}, EnvClientID, "numeric"},
		{"redirect not loopback", fixture{env: map[string]string{EnvRedirectURI: "http://example.com:8000" + CallbackPath}}, EnvRedirectURI, "this computer"},
		{"redirect not a url", fixture{env: map[string]string{EnvRedirectURI: "localhost:8000"}}, EnvRedirectURI, "not an absolute"},
		{"redirect without port", fixture{env: map[string]string{EnvRedirectURI: "http://localhost" + CallbackPath}}, EnvRedirectURI, "port"},
		{"redirect wrong path", fixture{env: map[string]string{EnvRedirectURI: "http://localhost:8000/cb"}}, EnvRedirectURI, CallbackPath},
		{"unknown scope", fixture{localEnv: "STRAVA_DEFAULT_SCOPE=activity:read,everything\n"}, EnvDefaultScope, "everything"},
		{"bad api url", fixture{env: map[string]string{EnvAPIURL: "ftp://x"}}, EnvAPIURL, "http(s)"},
		{"bad poll interval", fixture{env: map[string]string{EnvPollInterval: "often"}}, EnvPollInterval, "duration"},
		{"poll interval too short", fixture{env: map[string]string{EnvPollInterval: "5s"}}, EnvPollInterval, "at least"},
		{"verify token with space", fixture{env: map[string]string{EnvWebhookVerifyToken: "a b"}}, EnvWebhookVerifyToken, "white space"},
		{"bad callback url", fixture{env: map[string]string{EnvWebhookCallbackURL: "not a url"}}, EnvWebhookCallbackURL, "not an absolute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.load(t)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if cerr.Variable != tt.wantVar || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want %s mentioning %q", err, tt.wantVar, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), "looked in") {
				t.Errorf("err %q does not say where it looked", err)
			}
		})
	}
}

func TestMalformedEnvFile(t *testing.T) {
	tests := []struct {
		name, content, wantLine string
	}{
		{"unterminated quote", "STRAVA_CLIENT_ID=1\nSTRAVA_CLIENT_SECRET='s3cr3t-abc\n", "line 2"},
		{"bad name", "# comment\nSTRAVA-CLIENT-SECRET=s3cr3t-abc\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fixture{localEnv: tt.content}.load(t)
			if !errors.Is(err, ErrMalformedEnvFile) || !strings.Contains(err.Error(), ".env") || !strings.Contains(err.Error(), tt.wantLine) {
				t.Fatalf("err = %v, want a malformed-.env error naming the file and %s", err, tt.wantLine)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("the error quotes the file: %v", err)
			}
		})
	}
}

func TestSecretNotInErrors(t *testing.T) {
	_, err := fixture{env: map[string]string{EnvClientSecret: "s3cr3t-value", EnvClientID: "x"}}.load(t)
	if err == nil || strings.Contains(err.Error(), "s3cr3t-value") {
		t.Fatalf("err = %v", err)
	}
}

func TestEnsureDataDir(t *testing.T) {
	c, err := fixture{env: map[string]string{EnvLookBack: "3d"}}.load(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.LookBack != 72*time.Hour {
		t.Errorf("lookback = %v", c.LookBack)
	}
	if err := c.EnsureDataDir(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(c.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("mode = %v", st.Mode().Perm())
	}
}
