//go:build !nogui

package main

import (
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/desktop"
)

// gui is the desktop window and tray.
func gui() cli.GUI { return desktop.Run }
