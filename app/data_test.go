package app_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
)

// A damaged settings.json is reported, kept aside as .damaged and never
// overwritten; the defaults are used meanwhile.
func TestDamagedSettingsKeptAside(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":      `{"units": "metric", "poll_interval": `,
		"wrong type":    `{"units": 7}`,
		"invalid value": `{"units": "metric", "poll_interval": 1000000000}`,
	} {
		t.Run(name, func(t *testing.T) {
			in := newInstance(t, 1, nil)
			path := filepath.Join(in.app.Config().DataDir, app.SettingsFile)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := in.app.LoadSettings()
			if !errors.Is(err, app.ErrSettingsDamaged) || !strings.Contains(err.Error(), path+".damaged") {
				t.Fatalf("LoadSettings error %v, want ErrSettingsDamaged naming the kept copy", err)
			}
			if s.Units != app.UnitsMetric || s.PollInterval != time.Hour || s.KeepBackups != app.DefaultKeepBackups {
				t.Errorf("not the defaults: %+v", s)
			}
			if got, err := os.ReadFile(path + ".damaged"); err != nil || string(got) != content {
				t.Fatalf("kept copy %q, %v", got, err)
			}
			s.Units = app.UnitsImperial
			if err := in.app.SaveSettings(s); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path + ".damaged"); string(got) != content {
				t.Error("saving overwrote the damaged copy")
			}
			if s2, err := in.app.LoadSettings(); err != nil || s2.Units != app.UnitsImperial {
				t.Errorf("after saving: %+v %v", s2, err)
			}
		})
	}
}

// After Strava rejects the refresh token, status says "Reconnect needed",
// also after a restart.
func TestReconnectNeededSurvivesRestart(t *testing.T) {
	opened := apptest.Open(t, stravasim.Config{Activities: 3, Seed: 5}, nil)
	a := opened.App
	ctx := context.Background()
	if _, err := a.Login(ctx, app.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := opened.Sim.Sim.DeauthorizeApp(); err != nil {
		t.Fatal(err)
	}
	opened.Sim.Sim.ExpireAllTokens()
	if _, err := a.Sync(ctx, app.SyncOptions{}); err == nil {
		t.Fatal("sync succeeded with a revoked grant")
	}
	check := func(who string, a *app.App) {
		t.Helper()
		st, err := a.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Connected || st.Problem.Kind != app.ProblemReconnectNeeded || !strings.HasPrefix(st.Problem.Message, app.ProblemReconnect) {
			t.Fatalf("%s: connected %v, problem %q; want %q", who, st.Connected, st.Problem, app.ProblemReconnect)
		}
	}
	check("same process", a)
	cfg := a.Config()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := app.Open(cfg, app.Options{KeychainService: opened.Service, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	check("after a restart", again)
}

// Backups: a consistent copy while the app syncs; the daily one is taken
// once and pruned to the setting; restore round-trips.
func TestBackupDuringSyncAndRestore(t *testing.T) {
	in := newInstance(t, 1200, nil)
	in.login()
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, err := in.app.Sync(ctx, app.SyncOptions{}); done <- err }()
	var backups []string
	stored := 0
	for i := 0; i < 3; i++ {
		p, err := in.app.Backup(filepath.Join(t.TempDir(), "copy.db"))
		if err != nil {
			t.Fatal(err)
		}
		backups = append(backups, p)
		// The next copy at a later point of the import (or after it).
		clocktest.WaitUntil(t, "the import to go on", time.Minute, func() bool {
			n, _ := in.app.CountActivities(store.Query{})
			if n > stored || n == 1200 {
				stored = n
				return true
			}
			return false
		})
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, p := range backups {
		rep, err := store.Check(p, store.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatalf("backup taken during a sync fails its check: %v", err)
		}
		if rep.Activities%200 != 0 && rep.Activities != 1200 {
			t.Errorf("backup holds %d activities: not a whole number of pages (not consistent)", rep.Activities)
		}
	}
	st, _ := in.app.Status(ctx)
	if !st.LastBackup.IsZero() {
		t.Errorf("last backup %v before any into the backups folder", st.LastBackup)
	}
	p, err := in.app.Backup("")
	if err != nil || filepath.Dir(p) != filepath.Join(in.app.Config().DataDir, store.BackupDirName) {
		t.Fatalf("backup into the folder: %q %v", p, err)
	}
	if st, _ := in.app.Status(ctx); st.LastBackup.IsZero() {
		t.Error("status does not show the last backup")
	}
	cfg := in.app.Config()
	if _, err := app.RestoreDatabase(cfg, p, time.Now(), slog.New(slog.DiscardHandler)); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("restore while the database is open: %v, want ErrInUse", err)
	}
	in.app.Close()
	rep, err := app.RestoreDatabase(cfg, p, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil || rep.Activities != 1200 || rep.Previous == "" {
		t.Fatalf("restore: %+v %v", rep, err)
	}
	if _, err := os.Stat(rep.Previous); err != nil {
		t.Errorf("the replaced database was not kept: %v", err)
	}
}

// The running app backs the database up at once when no backup is a day
// old, and keeps as many as the settings say.
func TestRunBacksUpDaily(t *testing.T) {
	clock := clocktest.New(time.Now())
	in := newInstanceWith(t, 20, nil, app.Options{Now: clock.Now})
	s, _ := in.app.LoadSettings()
	s.KeepBackups = 2
	if err := in.app.SaveSettings(s); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(in.app.Config().DataDir, store.BackupDirName)
	for range 3 {
		if _, err := in.app.Backup(""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second) // backups are named by the second
	}
	if list, _ := store.ListBackups(dir); len(list) != 2 {
		t.Fatalf("%d backups kept, want 2", len(list))
	}
	// Make them old: the running app takes a new one at once.
	list, _ := store.ListBackups(dir)
	for i, b := range list {
		old := filepath.Join(dir, "owtray-20200101T00000"+string(rune('0'+i))+"Z.db")
		if err := os.Rename(b.Path, old); err != nil {
			t.Fatal(err)
		}
	}
	in.run(app.RunOptions{NoPolling: true})
	in.waitFor("the daily backup", func() bool {
		list, _ := store.ListBackups(dir)
		return len(list) == 2 && clock.Now().Sub(list[1].Time) < time.Minute
	})
}

// A damaged row is counted by status (the CLI and the window show it) and
// skipped by the list, which names `owtray repair`.
func TestDamagedRowInStatusAndList(t *testing.T) {
	a := apptest.OpenDamaged(t, 30)
	ctx := context.Background()
	st, err := a.Status(ctx)
	if err != nil || st.DamagedRecords != 1 || st.Activities != 30 {
		t.Fatalf("status: %d damaged of %d, %v", st.DamagedRecords, st.Activities, err)
	}
	acts, skipped, err := a.ActivitiesCounted(store.Query{})
	if err != nil || skipped != 1 || len(acts) != 29 {
		t.Fatalf("list: %d, %d skipped, %v", len(acts), skipped, err)
	}
	if w := app.DamagedWarning(skipped); !strings.Contains(w, "1 damaged activity record skipped") || !strings.Contains(w, "owtray repair") {
		t.Errorf("warning %q", w)
	}
}
