package desktop_test

import (
	"strings"
	"testing"

	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/desktop"
)

// The window says how many activities it cannot show and what to run.
func TestWindowNamesDamagedRecords(t *testing.T) {
	a := apptest.OpenDamaged(t, 20)
	b := desktop.New(a, desktop.Options{})
	if msg := b.Status().SyncError; !strings.Contains(msg, "1 damaged activity record skipped") || !strings.Contains(msg, "owtray repair") {
		t.Fatalf("window status %q", msg)
	}
}
