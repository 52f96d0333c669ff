package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/ipc"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/store"
)

// runCheck runs the full consistency check: on the running instance's open
// database when forwarded, else on the closed file.
func runCheck(_ context.Context, e *env, args []string) error {
	if err := parse(flags(e, "check"), args, 0); err != nil {
		return err
	}
	var rep store.CheckReport
	var err error
	if e.shared != nil {
		rep, err = e.shared.Verify()
	} else {
		cfg, cerr := e.loadConfig()
		if cerr != nil {
			return cerr
		}
		rep, err = app.CheckDatabase(cfg, e.log)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdio.Out, "Database %s is consistent: %s activities, checked in %s\n", rep.Path, textfmt.Count(rep.Activities), rep.Duration.Round(time.Millisecond))
	return nil
}

// runRepair copies what is readable into a new file; owtray must not be
// running (it holds the file).
func runRepair(_ context.Context, e *env, args []string) error {
	fs := flags(e, "repair")
	force := fs.Bool("force", false, "rewrite the database even when its check finds nothing wrong")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	cfg, err := e.notRunning("repair")
	if err != nil {
		return err
	}
	if !*force {
		rep, err := app.CheckDatabase(cfg, e.log)
		if err == nil {
			fmt.Fprintf(e.stdio.Out, "Database %s is consistent (%s activities): nothing to repair (--force rewrites it anyway)\n", rep.Path, textfmt.Count(rep.Activities))
			return nil
		}
		if !errors.Is(err, store.ErrDamaged) {
			return err
		}
		fmt.Fprintf(e.stdio.Err, "%s\n", err)
	}
	rep, err := app.RepairDatabase(cfg, time.Now(), e.log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdio.Out, "Repaired %s: %s.\n", app.DatabasePath(cfg.DataDir), app.RepairOutcome(rep))
	fmt.Fprintf(e.stdio.Out, "Streams kept %d, lost %d; queued webhook events kept %d, lost %d; sync checkpoint %s; %d unreadable pages; took %s.\n",
		rep.StreamsKept, rep.StreamsLost, rep.EventsKept, rep.EventsLost, keptOrLost(rep.CheckpointKept), rep.UnreadablePages, rep.Duration.Round(time.Millisecond))
	fmt.Fprintf(e.stdio.Out, "The damaged file is kept as %s.\n", rep.Damaged)
	return nil
}

func keptOrLost(kept bool) string {
	if kept {
		return "kept"
	}
	return "lost (the next sync starts the import again)"
}

func runBackup(_ context.Context, e *env, args []string) error {
	fs := flags(e, "backup")
	out := fs.String("out", "", "write the copy to FILE instead of <data dir>/backups")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		started := time.Now()
		p, err := a.Backup(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdio.Out, "Backed up the database to %s in %s\n", p, time.Since(started).Round(time.Millisecond))
		return nil
	})
}

func runRestore(_ context.Context, e *env, args []string) error {
	fs := flags(e, "restore")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want the backup FILE to restore (see %s)", store.BackupDirName)
	}
	cfg, err := e.notRunning("restore")
	if err != nil {
		return err
	}
	rep, err := app.RestoreDatabase(cfg, fs.Arg(0), time.Now(), e.log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdio.Out, "Restored %s activities from %s.\n", textfmt.Count(rep.Activities), fs.Arg(0))
	if rep.Previous != "" {
		fmt.Fprintf(e.stdio.Out, "The database it replaced is kept as %s.\n", rep.Previous)
	}
	return nil
}

// notRunning loads the configuration and refuses when a running owtray
// holds the database: repair and restore replace the file.
func (e *env) notRunning(cmd string) (config.Config, error) {
	running := fmt.Errorf("owtray is running with this data directory; quit it (window or serve) and run `owtray %s` again", cmd)
	if e.shared != nil {
		return config.Config{}, running
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return cfg, err
	}
	if ipc.Alive(ipc.SocketPath(cfg.DataDir)) {
		return cfg, running
	}
	return cfg, nil
}

// absPaths makes the file arguments of a forwarded command absolute in this
// process's working directory: the running instance has its own.
func absPaths(args []string) []string {
	out := slices.Clone(args)
	abs := func(p string) string {
		if p == "" || p == "-" || filepath.IsAbs(p) {
			return p
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	positional := len(out) > 0 && out[0] == "restore"
	for i := 1; i < len(out); i++ {
		arg := out[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		switch {
		case strings.HasPrefix(arg, "-") && name == "out" && hasValue:
			out[i] = arg[:len(arg)-len(value)] + abs(value)
		case strings.HasPrefix(arg, "-") && name == "out" && i+1 < len(out):
			out[i+1] = abs(out[i+1])
			i++
		case positional && !strings.HasPrefix(arg, "-"):
			out[i] = abs(arg)
		}
	}
	return out
}
