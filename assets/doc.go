// Package assets holds owtray's bundled resources (the app icon, used for the
// window, the tray and notifications). bundled.go is generated:
//
//go:generate fyne bundle --package assets --name Icon -o bundled.go icon.png
package assets
