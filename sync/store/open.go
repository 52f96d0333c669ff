package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// OpenMarkerSuffix names the unclean-shutdown marker next to the database
// (owtray.db.open): created when a Store opens the file for writing, removed
// by Close. Found at Open, it says the last process did not close the file
// (a crash, kill -9, power loss), and Open runs the full Check first.
const OpenMarkerSuffix = ".open"

func openWith(path string, opts Options, migs []migration, target uint64) (*Store, error) {
	opts = opts.withDefaults()
	marker := path + OpenMarkerSuffix
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() > 0:
		// The cheap part of the check always (meta pages, truncation), so
		// that bbolt never maps pages the file does not have.
		if err := precheck(path); err != nil {
			return nil, err
		}
		if _, merr := os.Stat(marker); opts.Check || merr == nil {
			if merr == nil {
				opts.Logger.Info("database was not closed cleanly; checking it", "path", path)
			}
			if _, err := checkFile(path, opts, opts.Check); err != nil {
				return nil, err
			}
		}
	case opts.fresh:
	case err == nil || errors.Is(err, os.ErrNotExist):
		if err := expectNoData(path, err == nil, opts.HadData); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}

	var db *bolt.DB
	err = guard(path, "opening", func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, FreelistType: bolt.FreelistMapType, PageSize: 16 << 10})
		return err
	})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, &inUseError{path: path, timeout: opts.Timeout}
		}
		if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrVersionMismatch) || errors.Is(err, bolterrors.ErrChecksum) {
			return nil, &DamagedError{Path: path, Problems: []string{"not an owtray database, or its meta pages are damaged (" + err.Error() + ")"}}
		}
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.MaxBatchDelay = opts.MaxBatchDelay
	s := &Store{db: db, path: path, opts: opts}
	if err := os.WriteFile(marker, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.marker = marker
	if err := s.restrictPermissions(); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.migrate(migs, target); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// precheck reads the meta pages and the file size without bbolt.
func precheck(path string) error {
	f, closeFn, err := openRawOrDamaged(path)
	if err != nil {
		return err
	}
	defer closeFn()
	if f.fatal != "" {
		return &DamagedError{Path: path, Problems: []string{f.fatal}}
	}
	return nil
}

// expectNoData refuses to start a new, empty database where one held data:
// when backups exist, or the unclean-shutdown marker says a Store had the
// file open. Re-importing silently would hide the loss.
func expectNoData(path string, empty bool, hadData func() string) error {
	state := "is missing"
	if empty {
		state = "is empty (0 bytes)"
	}
	backups, _ := ListBackups(BackupDir(path))
	if len(backups) > 0 {
		newest := backups[len(backups)-1]
		return fmt.Errorf("database %s %s, but there are backups (the newest from %s). Nothing was changed. Run `owtray restore %s` to bring it back, or `owtray repair` to start a new database that the next sync fills from Strava: %w",
			path, state, newest.Time.Local().Format("2006-01-02 15:04"), newest.Path, ErrMissing)
	}
	if hadData != nil {
		if why := hadData(); why != "" {
			return fmt.Errorf("database %s %s, although %s. Nothing was changed. Run `owtray restore FILE` to bring back a copy, or `owtray repair` to start a new database that the next sync fills from Strava: %w",
				path, state, why, ErrMissing)
		}
	}
	if _, err := os.Stat(path + OpenMarkerSuffix); err == nil {
		return fmt.Errorf("database %s %s, although it was open when owtray last stopped (%s exists). Nothing was changed. Run `owtray restore FILE` to bring back a copy, or `owtray repair` to start a new database that the next sync fills from Strava: %w",
			path, state, path+OpenMarkerSuffix, ErrMissing)
	}
	return nil
}
