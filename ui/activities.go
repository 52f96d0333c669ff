package ui

import (
	"image/color"
	"math"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// listColumns: date, name, sport, distance, moving time, elevation gain;
// the numeric ones are aligned to the trailing edge; the name takes the
// spare width.
func listColumns() (columns, map[int]bool) {
	return columns{widths: []float32{142, 110, 92, 80, 70, 80}, flex: 1}, map[int]bool{3: true, 4: true, 5: true}
}

// listHeader names the list's columns, in SortKey order.
func listHeader() []string {
	return []string{"Date", "Name", "Sport", "Distance", "Moving", "Elevation"}
}

// Sort direction marks in the header.
const (
	markDescending = " ▼"
	markAscending  = " ▲"
)

// firstAscending: a column's first click sorts A to Z for text, newest,
// longest and highest first for the others.
func firstAscending(k SortKey) bool { return k == SortName || k == SortSport }

// activitiesScreen is the searchable, virtualised list of all activities.
type activitiesScreen struct {
	lib      Library
	w        worker
	units    func() Units
	onSelect func(Activity)
	onOpen   func(Activity)       // Enter or a double click
	onExport func(Filter, string) // the Export… button: the filter and what it shows

	search, from, to *keyEntry
	sport            *widget.Select
	count            *widget.Label
	export           *widget.Button
	header           []*widget.Button
	sort             SortKey
	ascending        bool
	list             *keyList
	selectedID       int64     // 0: none
	reselecting      bool      // the selection moves to the same activity's new row
	refreshPending   bool      // data changed while a reload was under way
	tips             *tipLayer // the whole names on hover, drawn over the window
	state            *listState
	rows             *pager
	inputErr         error
	sportRaw         map[string]string // sport label → sport_type
	sportsRun        latest
	muted            bool // inputs are being reset; apply once afterwards
	content          fyne.CanvasObject
	onFirstRows      func() // called once, when rows are first shown
}

func newActivitiesScreen(lib Library, w worker, units func() Units, onSelect func(Activity)) *activitiesScreen {
	s := &activitiesScreen{lib: lib, w: w, units: units, onSelect: onSelect, sportRaw: map[string]string{},
		onOpen: func(Activity) {}, onExport: func(Filter, string) {}}
	s.rows = newPager(w, lib.Activities, s.render)
	s.tips = newTipLayer()

	s.search = newKeyEntry()
	s.search.SetPlaceHolder("Search (Ctrl+F)")
	s.sport = widget.NewSelect([]string{allSports}, nil)
	s.sport.SetSelected(allSports)
	s.from, s.to = dateEntry("From YYYY-MM-DD"), dateEntry("To YYYY-MM-DD")
	s.count = widget.NewLabel("")
	s.state = newListState(s.clearFilters, s.rows.reload)

	cols, numeric := listColumns()
	s.list = newKeyList(s.rows.len,
		func() fyne.CanvasObject {
			cells := newCells(cols, numeric, fyne.TextStyle{})
			cells.Objects[cols.flex].(*hoverLabel).tips = s.tips
			return newListRow(cells, s.tapRow, s.openRow)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { s.updateRow(id, o.(*listRow)) })
	s.list.OnSelected = s.selected
	s.list.OnUnselected = func(widget.ListItemID) {
		if !s.reselecting {
			s.selectedID = 0
		}
	}
	s.list.onKey = s.typedKey

	for _, e := range s.entries() {
		e.OnChanged = func(string) { s.apply() }
		e.onEscape = s.clearFilters
	}
	s.sport.OnChanged = func(string) { s.apply() }
	s.export = widget.NewButtonWithIcon(labelExportList, theme.DocumentSaveIcon(), func() {
		if f, err := s.inputs().filter(); err == nil {
			f.Sort, f.Ascending = s.sort, s.ascending
			s.onExport(f, s.count.Text)
		}
	})

	header, buttons := newHeader(cols, numeric, listHeader(), func(i int) { s.sortBy(SortKey(i)) })
	s.header = buttons
	s.showSort()
	dateSize := fyne.NewSize(max(placeholderWidth(&s.from.Entry), placeholderWidth(&s.to.Entry)), s.from.MinSize().Height)
	// The search takes the spare width, never less than its placeholder's.
	searchMin := canvas.NewRectangle(color.Transparent)
	searchMin.SetMinSize(fyne.NewSize(placeholderWidth(&s.search.Entry), 0))
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(s.sport,
		container.NewGridWrap(dateSize, s.from), container.NewGridWrap(dateSize, s.to)),
		container.NewStack(searchMin, s.search))
	top := container.NewVBox(filters, container.NewBorder(nil, nil, nil, s.export, s.count), header, widget.NewSeparator())
	s.content = container.NewBorder(top, nil, nil, nil, container.NewStack(s.list, s.state.content))
	return s
}

// placeholderWidth is the width at which e shows its whole placeholder
// beside its validation icon (a narrower single-line entry scrolls it and
// shows a scroll bar).
func placeholderWidth(e *widget.Entry) float32 {
	// The text with Fyne's padding, inside the entry's border.
	text := widget.NewLabel(e.PlaceHolder).MinSize().Width + 2*theme.InputBorderSize()
	if e.Validator != nil {
		text += theme.IconInlineSize() + theme.LineSpacing() + theme.InnerPadding()
	}
	return float32(math.Ceil(float64(text)))
}

func dateEntry(placeholder string) *keyEntry {
	e := newKeyEntry()
	e.SetPlaceHolder(placeholder)
	e.Validator = validateDay
	return e
}

// start runs the first query and loads the sport choices.
func (s *activitiesScreen) start() {
	s.apply()
	s.loadSports()
}

// refresh re-runs the query and the sport choices after stored data
// changed. During an import pages arrive faster than a query may answer:
// a change while a reload runs is applied when it ends, so the list grows
// page by page without a query being cancelled before it answers. The
// selected activity stays selected (in its new row).
func (s *activitiesScreen) refresh() {
	if s.rows.busy() {
		s.refreshPending = true
		return
	}
	s.rows.reload()
	s.loadSports()
}

// sortBy orders the list by k; the same column again reverses the order.
func (s *activitiesScreen) sortBy(k SortKey) {
	if k == s.sort {
		s.ascending = !s.ascending
	} else {
		s.sort, s.ascending = k, firstAscending(k)
	}
	s.showSort()
	s.apply()
}

// showSort marks the sorted column in the header.
func (s *activitiesScreen) showSort() {
	for i, b := range s.header {
		text := listHeader()[i]
		if SortKey(i) == s.sort {
			text += map[bool]string{true: markAscending, false: markDescending}[s.ascending]
		}
		b.SetText(text)
	}
}

// typedKey moves the selection with the arrows, opens with Enter and
// clears the filters with Escape.
func (s *activitiesScreen) typedKey(e *fyne.KeyEvent) bool {
	n := s.rows.len()
	cur := s.selectedRow()
	page := max(1, int(s.list.Size().Height/max(1, s.list.MinSize().Height)))
	move := map[fyne.KeyName]int{fyne.KeyDown: 1, fyne.KeyUp: -1, fyne.KeyPageDown: page, fyne.KeyPageUp: -page}
	switch e.Name {
	case fyne.KeyDown, fyne.KeyUp, fyne.KeyPageDown, fyne.KeyPageUp:
		next := cur + move[e.Name]
		if cur < 0 {
			next = 0
		}
		s.selectRow(max(0, min(next, n-1)))
	case fyne.KeyHome:
		s.selectRow(0)
	case fyne.KeyEnd:
		s.selectRow(n - 1)
	case fyne.KeyReturn, fyne.KeyEnter:
		if cur >= 0 {
			s.openRow(cur)
		}
	case fyne.KeyEscape:
		s.clearFilters()
	default:
		return false
	}
	return true
}

// selectedRow is the row of the selected activity, -1 when none is.
func (s *activitiesScreen) selectedRow() int {
	if s.selectedID == 0 {
		return -1
	}
	return s.rows.find(s.selectedID)
}

func (s *activitiesScreen) selectRow(i int) {
	if i < 0 || i >= s.rows.len() {
		return
	}
	s.list.Select(i)
	s.list.ScrollTo(i)
}

func (s *activitiesScreen) tapRow(i widget.ListItemID) {
	s.selectRow(i)
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.list); c != nil {
		c.Focus(s.list)
	}
}

