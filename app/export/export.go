// Package export writes stored Strava activities as JSON, CSV and GPX, for
// `owtray export` and the desktop app's export buttons.
//
// The writers are pure: they read only their arguments and keep no state.
// Each one checks and converts all of its input before writing the first
// byte, so bad input gives an error and writes nothing. An error from w
// itself can still leave a partial file behind; callers that write files
// should write to a temporary file and rename it.
//
// Formula injection: CSV cells are written exactly as Strava sent them, even
// when they start with =, +, -, @, tab or carriage return, which spreadsheet
// programs may run as formulas. The export is the user's own data for their
// own use, and prefixing such cells (e.g. with ') would change names and
// descriptions and break the round trip; open the file with formula
// evaluation off, or import it as text, when names come from other people.
package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/owtray/owtray/sync/store"
)

// Errors returned, wrapped with the activity id; check them with errors.Is.
var (
	// ErrBadActivity: an activity has no Strava JSON, or it is not a valid
	// JSON object.
	ErrBadActivity = errors.New("bad activity")
	// ErrBadStreams: an activity's streams cannot be read, are of different
	// lengths, or hold values GPX cannot represent.
	ErrBadStreams = errors.New("bad streams")
	// ErrNoRoute: none of the activities given to GPX has a GPS route.
	ErrNoRoute = errors.New("no GPS route")
)

// stravaJSON returns the JSON exported for a: the detailed representation
// when it has been fetched, else the summary. It must be a valid UTF-8 JSON
// object. Surrounding white space is trimmed; the rest is returned as is.
func stravaJSON(a store.Activity) ([]byte, error) {
	raw := bytes.TrimSpace(a.JSON())
	switch {
	case len(raw) == 0:
		return nil, fmt.Errorf("activity %d: %w: no Strava JSON stored", a.ID, ErrBadActivity)
	case raw[0] != '{' || !json.Valid(raw):
		return nil, fmt.Errorf("activity %d: %w: stored Strava JSON is not a JSON object", a.ID, ErrBadActivity)
	case !utf8.Valid(raw):
		return nil, fmt.Errorf("activity %d: %w: stored Strava JSON is not valid UTF-8", a.ID, ErrBadActivity)
	}
	return raw, nil
}
