package desktop

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// EnvFrameProbe names the variable that, set to "1", makes the window
// report on stderr the longest frame so far: the longest time between two
// turns of Fyne's event loop (each turn reads input, ticks animations and
// paints), overall and while a sync runs, as
//
//	owtray: frames longest_ms=23.1 longest_syncing_ms=19.0 syncing=true
//
// printed whenever a figure changes (at most every 100 ms). Input waits as
// long as a frame, so this is the longest the window could stall. An
// animation that changes nothing takes the turns' times; it costs no
// painting. For diagnosis and the window's import benchmark.
const EnvFrameProbe = "OWTRAY_FRAME_PROBE"

const frameProbeLine = "owtray: frames"

// frameProbe measures the frames of Fyne's event loop.
type frameProbe struct {
	syncing        atomic.Bool
	longest        atomic.Int64 // nanoseconds
	longestSyncing atomic.Int64
	last           time.Time // the last turn; the UI goroutine only
}

// tick records one turn of the event loop; it runs on the UI goroutine.
func (p *frameProbe) tick(float32) { p.turn(time.Now()) }

// turn records a turn of the event loop at now.
func (p *frameProbe) turn(now time.Time) {
	if !p.last.IsZero() {
		d := int64(now.Sub(p.last))
		raise(&p.longest, d)
		if p.syncing.Load() {
			raise(&p.longestSyncing, d)
		}
	}
	p.last = now
}

// raise sets v to d when d is larger. Only the UI goroutine writes the
// figures (the reporter reads them), so no compare-and-swap is needed.
func raise(v *atomic.Int64, d int64) {
	if d > v.Load() {
		v.Store(d)
	}
}

func (p *frameProbe) line() string {
	ms := func(v *atomic.Int64) float64 { return float64(time.Duration(v.Load()).Microseconds()) / 1000 }
	return fmt.Sprintf("%s longest_ms=%.1f longest_syncing_ms=%.1f syncing=%v", frameProbeLine, ms(&p.longest), ms(&p.longestSyncing), p.syncing.Load())
}

// run starts the probe's animation and reports to w until ctx ends.
func (p *frameProbe) run(ctx context.Context, w io.Writer) {
	anim := fyne.NewAnimation(time.Second, p.tick)
	anim.RepeatCount = fyne.AnimationRepeatForever
	fyne.Do(anim.Start)
	defer fyne.Do(anim.Stop)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	reported := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if l := p.line(); l != reported {
			reported = l
			fmt.Fprintln(w, l)
		}
	}
}