func (s *activitiesScreen) openRow(i widget.ListItemID) {
	s.selectRow(i)
	if a, ok := s.rows.row(i); ok {
		s.onOpen(a)
	}
}

// keepSelection moves the selection to the selected activity's row after
// the rows changed, or drops it when the activity is no longer listed.
func (s *activitiesScreen) keepSelection() {
	if s.selectedID == 0 {
		return
	}
	i := s.rows.find(s.selectedID)
	s.reselecting = true
	defer func() { s.reselecting = false }()
	if i < 0 {
		if s.rows.loadedAll() {
			s.list.UnselectAll()
			s.selectedID = 0
		}
		return
	}
	s.list.Select(i)
}

// redraw redraws the rows, e.g. after the units changed.
func (s *activitiesScreen) redraw() { s.list.Refresh() }

func (s *activitiesScreen) inputs() filterInputs {
	sport := allSports
	if raw, ok := s.sportRaw[s.sport.Selected]; ok {
		sport = raw
	}
	return filterInputs{search: s.search.Text, sport: sport, from: s.from.Text, to: s.to.Text}
}

func (s *activitiesScreen) entries() []*keyEntry {
	return []*keyEntry{s.search, s.from, s.to}
}

// apply queries the backend with the current filter inputs.
func (s *activitiesScreen) apply() {
	if s.muted {
		return
	}
	f, err := s.inputs().filter()
	s.inputErr = err
	if err == nil {
		f.Sort, f.Ascending = s.sort, s.ascending
		s.list.UnselectAll()
		s.selectedID = 0
		s.refreshPending = false
		s.rows.load(f)
	}
	s.render()
}

