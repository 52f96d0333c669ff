// Package secretstest gives tests a real OS keychain under a service name of
// their own, removed when the test ends.
package secretstest

import (
	"crypto/rand"
	"errors"
	"os"
	"testing"

	"github.com/owtray/owtray/app/secrets"
)

// RequireEnv names the variable that, set to 1 (make test sets it), turns a
// missing keychain into a test failure instead of a skip.
const RequireEnv = "OWTRAY_REQUIRE_KEYRING"

// New returns a secrets.Store on the real OS keychain with a unique service
// name. Without a keychain the test is skipped, or fails when RequireEnv=1.
func New(t testing.TB) *secrets.Store {
	t.Helper()
	return secrets.New(secrets.OSKeyring{}, NewService(t))
}

// NewService returns a unique keychain service name on the real OS keychain
// whose items are deleted when the test ends (skipping or failing the test
// as New does when there is no keychain).
func NewService(t testing.TB) string {
	t.Helper()
	service := "owtray-test-" + rand.Text()[:12]
	s := secrets.New(secrets.OSKeyring{}, service)
	if _, err := s.Token(); errors.Is(err, secrets.ErrUnavailable) {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("real keychain required (%s=1): %v", RequireEnv, err)
		}
		t.Skipf("no OS keychain (run under `make test`): %v", err)
	}
	t.Cleanup(func() {
		if err := s.DeleteAll(); err != nil {
			t.Errorf("cleaning keychain: %v", err)
		}
	})
	return service
}
