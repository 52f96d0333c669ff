package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// selectRow selects list row i and waits for the detail view to reload it.
func (h *harness) selectRow(i int) Activity {
	h.tb.Helper()
	h.handOff("the detail reload", func() { h.ui.list.list.Select(i) })
	return h.ui.detail.current
}

// routeParts counts the route's line segments (drawn in the primary
// colour, unlike the scale bar) and reports its placeholder.
func routeParts(r *routeView) (lines int, placeholder string) {
	for _, o := range visible(r) {
		switch o := o.(type) {
		case *canvas.Line:
			if o.StrokeColor == theme.Color(theme.ColorNamePrimary) {
				lines++
			}
		case *widget.Label:
			placeholder = o.Text
		}
	}
	return lines, placeholder
}

// shownStats reads the overview's figures as drawn: caption → value.
func shownStats(d *detailPanel) map[string]string {
	out := map[string]string{}
	for _, cell := range d.statGrid.Objects {
		texts := cell.(*fyne.Container).Objects
		out[texts[1].(*canvas.Text).Text] = texts[0].(*canvas.Text).Text
	}
	return out
}

func TestDetailWithRoute(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	a := h.selectRow(0) // a run with a route
	d := h.ui.detail
	if a.ID != h.be.acts[0].ID || !d.body.Visible() || d.empty.Visible() {
		t.Fatalf("detail shows %d (body visible %v), want %d", a.ID, d.body.Visible(), h.be.acts[0].ID)
	}
	if d.title.Text != a.Name || !strings.Contains(d.subtitle.Text, "Run") {
		t.Errorf("title %q subtitle %q", d.title.Text, d.subtitle.Text)
	}
	lines, placeholder := routeParts(d.route)
	if lines < 3 || placeholder != "" {
		t.Errorf("route has %d segments and placeholder %q; want the drawn route", lines, placeholder)
	}
	if got := shownStats(d); got["Distance"] != "1.00 km" || got["Moving time"] != "0:30:00" {
		t.Errorf("stats = %q, want a distance in km", got)
	}
}

// TestDetailLoadsTheJSONOfAListRow: list rows come without Strava's JSON,
// so a selected row shows its listed fields and "Loading…" (not "no route"
// or "summary only") until the whole record arrives.
func TestDetailLoadsTheJSONOfAListRow(t *testing.T) {
	be := newFakeBackend(20)
	release := make(chan struct{})
	be.beforeGet = func() { <-release }
	h := newHarness(t, be)
	row := be.acts[0]
	h.ui.list.list.Select(0)
	d := h.ui.detail
	if d.current.ID != row.ID || d.title.Text != row.Name {
		t.Fatalf("detail shows %d %q while loading, want the selected row %d", d.current.ID, d.title.Text, row.ID)
	}
	lines, placeholder := routeParts(d.route)
	if d.description.Text != msgDetailLoading || placeholder != msgDetailLoading || lines != 0 || len(d.fields.nodes.leaves()) != 0 || d.message.Text != "" {
		t.Errorf("while loading: description %q, route %d segments / %q, %d fields, message %q; want Loading… and nothing else",
			d.description.Text, lines, placeholder, len(d.fields.nodes.leaves()), d.message.Text)
	}
	h.handOff("the detail reload", func() { close(release) })
	lines, placeholder = routeParts(d.route)
	if lines < 3 || placeholder != "" || len(d.fields.nodes.leaves()) == 0 || d.description.Text == msgDetailLoading {
		t.Errorf("after loading: route %d segments / %q, %d fields, description %q; want the whole record",
			lines, placeholder, len(d.fields.nodes.leaves()), d.description.Text)
	}
}

func TestDetailWithoutRoute(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	a := h.selectRow(2) // a swim: no polyline
	if a.SportType != "Swim" {
		t.Fatalf("row 2 is a %s", a.SportType)
	}
	lines, placeholder := routeParts(h.ui.detail.route)
	if lines != 0 || !strings.HasPrefix(placeholder, "No route") {
		t.Errorf("route has %d segments and placeholder %q; want only the placeholder", lines, placeholder)
	}
}

func TestDetailDamagedPolyline(t *testing.T) {
	be := newFakeBackend(1)
	// The backend decodes the polyline (app/desktop tests that) and reports why it can't.
	be.acts[0].JSON = []byte(`{"id":1001,"map":{"summary_polyline":"\u00ff\u00ff"}}`)
	be.acts[0].Route, be.acts[0].RouteProblem = nil, "the route's polyline is damaged: invalid byte"
	h := newHarness(t, be)
	h.selectRow(0)
	lines, placeholder := routeParts(h.ui.detail.route)
	if lines != 0 || !strings.Contains(placeholder, "damaged") {
		t.Errorf("route has %d segments and placeholder %q; want a damaged-route placeholder", lines, placeholder)
	}
}

