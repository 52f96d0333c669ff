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
// listed in right are aligned to the trailing edge.
func newCells(c columns, right map[int]bool, style fyne.TextStyle) *fyne.Container {
	objs := make([]fyne.CanvasObject, len(c.widths))
	for i := range objs {
		l := widget.NewLabel("")
		l.Truncation = fyne.TextTruncateEllipsis
		l.TextStyle = style
		if right[i] {
			l.Alignment = fyne.TextAlignTrailing
		}
		objs[i] = l
	}
	return container.New(c, objs...)
}

// setCells writes texts into a row made by newCells.
func setCells(row *fyne.Container, texts []string) {
	for i, o := range row.Objects {
		text := ""
		if i < len(texts) {
			text = texts[i]
		}
		if l := o.(*widget.Label); l.Text != text {
			l.SetText(text)
		}
	}
}
