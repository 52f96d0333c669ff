package desktop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/ui"
)

func TestViewPrefersDetailAndFallsBackToSummaryRoute(t *testing.T) {
	a := store.Activity{
		ID: 7, Name: "Loop", Private: true,
		Summary: json.RawMessage(`{"map":{"summary_polyline":"_p~iF~ps|U_ulLnnqC_mqNvxq` + "`" + `@"}}`),
		Detail: json.RawMessage(`{"description":"Hello","device_name":"Watch","trainer":true,"manual":true,"map":{},
			"gear":{"id":"b1","name":"Old Bike"},"laps":[{"name":"Lap 1","distance":1000,"moving_time":300,"average_heartrate":150.5}]}`),
	}
	v := viewOf(a)
	if !v.Loaded || !v.Detailed || v.Problem != "" || v.ID != 7 || v.Name != "Loop" {
		t.Fatalf("view = %+v", v)
	}
	if v.Description != "Hello" || v.DeviceName != "Watch" || v.GearName != "Old Bike" {
		t.Errorf("description %q device %q gear %q", v.Description, v.DeviceName, v.GearName)
	}
	if got := strings.Join(v.Flags(), ","); got != "Private,Trainer,Manual" {
		t.Errorf("flags = %q", got)
	}
	if len(v.Laps) != 1 || v.Laps[0].Name != "Lap 1" || v.Laps[0].Distance != 1000 || v.Laps[0].MovingTime != 300 || v.Laps[0].AverageHeartrate != 150.5 {
		t.Errorf("laps = %+v", v.Laps)
	}
	if len(v.Route) != 3 || v.Route[0] != [2]float64{38.5, -120.2} || v.RouteProblem != "" {
		t.Errorf("route = %v (%q); want Google's example polyline", v.Route, v.RouteProblem)
	}
	if string(v.JSON) != string(a.Detail) {
		t.Errorf("JSON = %s, want the detailed JSON", v.JSON)
	}
}

func TestViewBadInput(t *testing.T) {
	tests := []struct {
		name, summary string
		wantJSONErr   bool
		wantRoute     string // "" ok, "none" no route, else damaged
	}{
		{"no map", `{}`, false, "none"},
		{"empty polyline", `{"map":{"summary_polyline":""}}`, false, "none"},
		{"damaged polyline", `{"map":{"summary_polyline":"\u00ff"}}`, false, "damaged"},
		{"wrong type", `{"private":"yes"}`, true, "none"},
		{"not JSON", `nope`, true, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := viewOf(store.Activity{Summary: json.RawMessage(tt.summary)})
			if (v.Problem != "") != tt.wantJSONErr || (tt.wantJSONErr && !strings.Contains(v.Problem, "reading Strava's JSON")) {
				t.Errorf("problem = %q", v.Problem)
			}
			switch tt.wantRoute {
			case "none":
				if v.Route != nil || v.RouteProblem != "" {
					t.Errorf("route %v, problem %q; want no route", v.Route, v.RouteProblem)
				}
			default:
				if v.Route != nil || !strings.Contains(v.RouteProblem, "damaged") {
					t.Errorf("route %v, problem %q; want damaged", v.Route, v.RouteProblem)
				}
			}
			if !v.Loaded || v.Detailed {
				t.Errorf("loaded %v detailed %v", v.Loaded, v.Detailed)
			}
		})
	}
}

func TestListItemCarriesNoJSON(t *testing.T) {
	v := listItem(store.Activity{ID: 3, Name: "Run", Summary: json.RawMessage(`{"id":3}`)})
	if v.Loaded || v.JSON != nil || v.ID != 3 || v.Name != "Run" {
		t.Errorf("list item %+v", v)
	}
}

func TestEveryPhaseIsMapped(t *testing.T) {
	seen := map[ui.SyncPhase]engine.Phase{}
	for _, p := range engine.Phases() {
		got := phase(p)
		if got == ui.PhaseNone || got.String() == "" {
			t.Errorf("engine phase %q has no ui phase", p)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("engine phases %q and %q both map to %v", other, p, got)
		}
		seen[got] = p
	}
	if phase("") != ui.PhaseNone {
		t.Error("no phase yet should map to PhaseNone")
	}
}

// The mappings from app's typed values to the window's are exhaustive: a
// new value without a case fails here, not silently in the window.

func TestEveryWebhookModeIsMapped(t *testing.T) {
	want := map[app.WebhookMode]ui.WebhookState{
		app.WebhooksNotRunning: ui.WebhooksOff, app.WebhooksOff: ui.WebhooksOff,
		app.WebhooksConnecting: ui.WebhooksStarting, app.WebhooksLive: ui.WebhooksLive,
		app.WebhooksExternal: ui.WebhooksLive, app.WebhooksError: ui.WebhooksFailed,
	}
	for _, m := range app.WebhookModes() {
		w, ok := want[m]
		if !ok {
			t.Errorf("webhook mode %q: no expected window state in this test", m)
			continue
		}
		if got := webhookState(m); got != w {
			t.Errorf("webhook mode %q shows as %d, want %d", m, got, w)
		}
	}
}

func TestEveryProblemKindIsMapped(t *testing.T) {
	for _, k := range app.ProblemKinds() {
		got := reconnectReason(app.Problem{Kind: k, Message: "why " + string(k)})
		switch k {
		case app.ProblemNone, app.ProblemNotConnected:
			if got != msgNoLongerConnected {
				t.Errorf("%q: banner %q", k, got)
			}
		case app.ProblemReconnectNeeded, app.ProblemNoKeychain, app.ProblemOther:
			if got != "why "+string(k) {
				t.Errorf("%q: banner %q, want the problem's message", k, got)
			}
		default:
			t.Errorf("problem kind %q: not covered by this test", k)
		}
	}
}

func TestEverySetupFieldIsMapped(t *testing.T) {
	seen := map[ui.Field]app.SetupField{}
	for _, f := range app.SetupFields() {
		got := field(f)
		if got == "" {
			t.Errorf("setup field %v has no form field", f)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("setup fields %v and %v both map to %q", other, f, got)
		}
		seen[got] = f
	}
	if len(seen) != 5 {
		t.Errorf("%d form fields mapped, want all 5", len(seen))
	}
}
