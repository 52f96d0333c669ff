package secrets_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/secrets/secretstest"
)

func sampleToken() secrets.Token {
	return secrets.Token{
		AccessToken:  "access-XYZ-123",
		RefreshToken: "refresh-ABC-456",
		Expiry:       time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC),
		AthleteID:    134815,
		AthleteName:  "Zoë Ødegård",
		Scopes:       []string{"read", "activity:read_all"},
	}
}

func TestRealKeychainRoundTrip(t *testing.T) {
	s := secretstest.New(t)

	if _, err := s.Token(); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("empty keychain: err = %v, want ErrNotFound", err)
	}
	want := sampleToken()
	if err := s.SaveToken(want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Token()
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != want.AccessToken || got.RefreshToken != want.RefreshToken ||
		!got.Expiry.Equal(want.Expiry) || got.AthleteName != want.AthleteName || !got.HasScope("activity:read_all") {
		t.Fatalf("round trip: got %+v", got)
	}

	items := []struct {
		name string
		save func(string) error
		load func() (string, error)
	}{
		{"client secret", s.SaveClientSecret, s.ClientSecret},
		{"verify token", s.SaveVerifyToken, s.VerifyToken},
		{"ngrok authtoken", s.SaveNgrokAuthtoken, s.NgrokAuthtoken},
	}
	for _, it := range items {
		t.Run(it.name, func(t *testing.T) {
			if err := it.save("value of " + it.name); err != nil {
				t.Fatal(err)
			}
			if v, err := it.load(); err != nil || v != "value of "+it.name {
				t.Fatalf("load = %q, %v", v, err)
			}
		})
	}

	if err := s.DeleteToken(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteToken(); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Token(); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestTokenNeverPrinted(t *testing.T) {
	tok := sampleToken()
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("token", "t", tok)
	for _, out := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), logs.String()} {
		if strings.Contains(out, tok.AccessToken) || strings.Contains(out, tok.RefreshToken) {
			t.Errorf("secret printed: %s", out)
		}
	}
}

type brokenRing struct{ err error }

func (b brokenRing) Get(string, string) (string, error) { return "", b.err }
func (b brokenRing) Set(string, string, string) error   { return b.err }
func (b brokenRing) Delete(string, string) error        { return b.err }

type memRing map[string]string

func (m memRing) Get(s, u string) (string, error) { return m[s+"/"+u], nil }
func (m memRing) Set(s, u, p string) error        { m[s+"/"+u] = p; return nil }
func (m memRing) Delete(s, u string) error        { delete(m, s+"/"+u); return nil }

func TestUnavailableKeychain(t *testing.T) {
	s := secrets.New(brokenRing{errors.New("The name org.freedesktop.secrets was not provided by any .service files")}, "owtray")
	err := s.SaveToken(sampleToken())
	if !errors.Is(err, secrets.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	for _, want := range []string{"no OS keychain", "owtray/strava-token"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "access-XYZ") {
		t.Error("secret in error")
	}
}

func TestCorruptTokenItem(t *testing.T) {
	ring := memRing{"owtray/strava-token": `{"access_token":"leak-me",`}
	_, err := secrets.New(ring, "owtray").Token()
	if err == nil || strings.Contains(err.Error(), "leak-me") || !strings.Contains(err.Error(), "reconnect") {
		t.Fatalf("err = %v", err)
	}
}

func TestFixHint(t *testing.T) {
	for _, goos := range []string{"linux", "darwin", "windows", "plan9"} {
		if secrets.FixHint(goos) == "" {
			t.Errorf("no hint for %s", goos)
		}
	}
	if !strings.Contains(secrets.FixHint("linux"), "gnome-keyring") {
		t.Error("linux hint should name gnome-keyring")
	}
}
