package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/owtray/owtray/sync/store"
)

// Object and aspect types Strava sends.
const (
	ObjectActivity = "activity"
	ObjectAthlete  = "athlete"
	AspectCreate   = "create"
	AspectUpdate   = "update"
	AspectDelete   = "delete"
)

// ErrInvalidEvent matches every error ParseEvent returns.
var ErrInvalidEvent = errors.New("invalid webhook event")

// EventError says which field of an event body is wrong and why. It matches
// ErrInvalidEvent. Its message is short and safe to send back to the caller.
type EventError struct {
	Field  string // "" when the body as a whole is wrong
	Reason string
}

func (e *EventError) Error() string {
	if e.Field == "" {
		return ErrInvalidEvent.Error() + ": " + e.Reason
	}
	return ErrInvalidEvent.Error() + ": " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidEvent) true.
func (e *EventError) Is(target error) bool { return target == ErrInvalidEvent }

func invalid(field, reason string) error { return &EventError{Field: field, Reason: reason} }

// Event is a Strava webhook event as POSTed to the callback URL.
type Event struct {
	ObjectType string `json:"object_type"` // ObjectActivity or ObjectAthlete
	ObjectID   int64  `json:"object_id"`   // activity id, or athlete id
	AspectType string `json:"aspect_type"` // AspectCreate, AspectUpdate or AspectDelete
	// Updates holds the changed fields of an update event, e.g. "title",
	// "type", "private" ("true"/"false") or, for an athlete,
	// "authorized": "false". Never nil after ParseEvent.
	Updates        map[string]string `json:"updates"`
	OwnerID        int64             `json:"owner_id"`
	SubscriptionID int64             `json:"subscription_id"`
	EventTime      int64             `json:"event_time"` // unix seconds
}

// Deauthorization reports whether the event says the athlete revoked the
// application's access (athlete update with authorized "false").
func (e Event) Deauthorization() bool {
	return e.ObjectType == ObjectAthlete && e.AspectType == AspectUpdate &&
		strings.EqualFold(strings.TrimSpace(e.Updates["authorized"]), "false")
}

// queued is the event as the store's queue takes it: the parsed fields,
// never the body.
func (e Event) queued() store.QueuedEvent {
	return store.QueuedEvent{
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, AspectType: e.AspectType, Updates: e.Updates,
		OwnerID: e.OwnerID, SubscriptionID: e.SubscriptionID, EventTime: e.EventTime, Deauthorize: e.Deauthorization(),
	}
}

// ParseEvent decodes and checks an event body. It is strict about the
// required fields (object_type, object_id, aspect_type, owner_id,
// subscription_id, event_time: present, of the right JSON type, ids and time
// positive, types known) and liberal about the rest: unknown fields are
// ignored, field and type names are matched case-insensitively, updates values
// may be strings, booleans, numbers or null (kept as their text; null as "").
// Errors match ErrInvalidEvent and never echo more than a few bytes of the
// input.
func ParseEvent(body []byte) (Event, error) {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 {
		return Event{}, invalid("", "empty body")
	}
	if b[0] != '{' {
		switch {
		case b[0] == '[':
			return Event{}, invalid("", "body is a JSON array, want one event object")
		case json.Valid(b):
			return Event{}, invalid("", "body is not a JSON object")
		default:
			return Event{}, invalid("", "body is not JSON")
		}
	}
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return Event{}, invalid("", "malformed JSON: "+jsonProblem(err))
	}
	var (
		ev  Event
		err error
	)
	if ev.ObjectType, err = enumField("object_type", w.ObjectType, ObjectActivity, ObjectAthlete); err != nil {
		return Event{}, err
	}
	if ev.AspectType, err = enumField("aspect_type", w.AspectType, AspectCreate, AspectUpdate, AspectDelete); err != nil {
		return Event{}, err
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *int64
	}{
		{"object_id", w.ObjectID, &ev.ObjectID},
		{"owner_id", w.OwnerID, &ev.OwnerID},
		{"subscription_id", w.SubscriptionID, &ev.SubscriptionID},
		{"event_time", w.EventTime, &ev.EventTime},
	} {
		if *f.dst, err = positiveInt(f.name, f.raw); err != nil {
			return Event{}, err
		}
	}
	if ev.Updates, err = updatesField(w.Updates); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// wireEvent is the body decoded in one pass; each field is checked after.
// (encoding/json matches the names case-insensitively: liberal, harmless.)
type wireEvent struct {
	ObjectType     json.RawMessage `json:"object_type"`
	ObjectID       json.RawMessage `json:"object_id"`
	AspectType     json.RawMessage `json:"aspect_type"`
	Updates        json.RawMessage `json:"updates"`
	OwnerID        json.RawMessage `json:"owner_id"`
	SubscriptionID json.RawMessage `json:"subscription_id"`
	EventTime      json.RawMessage `json:"event_time"`
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	return "cannot decode"
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// enumField reads a required string field that must be one of allowed
// (case-insensitive) and returns it in lower case.
func enumField(name string, raw json.RawMessage, allowed ...string) (string, error) {
	if isNull(raw) {
		return "", invalid(name, "missing")
	}
	s, err := jsonString(raw)
	if err != nil {
		return "", invalid(name, "must be a string")
	}
	for _, a := range allowed {
		if strings.EqualFold(s, a) {
			return a, nil
		}
	}
	return "", invalid(name, fmt.Sprintf("unknown value %s (want %s)", shortQuote(s), strings.Join(allowed, ", ")))
}

// jsonString decodes a JSON string token; plain ones (no escapes, valid
// UTF-8) without the general decoder.
func jsonString(raw json.RawMessage) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && utf8.Valid(inner) && !hasControl(inner) {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("not a string")
	}
	return s, nil
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// shortQuote quotes at most 32 bytes of s.
func shortQuote(s string) string {
	const maxLen = 32
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "…"
	}
	return strconv.Quote(s)
}

// positiveInt reads a required JSON integer greater than zero.
func positiveInt(name string, raw json.RawMessage) (int64, error) {
	if isNull(raw) {
		return 0, invalid(name, "missing")
	}
	if c := raw[0]; c != '-' && (c < '0' || c > '9') {
		return 0, invalid(name, "must be a number")
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, invalid(name, "must be an integer")
	}
	if n <= 0 {
		return 0, invalid(name, "must be positive")
	}
	return n, nil
}

// updatesField reads the optional updates object, normalising its values to
// strings.
func updatesField(raw json.RawMessage) (map[string]string, error) {
	out := map[string]string{}
	if isNull(raw) {
		return out, nil
	}
	if raw[0] != '{' {
		return nil, invalid("updates", "must be an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid("updates", "must be an object")
	}
	for k, v := range m {
		s, err := updateValue(v)
		if err != nil {
			return nil, invalid("updates."+shortQuote(k), err.Error())
		}
		out[k] = s
	}
	return out, nil
}

// updateValue turns one updates value into its text: strings as they are,
// true/false, numbers as written, null as "".
func updateValue(v json.RawMessage) (string, error) {
	switch {
	case isNull(v):
		return "", nil
	case v[0] == '"':
		return jsonString(v)
	case string(v) == "true" || string(v) == "false":
		return string(v), nil
	case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
		return string(v), nil
	default:
		return "", errors.New("must be a string, boolean or number")
	}
}
