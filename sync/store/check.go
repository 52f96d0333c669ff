package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrDamaged matches a database file that failed its consistency check or
// made bbolt panic; nothing was written to it. `owtray repair` copies what is
// readable into a new file.
var ErrDamaged = errors.New("database file is damaged")

// ErrMissing matches a database that is missing or empty although backups
// or an earlier open (the unclean-shutdown marker) say it held data.
var ErrMissing = errors.New("database file is missing")

// DamagedError says what is wrong with a database file. Its message says that
// nothing was changed and which command repairs it.
type DamagedError struct {
	Path     string
	Problems []string
}

func (e *DamagedError) Error() string {
	what := "is damaged"
	if len(e.Problems) > 0 {
		what += ": " + e.Problems[0]
		if n := len(e.Problems) - 1; n > 0 {
			what += fmt.Sprintf(" (and %d more problem%s)", n, plural(n))
		}
	}
	return fmt.Sprintf("database %s %s. Nothing was changed. Run `owtray repair` to copy everything readable into a new file (the damaged file is kept)", e.Path, what)
}

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// guard runs fn, turning a panic (bbolt's assertions on damaged pages) and a
// memory fault (a page past the end of a truncated, memory-mapped file) into
// a DamagedError. bbolt's View and Update roll their transaction back while
// the panic unwinds, so its locks are released.
func guard(path, what string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = &DamagedError{Path: path, Problems: []string{fmt.Sprintf("%s failed: %v", what, r)}}
		}
	}()
	return fn()
}

// CheckReport is the outcome of a consistency check.
type CheckReport struct {
	Path       string
	Activities int // activity records that decode
	BadRecords int // records (activities, streams, events, sync state) that do not
	Pages      int // pages in the file
	Duration   time.Duration
}

// Check runs the full consistency check on the closed database file at path
// without writing to it: bbolt's format read page by page with bounds
// checks, then bbolt's own Tx.Check, then every record decoded. A damaged
// file fails with a *DamagedError (ErrDamaged); one held by a running owtray
// with ErrInUse (check it through that process: (*Store).Verify).
func Check(path string, opts Options) (CheckReport, error) {
	return checkFile(path, opts, true)
}

// checkFile is Check; records false leaves out the decoding of every record
// (Open after an unclean shutdown: a record that does not decode is skipped
// and counted by the reads, and is no reason to refuse the whole file).
func checkFile(path string, opts Options, records bool) (CheckReport, error) {
	opts = opts.withDefaults()
	started := time.Now()
	rep := CheckReport{Path: path}
	fi, err := os.Stat(path)
	if err != nil {
		return rep, fmt.Errorf("check database: %w", err)
	}
	if fi.Size() == 0 {
		return rep, &DamagedError{Path: path, Problems: []string{"the file is empty (0 bytes)"}}
	}
	// A file another process holds is being written: its pages are not for
	// reading raw (and it is that process's to check).
	if err := ensureNotInUse(path, opts); err != nil {
		return rep, err
	}
	if err := rawCheck(path); err != nil {
		return rep, err
	}
	err = guard(path, "opening", func() error {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: opts.Timeout})
		if errors.Is(err, bolterrors.ErrTimeout) {
			return &inUseError{path: path, timeout: opts.Timeout}
		}
		if err != nil {
			return &DamagedError{Path: path, Problems: []string{err.Error()}}
		}
		defer db.Close()
		s := &Store{db: db, path: path, opts: opts}
		rep, err = s.verify(records)
		return err
	})
	rep.Path, rep.Duration = path, time.Since(started)
	return rep, err
}

// openRawOrDamaged is openRaw whose "not a bbolt file" is a DamagedError.
func openRawOrDamaged(path string) (*rawFile, func() error, error) {
	f, closeFn, err := openRaw(path)
	if errors.Is(err, errNotBolt) {
		return nil, nil, &DamagedError{Path: path, Problems: []string{"not an owtray database or damaged (no valid bbolt meta page)"}}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read database %s: %w", path, err)
	}
	return f, closeFn, nil
}

