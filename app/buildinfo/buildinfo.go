// Package buildinfo says which owtray this is: the version from FyneApp.toml,
// the commit and the build date. The Makefile sets them with
//
//	-ldflags "-X github.com/owtray/owtray/app/buildinfo.version=0.1.0
//	          -X github.com/owtray/owtray/app/buildinfo.commit=abc1234
//	          -X github.com/owtray/owtray/app/buildinfo.date=2026-12-01T23:00:00Z"
//
// A plain `go build` leaves them empty: the version is then "dev", and the
// commit and date come from the VCS stamp Go embeds when it has one.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Set by the linker (-X); read only through Get. They are the one kind of
// package-level variable -ldflags can set.
var (
	version string
	commit  string
	date    string
)

// DevVersion is the version of a build without the Makefile's ldflags.
const DevVersion = "dev"

// Info describes this build.
type Info struct {
	Version string // "0.1.0", or DevVersion
	Commit  string // short hash, "unknown" when not known; "+dirty" for modified trees
	Date    string // RFC 3339 UTC, "unknown" when not known
}

// Get returns this build's info.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi)
}

// resolve fills what the linker did not set from Go's VCS stamp.
func resolve(v, c, d string, bi *debug.BuildInfo) Info {
	info := Info{Version: v, Commit: c, Date: d}
	if info.Version == "" {
		info.Version = DevVersion
	}
	if bi != nil && (info.Commit == "" || info.Date == "") {
		var rev, at string
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if info.Commit == "" && rev != "" {
			info.Commit = shortHash(rev)
			if dirty {
				info.Commit += "+dirty"
			}
		}
		if info.Date == "" {
			info.Date = at
		}
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}

func shortHash(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// String is the line `owtray version` prints.
func (i Info) String() string {
	return fmt.Sprintf("owtray %s (commit %s, built %s)", i.Version, i.Commit, i.Date)
}

// UserAgent is the HTTP User-Agent owtray sends.
func (i Info) UserAgent() string { return "owtray/" + i.Version }
