package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Setup screen labels.
const (
	labelConnect  = "Connect with Strava"
	labelDemo     = "Try the demo"
	labelCancel   = "Cancel"
	labelBack     = "Back"
	labelSaveOnly = "Save without reconnecting"
	keptSecret    = "Stored in the keychain; leave empty to keep"
	setupIntro    = "owtray keeps your Strava activities on this computer. It needs your own Strava API application:"
	setupStep1    = "1. At strava.com/settings/api create an application with this Authorization Callback Domain (just the domain, no port or path):"
	callbackHost  = "localhost"
	setupStep2    = "2. Copy its Client ID and Client Secret here. The secret is kept in your system keychain."
	setupStep3    = "3. Optional, for instant updates: an ngrok authtoken (free at dashboard.ngrok.com) or your own public HTTPS callback URL. Without either, owtray checks Strava every poll interval."
	demoHint      = "No Strava application at hand? The demo runs against a simulated Strava with generated activities."
	placeholderCB = "https://example.com/api/v1/strava/webhook"
)

// setupField is one input of the setup form.
type setupField struct {
	field  Field
	label  string
	hint   string
	secret bool
}

func setupFields() []setupField {
	return []setupField{
		{FieldClientID, "Client ID", "A number, e.g. 123456", false},
		{FieldClientSecret, "Client Secret", "40 characters from the same page", true},
		{FieldVerifyToken, "Webhook verify token", "Generated for you; Strava echoes it when webhooks are set up", true},
		{FieldNgrokAuthtoken, "ngrok authtoken", "NGROK_AUTHTOKEN; kept in the keychain", true},
		{FieldCallbackURL, "Or own callback URL", "Your reverse proxy to this computer, instead of ngrok", false},
	}
}

// setupScreen asks for the Strava app credentials and connects.
type setupScreen struct {
	acct        Account
	w           worker
	onConnected func()

	entries    map[Field]*widget.Entry
	errLabels  map[Field]*widget.Label
	connect    *widget.Button
	saveOnly   *widget.Button
	demo       *widget.Button
	cancel     *widget.Button
	back       *widget.Button
	spinner    *widget.Activity
	state      *widget.Label
	run        latest
	liveChecks bool // validate on every change after a failed attempt
	content    fyne.CanvasObject
}

