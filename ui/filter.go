package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

const dateLayout = "2006-01-02"

// allSports is the sport filter's "no filter" choice.
const allSports = "All sports"

// errDateRange: the From date lies after the To date.
var errDateRange = errors.New("the From date is after the To date")

// parseDay reads a YYYY-MM-DD date as midnight UTC; empty is the zero time.
func parseDay(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD, e.g. 2024-05-31", s)
	}
	return d, nil
}

// validateDay is an entry validator for parseDay.
func validateDay(s string) error {
	_, err := parseDay(s)
	return err
}

// filterInputs are the list's filter controls as the user left them.
type filterInputs struct {
	search, sport, from, to string
}

// filter turns the inputs into a backend Filter. To is inclusive for the
// user, so Until is the midnight after it.
func (in filterInputs) filter() (Filter, error) {
	since, err := parseDay(in.from)
	if err != nil {
		//lint:ignore ST1005 the field's label, as the form shows it
		return Filter{}, fmt.Errorf("From: %w", err)
	}
	until, err := parseDay(in.to)
	if err != nil {
		//lint:ignore ST1005 the field's label, as the form shows it
		return Filter{}, fmt.Errorf("To: %w", err)
	}
	if !until.IsZero() {
		until = until.AddDate(0, 0, 1)
		if !since.IsZero() && !since.Before(until) {
			return Filter{}, errDateRange
		}
	}
	f := Filter{Search: strings.TrimSpace(in.search), Since: since, Until: until}
	if in.sport != allSports {
		f.Sport = in.sport
	}
	return f, nil
}

// isZero reports whether f selects everything.
func (f Filter) isZero() bool {
	return f.Search == "" && f.Sport == "" && f.Since.IsZero() && f.Until.IsZero()
}
