package cli

import (
	"context"
	"fmt"

	"github.com/owtray/owtray/app/autostart"
)

// newAutostart is the login entry of this executable for this process's
// environment (XDG_CONFIG_HOME, HOME).
func (e *env) newAutostart() (*autostart.Autostart, error) {
	return autostart.New(autostart.Options{LookupEnv: e.lookup})
}

func runAutostart(_ context.Context, e *env, args []string) error {
	fs := flags(e, "autostart")
	if err := parse(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("say on, off or status")
	}
	switch fs.Arg(0) {
	case "on", "off", "status":
	default:
		return usagef("unknown action %q: say on, off or status", fs.Arg(0))
	}
	as, err := e.newAutostart()
	if err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "on":
		if err := as.Enable(); err != nil {
			return err
		}
	case "off":
		if err := as.Disable(); err != nil {
			return err
		}
	}
	st, err := as.Status()
	if err != nil {
		return err
	}
	if st.Enabled {
		fmt.Fprintf(e.stdio.Out, "owtray starts at login, in the tray: %s\n  runs: %s\n", st.Location, st.Command)
		return nil
	}
	fmt.Fprintf(e.stdio.Out, "owtray does not start at login (no active entry at %s)\n", st.Location)
	return nil
}

// hiddenFlag starts the desktop app with the tray only (`owtray --hidden`).
const hiddenFlag = autostart.HiddenFlag
