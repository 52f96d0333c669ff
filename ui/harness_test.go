package ui

import (
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// pump stands in for the Fyne event loop: fyne.Do work is queued and run on
// the test goroutine when the test waits, so widgets are only touched there.
type pump struct {
	mu     sync.Mutex
	queue  []func()
	signal chan struct{}
	calls  atomic.Int64 // work queued so far
	// longest is the longest piece of work run on the "UI goroutine":
	// the longest frame the user would see stall.
	longest time.Duration
	frames  *[]time.Duration // when set, every piece of work's duration
}

func newPump() *pump { return &pump{signal: make(chan struct{}, 1)} }

func (p *pump) do(fn func()) {
	p.mu.Lock()
	p.queue = append(p.queue, fn)
	p.calls.Add(1) // counted once queued, so a drain after seeing it runs fn
	p.mu.Unlock()
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

// drain runs the queued work, including work queued meanwhile.
func (p *pump) drain() {
	for {
		p.mu.Lock()
		queue := p.queue
		p.queue = nil
		p.mu.Unlock()
		if len(queue) == 0 {
			return
		}
		for _, fn := range queue {
			start := time.Now()
			fn()
			d := time.Since(start)
			p.longest = max(p.longest, d)
			if p.frames != nil {
				*p.frames = append(*p.frames, d)
			}

		}
	}
}

// until runs queued work until cond holds, failing after a generous deadline.
func (p *pump) until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		p.drain()
		if cond() {
			return
		}
		select {
		case <-p.signal:
		case <-deadline.C:
			tb.Fatalf("timed out waiting for %s", what)
		}
	}
}

// harness is a UI on a test app with a fake backend.
type harness struct {
	tb   testing.TB
	ui   *UI
	be   *fakeBackend
	pump *pump
}

func newHarness(tb testing.TB, be *fakeBackend) *harness {
	tb.Helper()
	a := test.NewTempApp(tb)
	p := newPump()
	u := newUI(a, be, Options{}, p.do)
	tb.Cleanup(u.Close)
	u.win.Resize(fyne.NewSize(1200, 800))
	u.win.Show()
	h := &harness{tb: tb, ui: u, be: be, pump: p}
	h.waitListReady()
	hasData := locked(be, func() bool { return len(be.acts) > 0 })
	h.until("the sport choices", func() bool { return !hasData || len(u.list.sport.Options) > 1 })
	return h
}

func (h *harness) until(what string, cond func() bool) {
	h.tb.Helper()
	h.pump.until(h.tb, what, cond)
}

// handOff runs action and then the next work a background call hands to
// the UI goroutine, e.g. the result of a call the action started or released.
func (h *harness) handOff(what string, action func()) {
	h.tb.Helper()
	handed := h.pump.calls.Load()
	action()
	h.until(what, func() bool { return h.pump.calls.Load() > handed })
	h.pump.drain()
}

// waitListReady waits until the list shows the result of the latest query.
func (h *harness) waitListReady() {
	h.tb.Helper()
	r := h.ui.list.rows
	h.until("the list to load", func() bool {
		return len(r.pending) == 0 && (r.state == stateFailed || r.state == stateReady && r.pagesGen == r.run.gen)
	})
}

// search types text into the search entry, one keystroke at a time.
func (h *harness) search(text string) {
	test.Type(h.ui.list.search, text)
	h.waitListReady()
}

// visible lists o and everything drawn inside it that is not hidden,
// using the widgets' current renderers.
func visible(o fyne.CanvasObject) []fyne.CanvasObject {
	if !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch c := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			out = append(out, visible(child)...)
		}
	case *fyne.Container:
		for _, child := range c.Objects {
			out = append(out, visible(child)...)
		}
	}
	return out
}

// visibleRows are the cell texts of the list rows on screen, top first.
func visibleRows(l fyne.CanvasObject) [][]string {
	var rows []*fyne.Container
	for _, o := range visible(l) {
		if c, ok := o.(*fyne.Container); ok {
			if _, isRow := c.Layout.(columns); isRow {
				rows = append(rows, c)
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(rows[i]).Y <
			fyne.CurrentApp().Driver().AbsolutePositionForObject(rows[j]).Y
	})
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, o := range r.Objects {
			out[i] = append(out[i], cellLabel(o).Text)
		}
	}
	return out
}

// findButton finds a visible button by its text under o.
func findButton(tb testing.TB, o fyne.CanvasObject, text string) *widget.Button {
	tb.Helper()
	for _, obj := range visible(o) {
		if b, ok := obj.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	tb.Fatalf("no button %q", text)
	return nil
}

// menuItem finds a tray menu item by its label prefix.
func menuItem(tb testing.TB, m *fyne.Menu, label string) *fyne.MenuItem {
	tb.Helper()
	for _, it := range m.Items {
		if it.Label == label {
			return it
		}
	}
	tb.Fatalf("no menu item %q in %v", label, menuLabels(m))
	return nil
}

func menuLabels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if !it.IsSeparator {
			out = append(out, it.Label)
		}
	}
	return out
}
