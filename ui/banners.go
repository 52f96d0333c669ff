package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bannerAction is the fix a banner offers.
type bannerAction int

const (
	actionNone bannerAction = iota
	actionReconnect
	actionSetNgrok
	actionConnect // connect again with the stored setup
)

// Banner action labels.
const (
	labelReconnect  = "Reconnect"
	labelSetNgrok   = "Set NGROK_AUTHTOKEN"
	labelConnectTo  = "Connect"
	msgNotConnected = "Not connected to Strava. Your activities stay on this computer; connect to keep them in sync."
)

func (a bannerAction) label() string {
	switch a {
	case actionReconnect:
		return labelReconnect
	case actionSetNgrok:
		return labelSetNgrok
	case actionConnect:
		return labelConnectTo
	}
	return ""
}

// bannerSpec is one problem and its fix.
type bannerSpec struct {
	message string
	action  bannerAction
	severe  bool
}

// bannersFor lists the problems st shows, most urgent first.
func bannersFor(st Status) []bannerSpec {
	var out []bannerSpec
	if !st.Connected && st.NeedsReconnect == "" {
		action := actionConnect
		if !st.Configured {
			action = actionReconnect // the setup form first
		}
		return []bannerSpec{{message: msgNotConnected, action: action}}
	}
	if st.NeedsReconnect != "" {
		out = append(out, bannerSpec{message: "owtray can no longer read your Strava data: " + st.NeedsReconnect +
			" Reconnect to grant access again; your local activities stay.", action: actionReconnect, severe: true})
	}
	if st.SyncError != "" {
		out = append(out, bannerSpec{message: st.SyncError, severe: true})
	}
	if st.Connected && !st.Demo {
		switch st.Webhooks.State {
		case WebhooksFailed:
			out = append(out, bannerSpec{message: "Webhooks failed: " + st.Webhooks.Detail +
				". New activities arrive with the next poll instead.", action: actionSetNgrok, severe: true})
		case WebhooksOff:
			out = append(out, bannerSpec{message: "Webhooks are off, so new activities arrive with the next poll. " +
				"For instant updates set an ngrok authtoken (NGROK_AUTHTOKEN) or your own callback URL.", action: actionSetNgrok})
		}
	}
	return out
}

// bannerArea shows the current banners above the window's content; the
// user can dismiss one until its message changes.
type bannerArea struct {
	onAction  func(bannerAction)
	dismissed map[string]bool
	specs     []bannerSpec // the latest, dismissed ones included
	shown     []bannerSpec
	box       *fyne.Container
}

func newBannerArea(onAction func(bannerAction)) *bannerArea {
	return &bannerArea{onAction: onAction, dismissed: map[string]bool{}, box: container.NewVBox()}
}

// update shows specs, except the dismissed ones.
func (b *bannerArea) update(specs []bannerSpec) {
	b.specs = specs
	visible := slices.DeleteFunc(slices.Clone(specs), func(s bannerSpec) bool { return b.dismissed[s.message] })
	if slices.Equal(visible, b.shown) {
		return
	}
	b.shown = visible
	b.box.RemoveAll()
	for _, s := range visible {
		b.box.Add(b.newBanner(s))
	}
}

func (b *bannerArea) newBanner(s bannerSpec) fyne.CanvasObject {
	msg := widget.NewLabel(s.message)
	msg.Wrapping = fyne.TextWrapWord
	msg.Importance = widget.WarningImportance
	icon := widget.NewIcon(theme.WarningIcon())
	if s.severe {
		msg.Importance = widget.DangerImportance
		icon.SetResource(theme.ErrorIcon())
	}
	buttons := container.NewHBox()
	if s.action != actionNone {
		fix := widget.NewButton(s.action.label(), func() { b.onAction(s.action) })
		fix.Importance = widget.HighImportance
		buttons.Add(fix)
	}
	buttons.Add(widget.NewButtonWithIcon("", theme.CancelIcon(), func() {
		b.dismissed[s.message] = true
		b.update(b.specs)
	}))
	return container.NewBorder(nil, widget.NewSeparator(), icon, container.NewCenter(buttons), msg)
}
