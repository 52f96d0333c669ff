package ui

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestInBundledFont(t *testing.T) {
	tests := []struct {
		r    rune
		want bool
	}{
		{'a', true}, {'Ü', true}, {'ß', true}, {'Ω', true}, {'Ж', true},
		{'–', true}, {'€', true}, {'ẞ', true},
		{'富', false}, {'ア', false}, {'한', false}, {'ع', false}, {'ह', false},
		{'🏃', true}, {'🔥', true}, {'☀', true}, {'\uFE0F', true}, {'⇄', true}, {'🇨', true},
		{'\u3030', false}, {'\u0530', false}, {'\U0001FB00', false},
	}
	for _, tt := range tests {
		if got := inBundledFont(tt.r); got != tt.want {
			t.Errorf("inBundledFont(%q) = %v, want %v", tt.r, got, tt.want)
		}
	}
}

// recordingLayout is a warmer's layout that records what it was given.
type recordingLayout struct {
	mu      sync.Mutex
	got     []string
	busy    atomic.Int32 // layouts running now
	overlap atomic.Bool
}

func (r *recordingLayout) layout(text string) {
	if r.busy.Add(1) > 1 {
		r.overlap.Store(true)
	}
	defer r.busy.Add(-1)
	r.mu.Lock()
	r.got = append(r.got, text)
	r.mu.Unlock()
}

func (r *recordingLayout) laidOut() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func TestGlyphWarmerLaysOutEachNewCharacterOnce(t *testing.T) {
	steps := []struct {
		texts []string
		want  []string // layouts this step adds
	}{
		{texts: []string{"Morning Run", "Trail Run Über Berg – 5 km"}}, // Latin only: nothing to load
		{texts: []string{"Hike to 富士山", "富士 again"}, want: []string{"富士山"}},
		{texts: []string{"Hike to 富士山 2"}},                                 // seen
		{texts: []string{"Run in 大阪", "ركض", ""}, want: []string{"大阪ركض"}}, // only the new ones
		{texts: []string{"大阪 🏃☀️ 서울"}, want: []string{"서울"}},               // emoji are in Fyne's own font
	}
	rec := &recordingLayout{}
	g := newGlyphWarmerFunc(rec.layout)
	var want []string
	for i, step := range steps {
		g.warm(step.texts...)
		want = append(want, step.want...)
		if got := rec.laidOut(); !slices.Equal(got, want) {
			t.Fatalf("after step %d (%q): laid out %q, want %q", i, step.texts, got, want)
		}
	}
	var none *glyphWarmer
	none.warm("富士山") // a nil warmer does nothing
}

func TestGlyphWarmerConcurrentCallersWaitForTheWarmUp(t *testing.T) {
	rec := &recordingLayout{}
	g := newGlyphWarmerFunc(rec.layout)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			g.warm("Hike to 富士山 "+strconv.Itoa(i), string(rune('ア'+i)))
			// When warm returns, the characters are laid out: a caller
			// that found them already claimed waited for that layout.
			done := strings.Join(rec.laidOut(), "")
			for _, r := range "富士山" + string(rune('ア'+i)) {
				if !strings.ContainsRune(done, r) {
					t.Errorf("warm returned before %q was laid out (laid out: %q)", r, done)
				}
			}
		})
	}
	wg.Wait()
	if rec.overlap.Load() {
		t.Error("two layouts ran at the same time")
	}
	all := strings.Join(rec.laidOut(), "")
	for _, r := range "富士山" {
		if n := strings.Count(all, string(r)); n != 1 {
			t.Errorf("%q laid out %d times, want once", r, n)
		}
	}
}

// TestPagerWarmsRowsBeforeHandingThemOver checks the order that keeps the
// UI goroutine free of font loading: a page's names are laid out in the
// background before the page reaches the UI goroutine.
func TestPagerWarmsRowsBeforeHandingThemOver(t *testing.T) {
	rec := &recordingLayout{}
	p := newPump()
	w := worker{ctx: context.Background(), do: p.do, glyphs: newGlyphWarmerFunc(rec.layout)}
	items := []Activity{{ID: 1, Name: "Hike to 富士山"}, {ID: 2, Name: "Morning Run"}}
	var laidOutWhenShown []string
	pg := newPager(w, func(context.Context, Filter) (ActivityPage, error) {
		return ActivityPage{Items: items, Total: len(items)}, nil
	}, func() { laidOutWhenShown = rec.laidOut() })
	pg.load(Filter{})
	p.until(t, "the first page", func() bool { return pg.len() == 2 })
	if want := []string{"富士山"}; !slices.Equal(laidOutWhenShown, want) {
		t.Fatalf("laid out when the page was shown: %q, want %q", laidOutWhenShown, want)
	}
}

// TestGlyphWarmerLoadsTheFallbackFontOffTheUIGoroutine runs in a fresh
// process each (Fyne keeps parsed fonts for the whole process): without
// the warmer the first layout of a Japanese name parses a system font on
// the calling goroutine (megabytes allocated there); after a warm-up in
// the background it allocates almost nothing. Allocation is counted, not
// time, so the test does not depend on the machine's speed.
func TestGlyphWarmerLoadsTheFallbackFontOffTheUIGoroutine(t *testing.T) {
	if mode := os.Getenv("OWTRAY_GLYPHWARM_CHILD"); mode != "" {
		glyphWarmChild(t, mode == "warm")
		return
	}
	measure := func(mode string) uint64 {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestGlyphWarmerLoadsTheFallbackFontOffTheUIGoroutine$", "-test.v")
		cmd.Env = append(os.Environ(), "OWTRAY_GLYPHWARM_CHILD="+mode)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child (%s): %v\n%s", mode, err, out)
		}
		_, after, ok := strings.Cut(string(out), "allocated=")
		if !ok {
			t.Fatalf("child (%s) printed no figure:\n%s", mode, out)
		}
		n, err := strconv.ParseUint(strings.Fields(after)[0], 10, 64)
		if err != nil {
			t.Fatalf("child (%s): %v", mode, err)
		}
		return n
	}
	cold := measure("cold")
	if cold < 1<<20 {
		if os.Getenv("OWTRAY_REQUIRE_DESKTOP") == "1" { // make test installs the font
			t.Fatalf("the first Japanese layout allocated only %d bytes: no system font for it (fonts-droid-fallback is missing)", cold)
		}
		t.Skipf("the first Japanese layout allocated only %d bytes without the warmer: this machine has no system font for it (install fonts-droid-fallback)", cold)
	}
	warmed := measure("warm")
	t.Logf("first layout on the UI goroutine: %d bytes without the warmer, %d after it", cold, warmed)
	if warmed > cold/20 {
		t.Errorf("after the warm-up the first layout still allocated %d bytes (%d without it): the font was parsed on the UI goroutine", warmed, cold)
	}
}

// glyphWarmChild measures the bytes allocated by the first layout of a
// Japanese name, after a background warm-up when warm is set.
func glyphWarmChild(t *testing.T, warm bool) {
	a := test.NewTempApp(t)
	// Fyne's own fonts for the regular style, as the window has them
	// before any activity arrives.
	fyne.MeasureText("Morning Run", theme.TextSize(), fyne.TextStyle{})
	if warm {
		g := newGlyphWarmer(a.Driver())
		done := make(chan struct{})
		go func() {
			defer close(done)
			g.warm("Hike to 富士山")
		}()
		<-done
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fyne.MeasureText("Hike to 富士山 3", theme.TextSize(), fyne.TextStyle{})
	runtime.ReadMemStats(&after)
	t.Logf("allocated=%d", after.TotalAlloc-before.TotalAlloc)
}