func (s *activitiesScreen) clearFilters() {
	s.muted = true
	for _, e := range s.entries() {
		e.SetText("")
	}
	s.sport.SetSelected(allSports)
	s.muted = false
	s.apply()
}

// render shows the count and the loading, empty or error state.
func (s *activitiesScreen) render() {
	s.state.show(s.rows.state, s.rows.len(), s.rows.err, s.rows.filter.isZero())
	switch {
	case s.inputErr != nil:
		setLabel(s.count, s.inputErr.Error())
	case s.rows.state == stateReady:
		setLabel(s.count, plural(s.rows.len(), "activity"))
	case s.rows.state == stateLoading:
		setLabel(s.count, "Loading…")
	default:
		setLabel(s.count, "")
	}
	if s.rows.state == stateReady && !s.rows.busy() {
		s.keepSelection()
		if s.refreshPending {
			s.refreshPending = false
			s.refresh()
		}
	}
	s.list.Refresh()
	if s.onFirstRows != nil && s.rows.state == stateReady && s.rows.len() > 0 {
		s.onFirstRows()
		s.onFirstRows = nil
	}
}

func (s *activitiesScreen) updateRow(id widget.ListItemID, row *listRow) {
	row.id = id
	a, ok := s.rows.row(id)
	if !ok {
		setCells(row.cells, []string{"…"})
		return
	}
	setCells(row.cells, rowTexts(a, s.units()))
}

func (s *activitiesScreen) selected(id widget.ListItemID) {
	if s.reselecting {
		return
	}
	if a, ok := s.rows.row(id); ok {
		s.selectedID = a.ID
		s.onSelect(a)
	}
}

// rowTexts are the list cells of one activity.
func rowTexts(a Activity, u Units) []string {
	return []string{
		formatDate(a.StartDateLocal),
		a.Name,
		sportLabel(a.SportType),
		formatDistance(a.Distance, u),
		formatDuration(a.MovingTime),
		formatElevation(a.TotalElevationGain, u),
	}
}

func (s *activitiesScreen) loadSports() {
	ctx, gen := s.sportsRun.next(s.w.ctx)
	background(ctx, s.w.do, s.lib.Sports, func(sports []string, err error) {
		if !s.sportsRun.current(gen) || err != nil {
			return // the choices stay as they were; the list shows load errors
		}
		s.setSports(sports)
	})
}

func (s *activitiesScreen) setSports(sports []string) {
	s.sportRaw = make(map[string]string, len(sports))
	options := []string{allSports}
	for _, raw := range sports {
		label := sportLabel(raw)
		if _, taken := s.sportRaw[label]; taken {
			label = raw
		}
		s.sportRaw[label] = raw
		options = append(options, label)
	}
	if slices.Equal(options, s.sport.Options) {
		return
	}
	s.sport.SetOptions(options)
	if !slices.Contains(options, s.sport.Selected) {
		s.sport.SetSelected(allSports)
	}
}
