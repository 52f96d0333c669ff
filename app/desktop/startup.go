package desktop

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/systray"
	"github.com/godbus/dbus/v5"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/buildinfo"
	"github.com/owtray/owtray/ui"
)

// ErrNoDisplay means the window has no display to open on.
var ErrNoDisplay = errors.New("no display")

// CheckDisplay reports, before Fyne initialises GLFW (which panics
// without a display), whether the X display in $DISPLAY can be reached on
// Linux and the BSDs; elsewhere the system always has one. The error is one
// line that names DISPLAY and the headless `owtray serve`.
func CheckDisplay(lookupEnv func(string) (string, bool)) error {
	switch runtime.GOOS {
	case "darwin", "windows", "ios", "android":
		return nil
	}
	display, _ := lookupEnv("DISPLAY")
	if strings.TrimSpace(display) == "" {
		return fmt.Errorf("%w: DISPLAY is not set, so the window cannot open; run `owtray serve` for the headless mode", ErrNoDisplay)
	}
	network, addr, err := displayAddr(display)
	if err != nil {
		return fmt.Errorf("%w: DISPLAY=%q: %v; run `owtray serve` for the headless mode", ErrNoDisplay, display, err)
	}
	conn, err := net.DialTimeout(network, addr, 3*time.Second)
	if err != nil && network == "unix" && runtime.GOOS == "linux" {
		conn, err = net.DialTimeout("unix", "@"+addr, 3*time.Second) // the abstract socket
	}
	if err != nil {
		return fmt.Errorf("%w: the X display DISPLAY=%s cannot be reached; run `owtray serve` for the headless mode", ErrNoDisplay, display)
	}
	return conn.Close()
}

// displayAddr is where the X server of an X11 display name listens:
// ":0" and "unix:0" on /tmp/.X11-unix/X0, "host:0" on TCP port 6000.
func displayAddr(display string) (network, addr string, err error) {
	if strings.HasPrefix(display, "/") { // a launchd socket path (XQuartz)
		return "unix", display, nil
	}
	i := strings.LastIndex(display, ":")
	if i < 0 {
		return "", "", errors.New("not an X display name such as :0")
	}
	host, rest := display[:i], display[i+1:]
	number, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(number)
	if err != nil || n < 0 {
		return "", "", errors.New("not an X display name such as :0")
	}
	if host == "" || host == "unix" {
		return "unix", "/tmp/.X11-unix/X" + number, nil
	}
	return "tcp", net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(6000+n)), nil
}

// NewFyneApp is the Fyne app with owtray's metadata, so the tray item is
// titled "owtray" wherever the app was started from (Fyne otherwise reads
// FyneApp.toml from the current directory, or shows the app ID).
func NewFyneApp() fyne.App {
	fyneapp.SetMetadata(fyne.AppMetadata{ID: app.ID, Name: "owtray", Version: buildinfo.Get().Version, Build: 1, Release: true})
	return fyneapp.NewWithID(app.ID)
}

// UIOptions completes opts for the desktop: the tray only when the
// platform's tray can be reached (on Linux through the D-Bus session bus;
// without one, quitting would crash in the tray code), its tooltip, and
// the About section.
func UIOptions(a *app.App, opts ui.Options) ui.Options {
	if !trayReachable() {
		opts.NoTray = true
	}
	if !opts.NoTray {
		opts.TrayTooltip = systray.SetTooltip
	}
	opts.About = ui.About{Version: buildinfo.Get().String(), DataDir: a.Config().DataDir, License: "MIT"}
	return opts
}

// trayReachable says whether the platform's tray can be reached: on Linux
// through the D-Bus session bus.
func trayReachable() bool {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return true
	}
	_, err := dbus.SessionBus()
	return err == nil
}
