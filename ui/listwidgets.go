package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keyList is the activity list with the keyboard of a desktop list: the
// arrows move the selection (and so the detail pane), Enter opens the
// selected activity, Escape clears the search and filters.
type keyList struct {
	widget.List
	onKey func(*fyne.KeyEvent) bool // true: handled
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey handles the list's keys before widget.List's own.
func (l *keyList) TypedKey(e *fyne.KeyEvent) {
	if l.onKey != nil && l.onKey(e) {
		return
	}
	l.List.TypedKey(e)
}

// FocusGained keeps widget.List's own focus mark off: the keys move the
// selection, which is the mark (widget.List's would stay on another row).
func (l *keyList) FocusGained() {}

// FocusLost: see FocusGained.
func (l *keyList) FocusLost() {}

// keyEntry is an entry of the list's filter row: Escape clears the search
// and filters, and the window's shortcuts (Ctrl+F) work while it has focus.
type keyEntry struct {
	widget.Entry
	onEscape   func()
	onShortcut func(fyne.Shortcut) bool // true: handled
}

func newKeyEntry() *keyEntry {
	e := &keyEntry{}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey handles Escape.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// TypedShortcut offers shortcuts to the window before the entry's own.
func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if e.onShortcut != nil && e.onShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// listRow is one row of the list: it selects on a click and opens the
// activity on a double click.
type listRow struct {
	widget.BaseWidget
	id       widget.ListItemID
	cells    *fyne.Container
	onTap    func(widget.ListItemID)
	onDouble func(widget.ListItemID)
}

func newListRow(cells *fyne.Container, onTap, onDouble func(widget.ListItemID)) *listRow {
	r := &listRow{cells: cells, onTap: onTap, onDouble: onDouble}
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer draws the cells.
func (r *listRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.cells) }

// Tapped selects the row.
func (r *listRow) Tapped(*fyne.PointEvent) { r.onTap(r.id) }

// DoubleTapped opens the row's activity.
func (r *listRow) DoubleTapped(*fyne.PointEvent) { r.onDouble(r.id) }

// hoverLabel is a cell that shows its whole text in a tip while the
// pointer rests on it and the text does not fit.
type hoverLabel struct {
	widget.Label
	tips *tipLayer // nil: no tips
}

func newHoverLabel() *hoverLabel {
	l := &hoverLabel{}
	l.Truncation = fyne.TextTruncateEllipsis
	l.ExtendBaseWidget(l)
	return l
}

// truncated reports whether the text is cut.
func (l *hoverLabel) truncated() bool {
	size := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle)
	return size.Width+2*theme.InnerPadding() > l.Size().Width
}

// MouseIn shows the whole text below the cell.
func (l *hoverLabel) MouseIn(*desktop.MouseEvent) {
	if l.tips == nil || l.Text == "" || !l.truncated() {
		return
	}
	l.tips.show(l, l.Text)
}

// MouseMoved does nothing: the tip stays while the pointer is inside.
func (l *hoverLabel) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the tip.
func (l *hoverLabel) MouseOut() {
	if l.tips != nil {
		l.tips.hide(l)
	}
}

// tipLayer draws tips above the window's content. It holds no widget, so
// it never takes the pointer's events (a pop-up would: the cell under it
// would lose the hover and the tip would flicker).
type tipLayer struct {
	owner   *hoverLabel
	bg      *canvas.Rectangle
	text    *canvas.Text
	content *fyne.Container
}

func newTipLayer() *tipLayer {
	t := &tipLayer{bg: canvas.NewRectangle(nil), text: canvas.NewText("", nil)}
	t.bg.StrokeWidth = 1
	t.content = container.NewWithoutLayout(t.bg, t.text)
	t.content.Hide()
	return t
}

// show puts text below the cell.
func (t *tipLayer) show(cell *hoverLabel, text string) {
	d := fyne.CurrentApp().Driver()
	at := d.AbsolutePositionForObject(cell).Subtract(d.AbsolutePositionForObject(t.content))
	pad := theme.InnerPadding()
	size := fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{})
	box := size.AddWidthHeight(2*pad, pad)
	if limit := t.content.Size().Width; limit > 0 && at.X+box.Width > limit {
		at.X = max(0, limit-box.Width)
	}
	at.Y += cell.Size().Height
	t.owner = cell
	t.bg.FillColor = theme.Color(theme.ColorNameOverlayBackground) // the current theme's
	t.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	t.bg.CornerRadius = theme.InputRadiusSize()
	t.text.Color = theme.Color(theme.ColorNameForeground)
	t.text.Text = text
	t.text.Move(at.AddXY(pad, pad/2))
	t.text.Resize(size)
	t.bg.Move(at)
	t.bg.Resize(box)
	t.content.Show()
	t.content.Refresh()
}

// hide hides the tip of cell.
func (t *tipLayer) hide(cell *hoverLabel) {
	if t.owner == cell {
		t.owner = nil
		t.content.Hide()
	}
}
