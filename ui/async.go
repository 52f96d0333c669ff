package ui

import "context"

// worker runs blocking backend calls off the UI goroutine and hands their
// results back to it.
type worker struct {
	ctx context.Context // cancelled when the UI closes
	// do runs fn on the UI goroutine: fyne.Do, or a queue drained by tests.
	do func(fn func())
	// glyphs loads the fonts of text before it is handed to the UI
	// goroutine; nil: none (the text's first layout loads them).
	glyphs *glyphWarmer
}

// warmActivities loads, on the calling (background) goroutine, the fonts
// the activities' texts need, so that showing them does not stall the UI.
func (w worker) warmActivities(items ...Activity) {
	if w.glyphs == nil {
		return
	}
	var texts []string
	for _, a := range items {
		texts = append(texts, a.Name, a.SportType, a.Description, a.DeviceName, a.GearName, string(a.JSON))
		for _, lap := range a.Laps {
			texts = append(texts, lap.Name)
		}
	}
	w.glyphs.warm(texts...)
}

// background runs call in a new goroutine and then apply with its result on
// the UI goroutine.
func background[T any](ctx context.Context, do func(func()), call func(context.Context) (T, error), apply func(T, error)) {
	go func() {
		v, err := call(ctx)
		do(func() { apply(v, err) })
	}()
}

// backgroundErr is background for calls that only return an error.
func backgroundErr(ctx context.Context, do func(func()), call func(context.Context) error, apply func(error)) {
	background(ctx, do, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, call(ctx)
	}, func(_ struct{}, err error) { apply(err) })
}

// latest numbers the runs of a repeatable request (a search, loading the
// selected activity) so that only the newest may apply its result; starting
// a run cancels the one before. Use it on the UI goroutine only.
type latest struct {
	gen    uint64
	cancel context.CancelFunc
}

// next starts a run and returns its context and generation.
func (l *latest) next(parent context.Context) (context.Context, uint64) {
	l.stop()
	ctx, cancel := context.WithCancel(parent)
	l.gen++
	l.cancel = cancel
	return ctx, l.gen
}

// current reports whether gen is still the newest run.
func (l *latest) current(gen uint64) bool { return gen == l.gen }

// stop cancels the running request; its result will be ignored.
func (l *latest) stop() {
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
	l.gen++
}
