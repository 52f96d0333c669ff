package app_test

import (
	"testing"

	"github.com/owtray/owtray/app"
)

func TestSetupProblemsCallbackURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://owtray.example.com/api/v1/strava/webhook", true},
		// The demo's own callback URL: only its local simulator posts there.
		{"http://127.0.0.1:41234/api/v1/strava/webhook", true},
		{"http://localhost:8000/api/v1/strava/webhook", true},
		{"http://[::1]:8000/api/v1/strava/webhook", true},
		{"http://example.com/api/v1/strava/webhook", false},
		{"http://192.168.1.5/api/v1/strava/webhook", false},
		{"ftp://127.0.0.1/x", false},
		{"https://", false},
	}
	for _, tt := range tests {
		p := app.SetupProblems(app.Setup{ClientID: "12345", CallbackURL: tt.url}, true)
		if _, bad := p[app.SetupCallbackURL]; bad == tt.ok {
			t.Errorf("%q: problems %v, want ok %v", tt.url, p, tt.ok)
		}
	}
}
