package stravasim

import (
	"math/rand/v2"
	"slices"
	"time"
)

// athlete is one simulated Strava athlete and their activities.
type athlete struct {
	id          int64
	first, last string
	home        *place
	sex         string
	weight      float64
	created     time.Time
	bikes       []gear
	shoes       []gear

	// all holds every activity, public the non-private ones; both sorted by
	// start date ascending (ties by id), so listing is a binary search.
	all    []*activity
	public []*activity
}

type gear struct {
	id, name, nickname string
	bike               bool
}

// activity is one simulated activity. Everything the API renders is derived
// from these fields; the route and streams are recomputed from routeSeed.
type activity struct {
	id, athleteID int64
	name          string
	description   string
	sport, typ    string
	spec          *sportSpec
	start         time.Time // UTC, whole seconds
	place         *place
	cityKnown     bool

	distance        float64 // metres
	moving, elapsed int     // seconds
	elevGain        float64
	elevHigh        float64
	elevLow         float64

	private, followersOnly       bool
	trainer, commute, manual     bool
	gps                          bool
	hasHR                        bool
	avgHR, maxHR                 float64
	avgCadence                   float64 // 0: no cadence sensor
	watts                        bool
	avgWatts, maxWatts, weighted float64
	sufferScore                  float64

	kudos, comments, achievements, prs, athleteCount, photos int
	workoutType                                              int // -1: none
	gearID                                                   string
	device                                                   string
	externalID                                               string
	uploadID                                                 int64
	calories                                                 float64
	embedToken                                               string

	routeSeed       uint64
	scale           float64 // metres per unit of the route shape
	altBase         float64
	altScale        float64
	pauseAt         float64 // where in the activity the pause happens (0..1)
	summaryPolyline string
}

func activityLess(a, b *activity) int {
	if c := a.start.Compare(b.start); c != 0 {
		return c
	}
	switch {
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

func insertSorted(list []*activity, a *activity) []*activity {
	i, _ := slices.BinarySearchFunc(list, a, activityLess)
	return slices.Insert(list, i, a)
}

func removeSorted(list []*activity, a *activity) []*activity {
	i, found := slices.BinarySearchFunc(list, a, activityLess)
	if !found {
		return list
	}
	return slices.Delete(list, i, i+1)
}

// addActivityLocked indexes a in its athlete's lists and the global index.
func (s *Sim) addActivityLocked(ath *athlete, a *activity) {
	s.activities[a.id] = a
	ath.all = insertSorted(ath.all, a)
	if !a.private {
		ath.public = insertSorted(ath.public, a)
	}
}

func (s *Sim) removeActivityLocked(ath *athlete, a *activity) {
	delete(s.activities, a.id)
	ath.all = removeSorted(ath.all, a)
	ath.public = removeSorted(ath.public, a)
}

// setPrivate changes an activity's privacy and keeps the public list right.
func setPrivate(ath *athlete, a *activity, private bool) {
	if a.private == private {
		return
	}
	a.private = private
	if private {
		ath.public = removeSorted(ath.public, a)
		return
	}
	a.followersOnly = false
	ath.public = insertSorted(ath.public, a)
}

// page returns the activities of list whose start is after `after` and before
// `before` (epoch seconds; nil = unbounded), page by page. Like Strava, the
// result is newest first, except in afterOrder when only `after` is given.
// With shuffle, activities of one second come in an order drawn from it for
// this request (Config.TieOrder = TiesUnstable) instead of by id.
func page(list []*activity, before, after *int64, pageNo, perPage int, afterOrder ListOrder, shuffle *rand.Rand) []*activity {
	lo, hi := 0, len(list)
	if after != nil {
		lo, _ = slices.BinarySearchFunc(list, *after, func(a *activity, t int64) int {
			if a.start.Unix() > t {
				return 1
			}
			return -1
		})
	}
	if before != nil {
		hi, _ = slices.BinarySearchFunc(list, *before, func(a *activity, t int64) int {
			if a.start.Unix() >= t {
				return 1
			}
			return -1
		})
	}
	n := hi - lo
	if n <= 0 || pageNo-1 > n/perPage {
		return nil
	}
	offset := (pageNo - 1) * perPage
	if offset >= n {
		return nil
	}
	count := min(perPage, n-offset)
	at := func(i int) *activity { return list[hi-1-i] } // newest first
	if after != nil && before == nil && afterOrder == OldestFirst {
		at = func(i int) *activity { return list[lo+i] }
	}
	// The window, widened to whole seconds at both ends so ties can be
	// reordered across its edges.
	start, end := offset, offset+count
	if shuffle != nil {
		for start > 0 && at(start-1).start.Equal(at(offset).start) {
			start--
		}
		for end < n && at(end).start.Equal(at(offset+count-1).start) {
			end++
		}
	}
	seg := make([]*activity, 0, end-start)
	for i := start; i < end; i++ {
		seg = append(seg, at(i))
	}
	if shuffle != nil {
		for i := 0; i < len(seg); {
			j := i + 1
			for j < len(seg) && seg[j].start.Equal(seg[i].start) {
				j++
			}
			tie := seg[i:j]
			shuffle.Shuffle(len(tie), func(a, b int) { tie[a], tie[b] = tie[b], tie[a] })
			i = j
		}
	}
	return seg[offset-start : offset-start+count]
}