// rawCheck reads the file's structure without bbolt (see pages.go).
func rawCheck(path string) error {
	f, closeFn, err := openRawOrDamaged(path)
	if err != nil {
		return err
	}
	defer closeFn()
	f.checkFreelist()
	for _, b := range f.buckets() {
		f.walk("bucket", b, func(kv) {})
	}
	if len(f.problems) > 0 {
		return &DamagedError{Path: path, Problems: f.problems}
	}
	return nil
}

// Verify checks the open database online, in one read transaction: bbolt's
// Tx.Check (every page reachable or free, none twice) and every record
// decoded. Use it on a store that is in use; Check on a closed file.
func (s *Store) Verify() (CheckReport, error) { return s.verify(true) }

func (s *Store) verify(records bool) (CheckReport, error) {
	started := time.Now()
	rep := CheckReport{Path: s.path}
	var problems []string
	err := s.checkTx(func(tx *bolt.Tx) error {
		rep.Pages = int(tx.Size() / int64(s.db.Info().PageSize))
		for err := range tx.Check() {
			if len(problems) < maxProblems {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			return nil
		}
		if _, err := storedVersion(tx); err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		for _, name := range missingBuckets(tx) {
			problems = append(problems, fmt.Sprintf("bucket %s is missing", name))
		}
		if len(problems) > 0 {
			return nil
		}
		if records {
			rep.Activities, rep.BadRecords = countRecords(tx)
		} else {
			rep.Activities = bucket(tx, bucketRows).Stats().KeyN
		}
		return nil
	})
	rep.Duration = time.Since(started)
	if err != nil {
		return rep, err
	}
	if rep.BadRecords > 0 {
		problems = append(problems, fmt.Sprintf("%d record%s cannot be decoded", rep.BadRecords, plural(rep.BadRecords)))
	}
	if len(problems) > 0 {
		return rep, &DamagedError{Path: s.path, Problems: problems}
	}
	return rep, nil
}

// errRollback ends the write transaction that checkTx uses, unwritten.
var errRollback = errors.New("check done")

// checkTx runs fn in a transaction that no writer changes meanwhile: bbolt's
// Tx.Check in a read transaction reports pages that a concurrent writer
// freed as damage. On a writable database that is a write transaction that
// is rolled back (nothing is written); writers wait for the check.
func (s *Store) checkTx(fn func(tx *bolt.Tx) error) error {
	if s.db.IsReadOnly() {
		return s.view("check database", fn)
	}
	err := s.guarded("check database", func() error {
		return s.db.Update(func(tx *bolt.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errRollback
		})
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check database: %w", err)
	}
	return nil
}

// countRecords decodes every activity, stream, event and the sync state.
func countRecords(tx *bolt.Tx) (good, bad int) {
	docs := bucket(tx, bucketDocs)
	_ = scanRows(tx, nil, &bad, func(k []byte, rv *rowView) (bool, error) {
		if _, err := assemble(docs, k, rv); err != nil {
			bad++
		} else {
			good++
		}
		return true, nil
	})
	if n := docs.Stats().KeyN; n != good+bad {
		bad += max(0, n-good-bad)
	}
	_ = bucket(tx, bucketStreams).ForEach(func(_, v []byte) error {
		if !json.Valid(v) {
			bad++
		}
		return nil
	})
	_ = bucket(tx, bucketEvents).ForEach(func(k, v []byte) error {
		if _, err := decodePending(k, v); err != nil {
			bad++
		}
		return nil
	})
	if _, err := readSyncState(tx); err != nil {
		bad++
	}
	return good, bad
}

// corruptHint is appended to row-level errors: what to run.
const corruptHint = "run `owtray repair`"

// hint adds the repair command to an ErrCorrupt error once.
func hint(err error) error {
	if err == nil || !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), corruptHint) {
		return err
	}
	return fmt.Errorf("%w (%s)", err, corruptHint)
}
