package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

const goodSecret = "0123456789abcdef0123456789abcdef01234567"

// newSetupHarness starts with nobody connected: the setup screen shows.
func newSetupHarness(t *testing.T) *harness {
	be := newFakeBackend(0)
	be.status = Status{}
	h := newHarness(t, be)
	if !h.ui.onSetup || h.ui.win.Content() != h.ui.setup.content {
		t.Fatal("the setup screen is not showing while not connected")
	}
	return h
}

// fill types the form's values; the verify token keeps its generated value.
func (h *harness) fill(clientID, secret, callbackURL string) {
	e := h.ui.setup.entries
	test.Type(e[FieldClientID], clientID)
	test.Type(e[FieldClientSecret], secret)
	test.Type(e[FieldCallbackURL], callbackURL)
}

func TestSetupPrefillsGeneratedVerifyToken(t *testing.T) {
	h := newSetupHarness(t)
	e := h.ui.setup.entries[FieldVerifyToken]
	if e.Text != "generated-verify-token-123" || !e.Password {
		t.Errorf("verify token entry = %q (password %v), want the generated token, masked", e.Text, e.Password)
	}
	for _, f := range []Field{FieldClientSecret, FieldNgrokAuthtoken} {
		if !h.ui.setup.entries[f].Password {
			t.Errorf("%s is not a password entry", f)
		}
	}
}

func TestSetupValidationMessagesNextToFields(t *testing.T) {
	tests := []struct {
		name             string
		clientID, secret string
		callbackURL      string
		wantErrs         []Field
	}{
		{name: "all empty", wantErrs: []Field{FieldClientID, FieldClientSecret}},
		{name: "bad client id", clientID: "12ab", secret: goodSecret, wantErrs: []Field{FieldClientID}},
		{name: "short secret", clientID: "123", secret: "abc", wantErrs: []Field{FieldClientSecret}},
		{name: "http callback", clientID: "123", secret: goodSecret, callbackURL: "http://x", wantErrs: []Field{FieldCallbackURL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newSetupHarness(t)
			s := h.ui.setup
			h.fill(tt.clientID, tt.secret, tt.callbackURL)
			test.Tap(s.connect)
			if s.state.Text != msgFixFields {
				t.Errorf("state = %q, want %q", s.state.Text, msgFixFields)
			}
			for field, l := range s.errLabels {
				want := slices.Contains(tt.wantErrs, field)
				if l.Visible() != want || (l.Text != "") != want {
					t.Errorf("%s: message %q visible %v, want shown %v", field, l.Text, l.Visible(), want)
				}
			}
			if n := locked(h.be, func() int { return len(h.be.savedSetups) }); n != 0 {
				t.Errorf("an invalid form was saved %d times", n)
			}
		})
	}
}

func TestSetupMessagesClearAsTheUserFixesThem(t *testing.T) {
	h := newSetupHarness(t)
	s := h.ui.setup
	h.fill("12x", goodSecret, "")
	test.Tap(s.connect)
	if !s.errLabels[FieldClientID].Visible() {
		t.Fatal("no message for the bad Client ID")
	}
	s.entries[FieldClientID].SetText("12345")
	if s.errLabels[FieldClientID].Visible() {
		t.Errorf("message %q still shown after the fix", s.errLabels[FieldClientID].Text)
	}
}

func TestSetupConnectSuccess(t *testing.T) {
	h := newSetupHarness(t)
	s := h.ui.setup
	waiting := make(chan struct{})
	h.be.connect = func(ctx context.Context) (ConnectResult, error) {
		<-waiting
		h.be.setStatus(func(st *Status) { st.Connected = true })
		return ConnectResult{Athlete: "Jane Doe", AthleteID: 4242, Warnings: []string{"Private activities will not sync."}}, nil
	}
	h.fill("12345", goodSecret, "")
	test.Tap(s.connect)
	h.until("the waiting state", func() bool { return s.state.Text == msgWaiting })
	if !s.spinner.Visible() || !s.cancel.Visible() || !s.connect.Disabled() || !s.demo.Disabled() {
		t.Error("waiting state: want spinner and Cancel, Connect and demo disabled")
	}
	saved := locked(h.be, func() []SetupForm { return h.be.savedSetups })
	if len(saved) != 1 || saved[0].ClientID != "12345" || saved[0].ClientSecret != goodSecret ||
		saved[0].VerifyToken != "generated-verify-token-123" {
		t.Errorf("saved setups = %+v", saved)
	}
	close(waiting)
	h.until("connected", func() bool { return strings.HasPrefix(s.state.Text, "Connected as") })
	if want := "Connected as Jane Doe (4242).\nPrivate activities will not sync."; s.state.Text != want {
		t.Errorf("state = %q, want %q", s.state.Text, want)
	}
	if h.ui.onSetup || h.ui.win.Content() != h.ui.main {
		t.Error("the activities are not shown after connecting")
	}
	if s.entries[FieldClientSecret].Text != "" {
		t.Error("the secret stays in the form after it was saved")
	}
}

