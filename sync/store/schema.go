package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the layout this code reads and writes.
//
// Version 0 is a database without a meta bucket: a file bbolt just created.
// Version 1 is the first layout (see the bucket constants in store.go).
// Version 2 keeps webhook events merged per object (events.go), without
// their bodies.
const schemaVersion = 2

// migration moves the database from version from to from+1.
type migration struct {
	from  uint64
	name  string
	apply func(tx *bolt.Tx) error
}

// migrations is the table of every step from version 0 to schemaVersion.
// A future layout change appends {from: 1, ...}, bumps schemaVersion, and adds
// a fixture test written with the previous version's layout.
func migrations() []migration {
	return []migration{
		{from: 0, name: "create buckets", apply: createBuckets},
		{from: 1, name: "webhook events merged per object", apply: migrateEventQueue},
	}
}

func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets() {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrate runs every migration from the stored version up to target in one
// write transaction: either the database ends at target or nothing changed.
func (s *Store) migrate(migs []migration, target uint64) error {
	// Read first: a file at the current version is not written to at all.
	var current uint64
	err := s.view("read schema version", func(tx *bolt.Tx) error {
		var err error
		current, err = storedVersion(tx)
		if err != nil || current != target {
			return err
		}
		if missing := missingBuckets(tx); len(missing) > 0 {
			return fmt.Errorf("bucket %s missing at schema version %d: %w", missing[0], current, ErrCorrupt)
		}
		return nil
	})
	if err != nil || current == target {
		return err
	}
	if current > 0 && current < target {
		dir := s.opts.BackupDir
		if dir == "" {
			dir = BackupDir(s.path)
		}
		p, err := s.BackupInto(dir, s.opts.Now())
		if err != nil {
			return fmt.Errorf("backup before migrating schema %d→%d: %w", current, target, err)
		}
		s.opts.Logger.Info("database backed up before migration", "backup", p)
	}
	return s.update(fmt.Sprintf("migrate database %s", s.path), func(tx *bolt.Tx) error {
		v, err := storedVersion(tx)
		if err != nil {
			return err
		}
		if v > target {
			return fmt.Errorf("schema version %d, this owtray supports up to %d; update owtray: %w", v, target, ErrSchemaTooNew)
		}
		start := v
		for v < target {
			m, ok := findMigration(migs, v)
			if !ok {
				return fmt.Errorf("no migration from schema version %d", v)
			}
			if err := m.apply(tx); err != nil {
				return fmt.Errorf("migration %d→%d (%s): %w", v, v+1, m.name, err)
			}
			v++
		}
		if missing := missingBuckets(tx); len(missing) > 0 {
			return fmt.Errorf("bucket %s missing at schema version %d: %w", missing[0], v, ErrCorrupt)
		}
		if v == start {
			return nil
		}
		if err := bucket(tx, bucketMeta).Put([]byte(keySchema), binary.BigEndian.AppendUint64(nil, v)); err != nil {
			return fmt.Errorf("store schema version: %w", err)
		}
		s.opts.Logger.Info("database migrated", "path", s.path, "from", start, "to", v)
		return nil
	})
}

func findMigration(migs []migration, from uint64) (migration, bool) {
	for _, m := range migs {
		if m.from == from {
			return m, true
		}
	}
	return migration{}, false
}

// storedVersion reads the schema version. A file without a meta bucket is
// version 0, but only when it holds no buckets at all: anything else is some
// other program's bbolt file and is left alone.
func storedVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket([]byte(bucketMeta))
	if meta == nil {
		var other []byte
		_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if other == nil {
				other = append([]byte(nil), name...)
			}
			return nil
		})
		if other != nil {
			return 0, fmt.Errorf("not an owtray database (bucket %q but no schema version)", other)
		}
		return 0, nil
	}
	v := meta.Get([]byte(keySchema))
	if v == nil {
		return 0, fmt.Errorf("meta bucket without schema version: %w", ErrCorrupt)
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version has %d bytes: %w", len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

// missingBuckets lists the buckets of allBuckets that tx does not have.
func missingBuckets(tx *bolt.Tx) []string {
	var missing []string
	for _, name := range allBuckets() {
		if tx.Bucket([]byte(name)) == nil {
			missing = append(missing, name)
		}
	}
	return missing
}
