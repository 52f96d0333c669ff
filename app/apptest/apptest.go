// Package apptest opens a real App for tests: against a simulated Strava,
// with a data dir and a keychain service of its own, both removed when the
// test ends.
package apptest

import (
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/secrets/secretstest"
	"github.com/owtray/owtray/sync/stravasim"
)

// Instance is an open App and the simulator it talks to.
type Instance struct {
	App *app.App
	Sim *stravasim.Server
	// Base is http://127.0.0.1:PORT on a port that was free: the address
	// for the App's loopback server (its OAuth redirect URI points there).
	Base string
	Env  map[string]string // the configuration the App was opened with
	// Service is the App's keychain service (for OWTRAY_KEYCHAIN_SERVICE).
	Service string
}

// Open starts a simulator with simCfg and opens an App on it. mod, when
// not nil, may change the environment (given the instance's Base) before
// the configuration is loaded.
func Open(t testing.TB, simCfg stravasim.Config, mod func(env map[string]string, base string)) *Instance {
	t.Helper()
	srv, err := stravasim.Start(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	base := "http://127.0.0.1:" + strconv.Itoa(FreePort(t))
	env := map[string]string{
		config.EnvAPIURL:       srv.APIURL(),
		config.EnvOAuthURL:     srv.OAuthURL(),
		config.EnvClientID:     "12345",
		config.EnvClientSecret: "sim-client-secret",
		config.EnvDataDir:      filepath.Join(t.TempDir(), "data"),
		config.EnvRedirectURI:  base + config.CallbackPath,
	}
	if mod != nil {
		mod(env, base)
	}
	cfg, err := config.Load(config.Options{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	service := secretstest.NewService(t)
	a, err := app.Open(cfg, app.Options{KeychainService: service, OpenBrowser: app.VisitURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return &Instance{App: a, Sim: srv, Base: base, Env: env, Service: service}
}

// FreePort is a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
