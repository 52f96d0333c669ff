package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestWindowTitleAndScreens(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	if h.ui.win.Title() != "owtray" {
		t.Errorf("title = %q", h.ui.win.Title())
	}
	if h.ui.onSetup || h.ui.win.Content() != h.ui.main {
		t.Fatal("connected, but the activities are not shown")
	}
	h.be.setStatus(func(s *Status) { s.Connected = false })
	h.until("the setup screen", func() bool { return h.ui.win.Content() == h.ui.setup.content })
	if h.ui.setup.back.Visible() {
		t.Error("the setup screen offers Back while nothing is connected")
	}
	h.be.setStatus(func(s *Status) { s.Connected = true })
	h.until("the main screen", func() bool { return h.ui.win.Content() == h.ui.main })
}

func TestReconnectBanner(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	h.be.setStatus(func(s *Status) { s.Connected, s.NeedsReconnect = false, "Strava refused the refresh token." })
	h.until("the banner", func() bool { return len(h.ui.banners.shown) > 0 })
	if h.ui.onSetup {
		t.Fatal("local activities must stay browsable while a reconnect is needed")
	}
	b := h.ui.banners.shown[0]
	if b.action != actionReconnect || !strings.Contains(b.message, "refused the refresh token") {
		t.Fatalf("banner = %+v", b)
	}
	test.Tap(findButton(t, h.ui.banners.box, labelReconnect))
	if !h.ui.onSetup || !h.ui.setup.back.Visible() {
		t.Fatal("Reconnect does not open the setup screen with Back")
	}
	test.Tap(h.ui.setup.back)
	if h.ui.onSetup {
		t.Error("Back does not return to the activities")
	}
}

func TestNgrokBannerAndDismiss(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	h.be.setStatus(func(s *Status) { s.Webhooks = Webhooks{State: WebhooksOff} })
	h.until("the banner", func() bool { return len(h.ui.banners.shown) == 1 })
	if h.ui.banners.shown[0].action != actionSetNgrok {
		t.Fatalf("banner = %+v", h.ui.banners.shown[0])
	}
	test.Tap(findButton(t, h.ui.banners.box, labelSetNgrok))
	if !h.ui.onSetup || h.ui.win.Canvas().Focused() != h.ui.setup.entries[FieldNgrokAuthtoken] {
		t.Error("Set NGROK_AUTHTOKEN does not open the setup screen at the ngrok field")
	}
	test.Tap(h.ui.setup.back)
	test.Tap(findButton(t, h.ui.banners.box, "")) // the dismiss button
	if len(h.ui.banners.shown) != 0 || len(h.ui.banners.box.Objects) != 0 {
		t.Error("the banner stays after dismissing it")
	}
}

func TestNotificationOnNewActivity(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	a := h.be.acts[0]
	test.AssertNotificationSent(t, &fyne.Notification{
		Title: "New activity: " + a.Name, Content: "Run · 1.00 km · 0:30:00",
	}, func() {
		h.be.emit(Event{Kind: EventNewActivity, Activity: a})
		h.pump.drain()
	})
	h.ui.prefs.Notifications = false
	test.AssertNotificationSent(t, nil, func() {
		h.be.emit(Event{Kind: EventNewActivity, Activity: a})
		h.pump.drain()
	})
}

func TestCloseHidesWithTrayAndClosedUIIgnoresEvents(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	h.ui.hasTray = true
	h.ui.closeWindow()
	if len(fyne.CurrentApp().Driver().AllWindows()) == 0 {
		t.Error("closing the window destroyed it; it should only hide")
	}
	h.ui.Close()
	h.ui.Close() // twice is fine
	h.be.setStatus(func(s *Status) { s.Connected = false })
	h.pump.drain()
	if h.ui.onSetup {
		t.Error("a closed UI still applies events")
	}
}

func TestShowFatalExplainsAndQuits(t *testing.T) {
	h := newHarness(t, newFakeBackend(1))
	h.ui.ShowFatal("listening on localhost:8000: address already in use")
	overlay := h.ui.win.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no dialog shown")
	}
	var texts []string
	for _, o := range test.LaidOutObjects(overlay) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	if !strings.Contains(strings.Join(texts, " "), "address already in use") {
		t.Fatalf("dialog texts %q", texts)
	}
}
