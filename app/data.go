package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/secrets"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/store"
)

// ProblemReconnect starts Status.Problem when Strava rejected the stored
// grant (persisted with the grant, so it holds across restarts).
const ProblemReconnect = "Reconnect needed"

// BackupEvery is how often the running app copies the database into
// <data dir>/backups.
const BackupEvery = 24 * time.Hour

// DefaultKeepBackups is how many daily backups are kept unless the settings
// say otherwise.
const DefaultKeepBackups = 7

// DatabasePath is the database file of a data directory.
func DatabasePath(dataDir string) string { return filepath.Join(dataDir, DatabaseFile) }

func (a *App) dbPath() string { return DatabasePath(a.conf().DataDir) }

// lastBackup is the newest backup (zero when none).
func (a *App) lastBackup() store.BackupInfo {
	list, err := store.ListBackups(store.BackupDir(a.dbPath()))
	if err != nil || len(list) == 0 {
		return store.BackupInfo{}
	}
	return list[len(list)-1]
}

// Backup writes a consistent copy of the database while it is in use: to out
// when given, else into <data dir>/backups (keeping the newest as many as the
// settings say). It returns the file written.
func (a *App) Backup(out string) (string, error) {
	if out != "" {
		return out, a.store.BackupFile(out)
	}
	dir := store.BackupDir(a.dbPath())
	p, err := a.store.BackupInto(dir, a.opts.Now())
	if err != nil {
		return "", err
	}
	return p, store.PruneBackups(dir, a.keepBackups())
}

func (a *App) keepBackups() int {
	s, _ := a.LoadSettings()
	if s.KeepBackups <= 0 {
		return DefaultKeepBackups
	}
	return s.KeepBackups
}

// backupLoop backs the database up once a day while the app runs (checked
// every hour, and at the start).
func (a *App) backupLoop(ctx context.Context) error {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		p, err := a.store.BackupIfDue(store.BackupDir(a.dbPath()), a.opts.Now(), BackupEvery, a.keepBackups())
		switch {
		case err != nil:
			a.log.Error("daily backup failed", "err", err)
		case p != "":
			a.log.Info("database backed up", "path", p)
			a.events.publish(Event{Kind: EventStatus})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Verify runs the full consistency check on the open database.
func (a *App) Verify() (store.CheckReport, error) { return a.store.Verify() }

// ActivitiesCounted is Activities that also returns how many damaged
// records were skipped.
func (a *App) ActivitiesCounted(q store.Query) ([]store.Activity, int, error) {
	return a.store.ListCounted(q)
}

// DamagedWarning is the one warning for skipped damaged records.
func DamagedWarning(skipped int) string {
	s := "s"
	if skipped == 1 {
		s = ""
	}
	return fmt.Sprintf("%d damaged activity record%s skipped; run `owtray repair` to copy everything readable into a new file (the next sync fetches the rest again)", skipped, s)
}

// hadData tells the store, about to create a missing or empty database,
// that a grant in the keychain says there was data.
func hadData(keychain *secrets.Store) func() string {
	return func() string {
		tok, err := keychain.Token()
		if err != nil {
			return ""
		}
		return fmt.Sprintf("owtray is connected to Strava (athlete %d), so it held your activities", tok.AthleteID)
	}
}

// The functions below work on a database no App holds open: the damaged
// one an App cannot open, or one that is replaced.

func storeOptions(log *slog.Logger) store.Options { return store.Options{Logger: log} }

// CheckDatabase runs the full consistency check on the closed database of cfg.
func CheckDatabase(cfg config.Config, log *slog.Logger) (store.CheckReport, error) {
	return store.Check(DatabasePath(cfg.DataDir), storeOptions(log))
}

// RepairDatabase copies everything readable of cfg's database into a new
// file and keeps the damaged one aside (owtray.db.damaged-<date>: the copy
// taken before the repair).
func RepairDatabase(cfg config.Config, now time.Time, log *slog.Logger) (store.RepairReport, error) {
	return store.Repair(DatabasePath(cfg.DataDir), now, storeOptions(log))
}

// RepairOutcome says in words what a repair kept and lost and what the next
// sync does about it, e.g. "kept 19,991 activities, lost 9; the next sync
// fetches the 9 again from Strava": the words of `owtray repair` and of the
// window's repair.
func RepairOutcome(rep store.RepairReport) string {
	s := fmt.Sprintf("kept %s activities, lost %s", textfmt.Count(rep.Kept), textfmt.Count(rep.Lost))
	switch {
	case rep.Empty:
		s += "; the database was empty, and the next sync imports your whole history from Strava"
	case rep.Lost > 0:
		s += fmt.Sprintf("; the next sync fetches the %s again from Strava", textfmt.Count(rep.Lost))
	case rep.Resync():
		s += "; the next sync walks your whole Strava history again to fetch anything on the unreadable pages"
	}
	return s
}

// RestoreDatabase replaces cfg's database with the backup file, which must
// pass its check; the current database is kept aside.
func RestoreDatabase(cfg config.Config, file string, now time.Time, log *slog.Logger) (store.RestoreReport, error) {
	return store.Restore(DatabasePath(cfg.DataDir), file, now, storeOptions(log))
}
