package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: no activity, stream or pending event with that id.
	ErrNotFound = errors.New("not found")
	// ErrInUse: another process holds the database open.
	ErrInUse = errors.New("database in use by another process")
	// ErrSchemaTooNew: the file was written by a newer owtray.
	ErrSchemaTooNew = errors.New("database schema is newer than this owtray supports")
	// ErrCorrupt: a stored record cannot be decoded.
	ErrCorrupt = errors.New("corrupt record in database")
	// ErrOtherAthlete: the database holds another athlete's data.
	ErrOtherAthlete = errors.New("database belongs to another athlete")
	// ErrInvalid: an argument was rejected before anything was written.
	ErrInvalid = errors.New("invalid input")
)

// Bucket and meta key names. Constants (converted at use) so that there is no
// package-level mutable state.
const (
	bucketMeta     = "meta"           // schema version, athlete id, event stats
	bucketRows     = "activities"     // order key -> compact row (decoded fields)
	bucketDocs     = "activity_docs"  // id -> order key + Strava JSON
	bucketStreams  = "streams"        // id -> streams JSON
	bucketSync     = "sync"           // "state" -> SyncState JSON
	bucketEvents   = "events"         // object key -> pending webhook events JSON
	bucketEventDue = "event_due"      // due time + seq -> object key
	bucketDedupe   = "event_dedupe"   // event_time + hash -> 1
	keySchema      = "schema_version" // in meta
	keyAthlete     = "athlete_id"     // in meta
	keyEventStats  = "event_stats"    // in meta
	keyEventBudget = "event_budget"   // in meta
	keySyncState   = "state"          // in sync
	defaultTimeout = time.Second
)

// dataBuckets are the buckets Wipe empties; allBuckets must exist after
// migration.
func dataBuckets() []string {
	return []string{bucketRows, bucketDocs, bucketStreams, bucketSync, bucketEvents, bucketEventDue, bucketDedupe}
}

func allBuckets() []string { return append([]string{bucketMeta}, dataBuckets()...) }

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// process before failing with ErrInUse. Default 1 s.
	Timeout time.Duration
	// Logger receives the few informational messages (migrations, permission
	// fixes). Default slog.Default().
	Logger *slog.Logger
	// Now is the clock (DetailFetchedAt defaults, event times, dedupe
	// retention). Default time.Now.
	Now func() time.Time
	// EventDedupeRetention is how long (by event_time) a received webhook
	// event is remembered to drop redeliveries. Default 7 days.
	EventDedupeRetention time.Duration
	// MaxPendingEvents bounds the distinct objects (activities, athletes)
	// with webhook events pending; an event for one more is refused with
	// ErrQueueFull. Default DefaultMaxPendingEvents (10,000).
	MaxPendingEvents int
	// MaxDedupeKeys bounds the deliveries remembered for dedupe (the oldest
	// are forgotten first). Default DefaultMaxDedupeKeys (100,000).
	MaxDedupeKeys int
	// MaxBatchDelay bounds how long EnqueueEvent waits to share one commit
	// with concurrent enqueues. Default 2 ms.
	MaxBatchDelay time.Duration
	// Check runs the full consistency check (see Check) before opening,
	// as Open does by itself after an unclean shutdown.
	Check bool
	// fresh: a new file is wanted (repair), whatever HadData or backups say.
	fresh bool
	// HadData, when set, is asked before a missing or empty file is created
	// anew: a non-empty answer (such as "owtray is connected to Strava")
	// says the file held data, and Open fails with ErrMissing instead.
	HadData func() string
	// BackupDir receives the copy made before a schema migration; default
	// BackupDir(path).
	BackupDir string
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EventDedupeRetention <= 0 {
		o.EventDedupeRetention = 7 * 24 * time.Hour
	}
	if o.MaxPendingEvents <= 0 {
		o.MaxPendingEvents = DefaultMaxPendingEvents
	}
	if o.MaxDedupeKeys <= 0 {
		o.MaxDedupeKeys = DefaultMaxDedupeKeys
	}
	if o.MaxBatchDelay <= 0 {
		o.MaxBatchDelay = 2 * time.Millisecond
	}
	return o
}

// Store is the open database. It is safe for concurrent use; every method runs
// in its own bbolt transaction (many readers, one writer).
type Store struct {
	db   *bolt.DB
	path string
	opts Options
	// marker is the unclean-shutdown marker this Store created ("" for a
	// read-only one); damaged is set once bbolt panicked on the file, after
	// which nothing more is written to it.
	marker  string
	damaged atomic.Bool
	// damagedRows is DamagedRows' last count (status and the health report
	// ask for it on every call).
	damagedRows rowCount
}

// rowCount is a count over the activity index as of one committed write
// transaction: it can change only when a write commits (bbolt's read
// transactions carry the id of the last committed write).
type rowCount struct {
	mu    sync.Mutex
	known bool
	txID  int
	n     int
}

func (c *rowCount) get(txID int) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.known && c.txID == txID
}

func (c *rowCount) set(txID, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.known, c.txID, c.n = true, txID, n
}

// inUseError is returned when the file lock cannot be taken within the timeout.
type inUseError struct {
	path    string
	timeout time.Duration
}

func (e *inUseError) Error() string {
	return fmt.Sprintf("database %s is in use by another owtray process (lock not released within %s)", e.path, e.timeout)
}

func (e *inUseError) Is(target error) bool { return target == ErrInUse }

