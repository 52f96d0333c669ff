// Command owtray keeps one person's Strava activities on their own computer.
// Without arguments it starts the desktop app; see `owtray help` for the CLI.
// Built with -tags nogui it has no window (no Fyne, no cgo): `owtray serve`
// and the other commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/owtray/owtray/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, gui())
	stop()
	os.Exit(code)
}
