package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Settings screen labels.
const (
	labelMetric         = "Metric (km, m)"
	labelImperial       = "Imperial (mi, ft)"
	labelNotify         = "Notify me about new activities from webhooks"
	labelLogin          = "Start owtray when I log in (in the tray)"
	labelSave           = "Save settings"
	labelEditSetup      = "Strava application and webhooks…"
	labelLogout         = "Log out…"
	labelLogoutOK       = "Log out"
	labelWipe           = "Also delete the activities stored on this computer"
	msgLogoutPrompt     = "owtray stops syncing and forgets your Strava tokens. Your activities stay on this computer unless you delete them."
	msgSaved            = "Settings saved."
	msgLoggedOut        = "Logged out."
	labelLoggedOutTitle = "Logged out"
)

// settingsScreen edits the preferences and ends the connection.
type settingsScreen struct {
	prefs   Preferences
	acct    Account
	w       worker
	win     fyne.Window
	onSaved func(Settings)

	units          *widget.RadioGroup
	poll, lookBack *durationSelect
	notify, login  *widget.Check
	save, logout   *widget.Button
	message        *widget.Label
	box            *fyne.Container // the sections, top to bottom
	content        fyne.CanvasObject
}

func newSettingsScreen(prefs Preferences, acct Account, w worker, win fyne.Window,
	onSaved func(Settings), onEditSetup func()) *settingsScreen {
	s := &settingsScreen{prefs: prefs, acct: acct, w: w, win: win, onSaved: onSaved}
	s.units = widget.NewRadioGroup([]string{labelMetric, labelImperial}, nil)
	s.units.Required = true
	s.poll = newDurationSelect([]time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour,
		2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour})
	s.lookBack = newDurationSelect([]time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour,
		14 * 24 * time.Hour, 30 * 24 * time.Hour, 90 * 24 * time.Hour})
	s.notify = widget.NewCheck(labelNotify, nil)
	s.login = widget.NewCheck(labelLogin, nil)
	s.save = widget.NewButtonWithIcon(labelSave, theme.DocumentSaveIcon(), s.saveSettings)
	s.save.Importance = widget.HighImportance
	s.logout = widget.NewButtonWithIcon(labelLogout, theme.LogoutIcon(), s.confirmLogout)
	s.message = widget.NewLabel("")

	form := widget.NewForm(
		widget.NewFormItem("Units", s.units),
		&widget.FormItem{Text: "Poll interval", Widget: s.poll.sel,
			HintText: "How often owtray asks Strava for new activities (besides webhooks)"},
		&widget.FormItem{Text: "Look-back window", Widget: s.lookBack.sel,
			HintText: "Each sync re-checks this period, to catch activities uploaded late"},
		widget.NewFormItem("Notifications", s.notify),
		widget.NewFormItem("Start at login", s.login),
	)
	account := container.NewHBox(widget.NewButtonWithIcon(labelEditSetup, theme.SettingsIcon(), onEditSetup), s.logout)
	s.box = container.NewVBox(form, container.NewHBox(s.save), s.message, widget.NewSeparator(), account)
	s.content = container.NewVScroll(container.NewPadded(s.box))
	s.load()
	return s
}

// load shows the stored settings.
func (s *settingsScreen) load() {
	st := s.prefs.Settings()
	s.units.SetSelected(labelMetric)
	if st.Units == Imperial {
		s.units.SetSelected(labelImperial)
	}
	s.poll.set(st.PollInterval)
	s.lookBack.set(st.LookBack)
	s.notify.SetChecked(st.Notifications)
	s.login.SetChecked(st.StartAtLogin)
}

// settings reads the inputs.
func (s *settingsScreen) settings() Settings {
	st := Settings{PollInterval: s.poll.get(), LookBack: s.lookBack.get(), Notifications: s.notify.Checked,
		StartAtLogin: s.login.Checked}
	if s.units.Selected == labelImperial {
		st.Units = Imperial
	}
	return st
}

func (s *settingsScreen) saveSettings() {
	st := s.settings()
	s.save.Disable() // one save at a time
	backgroundErr(s.w.ctx, s.w.do, func(ctx context.Context) error {
		return s.prefs.SaveSettings(ctx, st)
	}, func(err error) {
		s.save.Enable()
		if err != nil {
			s.message.SetText("Couldn't save the settings: " + err.Error())
			return
		}
		s.message.SetText(msgSaved)
		s.onSaved(st)
	})
}

func (s *settingsScreen) confirmLogout() {
	wipe := widget.NewCheck(labelWipe, nil)
	prompt := widget.NewLabel(msgLogoutPrompt)
	prompt.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(labelLogoutOK, labelLogoutOK, labelCancel, container.NewVBox(prompt, wipe),
		func(ok bool) {
			if ok {
				s.doLogout(wipe.Checked)
			}
		}, s.win)
	d.Resize(fyne.NewSize(480, d.MinSize().Height))
	d.Show()
}

func (s *settingsScreen) doLogout(wipe bool) {
	s.logout.Disable() // one logout at a time
	s.message.SetText("Logging out…")
	background(s.w.ctx, s.w.do, func(ctx context.Context) (LogoutResult, error) {
		return s.acct.Logout(ctx, wipe)
	}, func(res LogoutResult, err error) {
		s.logout.Enable()
		switch {
		case err != nil:
			s.message.SetText("Couldn't log out: " + err.Error())
		case res.NotRevoked != "":
			// The window moves on to the setup screen: say it where it is seen.
			s.message.SetText(msgLoggedOut + " " + res.NotRevoked + ".")
			dialog.ShowInformation(labelLoggedOutTitle, res.NotRevoked+".", s.win)
		default:
			s.message.SetText(msgLoggedOut)
		}
	})
}

// durationSelect picks one of a few durations, written in words.
type durationSelect struct {
	choices []time.Duration
	sel     *widget.Select
}

func newDurationSelect(choices []time.Duration) *durationSelect {
	return &durationSelect{choices: choices, sel: widget.NewSelect(nil, nil)}
}

// set selects d, adding it to the choices when it is not one of them.
func (d *durationSelect) set(v time.Duration) {
	if v > 0 && !slices.Contains(d.choices, v) {
		d.choices = append(d.choices, v)
		slices.Sort(d.choices)
	}
	options := make([]string, len(d.choices))
	for i, c := range d.choices {
		options[i] = formatInterval(c)
	}
	d.sel.SetOptions(options)
	d.sel.SetSelected(formatInterval(v))
}

// get is the selected duration; 0 when none is.
func (d *durationSelect) get() time.Duration {
	i := d.sel.SelectedIndex()
	if i < 0 || i >= len(d.choices) {
		return 0
	}
	return d.choices[i]
}
