package app

import (
	"sync"

	"github.com/owtray/owtray/sync/engine"
)

// EventKind says what changed.
type EventKind int

// Event kinds.
const (
	// EventStatus: connection, webhook or sync status changed; read Status again.
	EventStatus EventKind = iota
	// EventProgress: a sync made progress.
	EventProgress
	// EventActivities: stored activities changed (a sync page, a webhook event).
	EventActivities
	// EventNewActivity: a webhook brought a new activity (for a notification).
	EventNewActivity
)

// Event is published to subscribers from any goroutine.
type Event struct {
	Kind       EventKind
	Progress   engine.Progress
	ActivityID int64
	Name       string // the new activity's name, for notifications
}

// broadcaster fans events out to subscribers without blocking publishers
// on each other; a subscriber must return quickly.
type broadcaster struct {
	mu   sync.Mutex
	next int
	subs map[int]func(Event)
}

func newBroadcaster() *broadcaster { return &broadcaster{subs: map[int]func(Event){}} }

// Subscribe registers fn; the returned func unregisters it.
func (a *App) Subscribe(fn func(Event)) (cancel func()) { return a.events.subscribe(fn) }

func (b *broadcaster) subscribe(fn func(Event)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *broadcaster) publish(e Event) {
	b.mu.Lock()
	subs := make([]func(Event), 0, len(b.subs))
	for _, fn := range b.subs {
		subs = append(subs, fn)
	}
	b.mu.Unlock()
	for _, fn := range subs {
		fn(e)
	}
}
