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
	setupStep1    = "1. Create an application on Strava's API settings page with this Authorization Callback Domain (just the domain, no port or path):"
	callbackHost  = "localhost"
	setupStep2    = "2. Copy its Client ID and Client Secret here. The secret is kept in your system keychain."
	setupStep3    = "For instant updates: an ngrok authtoken (free from the ngrok dashboard) or your own public HTTPS callback URL. Without either, owtray checks Strava every poll interval."
	demoHint      = "No Strava application at hand? The demo runs against a simulated Strava."
	placeholderCB = "https://example.com/api/v1/strava/webhook"
	labelOptional = "Real-time updates (optional)"
	stravaAPIPage = "https://www.strava.com/settings/api"
	ngrokTokenURL = "https://dashboard.ngrok.com/get-started/your-authtoken"
)

// setupField is one input of the setup form.
type setupField struct {
	field    Field
	label    string
	hint     string
	secret   bool
	optional bool // under "Real-time updates (optional)"
}

// setupFields: the required ones first.
func setupFields() []setupField {
	return []setupField{
		{FieldClientID, "Client ID", "A number, e.g. 123456", false, false},
		{FieldClientSecret, "Client Secret", "40 characters from the same page", true, false},
		{FieldNgrokAuthtoken, "ngrok authtoken", "NGROK_AUTHTOKEN; kept in the keychain", true, true},
		{FieldCallbackURL, "Or own callback URL", "Your reverse proxy to this computer, instead of ngrok", false, true},
		{FieldVerifyToken, "Webhook verify token", "Generated for you; Strava echoes it when webhooks are set up", true, true},
	}
}

// setupEntry is a setup field that reports when the user leaves it.
type setupEntry struct {
	widget.Entry
	onLeave func()
}

func newSetupEntry(secret bool, onLeave func()) *setupEntry {
	e := &setupEntry{onLeave: onLeave}
	e.Password = secret
	if secret {
		e.Wrapping = fyne.TextWrapOff
	}
	e.ExtendBaseWidget(e)
	return e
}

// FocusLost validates the field the user left.
func (e *setupEntry) FocusLost() {
	e.Entry.FocusLost()
	e.onLeave()
}

// setupScreen asks for the Strava app credentials and connects.
type setupScreen struct {
	acct        Account
	w           worker
	onConnected func()

	entries   map[Field]*setupEntry
	errLabels map[Field]*widget.Label
	touched   map[Field]bool // left by the user once: its problems show
	optional  *widget.Accordion
	url       *urlBox
	connect   *widget.Button
	saveOnly  *widget.Button
	demo      *widget.Button
	cancel    *widget.Button
	back      *widget.Button
	spinner   *widget.Activity
	state     *widget.Label
	run       latest
	demoHint  *widget.Label
	content   fyne.CanvasObject
}

func newSetupScreen(acct Account, w worker, open func(string) error, onConnected, onBack func()) *setupScreen {
	s := &setupScreen{acct: acct, w: w, onConnected: onConnected,
		entries: map[Field]*setupEntry{}, errLabels: map[Field]*widget.Label{}, touched: map[Field]bool{}}
	form, optional := widget.NewForm(), widget.NewForm()
	for _, f := range setupFields() {
		item := &widget.FormItem{Text: f.label, Widget: s.newField(f), HintText: f.hint}
		if f.optional {
			optional.AppendItem(item)
		} else {
			form.AppendItem(item)
		}
	}
	s.url = newURLBox(fyne.CurrentApp(), open)
	link := func(text, raw string) *widget.Hyperlink {
		h := widget.NewHyperlink(text, nil)
		h.OnTapped = func() { _ = open(raw) }
		return h
	}
	s.optional = widget.NewAccordion(widget.NewAccordionItem(labelOptional, container.NewVBox(
		wrapped(setupStep3), link("Get an ngrok authtoken", ngrokTokenURL), optional)))
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
		wrapped(setupIntro), wrapped(setupStep1), link("Open Strava's API settings", stravaAPIPage), domain, wrapped(setupStep2),
		form,
		s.optional,
		container.NewHBox(s.connect, s.saveOnly, s.cancel, s.spinner),
		s.state,
		s.url.content,
	)
	// The demo's offer stays visible below the scrolling form.
	s.demoHint = widget.NewLabel(demoHint)
	s.demoHint.Truncation = fyne.TextTruncateEllipsis
	footer := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, s.demo, s.demoHint))
	s.content = container.NewBorder(nil, container.NewPadded(footer), nil, nil, container.NewVScroll(container.NewPadded(page)))
	return s
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (s *setupScreen) newField(f setupField) fyne.CanvasObject {
	e := newSetupEntry(f.secret, func() {
		s.touched[f.field] = true
		s.check()
	})
	e.OnChanged = func(string) {
		if s.touched[f.field] {
			s.check() // a message goes as soon as the field is fixed
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
	s.touched = map[Field]bool{}
	s.url.hide()
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

// check validates the form and shows the problems of the fields the user
// has left.
func (s *setupScreen) check() {
	errs := s.acct.ValidateSetup(s.form())
	for f := range errs {
		if !s.touched[f] {
			delete(errs, f)
		}
	}
	s.showErrors(errs)
}

// showErrors puts each message next to its field, marks the field, and
// clears the others; "Fix the fields marked in red" goes with the last one.
func (s *setupScreen) showErrors(errs FieldErrors) {
	for field, l := range s.errLabels {
		l.SetText(errs[field])
		setVisible(l, errs[field] != "")
		var err error
		if errs[field] != "" {
			err = errors.New(errs[field])
			if s.isOptional(field) {
				s.optional.Open(0)
			}
		}
		s.entries[field].SetValidationError(err)
	}
	if len(errs) == 0 && s.state.Text == msgFixFields {
		s.state.SetText("")
	}
}

func (s *setupScreen) isOptional(f Field) bool {
	for _, sf := range setupFields() {
		if sf.field == f {
			return sf.optional
		}
	}
	return false
}

// setDemo hides the demo's offer inside the demo.
func (s *setupScreen) setDemo(demo bool) {
	setVisible(s.demo, !demo)
	setVisible(s.demoHint, !demo)
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
	s.url.hide()
	background(ctx, s.w.do, func(ctx context.Context) (ConnectResult, error) {
		if err := s.acct.SaveSetup(ctx, form); err != nil || !connect {
			return ConnectResult{}, err
		}
		s.w.do(func() {
			if s.run.current(gen) {
				s.state.SetText(msgWaiting)
			}
		})
		return s.acct.Connect(ctx, func(url string, browserErr error) {
			if browserErr != nil {
				s.w.do(func() {
					if s.run.current(gen) {
						s.url.set(url)
					}
				})
			}
		})
	}, func(res ConnectResult, err error) {
		if !s.run.current(gen) {
			return
		}
		s.setBusy(false)
		s.url.hide()
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
	s.url.hide()
	s.state.SetText(msgCancelled)
}

func (s *setupScreen) fail(err error) {
	var fe FieldErrors
	if errors.As(err, &fe) {
		for f := range fe {
			s.touched[f] = true
		}
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
	setRunning(s.spinner, busy)
	setVisible(s.cancel, busy)
	for _, b := range s.actions() {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

func (s *setupScreen) actions() []*widget.Button {
	return []*widget.Button{s.connect, s.saveOnly, s.demo}
}
