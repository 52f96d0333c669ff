package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// openInBrowser opens a web page in the system browser.
func (u *UI) openInBrowser(raw string) error {
	parsed, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bad address %q: %w", raw, err)
	}
	return u.app.OpenURL(parsed)
}

// saveAs asks where to save data with the file dialog and writes it off the
// UI goroutine; done gets the path, or "" when the user cancelled.
func (u *UI) saveAs(name string, data []byte, done func(string, error)) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			done("", err)
			return
		}
		where := wc.URI().Path()
		backgroundErr(u.w.ctx, u.w.do, func(context.Context) error {
			_, err := wc.Write(data)
			return errors.Join(err, wc.Close())
		}, func(err error) { done(where, err) })
	}, u.win)
	d.SetFileName(name)
	d.Show()
}

// notifyNew sends a desktop notification about an activity that arrived
// by webhook, unless the user switched notifications off.
func (u *UI) notifyNew(a Activity) {
	if !u.prefs.Notifications {
		return
	}
	u.app.SendNotification(fyne.NewNotification("New activity: "+a.Name,
		joinNonEmpty(" · ", sportLabel(a.SportType), formatDistance(a.Distance, u.prefs.Units),
			formatDuration(a.MovingTime))))
}
