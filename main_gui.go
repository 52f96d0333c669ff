//go:build !nogui

package main

import (
	"github.com/owtray/owtray/app/cli"
	"github.com/owtray/owtray/app/desktop"
)

// gui is the desktop window and tray, and the window that repairs a
// damaged database.
func gui() cli.Options { return cli.Options{GUI: desktop.Run, RepairGUI: desktop.RunRepair} }
