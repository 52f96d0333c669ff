package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// listColumns: date, name, sport, distance, moving time, elevation gain;
// the numeric ones are aligned to the trailing edge.
func listColumns() (columns, map[int]bool) {
	return columns{widths: []float32{140, 140, 105, 85, 75, 85}, flex: 1}, map[int]bool{3: true, 4: true, 5: true}
}

// listHeader names the list's columns.
func listHeader() []string {
	return []string{"Date", "Name", "Sport", "Distance", "Moving", "Elevation"}
}

// activitiesScreen is the searchable, virtualised list of all activities.
type activitiesScreen struct {
	lib      Library
	w        worker
	units    func() Units
	onSelect func(Activity)

	search, from, to *widget.Entry
	sport            *widget.Select
	count            *widget.Label
	list             *widget.List
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
	s := &activitiesScreen{lib: lib, w: w, units: units, onSelect: onSelect, sportRaw: map[string]string{}}
	s.rows = newPager(w, lib.Activities, s.render)

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search by name")
	s.sport = widget.NewSelect([]string{allSports}, nil)
	s.sport.SetSelected(allSports)
	s.from, s.to = dateEntry("From YYYY-MM-DD"), dateEntry("To YYYY-MM-DD")
	s.count = widget.NewLabel("")
	s.state = newListState(s.clearFilters, s.rows.reload)

	cols, numeric := listColumns()
	s.list = widget.NewList(s.rows.len,
		func() fyne.CanvasObject { return newCells(cols, numeric, fyne.TextStyle{}) },
		func(id widget.ListItemID, o fyne.CanvasObject) { s.updateRow(id, o.(*fyne.Container)) })
	s.list.OnSelected = s.selected

	for _, e := range s.entries() {
		e.OnChanged = func(string) { s.apply() }
	}
	s.sport.OnChanged = func(string) { s.apply() }

	header := newCells(cols, numeric, fyne.TextStyle{Bold: true})
	setCells(header, listHeader())
	dateSize := fyne.NewSize(170, s.from.MinSize().Height)
	filters := container.NewBorder(nil, nil, nil, container.NewHBox(s.sport,
		container.NewGridWrap(dateSize, s.from), container.NewGridWrap(dateSize, s.to)), s.search)
	top := container.NewVBox(filters, s.count, header, widget.NewSeparator())
	s.content = container.NewBorder(top, nil, nil, nil, container.NewStack(s.list, s.state.content))
	return s
}

func dateEntry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.Validator = validateDay
	return e
}

// start runs the first query and loads the sport choices.
func (s *activitiesScreen) start() {
	s.apply()
	s.loadSports()
}

// refresh re-runs the query and the sport choices after stored data changed.
func (s *activitiesScreen) refresh() {
	s.list.UnselectAll() // row numbers may now belong to other activities
	s.rows.reload()
	s.loadSports()
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

func (s *activitiesScreen) entries() []*widget.Entry {
	return []*widget.Entry{s.search, s.from, s.to}
}

// apply queries the backend with the current filter inputs.
func (s *activitiesScreen) apply() {
	if s.muted {
		return
	}
	f, err := s.inputs().filter()
	s.inputErr = err
	if err == nil {
		s.list.UnselectAll()
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
		s.count.SetText(s.inputErr.Error())
	case s.rows.state == stateReady:
		s.count.SetText(plural(s.rows.len(), "activity"))
	case s.rows.state == stateLoading:
		s.count.SetText("Loading…")
	default:
		s.count.SetText("")
	}
	s.list.Refresh()
	if s.onFirstRows != nil && s.rows.state == stateReady && s.rows.len() > 0 {
		s.onFirstRows()
		s.onFirstRows = nil
	}
}

func (s *activitiesScreen) updateRow(id widget.ListItemID, row *fyne.Container) {
	a, ok := s.rows.row(id)
	if !ok {
		setCells(row, []string{"…"})
		return
	}
	setCells(row, rowTexts(a, s.units()))
}

func (s *activitiesScreen) selected(id widget.ListItemID) {
	if a, ok := s.rows.row(id); ok {
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
