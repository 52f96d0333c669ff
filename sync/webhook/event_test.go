package webhook

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
)

const validEvent = `{"aspect_type":"create","event_time":1516126040,"object_id":1360128428,"object_type":"activity","owner_id":134815,"subscription_id":120475,"updates":{}}`

func TestParseEventValid(t *testing.T) {
	base := Event{ObjectType: "activity", ObjectID: 1360128428, AspectType: "create", Updates: map[string]string{},
		OwnerID: 134815, SubscriptionID: 120475, EventTime: 1516126040}
	with := func(f func(*Event)) Event {
		e := base
		e.Updates = maps.Clone(base.Updates)
		f(&e)
		return e
	}
	tests := []struct {
		name string
		body string
		want Event
	}{
		{"strava create", validEvent, base},
		{"no updates field", `{"aspect_type":"create","event_time":1516126040,"object_id":1360128428,"object_type":"activity","owner_id":134815,"subscription_id":120475}`, base},
		{"updates null, whitespace around", " \n" + strings.Replace(validEvent, `"updates":{}`, `"updates":null`, 1) + "\n ", base},
		{"unknown fields ignored", strings.Replace(validEvent, `{`, `{"extra":[1,{"x":2}],`, 1), base},
		{"names case-insensitive", strings.Replace(validEvent, `"object_type"`, `"Object_Type"`, 1), base},
		{"types case-insensitive", strings.Replace(strings.Replace(validEvent, `"create"`, `"Create"`, 1), `"activity"`, `"ACTIVITY"`, 1), base},
		{"strava update", strings.Replace(strings.Replace(validEvent, `"create"`, `"update"`, 1), `"updates":{}`,
			`"updates":{"title":"Messy Ride 🚲","type":"Ride","private":"true"}`, 1),
			with(func(e *Event) {
				e.AspectType = "update"
				e.Updates = map[string]string{"title": "Messy Ride 🚲", "type": "Ride", "private": "true"}
			})},
		{"liberal update values", strings.Replace(strings.Replace(validEvent, `"create"`, `"update"`, 1), `"updates":{}`,
			`"updates":{"private":true,"count":12.5,"gone":null,"neg":-3}`, 1),
			with(func(e *Event) {
				e.AspectType = "update"
				e.Updates = map[string]string{"private": "true", "count": "12.5", "gone": "", "neg": "-3"}
			})},
		{"deauthorization", `{"aspect_type":"update","event_time":1516126040,"object_id":134815,"object_type":"athlete","owner_id":134815,"subscription_id":120475,"updates":{"authorized":"false"}}`,
			with(func(e *Event) {
				e.ObjectType, e.AspectType, e.ObjectID = "athlete", "update", 134815
				e.Updates = map[string]string{"authorized": "false"}
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEvent([]byte(tt.body))
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseEvent = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseEventInvalid(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(validEvent, old, new, 1) }
	tests := []struct {
		name, body, field string
	}{
		{"empty", "", ""},
		{"blank", " \r\n\t", ""},
		{"not JSON", "hello", ""},
		{"JSON array", "[" + validEvent + "]", ""},
		{"JSON null", "null", ""},
		{"JSON string", `"event"`, ""},
		{"truncated", validEvent[:40], ""},
		{"trailing garbage", validEvent + "x", ""},
		{"two objects", validEvent + validEvent, ""},
		{"missing object_type", replace(`"object_type":"activity",`, ""), "object_type"},
		{"missing aspect_type", replace(`"aspect_type":"create",`, ""), "aspect_type"},
		{"missing object_id", replace(`"object_id":1360128428,`, ""), "object_id"},
		{"missing owner_id", replace(`"owner_id":134815,`, ""), "owner_id"},
		{"missing subscription_id", replace(`"subscription_id":120475,`, ""), "subscription_id"},
		{"missing event_time", replace(`"event_time":1516126040,`, ""), "event_time"},
		{"null object_id", replace(`1360128428`, `null`), "object_id"},
		{"object_id string", replace(`1360128428`, `"1360128428"`), "object_id"},
		{"object_id float", replace(`1360128428`, `1360128428.5`), "object_id"},
		{"object_id exponent", replace(`1360128428`, `1e9`), "object_id"},
		{"object_id zero", replace(`1360128428`, `0`), "object_id"},
		{"object_id negative", replace(`1360128428`, `-5`), "object_id"},
		{"object_id overflow", replace(`1360128428`, `99999999999999999999`), "object_id"},
		{"owner_id bool", replace(`134815`, `true`), "owner_id"},
		{"object_type number", replace(`"activity"`, `1`), "object_type"},
		{"unknown object_type", replace(`"activity"`, `"segment"`), "object_type"},
		{"unknown aspect_type", replace(`"create"`, `"upsert"`), "aspect_type"},
		{"updates array", replace(`"updates":{}`, `"updates":[]`), "updates"},
		{"updates string", replace(`"updates":{}`, `"updates":"title"`), "updates"},
		{"updates nested object", replace(`"updates":{}`, `"updates":{"title":{"a":1}}`), `updates."title"`},
		{"updates nested array", replace(`"updates":{}`, `"updates":{"title":[1]}`), `updates."title"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEvent([]byte(tt.body))
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("ParseEvent error = %v, want ErrInvalidEvent", err)
			}
			var ee *EventError
			if !errors.As(err, &ee) || ee.Field != tt.field {
				t.Errorf("error %q: field = %q, want %q", err, ee.Field, tt.field)
			}
			if len(err.Error()) > 160 {
				t.Errorf("error too long (%d bytes): %q", len(err.Error()), err)
			}
		})
	}
}

func TestDeauthorization(t *testing.T) {
	tests := []struct {
		ev   Event
		want bool
	}{
		{Event{ObjectType: "athlete", AspectType: "update", Updates: map[string]string{"authorized": "false"}}, true},
		{Event{ObjectType: "athlete", AspectType: "update", Updates: map[string]string{"authorized": " FALSE "}}, true},
		{Event{ObjectType: "athlete", AspectType: "update", Updates: map[string]string{"authorized": "true"}}, false},
		{Event{ObjectType: "athlete", AspectType: "update", Updates: map[string]string{}}, false},
		{Event{ObjectType: "activity", AspectType: "update", Updates: map[string]string{"authorized": "false"}}, false},
	}
	for _, tt := range tests {
		if got := tt.ev.Deauthorization(); got != tt.want {
			t.Errorf("%+v.Deauthorization() = %v, want %v", tt.ev, got, tt.want)
		}
	}
}

// FuzzParseEvent: no input panics; every error matches ErrInvalidEvent; an
// accepted event is valid and survives a marshal/parse round trip unchanged.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		validEvent,
		`{"aspect_type":"update","event_time":1,"object_id":2,"object_type":"athlete","owner_id":3,"subscription_id":4,"updates":{"authorized":"false"}}`,
		`{"aspect_type":"update","event_time":1,"object_id":2,"object_type":"activity","owner_id":3,"subscription_id":4,"updates":{"private":true,"n":1.5e3,"x":null}}`,
		`[]`, `{}`, `null`, ``, `{"object_id":"1"}`, "{\"object_type\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("error %v does not match ErrInvalidEvent", err)
			}
			return
		}
		if ev.ObjectID <= 0 || ev.OwnerID <= 0 || ev.SubscriptionID <= 0 || ev.EventTime <= 0 || ev.Updates == nil {
			t.Fatalf("accepted an invalid event %+v", ev)
		}
		switch ev.ObjectType + "/" + ev.AspectType {
		case "activity/create", "activity/update", "activity/delete", "athlete/create", "athlete/update", "athlete/delete":
		default:
			t.Fatalf("accepted unknown types %+v", ev)
		}
		b1, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseEvent(b1)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b1, err)
		}
		if !reflect.DeepEqual(ev, again) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, again)
		}
		b2, err := json.Marshal(again)
		if err != nil || string(b1) != string(b2) {
			t.Fatalf("re-marshal differs: %s vs %s (%v)", b1, b2, err)
		}
	})
}
