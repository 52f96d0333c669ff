package config

import (
	"errors"
	"strings"
	"testing"
)

// Every way STRAVA_REDIRECT_URI can be wrong gets its own message naming the
// variable; none echoes a password.
func TestRedirectURI(t *testing.T) {
	tests := []struct {
		name, uri, want string // want "" = accepted
	}{
		{"default", DefaultRedirectURI, ""},
		{"127.0.0.1", "http://127.0.0.1:8123" + CallbackPath, ""},
		{"ipv6 loopback", "http://[::1]:8000" + CallbackPath, ""},
		{"port 1", "http://localhost:1" + CallbackPath, ""},
		{"port 65535", "http://localhost:65535" + CallbackPath, ""},
		{"https", "https://localhost:8000" + CallbackPath, "must start with http://"},
		{"other scheme", "ftp://localhost:8000" + CallbackPath, "must start with http://"},
		{"port 0", "http://localhost:0" + CallbackPath, "between 1 and 65535"},
		{"port 99999", "http://localhost:99999" + CallbackPath, "between 1 and 65535"},
		{"no port", "http://localhost" + CallbackPath, "must include a port"},
		{"empty port", "http://localhost:" + CallbackPath, "must include a port"},
		{"user info", "http://me:hunter2@localhost:8000" + CallbackPath, "user name or password"},
		{"query", "http://localhost:8000" + CallbackPath + "?x=1", "query"},
		{"empty query", "http://localhost:8000" + CallbackPath + "?", "query"},
		{"fragment", "http://localhost:8000" + CallbackPath + "#top", "fragment"},
		{"empty fragment", "http://localhost:8000" + CallbackPath + "#", "fragment"},
		{"remote host", "http://example.com:8000" + CallbackPath, "this computer"},
		{"private address", "http://192.168.1.2:8000" + CallbackPath, "this computer"},
		{"wrong path", "http://localhost:8000/cb", CallbackPath},
		{"relative", "localhost:8000" + CallbackPath, "not an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := fixture{env: map[string]string{EnvRedirectURI: tt.uri}}.load(t)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if cfg.RedirectURI.String() != tt.uri {
					t.Errorf("RedirectURI = %s", cfg.RedirectURI)
				}
				return
			}
			var cerr *Error
			if !errors.As(err, &cerr) || cerr.Variable != EnvRedirectURI || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %s mentioning %q", err, EnvRedirectURI, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error echoes the password: %v", err)
			}
		})
	}
}

func TestEnvDuplicateKeysWarned(t *testing.T) {
	content := "STRAVA_CLIENT_ID=1\n" +
		"STRAVA_CLIENT_SECRET=first-s3cr3t\n" +
		"NOTE=\"a value that spans\nSTRAVA_CLIENT_ID=inside-quotes\nlines\"\n" +
		"export STRAVA_CLIENT_SECRET=second-s3cr3t\n" +
		"# STRAVA_CLIENT_ID=commented\n"
	cfg, err := fixture{localEnv: content}.load(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 {
		t.Fatalf("warnings %q, want one (STRAVA_CLIENT_SECRET)", cfg.Warnings)
	}
	w := cfg.Warnings[0]
	if !strings.Contains(w, EnvClientSecret) || !strings.Contains(w, "lines 2, 6") || strings.Contains(w, "s3cr3t") {
		t.Errorf("warning %q: want the key and its lines, never a value", w)
	}
	if cfg.ClientSecret != "second-s3cr3t" {
		t.Errorf("secret from the last line expected")
	}
	clean, err := fixture{localEnv: "STRAVA_CLIENT_ID=1\n"}.load(t)
	if err != nil || len(clean.Warnings) != 0 {
		t.Fatalf("clean file: %q %v", clean.Warnings, err)
	}
}
