//go:build !windows

package autostart

import "runtime"

func platform(goos string, lookup func(string) (string, bool)) (backend, error) {
	if goos == "" {
		goos = runtime.GOOS
	}
	return fileFor(goos, lookup)
}
