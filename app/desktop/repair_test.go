package desktop_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
)

// damagedDataDir syncs total activities from the simulator into a data
// dir, then truncates its database to half (as a full disk or a copy cut
// short leaves it). It returns the configuration, the App's options and
// the damage as opening the database reports it.
func damagedDataDir(t *testing.T, total int) (*apptest.Instance, app.Options, *store.DamagedError) {
	t.Helper()
	inst := apptest.Open(t, stravasim.Config{Activities: total, Seed: 4}, nil)
	ctx := context.Background()
	if _, err := inst.App.Login(ctx, app.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := inst.App.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := inst.App.Status(ctx); err != nil || st.Activities != total {
		t.Fatalf("synced %d activities (%v), want %d", st.Activities, err, total)
	}
	cfg := inst.App.Config()
	if err := inst.App.Close(); err != nil {
		t.Fatal(err)
	}
	path := app.DatabasePath(cfg.DataDir)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	opts := app.Options{KeychainService: inst.Service, Logger: slog.New(slog.DiscardHandler)}
	_, err = app.Open(cfg, opts)
	var damage *store.DamagedError
	if !errors.As(err, &damage) {
		t.Fatalf("opening the truncated database: %v, want a DamagedError", err)
	}
	return inst, opts, damage
}

// damagedStart is what cli hands desktop.RunRepair, on the real functions.
func damagedStart(inst *apptest.Instance, opts app.Options, damage *store.DamagedError) cli.Damaged {
	cfg := inst.App.Config()
	return cli.Damaged{
		Err:    damage,
		Repair: func() (store.RepairReport, error) { return app.RepairDatabase(cfg, time.Now(), opts.Logger) },
		Open: func() (*app.App, cli.GUIOptions, func(), error) {
			a, err := app.Open(cfg, opts)
			if err != nil {
				return nil, cli.GUIOptions{}, nil, err
			}
			return a, cli.GUIOptions{Logger: opts.Logger}, func() { a.Close() }, nil
		},
	}
}

// The window's repair on a file damaged for real: what it keeps is what
// the reopened app holds, its words are those of `owtray repair`, and the
// next sync brings the rest back.
func TestRepairerRepairsDamagedDatabase(t *testing.T) {
	const total = 400
	inst, opts, damage := damagedDataDir(t, total)
	view := desktop.DamageView(damage)
	if view.Path != app.DatabasePath(inst.App.Config().DataDir) || len(view.Problems) == 0 {
		t.Fatalf("damage view %+v", view)
	}
	r := desktop.NewRepairer(damagedStart(inst, opts, damage))
	ctx := context.Background()
	res, err := r.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kept == 0 || res.Kept+res.Lost > total || !strings.HasPrefix(res.Damaged, view.Path+".damaged-") {
		t.Fatalf("repair result %+v", res)
	}
	if _, err := os.Stat(res.Damaged); err != nil {
		t.Errorf("the damaged file was not kept: %v", err)
	}
	want := fmt.Sprintf("kept %s activities, lost %s", textfmt.Count(res.Kept), textfmt.Count(res.Lost))
	if res.Lost > 0 {
		want += fmt.Sprintf("; the next sync fetches the %s again from Strava", textfmt.Count(res.Lost))
	}
	if !strings.HasPrefix(res.Outcome, want) {
		t.Errorf("outcome %q, want %q", res.Outcome, want)
	}
	t.Logf("truncated to half: %s", res.Outcome)
	if _, err := r.Repair(ctx); err == nil {
		t.Error("a second repair ran")
	}

	a, wopts, ok := r.Opened()
	if !ok || wopts.Logger == nil {
		t.Fatal("no app opened after the repair")
	}
	st, err := a.Status(ctx)
	if err != nil || st.Activities != res.Kept {
		t.Fatalf("the reopened app holds %d activities (%v), want the %d kept", st.Activities, err, res.Kept)
	}
	if _, err := a.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err := a.Status(ctx); err != nil || st.Activities != total {
		t.Fatalf("after the next sync %d activities (%v), want all %d back", st.Activities, err, total)
	}

	r.Close() // releases the app: the database opens again
	if _, _, ok := r.Opened(); ok {
		t.Error("an app is offered after Close")
	}
	if _, err := r.Repair(ctx); err == nil {
		t.Error("a repair ran after Close")
	}
	again, err := app.Open(inst.App.Config(), opts)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}

// A repair whose file cannot be opened afterwards says both: what the
// repair kept, and why opening failed.
func TestRepairerOpenFails(t *testing.T) {
	inst, opts, damage := damagedDataDir(t, 30)
	d := damagedStart(inst, opts, damage)
	d.Open = func() (*app.App, cli.GUIOptions, func(), error) {
		return nil, cli.GUIOptions{}, nil, errors.New("keychain locked")
	}
	r := desktop.NewRepairer(d)
	defer r.Close()
	res, err := r.Repair(context.Background())
	if err == nil || !strings.Contains(err.Error(), "keychain locked") || !strings.Contains(err.Error(), res.Outcome) || res.Outcome == "" {
		t.Fatalf("repair with a failing open: %v (%+v)", err, res)
	}
	if _, _, ok := r.Opened(); ok {
		t.Error("an app is offered although opening failed")
	}
}
