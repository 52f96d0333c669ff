package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// glyphWarmer loads, off the UI goroutine, the system fonts that text is
// about to need, so that showing it does not stall the window.
//
// Fyne's bundled font covers Latin, Greek and Cyrillic. For any other
// character (a name in Japanese, Arabic, Devanagari, …) Fyne looks for a
// system font the first time it lays the character out, and parsing that
// font happens right there, on the UI goroutine: Droid Sans Fallback takes
// 45–60 ms, longer than a frame may take. Fyne keeps the fonts it parsed in
// one cache for the whole process, under its own lock, so laying the
// characters out once from a background goroutine — before the rows that
// hold them are handed to the UI goroutine — leaves the UI only a cache hit.
//
// The layout here goes through a font source of the warmer's own (a copy
// of Fyne's bundled font): Fyne gives every source its own list of
// fallback faces, so the background never appends to the lists the UI
// goroutine reads. The shared parts are the parsed system font, which Fyne
// hands out under its lock, and that font's per-glyph size cache, which
// this warmer writes only for characters the UI has not yet been given
// (each character is warmed once, before the first rows that contain it
// are handed over; the hand-over through fyne.Do orders the writes before
// the UI's reads). Text that reaches the UI without passing through
// here — what the user types — keeps Fyne's own behaviour.
type glyphWarmer struct {
	layout func(string) // lays text out with the warmer's font source

	mu   sync.Mutex // held while laying out: one warm-up at a time
	seen map[rune]struct{}
}

// newGlyphWarmer returns a warmer that lays text out with driver; call it
// on the UI goroutine (it reads the theme's text size).
func newGlyphWarmer(driver fyne.Driver) *glyphWarmer {
	// Fyne queries the system fonts with the source's name as the family:
	// "sans-serif" is the family its regular text asks for, so the warm-up
	// resolves each character to the same font the UI will use.
	source := fyne.NewStaticResource("sans-serif", theme.DefaultTextFont().Content())
	size := theme.TextSize()
	return newGlyphWarmerFunc(func(text string) {
		driver.RenderedTextSize(text, size, fyne.TextStyle{}, source)
	})
}

func newGlyphWarmerFunc(layout func(string)) *glyphWarmer {
	return &glyphWarmer{layout: layout, seen: map[rune]struct{}{}}
}

// warm lays out, once each, the characters of texts that Fyne's bundled
// font may lack, and returns when their fonts are loaded. Safe for
// concurrent use; call it off the UI goroutine, before handing the texts to
// it. A nil warmer does nothing.
func (g *glyphWarmer) warm(texts ...string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var fresh []rune
	for _, text := range texts {
		for _, r := range text {
			if inBundledFont(r) {
				continue
			}
			if _, ok := g.seen[r]; ok {
				continue
			}
			g.seen[r] = struct{}{}
			fresh = append(fresh, r)
		}
	}
	if len(fresh) > 0 {
		g.layout(string(fresh))
	}
}

// inBundledFont reports whether r lies in the blocks Fyne draws from its
// bundled fonts or the locale's font without looking for another: Noto
// Sans (Latin, IPA, Greek, Cyrillic, Latin Extended Additional, Greek
// Extended), punctuation and symbols up to the dingbats and arrows, and
// the emoji of its bundled emoji font (pictographs, flags, variation
// selectors, tags). Warming an emoji would make Fyne load a system emoji
// font that the window never uses. Whether it is right only decides
// whether a character is warmed: one wrongly left out makes its first
// layout as slow as without the warmer, one wrongly put in costs one
// layout in the background.
func inBundledFont(r rune) bool {
	switch {
	case r < 0x0530, // Latin, IPA, Greek, Cyrillic
		0x1E00 <= r && r < 0x2C00,   // Latin/Greek Extended, punctuation, symbols, arrows, dingbats
		0xFE00 <= r && r < 0xFE10,   // variation selectors
		0x1F000 <= r && r < 0x1FB00, // emoji, flags, pictographs
		0xE0000 <= r && r < 0xE0080: // tags (subdivision flags)
		return true
	}
	return false
}