func TestDetailShowsEveryFieldInUserUnits(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	a := h.selectRow(0)
	d := h.ui.detail
	want := map[string][2]string{ // path → value in units, as sent
		"distance":             {formatDistance(a.Distance, Metric), "1000"},
		"moving_time":          {"0:30:00", "1800"},
		"average_speed":        {"11.2 km/h", "3.1"},
		"athlete.id":           {"4242", "4242"},
		"map.summary_polyline": {"", ""},
		"private":              {"true", "true"},
	}
	fields := d.fields.nodes.leaves()
	for _, f := range fields {
		w, ok := want[f.Path]
		if !ok {
			continue
		}
		delete(want, f.Path)
		if w[0] != "" && (fieldValue(f, Metric) != w[0] || f.Raw != w[1]) {
			t.Errorf("%s: value %q as sent %q, want %q and %q", f.Path, fieldValue(f, Metric), f.Raw, w[0], w[1])
		}
	}
	for path := range want {
		t.Errorf("field %s missing from %d fields", path, len(fields))
	}
}

func TestDetailFetchDetails(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	a := h.selectRow(1)
	d := h.ui.detail
	if d.description.Text != msgSummaryOnly {
		t.Errorf("description before fetching = %q", d.description.Text)
	}
	test.Tap(d.fetch)
	if !d.fetch.Disabled() || !strings.Contains(d.message.Text, "Fetching") {
		t.Errorf("while fetching: disabled %v, message %q", d.fetch.Disabled(), d.message.Text)
	}
	h.until("details", func() bool { return !d.fetch.Disabled() })
	if got := locked(h.be, func() []int64 { return h.be.fetched }); !slices.Equal(got, []int64{a.ID}) {
		t.Errorf("fetched %v, want [%d]", got, a.ID)
	}
	if d.description.Text != "Felt strong" || d.info.Text != "Device: Garmin Forerunner 965" ||
		!strings.Contains(d.flags.Text, "Commute") || d.message.Text != "Details fetched." {
		t.Errorf("after fetching: description %q, device %q, flags %q, message %q",
			d.description.Text, d.info.Text, d.flags.Text, d.message.Text)
	}
}

func TestDetailActions(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	a := h.selectRow(0)
	d := h.ui.detail
	var opened string
	d.openURL = func(u string) error { opened = u; return nil }
	var savedName string
	var savedData []byte
	d.saveAs = func(name string, data []byte, done func(string, error)) {
		savedName, savedData = name, data
		done("/tmp/"+name, nil)
	}

	test.Tap(findButton(t, d.content, labelViewOnStrava))
	if want := h.be.StravaURL(a.ID); opened != want {
		t.Errorf("opened %q, want %q", opened, want)
	}
	for _, tt := range []struct {
		button, ext, content string
	}{{labelExportGPX, ".gpx", "<gpx>"}, {labelExportJSON, ".json", `{"id":`}} {
		test.Tap(findButton(t, d.content, tt.button))
		h.until(tt.button, func() bool { return strings.HasPrefix(d.message.Text, "Saved") })
		if !strings.HasSuffix(savedName, tt.ext) || !strings.Contains(string(savedData), tt.content) {
			t.Errorf("%s saved %q with %q", tt.button, savedName, savedData)
		}
		if want := "Saved /tmp/" + savedName + "."; d.message.Text != want {
			t.Errorf("message = %q, want %q", d.message.Text, want)
		}
		d.message.SetText("")
	}
}

func TestDetailFollowsUnits(t *testing.T) {
	h := newHarness(t, newFakeBackend(20))
	h.selectRow(1) // some elevation gain
	h.ui.settingsSaved(Settings{Units: Imperial})
	if got := shownStats(h.ui.detail); !strings.HasSuffix(got["Distance"], " mi") || !strings.HasSuffix(got["Elevation gain"], " ft") {
		t.Errorf("imperial stats = %q", got)
	}
	if row := visibleRows(h.ui.list.list)[0]; !strings.HasSuffix(row[3], " mi") || !strings.HasSuffix(row[5], " ft") {
		t.Errorf("imperial row = %q", row)
	}
}

func TestDetailMalformedJSON(t *testing.T) {
	be := newFakeBackend(1)
	be.acts[0].JSON, be.acts[0].Route = []byte(`{"name":"Cut off","distance":`), nil
	h := newHarness(t, be)
	h.selectRow(0)
	d := h.ui.detail
	if !strings.Contains(d.message.Text, "reading Strava's JSON") {
		t.Errorf("message = %q, want the JSON error", d.message.Text)
	}
	if fields := d.fields.nodes.leaves(); len(fields) != 1 || fields[0].Path != "name" || d.title.Text != be.acts[0].Name {
		t.Errorf("fields %+v, title %q: want what could be read", fields, d.title.Text)
	}
	if _, placeholder := routeParts(d.route); !strings.HasPrefix(placeholder, "No route") {
		t.Errorf("placeholder = %q", placeholder)
	}
}
