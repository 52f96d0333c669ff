package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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
	setVisible(c.spinner, on)
	setVisible(c.cancel, on)
	setVisible(c.close, !on)
	if on {
		c.spinner.Start()
	} else {
		c.spinner.Stop()
	}
}
