//go:build nogui

package main

import "github.com/owtray/owtray/app/cli"

// gui is none: this build has no window (`owtray serve` runs headless).
func gui() cli.Options { return cli.Options{} }
