package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

const (
	msgSelect        = "Select an activity to see all its details and its route."
	msgSummaryOnly   = "Only the summary is stored yet. Fetch details for the description, device, calories and laps."
	msgNoDescription = "No description."
	msgDetailLoading = "Loading…"
)

// fieldColumns: field path, value in the user's units, value as sent.
func fieldColumns() columns {
	return columns{widths: []float32{170, 100, 150}, flex: 1}
}

// detailPanel shows one activity: every field as Strava sent it, its
// route and the actions on it.
type detailPanel struct {
	lib   Library
	w     worker
	units func() Units
	// openURL opens a web page in the system browser.
	openURL func(string) error
	// saveAs lets the user pick a file for data and reports where it was
	// saved ("" when the user cancelled) on the UI goroutine.
	saveAs func(name string, data []byte, done func(where string, err error))

	current Activity
	fields  []jsonField
	load    latest // reloading the shown activity
	action  latest // fetch details or an export

	title, subtitle, stats, flags, description, device, message *widget.Label
	viewOnStrava, fetch, exportGPX, exportJSON                  *widget.Button
	route                                                       *routeView
	fieldList                                                   *widget.List
	tabs                                                        *container.AppTabs
	empty                                                       *widget.Label
	body                                                        *fyne.Container
	content                                                     fyne.CanvasObject
}

func newDetailPanel(lib Library, w worker, units func() Units, openURL func(string) error,
	saveAs func(string, []byte, func(string, error))) *detailPanel {
	d := &detailPanel{lib: lib, w: w, units: units, openURL: openURL, saveAs: saveAs}
	d.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.Wrapping = fyne.TextWrapWord
	for _, l := range []**widget.Label{&d.subtitle, &d.stats, &d.flags, &d.description, &d.device, &d.message} {
		*l = widget.NewLabel("")
		(*l).Wrapping = fyne.TextWrapWord
	}
	d.route = newRouteView()
	d.newActions()

	cols := fieldColumns()
	d.fieldList = widget.NewList(func() int { return len(d.fields) },
		func() fyne.CanvasObject { return newCells(cols, nil, fyne.TextStyle{}) },
		func(id widget.ListItemID, o fyne.CanvasObject) { d.updateField(id, o.(*fyne.Container)) })
	header := newCells(cols, nil, fyne.TextStyle{Bold: true})
	setCells(header, []string{"Field", "Value", "As sent"})

	overview := container.NewBorder(container.NewVBox(d.flags, d.description, d.device), nil, nil, nil, d.route)
	all := container.NewBorder(header, nil, nil, nil, d.fieldList)
	top := container.NewVBox(d.title, d.subtitle, d.stats,
		container.NewGridWithColumns(2, d.viewOnStrava, d.fetch, d.exportGPX, d.exportJSON), d.message)
	d.tabs = container.NewAppTabs(container.NewTabItem("Overview", overview), container.NewTabItem("All fields", all))
	d.body = container.NewBorder(top, nil, nil, nil, d.tabs)
	d.body.Hide()
	d.empty = widget.NewLabel(msgSelect)
	d.empty.Alignment = fyne.TextAlignCenter
	d.content = container.NewStack(container.NewCenter(d.empty), d.body)
	return d
}

// show draws a at once and then reloads it, so the view is current.
func (d *detailPanel) show(a Activity) {
	if a.ID != d.current.ID {
		d.action.stop()
		d.finish(nil, "")
	}
	d.render(a)
	d.reload()
}

// reload fetches the shown activity again, e.g. after stored data changed.
func (d *detailPanel) reload() {
	if d.current.ID == 0 {
		return
	}
	id := d.current.ID
	ctx, gen := d.load.next(d.w.ctx)
	background(ctx, d.w.do, func(ctx context.Context) (Activity, error) {
		return d.lib.Activity(ctx, id)
	}, func(a Activity, err error) {
		if !d.load.current(gen) || d.current.ID != id {
			return
		}
		if err != nil {
			d.message.SetText("Couldn't reload this activity: " + err.Error())
			return
		}
		d.render(a)
	})
}

// redraw draws the shown activity again, e.g. after the units changed.
func (d *detailPanel) redraw() {
	if d.current.ID != 0 {
		d.render(d.current)
	}
}

func (d *detailPanel) render(a Activity) {
	d.current = a
	u := d.units()
	d.title.SetText(a.Name)
	d.subtitle.SetText(joinNonEmpty(" · ", sportLabel(a.SportType), formatDateLong(a.StartDateLocal), a.Timezone))
	d.stats.SetText(joinNonEmpty(" · ", formatDistance(a.Distance, u), "moving "+formatDuration(a.MovingTime),
		"elapsed "+formatDuration(a.ElapsedTime), "elevation gain "+formatElevation(a.TotalElevationGain, u)))
	d.flags.SetText(joinNonEmpty(" · ", a.Flags()...))
	d.empty.Hide()
	d.body.Show()
	if !a.Loaded {
		// A list row carries only the indexed fields; Strava's JSON is on its way.
		d.description.SetText(msgDetailLoading)
		d.device.SetText("")
		d.route.setRoute(nil, msgDetailLoading)
		d.fields = nil
		d.fieldList.Refresh()
		return
	}
	d.renderText(a)
	d.renderRoute(a)

	fields, err := flattenJSON(a.JSON)
	d.fields = fields
	d.fieldList.Refresh()
	switch {
	case err != nil:
		d.message.SetText(err.Error())
	case a.Problem != "": // well-formed JSON with a field of an unexpected type
		d.message.SetText(a.Problem)
	}
}

func (d *detailPanel) renderText(a Activity) {
	d.device.SetText("")
	switch {
	case !a.Detailed:
		d.description.SetText(msgSummaryOnly)
		return
	case a.Description == "":
		d.description.SetText(msgNoDescription)
	default:
		d.description.SetText(a.Description)
	}
	device := a.DeviceName
	if device == "" {
		device = "not recorded"
	}
	d.device.SetText("Device: " + device)
}

func (d *detailPanel) renderRoute(a Activity) {
	switch {
	case a.RouteProblem != "":
		d.route.setRoute(nil, "No route: "+a.RouteProblem)
	case len(a.Route) == 0:
		d.route.setRoute(nil, "No route: this activity has no GPS track.")
	default:
		d.route.setRoute(a.Route, "")
	}
}

func (d *detailPanel) updateField(id widget.ListItemID, row *fyne.Container) {
	if id >= len(d.fields) {
		return
	}
	f := d.fields[id]
	setCells(row, []string{f.Path, fieldValue(f, d.units()), f.Raw})
}

// joinNonEmpty joins the parts that are not empty or a bare dash.
func joinNonEmpty(sep string, parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != "" && p != noValue {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}
