package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestSettingsShowAndSave(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	s := h.ui.settings
	if s.units.Selected != labelMetric || s.poll.sel.Selected != "1 hour" || s.lookBack.sel.Selected != "7 days" || !s.notify.Checked || s.login.Checked {
		t.Fatalf("loaded: units %q, poll %q, look-back %q, notify %v, start at login %v",
			s.units.Selected, s.poll.sel.Selected, s.lookBack.sel.Selected, s.notify.Checked, s.login.Checked)
	}
	s.units.SetSelected(labelImperial)
	s.poll.sel.SetSelected("15 minutes")
	s.lookBack.sel.SetSelected("30 days")
	test.Tap(s.notify)
	test.Tap(s.login)
	test.Tap(s.save)
	h.until("saved", func() bool { return s.message.Text == msgSaved })
	want := Settings{Units: Imperial, PollInterval: 15 * time.Minute, LookBack: 30 * 24 * time.Hour, StartAtLogin: true}
	if got := locked(h.be, func() []Settings { return h.be.savedSettings }); !slices.Equal(got, []Settings{want}) {
		t.Errorf("saved %+v, want %+v", got, want)
	}
	if row := visibleRows(h.ui.list.list)[0]; row[3][len(row[3])-2:] != "mi" {
		t.Errorf("the list still shows %q after switching to imperial", row[3])
	}
}

func TestSettingsKeepsAnUnlistedInterval(t *testing.T) {
	be := newFakeBackend(0)
	be.settings.PollInterval = 45 * time.Minute
	h := newHarness(t, be)
	if got := h.ui.settings.poll.get(); got != 45*time.Minute {
		t.Errorf("poll interval = %v, want 45m kept", got)
	}
}

func TestSettingsLogoutConfirm(t *testing.T) {
	tests := []struct {
		name    string
		confirm bool
		wipe    bool
		want    []bool
	}{
		{"cancel", false, false, nil},
		{"keep data", true, false, []bool{false}},
		{"wipe data", true, true, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, newFakeBackend(5))
			c := h.ui.win.Canvas()
			test.Tap(h.ui.settings.logout)
			dlg := c.Overlays().Top()
			if dlg == nil {
				t.Fatal("no confirmation dialog")
			}
			if tt.wipe {
				test.Tap(findCheck(t, dlg, labelWipe))
			}
			button := labelCancel
			if tt.confirm {
				button = labelLogoutOK
			}
			test.Tap(findButton(t, dlg, button))
			if tt.confirm {
				h.until("the setup screen", func() bool { return h.ui.onSetup })
			}
			h.pump.drain()
			if got := locked(h.be, func() []bool { return h.be.logouts }); !slices.Equal(got, tt.want) {
				t.Errorf("Logout calls (wipe) = %v, want %v", got, tt.want)
			}
		})
	}
}

func findCheck(tb testing.TB, o fyne.CanvasObject, text string) *widget.Check {
	tb.Helper()
	for _, obj := range visible(o) {
		if c, ok := obj.(*widget.Check); ok && c.Text == text {
			return c
		}
	}
	tb.Fatalf("no check %q", text)
	return nil
}

// TestLogoutNotRevokedIsSaid: when Strava does not confirm the revoke, the
// window says so (and what to do) over the setup screen it moves to.
func TestLogoutNotRevokedIsSaid(t *testing.T) {
	be := newFakeBackend(5)
	be.notRevoked = "Strava did not confirm the revoke; remove owtray at strava.com/settings/apps"
	h := newHarness(t, be)
	c := h.ui.win.Canvas()
	test.Tap(h.ui.settings.logout)
	test.Tap(findButton(t, c.Overlays().Top(), labelLogoutOK))
	h.until("the setup screen", func() bool { return h.ui.onSetup })
	h.pump.drain()
	top := c.Overlays().Top()
	if top == nil {
		t.Fatal("no message after a logout Strava did not confirm")
	}
	found := false
	for _, o := range visible(top) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "strava.com/settings/apps") {
			found = true
		}
	}
	if !found {
		t.Error("the message does not say where to remove owtray")
	}
}
