// Package cli implements owtray's command line: it parses arguments, calls
// the app and prints results. Exit codes: 0 ok, 1 failure, 2 usage.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/buildinfo"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/ipc"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/store"
)

// Stdio are the streams a command uses.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// EnvKeychainService overrides the keychain service name ("owtray").
const EnvKeychainService = "OWTRAY_KEYCHAIN_SERVICE"

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError makes Main print usage and exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// env is what every command gets.
type env struct {
	stdio  Stdio
	log    *slog.Logger
	lookup func(string) (string, bool)
	// appOptions are used when this process opens the app itself.
	appOptions app.Options
	// shared is the running instance's app when this command was forwarded
	// to it; commands then use it instead of opening the database.
	shared *app.App
	// gui starts the window (Options.GUI); nil: this build has none.
	gui GUI
	// repairGUI starts the window on a damaged database (Options.RepairGUI).
	repairGUI RepairGUI
}

type command struct {
	summary string
	usage   string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"login":     {"connect your Strava account in the browser", "login [--no-browser] [--replace]", runLogin},
		"logout":    {"revoke access and remove the tokens from the keychain", "logout [--wipe]", runLogout},
		"status":    {"show the connection, last sync and rate limits", "status [--json]", runStatus},
		"simulate":  {"run the simulated Strava on its own", "simulate [--addr 127.0.0.1:PORT] [--activities N]", runSimulate},
		"demo":      {"try owtray against the built-in simulated Strava", "demo [--activities N] [--no-gui]", runDemo},
		"sync":      {"fetch new activities (first run: the whole history)", "sync [--full] [--details]", runSync},
		"list":      {"list stored activities, newest first", "list [--json] [--sport TYPE] [--since DATE] [--until DATE] [--search TEXT] [--limit N]", runList},
		"show":      {"show one stored activity", "show ID [--json]", runShow},
		"export":    {"export activities", "export --format csv|json|gpx [--out FILE] [--id ID] [filters as list]", runExport},
		"serve":     {"run headless: webhooks, event processing and polling (for a home server)", "serve", runServe},
		"webhook":   {"manage the Strava push subscription", "webhook subscribe [--callback-url URL] | list | delete [ID]", runWebhook},
		"check":     {"check the database for damage (nothing is changed)", "check", runCheck},
		"repair":    {"copy everything readable of a damaged database into a new file", "repair [--force]", runRepair},
		"backup":    {"copy the database (also done daily while owtray runs)", "backup [--out FILE]", runBackup},
		"restore":   {"replace the database with a backup (the current one is kept aside)", "restore FILE", runRestore},
		"version":   {"print the version, commit and build date", "version", runVersion},
		"autostart": {"start owtray at login, in the tray", "autostart on|off|status", runAutostart},
		"help":      {"show this help", "help [COMMAND]", nil},
		"gui":       {"start the desktop app (the default); --hidden: in the tray only", "gui [--hidden]", runGUI},
	}
}

// RunShared runs a command forwarded from another process against the
// running instance's app: the ipc.Runner of `serve` and the desktop app.
// showWindow (nil for serve) brings the desktop window forward when the
// app is started a second time.
func RunShared(a *app.App, log *slog.Logger, showWindow func()) ipc.Runner {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		if len(args) == 0 {
			args = []string{"gui"}
		}
		switch args[0] {
		case "gui":
			if showWindow == nil {
				fmt.Fprintln(stderr, "owtray serve is running this data directory; stop it to start the desktop app")
				return ExitFailure
			}
			if !slices.Contains(args[1:], hiddenFlag) { // a start at login leaves the window alone
				showWindow()
			}
			return ExitOK
		case "serve", "demo", "simulate":
			fmt.Fprintf(stderr, "owtray %s: owtray is already running with this data directory\n", args[0])
			return ExitFailure
		}
		e := &env{stdio: Stdio{In: strings.NewReader(""), Out: stdout, Err: stderr}, lookup: os.LookupEnv, log: log, shared: a}
		return run(ctx, e, args)
	}
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, stdio Stdio, opts Options) int {
	e := &env{stdio: stdio, lookup: os.LookupEnv, gui: opts.GUI, repairGUI: opts.RepairGUI}
	e.log = newLogger(stdio.Err, e.lookup)
	e.appOptions.Logger = e.log
	// A keychain service of its own, e.g. for a second profile or for tests.
	if v, ok := e.lookup(EnvKeychainService); ok && v != "" {
		e.appOptions.KeychainService = v
	}
	return run(ctx, e, args)
}