func TestSetupConnectFailureReasons(t *testing.T) {
	tests := []struct {
		reason ConnectReason
		want   string
	}{
		{ConnectDenied, "access was denied"},
		{ConnectMissingScope, "did not grant permission to read your activities"},
		{ConnectBadClientSecret, "rejected the Client ID or Client Secret"},
		{ConnectSubscriptionInactive, "API application is inactive"},
		{ConnectTimeout, "No answer from the browser"},
		{ConnectFailed, "Connecting to Strava failed"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			h := newSetupHarness(t)
			s := h.ui.setup
			h.be.connect = func(context.Context) (ConnectResult, error) {
				return ConnectResult{}, &ConnectError{Reason: tt.reason}
			}
			h.fill("12345", goodSecret, "")
			test.Tap(s.connect)
			h.until("the failure", func() bool { return !s.connect.Disabled() })
			if !strings.Contains(s.state.Text, tt.want) {
				t.Errorf("state = %q, want it to contain %q", s.state.Text, tt.want)
			}
			if !h.ui.onSetup || s.spinner.Visible() || s.cancel.Visible() {
				t.Error("after a failure the form must stay, without the waiting state")
			}
		})
	}
}

func TestSetupConnectCancel(t *testing.T) {
	h := newSetupHarness(t)
	s := h.ui.setup
	h.be.connect = func(ctx context.Context) (ConnectResult, error) {
		<-ctx.Done()
		return ConnectResult{}, ctx.Err()
	}
	h.fill("12345", goodSecret, "")
	test.Tap(s.connect)
	h.until("the waiting state", func() bool { return s.state.Text == msgWaiting })
	h.handOff("the cancelled call to return", func() { test.Tap(s.cancel) })
	if s.state.Text != msgCancelled || s.connect.Disabled() {
		t.Errorf("state = %q, connect disabled %v; want cancelled and enabled", s.state.Text, s.connect.Disabled())
	}
}

func TestSetupTryTheDemo(t *testing.T) {
	h := newSetupHarness(t)
	test.Tap(h.ui.setup.demo)
	h.until("the main screen", func() bool { return !h.ui.onSetup })
	if !locked(h.be, func() bool { return h.be.demoStarted }) {
		t.Error("StartDemo was not called")
	}
	if got := h.ui.status.account.Text; got != "Demo: Demo Athlete" {
		t.Errorf("status bar account = %q", got)
	}
}

func TestSetupSaveWithoutReconnecting(t *testing.T) {
	be := newFakeBackend(5)
	be.setup = SetupForm{ClientID: "12345", VerifyToken: "generated-verify-token-123", HasClientSecret: true}
	h := newHarness(t, be)
	h.ui.showSetup(true)
	s := h.ui.setup
	if !s.saveOnly.Visible() || s.entries[FieldClientSecret].PlaceHolder != keptSecret {
		t.Fatal("opened from the main window: want Save without reconnecting and the stored secret kept")
	}
	test.Type(s.entries[FieldNgrokAuthtoken], "2abc_ngrok")
	test.Tap(s.saveOnly)
	h.until("saved", func() bool { return s.state.Text == msgSetupSaved })
	saved := locked(h.be, func() []SetupForm { return h.be.savedSetups })
	if len(saved) != 1 || saved[0].NgrokAuthtoken != "2abc_ngrok" || saved[0].ClientSecret != "" {
		t.Errorf("saved %+v, want the new ngrok token and the stored secret kept", saved)
	}
	if e := s.entries[FieldNgrokAuthtoken]; e.Text != "" || e.PlaceHolder != keptSecret {
		t.Errorf("ngrok entry after saving: %q / placeholder %q", e.Text, e.PlaceHolder)
	}
	if locked(h.be, func() int { return h.be.connects }) != 0 || !h.ui.onSetup {
		t.Error("saving without reconnecting left the screen or connected")
	}
}
