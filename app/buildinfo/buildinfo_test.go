package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	stamp := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"},
		{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		name          string
		v, c, d       string
		bi            *debug.BuildInfo
		want          Info
		wantString    string
		wantUserAgent string
	}{
		{"ldflags win", "0.1.0", "abc1234", "2026-12-01T23:00:00Z", stamp,
			Info{"0.1.0", "abc1234", "2026-12-01T23:00:00Z"},
			"owtray 0.1.0 (commit abc1234, built 2026-12-01T23:00:00Z)", "owtray/0.1.0"},
		{"plain go build in a checkout", "", "", "", stamp,
			Info{DevVersion, "0123456789ab+dirty", "2026-11-30T10:00:00Z"},
			"owtray dev (commit 0123456789ab+dirty, built 2026-11-30T10:00:00Z)", "owtray/dev"},
		{"nothing known", "", "", "", nil,
			Info{DevVersion, "unknown", "unknown"},
			"owtray dev (commit unknown, built unknown)", "owtray/dev"},
		{"version only", "0.2.0", "", "", &debug.BuildInfo{},
			Info{"0.2.0", "unknown", "unknown"},
			"owtray 0.2.0 (commit unknown, built unknown)", "owtray/0.2.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := resolve(tt.v, tt.c, tt.d, tt.bi)
			if got != tt.want {
				t.Fatalf("resolve = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.wantString {
				t.Errorf("String = %q, want %q", s, tt.wantString)
			}
			if ua := got.UserAgent(); ua != tt.wantUserAgent {
				t.Errorf("UserAgent = %q, want %q", ua, tt.wantUserAgent)
			}
		})
	}
}

// TestGetUnstamped: the test binary has no ldflags, so it is a dev build.
func TestGetUnstamped(t *testing.T) {
	if v := Get().Version; v != DevVersion {
		t.Errorf("Version = %q, want %q without ldflags", v, DevVersion)
	}
}
