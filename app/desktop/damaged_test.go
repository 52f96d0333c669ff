package desktop_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/sync/stravasim"
)

// The window says how many activities it cannot show and what to run.
func TestWindowNamesDamagedRecords(t *testing.T) {
	opened := apptest.Open(t, stravasim.Config{Activities: 20, Seed: 9}, nil)
	ctx := context.Background()
	if _, err := opened.App.Login(ctx, app.LoginOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := opened.App.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := opened.App.Config()
	opened.App.Close()
	apptest.DamageFirstRow(t, cfg.DataDir)
	a, err := app.Open(cfg, app.Options{KeychainService: opened.Service, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := desktop.New(a, desktop.Options{})
	if msg := b.Status().SyncError; !strings.Contains(msg, "1 damaged activity record skipped") || !strings.Contains(msg, "owtray repair") {
		t.Fatalf("window status %q", msg)
	}
}
