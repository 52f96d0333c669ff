package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// SettingsFile holds the user's preferences (no secrets) in the data dir.
const SettingsFile = "settings.json"

// Units are the user's measurement system.
const (
	UnitsMetric   = "metric"
	UnitsImperial = "imperial"
)

// Settings are the preferences the window edits.
type Settings struct {
	Units         string        `json:"units"`
	PollInterval  time.Duration `json:"poll_interval"`
	LookBack      time.Duration `json:"look_back"`
	Notifications bool          `json:"notifications"`
	// KeepBackups is how many daily backups <data dir>/backups keeps.
	KeepBackups int `json:"keep_backups,omitempty"`
}

// ErrInvalidSettings is matched by errors.Is for a refused Settings value.
var ErrInvalidSettings = errors.New("invalid settings")

// Validate checks s.
func (s Settings) Validate() error {
	var errs []error
	if s.Units != UnitsMetric && s.Units != UnitsImperial {
		errs = append(errs, fmt.Errorf("units %q: want metric or imperial", s.Units))
	}
	if s.PollInterval < time.Minute || s.PollInterval > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("poll interval %s: want between 1 minute and 7 days", s.PollInterval))
	}
	if s.LookBack < 0 || s.LookBack > 365*24*time.Hour {
		errs = append(errs, fmt.Errorf("look-back window %s: want between 0 and 365 days", s.LookBack))
	}
	if s.KeepBackups < 0 || s.KeepBackups > 365 {
		errs = append(errs, fmt.Errorf("backups kept %d: want between 1 and 365 (0: the default, %d)", s.KeepBackups, DefaultKeepBackups))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidSettings, errors.Join(errs...))
	}
	return nil
}

func (a *App) defaultSettings() Settings {
	return Settings{Units: UnitsMetric, PollInterval: a.conf().PollInterval, LookBack: a.conf().LookBack, Notifications: true, KeepBackups: DefaultKeepBackups}
}

// LoadSettings reads the saved preferences; defaults come from the
// configuration. An unreadable file is an error, never silently replaced.
func (a *App) LoadSettings() (Settings, error) {
	s := a.defaultSettings()
	raw, err := os.ReadFile(filepath.Join(a.conf().DataDir, SettingsFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading settings: %w", err)
	}
	path := filepath.Join(a.conf().DataDir, SettingsFile)
	if err := json.Unmarshal(raw, &s); err != nil {
		return a.defaultSettings(), a.settingsDamaged(path, fmt.Sprintf("not valid JSON (%v)", jsonProblem(err)))
	}
	if err := s.Validate(); err != nil {
		return a.defaultSettings(), a.settingsDamaged(path, err.Error())
	}
	return s, nil
}

// SaveSettings validates s and writes it atomically (mode 0600).
func (a *App) SaveSettings(s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	err = WriteFileAtomic(filepath.Join(a.conf().DataDir, SettingsFile), func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	})
	if err != nil {
		return err
	}
	a.engine.SetLookBack(s.LookBack)
	a.events.publish(Event{Kind: EventStatus})
	return nil
}

// WriteFileAtomic writes through a temporary file in the same directory, a
// sync and a rename, so a crash or a failing write never leaves half a file;
// the result has mode 0600.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ErrSettingsDamaged matches a settings.json that could not be used.
var ErrSettingsDamaged = errors.New("settings file damaged")

// settingsDamaged keeps a damaged settings file aside as <file>.damaged (so
// that saving the defaults later never overwrites it silently) and says so.
func (a *App) settingsDamaged(path, why string) error {
	aside := path + ".damaged"
	if err := os.Rename(path, aside); err != nil {
		return fmt.Errorf("%w: %s is %s, and could not be kept aside (%v); using the defaults", ErrSettingsDamaged, path, why, err)
	}
	err := fmt.Errorf("%w: %s was %s; it is kept as %s and the defaults are used until you save the settings", ErrSettingsDamaged, path, why, aside)
	a.log.Warn(err.Error())
	return err
}

// jsonProblem describes a JSON error without quoting the file.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s has the wrong type", te.Field)
	default:
		return "unreadable"
	}
}
