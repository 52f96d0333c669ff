package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BackupDirName is the folder next to the database that holds backups.
const BackupDirName = "backups"

// backupPrefix and backupStamp name backup files: owtray-20240531T120000Z.db.
const (
	backupPrefix = "owtray-"
	backupSuffix = ".db"
	backupStamp  = "20060102T150405Z"
)

// BackupDir is the backup folder of the database at path.
func BackupDir(path string) string { return filepath.Join(filepath.Dir(path), BackupDirName) }

// BackupInfo is one backup file.
type BackupInfo struct {
	Path string
	Time time.Time // when it was taken (from its name)
	Size int64
}

// ListBackups lists the backups in dir, oldest first; none when dir does not
// exist.
func ListBackups(dir string) ([]BackupInfo, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []BackupInfo
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
			continue
		}
		t, err := time.Parse(backupStamp, strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix))
		if err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		out = append(out, BackupInfo{Path: filepath.Join(dir, name), Time: t, Size: info.Size()})
	}
	slices.SortFunc(out, func(a, b BackupInfo) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// WriteBackup writes a consistent copy of the database to w (bbolt's
// Tx.WriteTo in a read transaction: writers carry on meanwhile).
func (s *Store) WriteBackup(w io.Writer) (int64, error) {
	var n int64
	err := s.view("backup", func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy of the database to path, through a
// temporary file and a rename (mode 0600), so path is never half a copy.
func (s *Store) BackupFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := s.WriteBackup(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// BackupInto writes a backup named after now into dir and returns its path.
func (s *Store) BackupInto(dir string, now time.Time) (string, error) {
	p := filepath.Join(dir, backupPrefix+now.UTC().Format(backupStamp)+backupSuffix)
	return p, s.BackupFile(p)
}

// BackupIfDue writes a backup into dir when the newest there is older than
// every (or there is none), then keeps only the newest keep backups. It
// returns the new backup's path, "" when none was due.
func (s *Store) BackupIfDue(dir string, now time.Time, every time.Duration, keep int) (string, error) {
	list, err := ListBackups(dir)
	if err != nil {
		return "", err
	}
	if n := len(list); n > 0 && now.Sub(list[n-1].Time) < every && !list[n-1].Time.After(now) {
		return "", nil
	}
	p, err := s.BackupInto(dir, now)
	if err != nil {
		return "", err
	}
	return p, PruneBackups(dir, keep)
}

// PruneBackups removes all but the newest keep backups in dir (keep < 1
// keeps one).
func PruneBackups(dir string, keep int) error {
	list, err := ListBackups(dir)
	if err != nil {
		return err
	}
	keep = max(keep, 1)
	for len(list) > keep {
		if err := os.Remove(list[0].Path); err != nil {
			return fmt.Errorf("remove old backup: %w", err)
		}
		list = list[1:]
	}
	return nil
}

// RestoreReport says what Restore did.
type RestoreReport struct {
	Activities int
	// Previous is where the database that was replaced now lives ("" when
	// there was none).
	Previous string
}

// Restore replaces the closed database at path with a copy of the backup
// src. src must pass the full Check; a file that fails it is refused and
// nothing changes. The current database is kept aside as
// <path>.before-restore-<time>. The database must not be open (ErrInUse).
func Restore(path, src string, now time.Time, opts Options) (RestoreReport, error) {
	var rep RestoreReport
	if abs, _ := filepath.Abs(src); abs == mustAbs(path) {
		return rep, fmt.Errorf("restore %s: that is the database itself: %w", src, ErrInvalid)
	}
	chk, err := Check(src, opts)
	if err != nil {
		return rep, fmt.Errorf("restore refused, %s failed its check (nothing was changed): %w", src, err)
	}
	rep.Activities = chk.Activities
	if err := ensureNotInUse(path, opts); err != nil {
		return rep, err
	}
	in, err := os.Open(src)
	if err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".restore-*")
	if err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return rep, fmt.Errorf("restore: copying %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return rep, fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.Size() > 0 {
			rep.Previous = setAside(path, "before-restore", now)
			if err := os.Rename(path, rep.Previous); err != nil {
				return rep, fmt.Errorf("restore: keeping the current database aside: %w", err)
			}
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return rep, fmt.Errorf("restore: %w", err)
	}
	_ = os.Remove(path + OpenMarkerSuffix)
	return rep, nil
}

// setAside is a free name <path>.<what>-<date>[-N] for a file kept aside.
func setAside(path, what string, now time.Time) string {
	base := fmt.Sprintf("%s.%s-%s", path, what, now.Format("2006-01-02"))
	p := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = fmt.Sprintf("%s-%d", base, i)
	}
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return abs
}

// ensureNotInUse fails with ErrInUse when another Store holds the file:
// restore and repair replace the file and must not pull it from under a
// running owtray.
func ensureNotInUse(path string, opts Options) error {
	opts = opts.withDefaults()
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := guard(path, "opening", func() error {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.Timeout})
		if err != nil {
			if errors.Is(err, bolterrors.ErrTimeout) {
				return &inUseError{path: path, timeout: opts.Timeout}
			}
			return nil // damaged: not in use either
		}
		return db.Close()
	})
	if errors.Is(err, ErrDamaged) {
		return nil
	}
	return err
}
