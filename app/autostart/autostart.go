// Package autostart starts owtray at login, in the tray (`owtray --hidden`):
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/owtray.desktop (~/.config/autostart), as the
//     freedesktop Desktop Application Autostart Specification describes;
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/io.github.owtray.owtray.plist
//     (launchd reads it at the next login: RunAtLoad);
//   - Windows: the value "owtray" under the current user's Run key,
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// These are small files written here rather than a library: the common
// one, github.com/emersion/go-autostart, needs cgo on Windows (it writes a
// Startup-folder shortcut through COM), which would break the cgo-free
// headless build, and it cannot say which program an existing entry starts.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// HiddenFlag is the argument the entry passes: start with the tray only.
const HiddenFlag = "--hidden"

// Status says whether owtray starts at login.
type Status struct {
	Enabled bool
	// Location is the file or registry value that holds the entry.
	Location string
	// Command is the command line the entry runs (empty when disabled).
	Command string
}

// Options locate the entry; the zero value is the current user's.
type Options struct {
	// Executable is the program to start; empty: this process's own.
	Executable string
	// LookupEnv reads XDG_CONFIG_HOME and HOME; nil: os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// GOOS picks the kind of entry; empty: the running system. Tests set
	// it to check the macOS and Linux files anywhere.
	GOOS string
}

// Autostart manages the login entry of one executable.
type Autostart struct {
	exe     string
	backend backend
}

type backend interface {
	enable(exe string) error
	disable() error
	status() (Status, error)
}

// New returns the login entry for opts. It fails when the executable or
// the user's home directory cannot be found.
func New(opts Options) (*Autostart, error) {
	exe := opts.Executable
	if exe == "" {
		p, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("finding owtray's executable: %w", err)
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		exe = p
	}
	if !filepath.IsAbs(exe) {
		return nil, fmt.Errorf("autostart needs an absolute path to owtray, not %q", exe)
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	b, err := platform(opts.GOOS, lookup)
	if err != nil {
		return nil, err
	}
	return &Autostart{exe: exe, backend: b}, nil
}

// Enable makes owtray start at login in the tray; an existing entry is
// replaced (so it starts this executable).
func (a *Autostart) Enable() error {
	if err := a.backend.enable(a.exe); err != nil {
		return fmt.Errorf("enabling start at login: %w", err)
	}
	return nil
}

// Disable removes the entry; without one it does nothing.
func (a *Autostart) Disable() error {
	if err := a.backend.disable(); err != nil {
		return fmt.Errorf("disabling start at login: %w", err)
	}
	return nil
}

// Status reports the entry.
func (a *Autostart) Status() (Status, error) {
	st, err := a.backend.status()
	if err != nil {
		return st, fmt.Errorf("reading the start-at-login entry: %w", err)
	}
	return st, nil
}

// Executable is the program the entry starts.
func (a *Autostart) Executable() string { return a.exe }

// fileBackend is an entry that is one file: the XDG .desktop file or the
// LaunchAgent plist.
type fileBackend struct {
	path    string
	content func(exe string) []byte
	command func(content []byte) (cmd string, enabled bool)
}

// fileFor builds the file entry of goos ("darwin", else XDG).
func fileFor(goos string, lookup func(string) (string, bool)) (*fileBackend, error) {
	home, _ := lookup("HOME")
	if goos == "darwin" {
		if home == "" {
			return nil, errors.New("HOME is not set: cannot find ~/Library/LaunchAgents")
		}
		return &fileBackend{path: filepath.Join(home, "Library", "LaunchAgents", launchAgentLabel+".plist"),
			content: launchAgent, command: launchAgentCommand}, nil
	}
	dir, _ := lookup("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the spec ignores a relative XDG_CONFIG_HOME
		if home == "" {
			return nil, errors.New("neither XDG_CONFIG_HOME nor HOME is set: cannot find the autostart directory")
		}
		dir = filepath.Join(home, ".config")
	}
	return &fileBackend{path: filepath.Join(dir, "autostart", desktopFileName),
		content: desktopEntry, command: desktopEntryCommand}, nil
}

func (f *fileBackend) enable(exe string) error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return err
	}
	// Write a temporary file and rename it: a crash leaves the old entry
	// or the new one, never half of one.
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".owtray-autostart-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(f.content(exe)); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path)
}

func (f *fileBackend) disable() error {
	if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (f *fileBackend) status() (Status, error) {
	st := Status{Location: f.path}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	cmd, enabled := f.command(b)
	if enabled {
		st.Enabled, st.Command = true, cmd
	}
	return st, nil
}

// commandLine joins exe and the hidden flag for people (status output).
func commandLine(exe string) string {
	if strings.ContainsAny(exe, " \t\"") {
		return `"` + exe + `" ` + HiddenFlag
	}
	return exe + " " + HiddenFlag
}
