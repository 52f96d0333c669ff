package stravasim

import (
	"math/rand/v2"
	"time"
)

// ListOrder is the order of a listing with only `after`.
type ListOrder int

// Listing orders.
const (
	OldestFirst ListOrder = iota // what owtray's sources observed most often
	NewestFirst                  // the documented order of the other listings
)

func (o ListOrder) String() string {
	if o == NewestFirst {
		return "newest_first"
	}
	return "oldest_first"
}

// RefreshRotation says what a refresh does to the refresh token.
type RefreshRotation int

// Refresh token behaviours.
const (
	RotateRefreshToken RefreshRotation = iota // a new refresh token each time; the old one is dead
	KeepRefreshToken                          // the same refresh token comes back
)

// TieOrder is the order of activities that start in the same second.
type TieOrder int

// Tie orders.
const (
	TiesByID     TieOrder = iota // stable: by id
	TiesUnstable                 // a new order on every request, as feeds have been seen to do
)

// behaviour holds the switchable, partly undocumented behaviours.
type behaviour struct {
	tieOrder         TieOrder
	listRequests     uint64 // seeds the TiesUnstable order
	afterOrder       ListOrder
	uploadProcessing time.Duration
	duplicateCreates bool
	refresh          RefreshRotation
}

// notFoundRule makes GET /activities/{id} (and its streams) answer 404:
// the next count requests, and every request before until.
type notFoundRule struct {
	count int
	until time.Time
}

// SetTieOrder sets the order of activities within one second.
func (s *Sim) SetTieOrder(o TieOrder) { setLocked(s, &s.behaviour.tieOrder, o) }

// tieShuffleLocked returns the source of this request's order within ties,
// or nil for the stable order.
func (s *Sim) tieShuffleLocked() *rand.Rand {
	if s.behaviour.tieOrder != TiesUnstable {
		return nil
	}
	s.behaviour.listRequests++
	return rand.New(rand.NewPCG(uint64(s.cfg.Seed), s.behaviour.listRequests))
}

// SetAfterOrder sets the listing order when only `after` is given.
func (s *Sim) SetAfterOrder(o ListOrder) { setLocked(s, &s.behaviour.afterOrder, o) }

// SetUploadProcessing sets how long new activities answer 404 after
// CreateActivity (see Config.UploadProcessing).
func (s *Sim) SetUploadProcessing(d time.Duration) {
	setLocked(s, &s.behaviour.uploadProcessing, max(0, d))
}

// setLocked sets *field to v under the simulator's lock.
func setLocked[T any](s *Sim, field *T, v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*field = v
}

// SetDuplicateCreateEvents switches the double delivery of create events.
func (s *Sim) SetDuplicateCreateEvents(on bool) { setLocked(s, &s.behaviour.duplicateCreates, on) }

// SetRefreshRotation sets what a refresh does to the refresh token.
func (s *Sim) SetRefreshRotation(r RefreshRotation) { setLocked(s, &s.behaviour.refresh, r) }

// NotFoundNext makes the next n requests for activity id (GET
// /activities/{id} and /activities/{id}/streams) answer 404 although the
// activity exists: Strava's transient 404s. n <= 0 clears it.
func (s *Sim) NotFoundNext(id int64, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.notFound[id]
	r.count = max(0, n)
	s.setNotFoundLocked(id, r)
}

// NotFoundUntil makes activity id answer 404 until t (by Config.Now), as
// while an upload is processed. A zero t clears it.
func (s *Sim) NotFoundUntil(id int64, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.notFound[id]
	r.until = t
	s.setNotFoundLocked(id, r)
}

func (s *Sim) setNotFoundLocked(id int64, r notFoundRule) {
	if r.count == 0 && r.until.IsZero() {
		delete(s.notFound, id)
		return
	}
	s.notFound[id] = r
}

// transientNotFoundLocked reports whether this request for activity id is
// answered with a transient 404, using up one counted 404.
func (s *Sim) transientNotFoundLocked(id int64) bool {
	r, ok := s.notFound[id]
	if !ok {
		return false
	}
	if s.now().Before(r.until) {
		return true
	}
	if r.count > 0 {
		r.count--
		r.until = time.Time{}
		s.setNotFoundLocked(id, r)
		return true
	}
	delete(s.notFound, id)
	return false
}