func run(ctx context.Context, e *env, args []string) int {
	cmds := commands()
	if len(args) == 0 || args[0] == hiddenFlag {
		args = append([]string{"gui"}, args...) // `owtray --hidden`: the desktop app's flag
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(rest) > 0 {
			if c, ok := cmds[rest[0]]; ok {
				fmt.Fprintf(e.stdio.Out, "usage: owtray %s\n\n%s\n", c.usage, c.summary)
				return ExitOK
			}
		}
		printUsage(e.stdio.Out, cmds)
		return ExitOK
	}
	c, ok := cmds[name]
	if !ok || c.run == nil {
		fmt.Fprintf(e.stdio.Err, "owtray: unknown command %q\n\n", name)
		printUsage(e.stdio.Err, cmds)
		return ExitUsage
	}
	if e.shared == nil && forwardable(name) {
		// A running instance owns the database: hand the command over at
		// once instead of waiting for the database lock to time out.
		if cfg, err := e.loadConfig(); err == nil && ipc.Alive(ipc.SocketPath(cfg.DataDir)) {
			if code, err := e.forward(ctx, args); err == nil {
				return code
			}
		}
	}
	err := c.run(ctx, e, rest)
	if errors.Is(err, store.ErrInUse) && e.shared == nil && forwardable(name) {
		code, ferr := e.forward(ctx, args)
		if ferr == nil {
			return code
		}
		e.log.Debug("could not forward to the running instance", "err", ferr)
	}
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stdio.Err, "owtray %s: %s\nusage: owtray %s\n", name, ue.msg, c.usage)
		return ExitUsage
	case errors.Is(err, ErrNoWindow):
		fmt.Fprintln(e.stdio.Err, err)
		return ExitFailure
	default:
		fmt.Fprintf(e.stdio.Err, "owtray %s: %s\n", name, textfmt.InertLines(err.Error()))
		return ExitFailure
	}
}

// forwardable says whether a command goes to the running instance when
// there is one (the simulator and the demo have data of their own).
func forwardable(name string) bool {
	switch name {
	case "simulate", "demo", "version", "autostart", "repair", "restore":
		return false
	}
	return true
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintf(w, "owtray %s keeps your Strava activities on your own computer.\n\nusage: owtray [COMMAND]   (no command starts the desktop app)\n\ncommands:\n", buildinfo.Get().Version)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  owtray %s\n      %s\n", cmds[n].usage, cmds[n].summary)
	}
	fmt.Fprintf(w, "\nsettings come from the environment, ./.env and <data dir>/.env (see README.md).\n")
}

// flags makes a FlagSet whose errors become usage errors.
func flags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stdio.Err)
	return fs
}

func parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > maxArgs {
		return usagef("unexpected argument %q", fs.Arg(maxArgs))
	}
	return nil
}

// loadConfig reads the configuration for this process.
func (e *env) loadConfig() (config.Config, error) {
	return config.Load(config.Options{LookupEnv: e.lookup})
}

// open returns the app to use and a func that releases it: the running
// instance's shared app, or one this process opens (and closes).
func (e *env) open() (*app.App, func(), error) {
	if e.shared != nil {
		return e.shared, func() {}, nil
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	a, err := app.Open(cfg, e.appOptions)
	if err != nil {
		return nil, nil, err
	}
	return a, func() {
		if err := a.Close(); err != nil {
			e.log.Error("closing the database", "err", err)
		}
	}, nil
}

// withApp runs fn with the app (see open) and releases it afterwards.
func (e *env) withApp(fn func(*app.App) error) error {
	a, release, err := e.open()
	if err != nil {
		return err
	}
	defer release()
	return fn(a)
}

// forward hands the command to the running instance that holds the
// database. It is used when opening the database found it in use.
func (e *env) forward(ctx context.Context, args []string) (int, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return 0, err
	}
	return ipc.Forward(ctx, ipc.SocketPath(cfg.DataDir), absPaths(args), e.stdio.Out, e.stdio.Err)
}

func newLogger(w io.Writer, lookup func(string) (string, bool)) *slog.Logger {
	level := slog.LevelWarn
	if v, ok := lookup("OWTRAY_LOG_LEVEL"); ok {
		_ = level.UnmarshalText([]byte(strings.ToUpper(v)))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func runVersion(_ context.Context, e *env, args []string) error {
	if err := parse(flags(e, "version"), args, 0); err != nil {
		return err
	}
	fmt.Fprintln(e.stdio.Out, buildinfo.Get())
	return nil
}
