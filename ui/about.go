package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// addAbout ends the settings with the About section: version, data
// folder and licence.
func (s *settingsScreen) addAbout(a About) {
	folder := widget.NewLabel(a.DataDir)
	folder.Selectable = true
	folder.Wrapping = fyne.TextWrapBreak
	form := widget.NewForm(
		widget.NewFormItem("Version", widget.NewLabel(joinNonEmpty(" ", "owtray", a.Version))),
		widget.NewFormItem("Data folder", folder),
		widget.NewFormItem("Licence", widget.NewLabel(a.License)),
	)
	s.box.Add(widget.NewSeparator())
	s.box.Add(widget.NewLabelWithStyle("About owtray", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	s.box.Add(form)
}
