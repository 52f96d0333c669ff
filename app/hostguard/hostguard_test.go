package hostguard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	public := []string{"", "not a url", "https://Owtray-Me.ngrok.app", "https://proxy.example.org:8443/api/v1/strava/webhook?x=1"}
	g := New(8000, func() []string { return public }, nil)
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") }), "/hook")
	tests := []struct {
		host, path string
		want       int
	}{
		{"localhost:8000", "/callback", http.StatusOK},
		{"127.0.0.1:8000", "/callback", http.StatusOK},
		{"[::1]:8000", "/hook", http.StatusOK},
		{"LOCALHOST:8000", "/hook", http.StatusOK},
		{"localhost:8001", "/callback", http.StatusMisdirectedRequest},       // another port
		{"localhost", "/callback", http.StatusMisdirectedRequest},            // port 80
		{"evil.example:8000", "/callback", http.StatusMisdirectedRequest},    // DNS rebinding
		{"evil.example:8000", "/hook", http.StatusMisdirectedRequest},        // not a public host
		{"127.0.0.2:8000", "/callback", http.StatusMisdirectedRequest},       // not a name we serve
		{"owtray-me.ngrok.app", "/hook", http.StatusOK},                      // the tunnel
		{"owtray-me.ngrok.app:443", "/hook", http.StatusOK},                  // its default port
		{"owtray-me.ngrok.app:8000", "/hook", http.StatusMisdirectedRequest}, // another port
		{"owtray-me.ngrok.app", "/callback", http.StatusMisdirectedRequest},  // a loopback-only route
		{"owtray-me.ngrok.app", "/hook/", http.StatusMisdirectedRequest},     // paths match exactly
		{"proxy.example.org:8443", "/hook", http.StatusOK},                   // own callback URL
		{"proxy.example.org", "/hook", http.StatusOK},                        // proxy left the port out
		{"proxy.example.org:443", "/hook", http.StatusMisdirectedRequest},
		{"ngrok.app", "/hook", http.StatusMisdirectedRequest},
		{"", "/hook", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://x"+tt.path, nil)
			req.Host = tt.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("Host %q %s: status %d, want %d", tt.host, tt.path, rec.Code, tt.want)
			}
			served := rec.Body.String() == "served"
			if served != (tt.want == http.StatusOK) {
				t.Errorf("handler reached: %v, body %q", served, rec.Body)
			}
			if tt.want == http.StatusMisdirectedRequest && rec.Header().Get("Content-Type") != "application/json" {
				t.Errorf("refusal is %q, want JSON", rec.Header().Get("Content-Type"))
			}
		})
	}
}

func TestIsLoopbackName(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "localhost:1": true, "127.0.0.1": true, "[::1]": true, "[::1]:9": true, "::1": true,
		"127.0.0.1.nip.io": false, "evil.example": false, "": false, "0.0.0.0:8000": false,
	} {
		if got := IsLoopbackName(host); got != want {
			t.Errorf("IsLoopbackName(%q) = %v, want %v", host, got, want)
		}
	}
}
