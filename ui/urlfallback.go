package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

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
