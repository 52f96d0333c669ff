package ui

import (
	"bytes"
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const (
	msgSelect        = "Select an activity to see all its details and its route."
	msgSummaryOnly   = "Only the summary is stored yet. Fetch details for the description, device, calories, laps and splits."
	msgNoDescription = "No description."
	msgDetailLoading = "Loading…"
)

// detailPanel shows one activity: its overview, laps, splits and charts,
// every field as Strava sent it, its route and the actions on it.
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
	load    latest // reloading the shown activity
	action  latest // fetch details or an export

	title, subtitle, timezone, social, info, flags, description, message *widget.Label
	viewOnStrava, fetch, exportGPX, exportJSON                           *widget.Button
	statGrid                                                             *fyne.Container
	route                                                                *routeView
	charts                                                               *chartsPanel
	laps, splits                                                         *table
	fields                                                               *fieldTree
	overview                                                             *container.Scroll
	overviewBox                                                          *fyne.Container
	tabs                                                                 *container.AppTabs
	empty                                                                *widget.Label
	body                                                                 *fyne.Container
	content                                                              fyne.CanvasObject
}

func newDetailPanel(lib Library, w worker, units func() Units, openURL func(string) error,
	saveAs func(string, []byte, func(string, error))) *detailPanel {
	d := &detailPanel{lib: lib, w: w, units: units, openURL: openURL, saveAs: saveAs}
	d.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.Wrapping = fyne.TextWrapWord
	for _, l := range []**widget.Label{&d.subtitle, &d.timezone, &d.social, &d.info, &d.flags, &d.description, &d.message} {
		*l = widget.NewLabel("")
		(*l).Wrapping = fyne.TextWrapWord
	}
	d.route = newRouteView()
	d.charts = newChartsPanel(lib, w, d.route.setMarker)
	d.newActions()
	d.statGrid = container.New(statsLayout{})
	d.laps = newTable(tableColumns(), numericRight())
	d.splits = newTable(tableColumns(), numericRight())
	d.fields = newFieldTree(units)

	pad := theme.InnerPadding()
	d.overviewBox = container.NewVBox(container.New(layout.NewCustomPaddedLayout(pad/2, 0, pad, pad), d.statGrid),
		d.charts.content, d.description, d.social, d.info, d.flags)
	d.overview = container.NewVScroll(d.overviewBox)
	d.charts.resized = func() {
		d.overviewBox.Refresh()
		d.overview.Refresh()
	}
	left := container.NewVBox(d.subtitle, d.timezone,
		container.NewGridWithColumns(2, d.viewOnStrava, d.fetch, d.exportGPX, d.exportJSON), d.message)
	top := container.NewBorder(d.title, nil, nil, nil, container.NewGridWithColumns(2, left, d.route))
	d.tabs = container.NewAppTabs(container.NewTabItem("Overview", d.overview), container.NewTabItem("Laps", d.laps.content),
		container.NewTabItem("Splits", d.splits.content), container.NewTabItem("All fields", d.fields.content))
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
		a, err := d.lib.Activity(ctx, id)
		if err == nil {
			d.w.warmActivities(a)
		}
		return a, err
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
		d.charts.draw(d.units())
	}
}

func (d *detailPanel) render(a Activity) {
	other := a.ID != d.current.ID
	if other {
		d.overview.ScrollToTop()
	}
	sameJSON := !other && d.current.Loaded && a.Loaded && bytes.Equal(a.JSON, d.current.JSON)
	d.current = a
	d.enableGPX()
	u := d.units()
	d.title.SetText(a.Name)
	d.subtitle.SetText(joinNonEmpty(" · ", sportLabel(a.SportType), formatDateLong(a.StartDateLocal)))
	showLabel(d.timezone, a.Timezone)
	setStats(d.statGrid, overviewStats(a, u))
	defer d.overview.Refresh()
	defer d.overviewBox.Refresh() // the grid's height follows its figures
	showLabel(d.flags, joinNonEmpty(" · ", a.Flags()...))
	d.empty.Hide()
	d.body.Show()
	if !a.Loaded {
		// A list row carries only the indexed fields; Strava's JSON is on its way.
		d.description.SetText(msgDetailLoading)
		showLabel(d.social, "")
		showLabel(d.info, "")
		d.route.setRoute(nil, msgDetailLoading, u)
		d.charts.clear()
		d.laps.set(nil, nil, msgDetailLoading, true)
		d.splits.set(nil, nil, msgDetailLoading, true)
		d.fields.set(jsonTree{"": {}})
		return
	}
	d.renderText(a)
	d.renderRoute(a, u)
	d.renderTables(a, u, other)
	d.charts.show(a, u)

	tree, err := parseJSONTree(a.JSON)
	if sameJSON { // a reload or new units: keep the open groups and the selection
		d.fields.view.Refresh()
	} else {
		d.fields.set(tree)
	}
	switch {
	case err != nil:
		d.message.SetText(err.Error())
	case a.Problem != "": // well-formed JSON with a field of an unexpected type
		d.message.SetText(a.Problem)
	}
}

// showLabel sets a label's text and hides it when empty, so no empty row shows.
func showLabel(l *widget.Label, text string) {
	setLabel(l, text)
	setVisible(l, text != "")
}

func (d *detailPanel) renderText(a Activity) {
	showLabel(d.social, socialLine(a.Figures))
	var info []string
	if a.GearName != "" {
		info = append(info, "Gear: "+a.GearName)
	}
	if a.DeviceName != "" {
		info = append(info, "Device: "+a.DeviceName)
	}
	showLabel(d.info, joinNonEmpty(" · ", info...))
	switch {
	case !a.Detailed:
		d.description.SetText(msgSummaryOnly)
	case a.Description == "":
		d.description.SetText(msgNoDescription)
	default:
		d.description.SetText(a.Description)
	}
}

func (d *detailPanel) renderRoute(a Activity, u Units) {
	switch {
	case a.RouteProblem != "":
		d.route.setRoute(nil, "No route: "+a.RouteProblem, u)
	case len(a.Route) == 0:
		d.route.setRoute(nil, "No route: this activity has no GPS track.", u)
	default:
		d.route.setRoute(a.Route, "", u)
	}
}

// renderTables fills the laps and splits; top scrolls them to the top.
func (d *detailPanel) renderTables(a Activity, u Units, top bool) {
	summary := func(none string) string {
		if !a.Detailed {
			return msgSummaryOnly
		}
		return none
	}
	header, rows := lapRows(a, u)
	d.laps.set(header, rows, summary(msgNoLaps), top)
	header, rows = splitRows(a, u)
	d.splits.set(header, rows, summary(msgNoSplits), top)
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
