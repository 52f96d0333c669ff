package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const msgPickField = "Select a field to see its whole value; values can be selected and copied."

// fieldTreeColumns: key as Strava names it, value in the user's units, as sent.
func fieldTreeColumns() columns {
	return columns{widths: []float32{150, 110, 110}, flex: 2}
}

// fieldTree shows Strava's JSON as expandable groups (laps, splits,
// segment efforts...) with the whole selected value beneath, selectable
// and copyable.
type fieldTree struct {
	nodes    jsonTree
	units    func() Units
	view     *widget.Tree
	selected *widget.Label
	copy     *widget.Button
	value    string // the selected value as sent
	content  fyne.CanvasObject
}

func newFieldTree(units func() Units) *fieldTree {
	ft := &fieldTree{nodes: jsonTree{"": {}}, units: units}
	cols := fieldTreeColumns()
	ft.view = widget.NewTree(ft.kids, ft.isBranch,
		func(bool) fyne.CanvasObject {
			row := newCells(cols, nil, fyne.TextStyle{})
			for _, o := range row.Objects[1:] {
				cellLabel(o).Selectable = true
			}
			return row
		},
		func(id widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
			ft.updateRow(id, branch, o.(*fyne.Container))
		})
	ft.view.OnSelected = ft.pick
	ft.selected = widget.NewLabel(msgPickField)
	ft.selected.Wrapping, ft.selected.Selectable = fyne.TextWrapBreak, true
	ft.copy = widget.NewButtonWithIcon("Copy value", theme.ContentCopyIcon(), ft.copyValue)
	ft.copy.Disable()
	header := newCells(cols, nil, fyne.TextStyle{Bold: true})
	setCells(header, []string{"Field", "Value", "As sent"})
	bottom := container.NewBorder(nil, nil, nil, ft.copy, ft.selected)
	ft.content = container.NewBorder(header, bottom, nil, nil, ft.view)
	return ft
}

// set shows a JSON tree with every group closed.
func (ft *fieldTree) set(t jsonTree) {
	ft.nodes = t
	ft.view.UnselectAll()
	ft.view.CloseAllBranches()
	ft.view.Refresh()
	ft.value = ""
	ft.selected.SetText(msgPickField)
	ft.copy.Disable()
}

func (ft *fieldTree) kids(id widget.TreeNodeID) []widget.TreeNodeID {
	if n := ft.nodes[id]; n != nil {
		return n.Kids
	}
	return nil
}

func (ft *fieldTree) isBranch(id widget.TreeNodeID) bool {
	n := ft.nodes[id]
	return n != nil && len(n.Kids) > 0
}

// groupSize is "20 items" for an array, "12 fields" for an object.
func groupSize(n *jsonNode) string {
	if n.Array {
		return plural(len(n.Kids), "item")
	}
	return plural(len(n.Kids), "field")
}

func (ft *fieldTree) updateRow(id widget.TreeNodeID, branch bool, row *fyne.Container) {
	n := ft.nodes[id]
	if n == nil {
		return
	}
	key := cellLabel(row.Objects[0])
	key.TextStyle.Bold = branch
	if branch {
		setCells(row, []string{n.Key, groupSize(n), ""})
		return
	}
	setCells(row, []string{n.Key, fieldValue(n.Field, ft.units()), n.Field.Raw})
}

// pick shows the selected member's path and whole value.
func (ft *fieldTree) pick(id widget.TreeNodeID) {
	n := ft.nodes[id]
	if n == nil {
		return
	}
	if len(n.Kids) > 0 {
		ft.value = ""
		ft.selected.SetText(id + ": " + groupSize(n))
		ft.copy.Disable()
		return
	}
	ft.value = n.Field.Raw
	text := id + " = " + n.Field.Raw
	if v := fieldValue(n.Field, ft.units()); v != n.Field.Raw {
		text += " (" + v + ")"
	}
	ft.selected.SetText(text)
	ft.copy.Enable()
}

func (ft *fieldTree) copyValue() {
	if a := fyne.CurrentApp(); a != nil && ft.value != "" {
		a.Clipboard().SetContent(ft.value)
	}
}
