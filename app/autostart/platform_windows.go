//go:build windows

package autostart

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// runKey is the current user's Run key; runValue the value owtray owns.
const (
	runKey   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "owtray"
)

func platform(goos string, lookup func(string) (string, bool)) (backend, error) {
	if goos != "" && goos != "windows" {
		return fileFor(goos, lookup)
	}
	return runKeyBackend{}, nil
}

// runKeyBackend is the value "owtray" under HKCU\…\Run.
type runKeyBackend struct{}

func (runKeyBackend) enable(exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	// Windows splits the command line itself: the path is always quoted.
	return k.SetStringValue(runValue, `"`+exe+`" `+HiddenFlag)
}

func (runKeyBackend) disable() error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func (runKeyBackend) status() (Status, error) {
	st := Status{Location: fmt.Sprintf(`HKEY_CURRENT_USER\%s\%s`, runKey, runValue)}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKey, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(runValue)
	if errors.Is(err, registry.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Enabled, st.Command = true, v
	return st, nil
}
