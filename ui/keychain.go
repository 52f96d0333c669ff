package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Texts of the no-keychain screen.
const (
	titleNoKeychain = "owtray needs your system's keychain"
	msgNoKeychain   = "owtray keeps your Strava tokens and the client secret only in the operating system's keychain, never in a file, and none could be reached."
	msgGetKeychain  = "On Linux install and start a Secret Service, e.g. GNOME Keyring (sudo apt install gnome-keyring, then log out and in again) or KeePassXC with its Secret Service integration on; KDE's KWallet works too. On macOS and Windows the keychain is part of the system: log in to a normal desktop session. Then start owtray again."
)

// newKeychainScreen explains how to get a keychain, and offers Quit; the
// label shows what the keychain answered.
func newKeychainScreen(quit func()) (fyne.CanvasObject, *widget.Label) {
	detail := wrapped("")
	detail.Importance = widget.DangerImportance
	title := widget.NewLabelWithStyle(titleNoKeychain, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	quitButton := widget.NewButtonWithIcon(labelQuit, theme.LogoutIcon(), quit)
	quitButton.Importance = widget.HighImportance
	return container.NewVScroll(container.NewPadded(container.NewVBox(
		container.NewHBox(widget.NewIcon(theme.ErrorIcon()), title),
		wrapped(msgNoKeychain), detail, wrapped(msgGetKeychain),
		container.NewHBox(quitButton)))), detail
}
