package ui

import (
	"bytes"
	"context"
	"strconv"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Button labels of the detail view.
const (
	labelViewOnStrava = "View on Strava"
	labelFetch        = "Fetch details"
	labelExportGPX    = "Export GPX"
	labelExportJSON   = "Export JSON"
)

func (d *detailPanel) newActions() {
	d.viewOnStrava = widget.NewButtonWithIcon(labelViewOnStrava, theme.ComputerIcon(), d.openOnStrava)
	d.fetch = widget.NewButtonWithIcon(labelFetch, theme.DownloadIcon(), d.fetchDetails)
	d.exportGPX = widget.NewButtonWithIcon(labelExportGPX, theme.DocumentSaveIcon(), func() { d.export(ExportGPX) })
	d.exportJSON = widget.NewButtonWithIcon(labelExportJSON, theme.DocumentSaveIcon(), func() { d.export(ExportJSON) })
}

func (d *detailPanel) openOnStrava() {
	if err := d.openURL(d.lib.StravaURL(d.current.ID)); err != nil {
		d.message.SetText("Couldn't open the browser: " + err.Error())
	}
}

func (d *detailPanel) fetchDetails() {
	id := d.current.ID
	ctx, gen := d.action.next(d.w.ctx)
	d.busy("Fetching details from Strava…")
	background(ctx, d.w.do, func(ctx context.Context) (Activity, error) {
		a, err := d.lib.FetchDetails(ctx, id)
		if err == nil {
			d.w.warmActivities(a)
		}
		return a, err
	}, func(a Activity, err error) {
		if !d.action.current(gen) {
			return
		}
		d.finish(err, "Details fetched.")
		if err == nil && d.current.ID == id {
			d.render(a)
		}
	})
}

// export prepares the whole file first, so a failure leaves no partial
// file, and then asks where to save it.
func (d *detailPanel) export(f ExportFormat) {
	id := d.current.ID
	name := "strava-" + strconv.FormatInt(id, 10) + f.Ext()
	ctx, gen := d.action.next(d.w.ctx)
	d.busy("Preparing " + name + "…")
	background(ctx, d.w.do, func(ctx context.Context) ([]byte, error) {
		var buf bytes.Buffer
		err := d.lib.Export(ctx, id, f, &buf)
		return buf.Bytes(), err
	}, func(data []byte, err error) {
		if !d.action.current(gen) {
			return
		}
		if err != nil {
			d.finish(err, "")
			return
		}
		d.saveAs(name, data, func(where string, err error) {
			if where == "" && err == nil {
				d.finish(nil, "Export cancelled.")
				return
			}
			d.finish(err, "Saved "+where+".")
		})
	})
}

func (d *detailPanel) actionButtons() []*widget.Button {
	return []*widget.Button{d.fetch, d.exportGPX, d.exportJSON}
}

// busy disables the actions while one runs.
func (d *detailPanel) busy(message string) {
	d.message.SetText(message)
	for _, b := range d.actionButtons() {
		b.Disable()
	}
}

// finish enables the actions and reports the outcome.
func (d *detailPanel) finish(err error, ok string) {
	for _, b := range d.actionButtons() {
		b.Enable()
	}
	d.enableGPX()
	if err != nil {
		d.message.SetText("Failed: " + err.Error())
		return
	}
	d.message.SetText(ok)
}

// hasNoGPS: Strava's JSON for a is here and holds no route (a manual or
// indoor activity): it has no GPS track to export. A route that could not be
// decoded may still have streams, so it does not count.
func hasNoGPS(a Activity) bool {
	return a.Loaded && len(a.Route) == 0 && a.RouteProblem == ""
}

// enableGPX offers "Export GPX" only for an activity with a GPS track.
func (d *detailPanel) enableGPX() {
	if hasNoGPS(d.current) {
		d.exportGPX.Disable()
	} else if !d.fetch.Disabled() { // not while another action runs
		d.exportGPX.Enable()
	}
}
