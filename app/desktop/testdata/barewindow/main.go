// Command barewindow is the smallest Fyne program that shows what owtray's
// window shows at start: tabs, filter inputs, a bold header and a virtual
// list of 20,000 rows whose names (one per line of the file in argv[1]) are
// the ones owtray shows. BenchmarkPeakRSSVersusBareFyne compares owtray's
// memory with this program's, to tell owtray's share from Fyne's and the
// GL driver's. It prints "ready" once its window runs.
package main

import (
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := strings.Split(strings.TrimSpace(string(raw)), "\n")
	a := app.NewWithID("io.github.owtray.barewindow")
	w := a.NewWindow("barewindow")
	cells := func(style fyne.TextStyle) *fyne.Container {
		c := container.NewGridWithColumns(6)
		for range 6 {
			l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, style)
			l.Truncation = fyne.TextTruncateEllipsis
			c.Add(l)
		}
		return c
	}
	header := cells(fyne.TextStyle{Bold: true})
	for i, t := range []string{"Date", "Name", "Sport", "Distance", "Moving", "Elevation"} {
		header.Objects[i].(*widget.Label).SetText(t)
	}
	list := widget.NewList(func() int { return 20000 },
		func() fyne.CanvasObject { return cells(fyne.TextStyle{}) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container).Objects
			row[0].(*widget.Label).SetText(fmt.Sprintf("2026-11-%02d 07:%02d", id%28+1, id%60))
			row[1].(*widget.Label).SetText(names[id%len(names)])
			row[2].(*widget.Label).SetText("Run")
			row[3].(*widget.Label).SetText(fmt.Sprintf("%d.%02d km", id%30, id%100))
			row[4].(*widget.Label).SetText(fmt.Sprintf("1:%02d:%02d", id%60, id%59))
			row[5].(*widget.Label).SetText(fmt.Sprintf("%d m", id%300))
		})
	search := widget.NewEntry()
	search.SetPlaceHolder("Search by name")
	filters := container.NewBorder(nil, nil, nil, widget.NewSelect([]string{"All sports"}, nil), search)
	top := container.NewVBox(filters, widget.NewLabel("20,000 activities"), header)
	status := container.NewBorder(nil, nil, widget.NewLabel("Last sync 08:45"), widget.NewButton("Sync now", nil))
	w.SetContent(container.NewAppTabs(
		container.NewTabItem("Activities", container.NewBorder(top, status, nil, nil, list)),
		container.NewTabItem("Settings", widget.NewLabel("")),
	))
	w.Resize(fyne.NewSize(1180, 800))
	a.Lifecycle().SetOnStarted(func() { fmt.Fprintln(os.Stderr, "ready") })
	w.ShowAndRun()
}
