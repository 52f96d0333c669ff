package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// connectDialog connects again with the stored setup (the "Not connected"
// banner's Connect): it waits for the browser, shows the authorize URL
// when no browser could be opened, and says what went wrong.
type connectDialog struct {
	acct        Account
	w           worker
	win         fyne.Window
	onConnected func()

	run     latest
	message *widget.Label
	spinner *widget.Activity
	url     *urlBox
	cancel  *widget.Button
	close   *widget.Button
	dialog  dialog.Dialog
}

func newConnectDialog(acct Account, w worker, win fyne.Window, open func(string) error, onConnected func()) *connectDialog {
	c := &connectDialog{acct: acct, w: w, win: win, onConnected: onConnected,
		message: widget.NewLabel(""), spinner: widget.NewActivity()}
	c.message.Wrapping = fyne.TextWrapWord
	c.url = newURLBox(fyne.CurrentApp(), open)
	c.cancel = widget.NewButton(labelCancel, c.stop)
	c.close = widget.NewButton(labelClose, func() { c.dialog.Hide() })
	content := container.NewVBox(c.message, container.NewCenter(c.spinner), c.url.content,
		container.NewCenter(container.NewHBox(c.cancel, c.close)))
	c.dialog = dialog.NewCustomWithoutButtons(labelConnect, content, win)
	return c
}

// start runs Connect and shows its progress.
func (c *connectDialog) start() {
	ctx, gen := c.run.next(c.w.ctx)
	c.message.SetText(msgWaiting)
	c.url.hide()
	c.busy(true)
	c.dialog.Resize(fyne.NewSize(min(560, c.win.Canvas().Size().Width-40), c.dialog.MinSize().Height))
	c.dialog.Show()
	background(ctx, c.w.do, func(ctx context.Context) (ConnectResult, error) {
		return c.acct.Connect(ctx, func(url string, browserErr error) {
			if browserErr == nil {
				return
			}
			c.w.do(func() {
				if c.run.current(gen) {
					c.url.set(url)
					c.dialog.Resize(fyne.NewSize(c.dialog.MinSize().Width, c.dialog.MinSize().Height))
				}
			})
		})
	}, func(res ConnectResult, err error) {
		if !c.run.current(gen) {
			return
		}
		c.busy(false)
		c.url.hide()
		if err != nil {
			c.message.SetText(connectFailureText(msgConnectFailed, err))
			return
		}
		c.message.SetText(connectedText(res))
		c.dialog.Hide()
		c.onConnected()
	})
}

func (c *connectDialog) stop() {
	c.run.stop()
	c.busy(false)
	c.url.hide()
	c.message.SetText(msgCancelled)
}

func (c *connectDialog) busy(on bool) {
	setRunning(c.spinner, on)
	setVisible(c.cancel, on)
	setVisible(c.close, !on)
}

// Labels of the address shown when no browser could be opened.
const (
	labelCopy      = "Copy"
	labelOpenURL   = "Open"
	labelCopied    = "Copied"
	labelClose     = "Close"
	msgNoBrowser   = "owtray could not open your browser. Open this address in a browser yourself:"
	titleNoBrowser = "Open in your browser"
)

// urlBox shows an address the browser could not open, with Copy and
// Open (another try) buttons. It is hidden until set.
type urlBox struct {
	app     fyne.App
	open    func(string) error
	message *widget.Label
	address *widget.Label
	copy    *widget.Button
	retry   *widget.Button
	content *fyne.Container
}

func newURLBox(a fyne.App, open func(string) error) *urlBox {
	b := &urlBox{app: a, open: open, message: widget.NewLabel(msgNoBrowser), address: widget.NewLabel("")}
	b.message.Wrapping = fyne.TextWrapWord
	b.address.Wrapping = fyne.TextWrapBreak
	b.address.Selectable = true
	b.address.TextStyle = fyne.TextStyle{Monospace: true}
	b.copy = widget.NewButtonWithIcon(labelCopy, theme.ContentCopyIcon(), b.copyURL)
	b.retry = widget.NewButtonWithIcon(labelOpenURL, theme.ComputerIcon(), func() {
		if err := b.open(b.address.Text); err != nil {
			b.message.SetText(msgNoBrowser + " (" + err.Error() + ")")
		}
	})
	b.content = container.NewVBox(b.message, b.address, container.NewHBox(b.copy, b.retry))
	b.content.Hide()
	return b
}

// set shows url.
func (b *urlBox) set(url string) {
	b.address.SetText(url)
	b.copy.SetText(labelCopy)
	b.content.Show()
}

func (b *urlBox) hide() { b.content.Hide() }

func (b *urlBox) copyURL() {
	b.app.Clipboard().SetContent(b.address.Text)
	b.copy.SetText(labelCopied)
}

// openURL opens a web page in the system browser; when that fails it shows
// the address with Copy and Open, so a link is never a dead end.
func (u *UI) openURL(raw string) error {
	err := u.openInBrowser(raw)
	if err == nil {
		return nil
	}
	u.log.Warn("opening the browser", "err", err)
	box := newURLBox(u.app, u.openInBrowser)
	box.set(raw)
	d := dialog.NewCustom(titleNoBrowser, labelClose, box.content, u.win)
	d.Resize(fyne.NewSize(520, d.MinSize().Height))
	d.Show()
	return nil
}
