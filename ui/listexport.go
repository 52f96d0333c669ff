package ui

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/owtray/owtray/app/textfmt"
)

// Labels of the list export.
const (
	labelExportList   = "Export…"
	labelShowInFolder = "Show in folder"
	titleExport       = "Export activities"
)

// exportFormatNames are the list export's formats, in exportFormats' order.
func exportFormatNames() []string {
	return []string{"CSV (a spreadsheet row per activity)", "JSON (Strava's data as sent)", "GPX (GPS tracks; fetches missing streams)"}
}

func exportFormats() []ExportFormat { return []ExportFormat{ExportCSV, ExportJSON, ExportGPX} }

// listExporter exports the activities the list shows: it asks for a
// format, then a file, then writes it in the background with a progress
// bar and Cancel, and offers "Show in folder" when it is saved. A failed or
// cancelled export leaves no file behind.
type listExporter struct {
	lib          Library
	w            worker
	win          fyne.Window
	showInFolder func(path string) error

	run      latest
	progress *widget.ProgressBar
	message  *widget.Label
	cancel   *widget.Button
	show     *widget.Button
	close    *widget.Button
	dialog   dialog.Dialog
	saved    string             // the path of the last saved file
	choice   *widget.RadioGroup // the format question, while asked
}

func newListExporter(lib Library, w worker, win fyne.Window, showInFolder func(string) error) *listExporter {
	x := &listExporter{lib: lib, w: w, win: win, showInFolder: showInFolder,
		progress: widget.NewProgressBar(), message: widget.NewLabel("")}
	x.message.Wrapping = fyne.TextWrapWord
	x.cancel = widget.NewButtonWithIcon(labelCancel, theme.CancelIcon(), x.stop)
	x.show = widget.NewButtonWithIcon(labelShowInFolder, theme.FolderOpenIcon(), func() {
		if err := x.showInFolder(x.saved); err != nil {
			x.message.SetText("Couldn't open the folder: " + err.Error())
		}
	})
	x.close = widget.NewButton(labelClose, func() { x.dialog.Hide() })
	content := container.NewVBox(x.message, x.progress, container.NewCenter(container.NewHBox(x.cancel, x.show, x.close)))
	x.dialog = dialog.NewCustomWithoutButtons(titleExport, content, win)
	return x
}

// start asks for the format of an export of f; shown describes what the
// list shows ("1,234 activities").
func (x *listExporter) start(f Filter, shown string) {
	choice := widget.NewRadioGroup(exportFormatNames(), nil)
	choice.Required = true
	choice.SetSelected(exportFormatNames()[0])
	x.choice = choice
	ask := dialog.NewCustomConfirm(titleExport, labelExportList, labelCancel,
		container.NewVBox(wrapped("Export the "+shown+" the list shows (its search and filters apply):"), choice),
		func(ok bool) {
			if ok {
				x.pickFile(f, exportFormats()[max(0, slices.Index(exportFormatNames(), choice.Selected))])
			}
		}, x.win)
	ask.Show()
}

func (x *listExporter) pickFile(f Filter, format ExportFormat) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return // cancelled
		}
		x.export(f, format, wc)
	}, x.win)
	d.SetFileName("strava-activities" + format.Ext())
	d.Show()
}

// export writes the file in the background; it holds the whole export in
// memory first so a failure leaves no partial file.
func (x *listExporter) export(f Filter, format ExportFormat, wc fyne.URIWriteCloser) {
	ctx, gen := x.run.next(x.w.ctx)
	x.progress.SetValue(0)
	x.progress.Show()
	x.message.SetText("Exporting…")
	x.busy(true)
	x.dialog.Resize(fyne.NewSize(min(480, x.win.Canvas().Size().Width-40), x.dialog.MinSize().Height))
	x.dialog.Show()
	report := func(p ExportProgress) {
		x.w.do(func() {
			if x.run.current(gen) {
				x.showProgress(p)
			}
		})
	}
	where := wc.URI()
	background(ctx, x.w.do, func(ctx context.Context) (int, error) {
		var buf bytes.Buffer
		var total int
		err := x.lib.ExportList(ctx, f, format, &buf, func(p ExportProgress) {
			total = p.Total
			report(p)
		})
		if err == nil && ctx.Err() != nil {
			err = ctx.Err() // cancelled after the last activity
		}
		if err == nil {
			_, err = wc.Write(buf.Bytes())
		}
		err = errors.Join(err, wc.Close())
		if err != nil {
			_ = storage.Delete(where) // no partial or empty file stays
		}
		return total, err
	}, func(total int, err error) {
		if !x.run.current(gen) {
			return
		}
		x.busy(false)
		if err != nil {
			x.message.SetText("Couldn't export: " + err.Error())
			return
		}
		x.saved = where.Path()
		x.progress.SetValue(1)
		x.message.SetText("Saved " + plural(total, "activity") + " to " + x.saved)
		x.show.Show()
	})
}

func (x *listExporter) showProgress(p ExportProgress) {
	if p.Total > 0 {
		x.progress.SetValue(float64(p.Done) / float64(p.Total))
	}
	text := "Exported " + textfmt.Count(p.Done) + " of " + plural(p.Total, "activity")
	if !p.WaitingUntil.IsZero() {
		text += " · Strava's rate limit is reached; the export waits and resumes at " + formatWhen(p.WaitingUntil, time.Now())
	}
	x.message.SetText(text)
}

// stop cancels a running export; the file is removed.
func (x *listExporter) stop() {
	x.run.stop()
	x.busy(false)
	x.message.SetText(msgCancelled + " Nothing was saved.")
}

func (x *listExporter) busy(on bool) {
	setVisible(x.cancel, on)
	setVisible(x.close, !on)
	x.show.Hide()
}

// showInFolder opens the folder that holds path in the file manager.
func (u *UI) showInFolder(path string) error {
	dir, err := storage.Parent(storage.NewFileURI(path))
	if err != nil {
		return err
	}
	return u.openInBrowser(dir.String())
}