// Open opens (creating if needed) the database at path with mode 0600,
// migrates it to the current schema in one transaction and returns the Store.
// A database locked by another process fails after opts.Timeout with an error
// matching ErrInUse; one written by a newer owtray fails with ErrSchemaTooNew.
func Open(path string, opts Options) (*Store, error) {
	return openWith(path, opts, migrations(), schemaVersion)
}

// restrictPermissions makes an existing file that others can read private.
func (s *Store) restrictPermissions() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("stat database %s: %w", s.path, err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(s.path, 0o600); err != nil {
		return fmt.Errorf("restrict permissions of database %s: %w", s.path, err)
	}
	s.opts.Logger.Info("database permissions restricted", "path", s.path, "was", fi.Mode().Perm().String())
	return nil
}

// Close closes the database file and releases its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	if s.marker != "" && !s.damaged.Load() {
		if err := os.Remove(s.marker); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("close database %s: %w", s.path, err)
		}
	}
	return nil
}

// Path is the database file path.
func (s *Store) Path() string { return s.path }

// AthleteID is the Strava athlete whose data the database holds; 0 when none
// has been set (new database or after Wipe).
func (s *Store) AthleteID() (int64, error) {
	var id int64
	err := s.view("read athlete id", func(tx *bolt.Tx) error {
		var err error
		id, err = athleteID(tx)
		return err
	})
	return id, err
}

// SetAthleteID records whose data the database holds. Setting the id that is
// already stored is a no-op; a different id fails with ErrOtherAthlete (use
// ReplaceAthlete, which wipes the other athlete's data first).
func (s *Store) SetAthleteID(id int64) error {
	if id <= 0 {
		return fmt.Errorf("set athlete id %d: must be positive: %w", id, ErrInvalid)
	}
	return s.update("set athlete id", func(tx *bolt.Tx) error {
		cur, err := athleteID(tx)
		if err != nil {
			return err
		}
		switch cur {
		case id:
			return nil
		case 0:
			return putInt64(bucket(tx, bucketMeta), keyAthlete, id)
		default:
			return fmt.Errorf("database holds athlete %d, not %d: %w", cur, id, ErrOtherAthlete)
		}
	})
}

// ReplaceAthlete wipes everything (as Wipe) and records id as the athlete, in
// one transaction.
func (s *Store) ReplaceAthlete(id int64) error {
	if id <= 0 {
		return fmt.Errorf("replace athlete with %d: must be positive: %w", id, ErrInvalid)
	}
	return s.update("replace athlete", func(tx *bolt.Tx) error {
		if err := wipe(tx); err != nil {
			return err
		}
		return putInt64(bucket(tx, bucketMeta), keyAthlete, id)
	})
}

// Wipe removes all activities, streams, the sync state, the webhook event
// queue with its dedupe index and statistics, and the athlete id. The schema
// version stays. bbolt reuses the freed pages but does not overwrite them:
// to leave no trace on disk, close the store and delete the file instead.
func (s *Store) Wipe() error {
	return s.update("wipe", wipe)
}

func wipe(tx *bolt.Tx) error {
	for _, name := range dataBuckets() {
		if err := tx.DeleteBucket([]byte(name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
			return fmt.Errorf("delete bucket %s: %w", name, err)
		}
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := bucket(tx, bucketMeta)
	for _, k := range []string{keyAthlete, keyEventStats, keyEventBudget} {
		if err := meta.Delete([]byte(k)); err != nil {
			return fmt.Errorf("delete meta %s: %w", k, err)
		}
	}
	return nil
}

// update runs fn in a write transaction and prefixes its error with what.
func (s *Store) update(what string, fn func(tx *bolt.Tx) error) error {
	if s.damaged.Load() {
		return fmt.Errorf("%s: %w", what, &DamagedError{Path: s.path, Problems: []string{"an earlier read found damaged pages"}})
	}
	if err := s.guarded(what, func() error { return s.db.Update(fn) }); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// view runs fn in a read transaction and prefixes its error with what.
func (s *Store) view(what string, fn func(tx *bolt.Tx) error) error {
	if err := s.guarded(what, func() error { return s.db.View(fn) }); err != nil {
		return fmt.Errorf("%s: %w", what, hint(err))
	}
	return nil
}

// guarded runs fn under guard and remembers a panic: the file is damaged,
// and from then on this Store refuses to write to it.
func (s *Store) guarded(what string, fn func() error) error {
	err := guard(s.path, what, fn)
	var de *DamagedError
	if errors.As(err, &de) && !s.damaged.Swap(true) {
		s.opts.Logger.Error("database damaged; not writing to it any more", "path", s.path, "err", err)
	}
	return err
}

// bucket returns a bucket that migration guarantees to exist.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket { return tx.Bucket([]byte(name)) }

// getJSON decodes the JSON record at key of b (the zero T when there is
// none); what names the record in errors. A record that does not decode is
// ErrCorrupt.
func getJSON[T any](b *bolt.Bucket, key, what string) (T, error) {
	var v T
	raw := b.Get([]byte(key))
	if raw == nil {
		return v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w: %w", what, err, ErrCorrupt)
	}
	return v, nil
}

// putJSON stores v as JSON at key of b; what names the record in errors.
func putJSON(b *bolt.Bucket, key, what string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	if err := b.Put([]byte(key), raw); err != nil {
		return fmt.Errorf("store %s: %w", what, err)
	}
	return nil
}

func athleteID(tx *bolt.Tx) (int64, error) {
	v := bucket(tx, bucketMeta).Get([]byte(keyAthlete))
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("meta %s has %d bytes: %w", keyAthlete, len(v), ErrCorrupt)
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

func putInt64(b *bolt.Bucket, key string, v int64) error {
	if err := b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(v))); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}
