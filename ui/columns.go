package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// columns lays out its objects side by side: every column has a fixed
// width except flex, which takes the remaining space (at least its own
// width). Header and rows share one so they line up.
type columns struct {
	widths []float32
	flex   int
}

// Layout places the objects in their columns.
func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	fixed := pad * float32(len(c.widths)-1)
	for i, w := range c.widths {
		if i != c.flex {
			fixed += w
		}
	}
	x := float32(0)
	for i, o := range objs[:min(len(objs), len(c.widths))] {
		w := c.widths[i]
		if i == c.flex {
			w = max(c.widths[i], size.Width-fixed)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

// MinSize is the sum of the column widths and the tallest object.
func (c columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objs[:min(len(objs), len(c.widths))] {
		w += c.widths[i]
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(w+theme.Padding()*float32(len(c.widths)-1), h)
}

// newCells makes one row of labels for a columns layout; trailing columns
// listed in right are aligned to the trailing edge. The flex column shows
// its whole text on hover when it is cut.
func newCells(c columns, right map[int]bool, style fyne.TextStyle) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(c.widths))
	for i := range objs {
		l := widget.NewLabel("")
		if i == c.flex {
			h := newHoverLabel()
			l, objs[i] = &h.Label, h
		} else {
			objs[i] = l
		}
		// Only the text columns can be too long for their width; numbers and
		// dates always fit, and a label that truncates shapes its text again
		// on every change, which is most of a list refresh's cost.
		if i == c.flex || !right[i] {
			l.Truncation = fyne.TextTruncateEllipsis
		}
		l.TextStyle = style
		if right[i] {
			l.Alignment = fyne.TextAlignTrailing
		}
	}
	return container.New(c, objs...)
}

// cellLabel is the label of a cell made by newCells.
func cellLabel(o fyne.CanvasObject) *widget.Label {
	if h, ok := o.(*hoverLabel); ok {
		return &h.Label
	}
	return o.(*widget.Label)
}

// setCells writes texts into a row made by newCells.
func setCells(row *fyne.Container, texts []string) {
	for i, o := range row.Objects {
		text := ""
		if i < len(texts) {
			text = texts[i]
		}
		setLabel(cellLabel(o), text)
	}
}

// newHeader makes the column headers as buttons for a columns layout;
// tapping one calls onTap with its column.
func newHeader(c columns, right map[int]bool, names []string, onTap func(int)) (*fyne.Container, []*widget.Button) {
	objs := make([]fyne.CanvasObject, len(c.widths))
	buttons := make([]*widget.Button, len(c.widths))
	for i := range objs {
		b := widget.NewButton(names[i], func() { onTap(i) })
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		if right[i] {
			b.Alignment = widget.ButtonAlignTrailing
		}
		objs[i], buttons[i] = b, b
	}
	return container.New(c, objs...), buttons
}