func newSetupScreen(acct Account, w worker, onConnected, onBack func()) *setupScreen {
	s := &setupScreen{acct: acct, w: w, onConnected: onConnected,
		entries: map[Field]*widget.Entry{}, errLabels: map[Field]*widget.Label{}}
	form := widget.NewForm()
	for _, f := range setupFields() {
		form.AppendItem(&widget.FormItem{Text: f.label, Widget: s.newField(f), HintText: f.hint})
	}
	s.connect = widget.NewButtonWithIcon(labelConnect, theme.LoginIcon(), func() { s.submit(true) })
	s.connect.Importance = widget.HighImportance
	s.saveOnly = widget.NewButtonWithIcon(labelSaveOnly, theme.DocumentSaveIcon(), func() { s.submit(false) })
	s.demo = widget.NewButton(labelDemo, s.startDemo)
	s.cancel = widget.NewButton(labelCancel, s.stop)
	s.back = widget.NewButtonWithIcon(labelBack, theme.NavigateBackIcon(), onBack)
	s.spinner = widget.NewActivity()
	s.state = widget.NewLabel("")
	s.state.Wrapping = fyne.TextWrapWord
	s.setBusy(false)

	domain := widget.NewLabelWithStyle(callbackHost, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	domain.Selectable = true
	title := widget.NewLabelWithStyle("Connect owtray to Strava", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	page := container.NewVBox(
		container.NewHBox(s.back, title),
		wrapped(setupIntro), wrapped(setupStep1), domain, wrapped(setupStep2), wrapped(setupStep3),
		form,
		container.NewHBox(s.connect, s.saveOnly, s.cancel, s.spinner),
		s.state,
		widget.NewSeparator(),
		wrapped(demoHint),
		container.NewHBox(s.demo),
	)
	s.content = container.NewVScroll(container.NewPadded(page))
	return s
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (s *setupScreen) newField(f setupField) fyne.CanvasObject {
	e := widget.NewEntry()
	if f.secret {
		e = widget.NewPasswordEntry()
	}
	e.OnChanged = func(string) {
		if s.liveChecks {
			s.showErrors(s.acct.ValidateSetup(s.form()))
		}
	}
	errLabel := widget.NewLabel("")
	errLabel.Importance = widget.DangerImportance
	errLabel.Wrapping = fyne.TextWrapWord
	errLabel.Hide()
	s.entries[f.field], s.errLabels[f.field] = e, errLabel
	return container.NewVBox(e, errLabel)
}

// reset fills the form from the stored setup; fromMain says whether the
// screen was opened from the main window: then it offers Back, and saving
// without reconnecting.
func (s *setupScreen) reset(fromMain bool) {
	s.liveChecks = false
	d := s.acct.SetupDefaults()
	values := map[Field]string{FieldClientID: d.ClientID, FieldVerifyToken: d.VerifyToken, FieldCallbackURL: d.CallbackURL}
	for field, e := range s.entries {
		e.SetText(values[field])
	}
	s.entries[FieldClientSecret].SetPlaceHolder(placeholderIf(d.HasClientSecret, keptSecret))
	s.entries[FieldNgrokAuthtoken].SetPlaceHolder(placeholderIf(d.HasNgrokAuthtoken, keptSecret))
	s.entries[FieldCallbackURL].SetPlaceHolder(placeholderCB)
	s.showErrors(nil)
	setVisible(s.back, fromMain)
	setVisible(s.saveOnly, fromMain)
}

func placeholderIf(ok bool, text string) string {
	if ok {
		return text
	}
	return ""
}

// form reads the inputs.
func (s *setupScreen) form() SetupForm {
	return SetupForm{
		ClientID:       s.entries[FieldClientID].Text,
		ClientSecret:   s.entries[FieldClientSecret].Text,
		VerifyToken:    s.entries[FieldVerifyToken].Text,
		NgrokAuthtoken: s.entries[FieldNgrokAuthtoken].Text,
		CallbackURL:    s.entries[FieldCallbackURL].Text,
	}
}

// showErrors puts each message next to its field and clears the others.
func (s *setupScreen) showErrors(errs FieldErrors) {
	for field, l := range s.errLabels {
		l.SetText(errs[field])
		setVisible(l, errs[field] != "")
	}
}

// submit validates the form, saves it and, when connect is set, runs the
// login.
func (s *setupScreen) submit(connect bool) {
	form := s.form()
	if errs := s.acct.ValidateSetup(form); len(errs) > 0 {
		s.fail(errs)
		return
	}
	s.showErrors(nil)
	ctx, gen := s.run.next(s.w.ctx)
	s.setBusy(true)
	s.state.SetText(msgSaving)
	background(ctx, s.w.do, func(ctx context.Context) (ConnectResult, error) {
		if err := s.acct.SaveSetup(ctx, form); err != nil || !connect {
			return ConnectResult{}, err
		}
		s.w.do(func() {
			if s.run.current(gen) {
				s.state.SetText(msgWaiting)
			}
		})
		return s.acct.Connect(ctx)
	}, func(res ConnectResult, err error) {
		if !s.run.current(gen) {
			return
		}
		s.setBusy(false)
		switch {
		case err != nil:
			s.fail(err)
		case connect:
			s.succeed(connectedText(res))
		default:
			s.state.SetText(msgSetupSaved)
			s.reset(true)
		}
	})
}

func (s *setupScreen) startDemo() {
	ctx, gen := s.run.next(s.w.ctx)
	s.setBusy(true)
	s.state.SetText(msgStartingDemo)
	backgroundErr(ctx, s.w.do, s.acct.StartDemo, func(err error) {
		if !s.run.current(gen) {
			return
		}
		s.setBusy(false)
		if err != nil {
			s.state.SetText(connectFailureText(msgDemoFailed, err))
			return
		}
		s.succeed("The demo is running against a simulated Strava.")
	})
}

// stop cancels a running connect or demo start.
func (s *setupScreen) stop() {
	s.run.stop()
	s.setBusy(false)
	s.state.SetText(msgCancelled)
}

func (s *setupScreen) fail(err error) {
	var fe FieldErrors
	if errors.As(err, &fe) {
		s.liveChecks = true
		s.showErrors(fe)
		s.state.SetText(msgFixFields)
		return
	}
	s.state.SetText(connectFailureText(msgConnectFailed, err))
}

func (s *setupScreen) succeed(message string) {
	s.state.SetText(message)
	s.reset(true)
	s.onConnected()
}

// setBusy shows the waiting state: a spinner and Cancel instead of the actions.
func (s *setupScreen) setBusy(busy bool) {
	setVisible(s.spinner, busy)
	setVisible(s.cancel, busy)
	if busy {
		s.spinner.Start()
		for _, b := range s.actions() {
			b.Disable()
		}
		return
	}
	s.spinner.Stop()
	for _, b := range s.actions() {
		b.Enable()
	}
}

func (s *setupScreen) actions() []*widget.Button {
	return []*widget.Button{s.connect, s.saveOnly, s.demo}
}
