package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/sync/webhook"
)

// The simulator's app credentials, printed for the user to export.
const (
	SimClientID     = "12345"
	SimClientSecret = "sim-client-secret"
)

func simConfig(addr string, activities int, e *env) stravasim.Config {
	return stravasim.Config{Addr: addr, Activities: activities, ClientID: SimClientID, ClientSecret: SimClientSecret, Logger: e.log}
}

func runSimulate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "simulate")
	addr := fs.String("addr", "127.0.0.1:8090", "loopback address to listen on")
	n := fs.Int("activities", 3000, "number of activities in the generated history")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *n < 0 {
		return usagef("--activities must be at least 0")
	}
	srv, err := stravasim.Start(simConfig(*addr, *n, e))
	if err != nil {
		return err
	}
	defer srv.Close()
	cid, secret := SimClientID, SimClientSecret
	fmt.Fprintf(e.stdio.Out, "Simulated Strava on %s with %d activities.\nPoint owtray at it with:\n\n", srv.URL, *n)
	fmt.Fprintf(e.stdio.Out, "  export %s=%s %s=%s\n  export %s=%s %s=%s\n\nCtrl-C stops it.\n",
		config.EnvAPIURL, srv.APIURL(), config.EnvOAuthURL, srv.OAuthURL(),
		config.EnvClientID, cid, config.EnvClientSecret, secret)
	<-ctx.Done()
	return nil
}

// demoEnv points the configuration at a simulator and at a demo data dir
// of its own, so demo runs never touch real data or real tokens.
func demoEnv(base func(string) (string, bool), srv *stravasim.Server, dataDir string, port int) func(string) (string, bool) {
	cid, secret := SimClientID, SimClientSecret
	over := map[string]string{
		config.EnvAPIURL:       srv.APIURL(),
		config.EnvOAuthURL:     srv.OAuthURL(),
		config.EnvClientID:     cid,
		config.EnvClientSecret: secret,
		config.EnvDataDir:      dataDir,
		config.EnvRedirectURI:  "http://127.0.0.1:" + strconv.Itoa(port) + config.CallbackPath,
		// The simulator reaches the loopback server directly: no tunnel.
		config.EnvWebhookCallbackURL: "http://127.0.0.1:" + strconv.Itoa(port) + webhook.WebhookPath,
	}
	return func(k string) (string, bool) {
		if v, ok := over[k]; ok {
			return v, true
		}
		if k == config.EnvNgrokAuthtoken || k == config.EnvNgrokDomain {
			return "", false // the demo never opens a public tunnel
		}
		return base(k)
	}
}

// DemoKeychainService is the keychain service of the demo started with
// base: it keeps the demo's keychain items apart from real ones.
func DemoKeychainService(base string) string {
	if base == "" {
		base = app.KeychainService
	}
	return base + "-demo"
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "demo")
	n := fs.Int("activities", 3000, "number of simulated activities")
	noGUI := fs.Bool("no-gui", false, "sync once and print the status instead of opening the window")
	every := fs.Duration("upload-every", 2*time.Minute, "the simulated athlete uploads a new activity this often (0: never)")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *n < 0 || *every < 0 {
		return usagef("--activities and --upload-every must not be negative")
	}
	if !*noGUI && e.gui == nil {
		return ErrNoWindow
	}
	base, err := e.loadConfig()
	if err != nil {
		return err
	}
	srv, err := stravasim.Start(simConfig("", *n, e))
	if err != nil {
		return err
	}
	defer srv.Close()
	port, err := freePort()
	if err != nil {
		return err
	}
	demo := *e
	demo.lookup = demoEnv(e.lookup, srv, filepath.Join(base.DataDir, "demo"), port)
	demo.appOptions.KeychainService = DemoKeychainService(e.appOptions.KeychainService)
	demo.appOptions.OpenBrowser = app.VisitURL
	if !*noGUI {
		defer demo.useLogFile()()
	}
	a, release, err := demo.open()
	if errors.Is(err, store.ErrInUse) && !*noGUI {
		// The demo runs already: bring its window forward.
		if code, ferr := demo.forward(ctx, []string{"gui"}); ferr == nil && code == ExitOK {
			return nil
		}
	}
	if err != nil {
		return err
	}
	defer release()
	fmt.Fprintf(e.stdio.Out, "Demo: simulated Strava at %s with %d activities; demo data in %s\n", srv.URL, *n, a.Config().DataDir)
	res, err := a.Login(ctx, app.LoginOptions{Replace: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdio.Out, "Connected as %s (athlete %d)\n", res.Token.AthleteName, res.Token.AthleteID)
	if *noGUI {
		if err := syncWithProgress(ctx, e, a, app.SyncOptions{}); err != nil {
			return err
		}
		return printStatus(ctx, e, a, false)
	}
	if *every > 0 {
		go simulateUploads(ctx, srv.Sim, *every, e)
	}
	return e.showWindow(ctx, a, GUIOptions{Demo: true})
}

// simulateUploads makes the simulated athlete upload an activity now and
// then, so the demo shows webhooks and notifications.
func simulateUploads(ctx context.Context, sim *stravasim.Sim, every time.Duration, e *env) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := sim.CreateActivity(stravasim.NewActivity{}); err != nil {
				e.log.Warn("demo upload failed", "err", err)
			}
		}
	}
}
