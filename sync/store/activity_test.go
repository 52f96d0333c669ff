package store

import "testing"

func TestActivityJSONPrefersDetail(t *testing.T) {
	tests := []struct {
		name            string
		summary, detail string
		want            string
	}{
		{"summary only", `{"resource_state":2}`, "", `{"resource_state":2}`},
		{"detail fetched", `{"resource_state":2}`, `{"resource_state":3}`, `{"resource_state":3}`},
		{"detail without summary (webhook)", "", `{"resource_state":3}`, `{"resource_state":3}`},
	}
	for _, tt := range tests {
		a := Activity{Summary: []byte(tt.summary), Detail: []byte(tt.detail)}
		if got := string(a.JSON()); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
