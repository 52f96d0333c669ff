package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// rect is an on-screen rectangle.
type rect struct{ x0, y0, x1, y1 float32 }

func (r rect) intersect(o rect) rect {
	return rect{max(r.x0, o.x0), max(r.y0, o.y0), min(r.x1, o.x1), min(r.y1, o.y1)}
}

func (r rect) empty() bool { return r.x1-r.x0 < 1 || r.y1-r.y0 < 1 }

// leaf is a widget that draws text or takes input, where it is drawn.
type leaf struct {
	obj  fyne.CanvasObject
	name string
	at   rect
}

// leaves lists the visible text and input widgets under o, clipped to the
// scroll containers they are in (a row scrolled away overlaps nothing).
func leaves(o fyne.CanvasObject, clip rect) []leaf {
	if !o.Visible() || o.Size().Width < 1 || o.Size().Height < 1 {
		return nil
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	r := rect{pos.X, pos.Y, pos.X + o.Size().Width, pos.Y + o.Size().Height}.intersect(clip)
	if r.empty() {
		return nil
	}
	var name string
	switch w := o.(type) {
	case *widget.Label:
		name = "label " + w.Text
	case *hoverLabel:
		name = "label " + w.Text
	case *widget.Button:
		name = "button " + w.Text
	case *widget.Entry, *keyEntry, *setupEntry:
		name = "entry"
	case *widget.Select, *widget.Check, *widget.Hyperlink, *widget.RadioGroup, *widget.ProgressBar:
		name = fmt.Sprintf("%T", o)
	}
	if name != "" {
		if l, ok := o.(*widget.Label); ok && l.Text == "" {
			return nil
		}
		return []leaf{{o, name, r}}
	}
	if _, ok := o.(*container.Scroll); ok {
		clip = r
	}
	var out []leaf
	switch c := o.(type) {
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			out = append(out, leaves(child, clip)...)
		}
	case *fyne.Container:
		for _, child := range c.Objects {
			out = append(out, leaves(child, clip)...)
		}
	}
	return out
}

// asEntry is the entry o is or embeds, nil for anything else.
func asEntry(o fyne.CanvasObject) *widget.Entry {
	switch e := o.(type) {
	case *widget.Entry:
		return e
	case *keyEntry:
		return &e.Entry
	case *setupEntry:
		return &e.Entry
	}
	return nil
}

// checkLayout fails when the window's content needs more than the minimum
// window size, or when two texts or inputs overlap at that size, or an
// entry is too narrow to show its placeholder.
func checkLayout(t *testing.T, h *harness, state string) {
	t.Helper()
	h.pump.drain()
	content := h.ui.win.Content()
	limit := minWindowSize()
	if m := content.MinSize(); m.Width > limit.Width || m.Height > limit.Height {
		t.Errorf("%s: content needs %v, more than the minimum window %v", state, m, limit)
	}
	h.ui.win.Resize(limit)
	ls := leaves(content, rect{0, 0, limit.Width, limit.Height})
	if len(ls) < 3 {
		t.Fatalf("%s: only %d widgets found", state, len(ls))
	}
	for _, l := range ls {
		if e := asEntry(l.obj); e != nil && e.PlaceHolder != "" && !e.MultiLine {
			if need, got := placeholderWidth(e), l.obj.Size().Width; got < need {
				t.Errorf("%s: the entry %q is %.0f wide, too narrow for its placeholder (%.0f): Fyne scrolls it", state, e.PlaceHolder, got, need)
			}
		}
	}
	for i := range ls {
		for j := i + 1; j < len(ls); j++ {
			if !ls[i].at.intersect(ls[j].at).empty() {
				t.Errorf("%s: %q at %v overlaps %q at %v", state, ls[i].name, ls[i].at, ls[j].name, ls[j].at)
			}
		}
	}
}

func TestMinimumSizeEverythingReachable(t *testing.T) {
	if s := minWindowSize(); s.Width > 960 || s.Height > 600 {
		t.Fatalf("minimum window %v is larger than 960×600", s)
	}
	t.Run("activities with banners and an import", func(t *testing.T) {
		be := newFakeBackend(300)
		h := newHarness(t, be)
		be.setStatus(func(s *Status) {
			s.Webhooks = Webhooks{State: WebhooksFailed, Detail: "ERR_NGROK_108: your account is limited to 1 simultaneous ngrok agent session"}
			s.SyncError = "Strava rate limit reached; resumes at 14:45"
			s.Syncing, s.Progress = true, Progress{Phase: PhaseImport, Done: 12000, Total: 20000}
			s.RateLimit = RateLimit{Used: 100, Limit: 100, ResetsAt: time.Now().Add(5 * time.Minute)}
		})
		h.handOff("the detail", func() { h.ui.list.selectRow(0) })
		checkLayout(t, h, "activities")
	})
	t.Run("logged out", func(t *testing.T) {
		be := newFakeBackend(30)
		be.status = Status{Configured: true, Activities: 30, Athlete: "A long athlete name for the status bar"}
		checkLayout(t, newHarness(t, be), "logged out")
	})
	t.Run("setup with errors, optional section open", func(t *testing.T) {
		h := newSetupHarness(t)
		s := h.ui.setup
		s.optional.Open(0)
		test.Tap(s.connect)
		checkLayout(t, h, "setup")
		if !s.demo.Visible() {
			t.Error("the demo button is hidden")
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(s.demo)
		if limit := minWindowSize(); pos.Y+s.demo.Size().Height > limit.Height || pos.X+s.demo.Size().Width > limit.Width {
			t.Errorf("Try the demo at %v is outside the %v window", pos, limit)
		}
	})
	t.Run("settings", func(t *testing.T) {
		h := newHarness(t, newFakeBackend(3))
		h.ui.tabs.SelectIndex(1)
		checkLayout(t, h, "settings")
	})
	t.Run("no keychain", func(t *testing.T) {
		be := newFakeBackend(0)
		be.status = Status{NoKeychain: "no Secret Service"}
		checkLayout(t, newHarness(t, be), "no keychain")
	})
}

func TestWindowDoesNotGrowByItself(t *testing.T) {
	be := newFakeBackend(100)
	h := newHarness(t, be)
	h.ui.win.Resize(minWindowSize())
	before := h.ui.win.Canvas().Size()
	for i := range 5 {
		be.setStatus(func(s *Status) {
			s.SyncError = fmt.Sprintf("error %d: %s", i, "a long message that wraps over more than one line in the banner area at the top of the window")
			s.Syncing, s.Progress = true, Progress{Phase: PhaseImport, Done: i * 200}
		})
		h.handOff("a detail", func() { h.ui.list.selectRow(i) })
	}
	h.pump.drain()
	if after := h.ui.win.Canvas().Size(); after != before {
		t.Errorf("the window grew from %v to %v", before, after)
	}
}
