package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenTwiceIsInUse(t *testing.T) {
	s, path := openTemp(t, Options{})
	opts := quietOptions()
	opts.Timeout = 200 * time.Millisecond
	start := time.Now()
	s2, err := Open(path, opts)
	if err == nil {
		_ = s2.Close()
		t.Fatal("second Open succeeded")
	}
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("err = %v, want ErrInUse", err)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "in use by another owtray process") {
		t.Errorf("message %q lacks path or reason", msg)
	}
	if d := time.Since(start); d < opts.Timeout/2 || d > opts.Timeout+2*time.Second { // bbolt polls the lock every 50 ms
		t.Errorf("gave up after %s, timeout %s", d, opts.Timeout)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s3, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = s3.Close()
}

func TestOpenPermissions(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.db")
	s, err := Open(fresh, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	loose := filepath.Join(dir, "loose.db")
	s, err = Open(loose, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(loose, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	for _, p := range []string{fresh, loose} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), perm)
		}
	}
}

func TestOpenBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    string
	}{
		{"garbage bytes", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 10000)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not an owtray database or damaged"},
		{"tiny garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("{}"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "x.db"},
		{"foreign bbolt file", func(t *testing.T, path string) {
			withBolt(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("someone-else"))
				return err
			})
		}, "not an owtray database"},
		{"meta without version", func(t *testing.T, path string) {
			withBolt(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte(bucketMeta))
				return err
			})
		}, "without schema version"},
		{"missing bucket at current version", func(t *testing.T, path string) {
			withBolt(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte(bucketMeta))
				if err != nil {
					return err
				}
				return b.Put([]byte(keySchema), binary.BigEndian.AppendUint64(nil, schemaVersion))
			})
		}, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			tt.prepare(t, path)
			s, err := Open(path, quietOptions())
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// withBolt runs fn on the raw bbolt file, bypassing the store.
func withBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func schemaOf(t *testing.T, path string) uint64 {
	t.Helper()
	var v uint64
	withBolt(t, path, func(tx *bolt.Tx) error {
		var err error
		v, err = storedVersion(tx)
		return err
	})
	return v
}

func TestMigrateFromV0(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v0.db")
	withBolt(t, path, func(*bolt.Tx) error { return nil }) // an empty bbolt file: version 0
	s, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, act(t, 1, "2024-05-01T07:00:00Z", "Run", "Run"))
	_ = s.Close()
	if v := schemaOf(t, path); v != schemaVersion {
		t.Fatalf("schema version %d, want %d", v, schemaVersion)
	}
}

func TestMigrationPath(t *testing.T) {
	// A fixture at the current version (2) with data, then a made-up 2→3
	// migration that adds a bucket and a 3→4 one that checks it.
	path := filepath.Join(t.TempDir(), "v2.db")
	s, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, act(t, 1, "2024-05-01T07:00:00Z", "Run", "Run"), act(t, 2, "2024-05-02T07:00:00Z", "Ride", "Ride"))
	_ = s.Close()

	var ran []string
	v3 := migration{from: 2, name: "add bucket", apply: func(tx *bolt.Tx) error {
		ran = append(ran, "2→3")
		_, err := tx.CreateBucket([]byte("new_in_v3"))
		return err
	}}
	v4 := migration{from: 3, name: "rename runs", apply: func(tx *bolt.Tx) error {
		ran = append(ran, "3→4")
		if tx.Bucket([]byte("new_in_v3")) == nil {
			return errors.New("v3 bucket missing: migrations ran out of order")
		}
		return nil
	}}
	failing := migration{from: 3, name: "broken", apply: func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte(bucketRows)); err != nil {
			return err
		}
		return errors.New("disk on fire")
	}}

	tests := []struct {
		name    string
		migs    []migration
		target  uint64
		wantErr string
		wantVer uint64
		wantRan []string
	}{
		{"no migration to run", migrations(), 2, "", 2, nil},
		{"gap in the table", migrations(), 3, "no migration from schema version 2", 2, nil},
		{"failing step rolls back everything", append(migrations(), v3, failing), 4, "disk on fire", 2, []string{"2→3"}},
		{"2→3→4 in order", append(migrations(), v4, v3), 4, "", 4, []string{"2→3", "3→4"}},
		{"newer than supported", migrations(), 2, "schema version 4, this owtray supports up to 2", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran = nil
			s, err := openWith(path, quietOptions(), tt.migs, tt.target)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.target < tt.wantVer && !errors.Is(err, ErrSchemaTooNew) {
					t.Errorf("err = %v, want ErrSchemaTooNew", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				n, err := s.Count()
				if err != nil || n != 2 {
					t.Errorf("Count = %d, %v; want 2 activities kept", n, err)
				}
				_ = s.Close()
			}
			if v := schemaOf(t, path); v != tt.wantVer {
				t.Errorf("schema version %d, want %d", v, tt.wantVer)
			}
			if fmt.Sprint(ran) != fmt.Sprint(tt.wantRan) {
				t.Errorf("ran %v, want %v", ran, tt.wantRan)
			}
			if len(tt.wantRan) > 0 {
				// A copy of the file as it was came first.
				list, err := ListBackups(BackupDir(path))
				if err != nil || len(list) == 0 {
					t.Fatalf("no backup before the migration: %v", err)
				}
				if v := schemaOf(t, list[len(list)-1].Path); v != schemaVersion {
					t.Errorf("backup at schema version %d, want %d (the file as it was)", v, schemaVersion)
				}
			}
		})
	}
}

func TestAthleteID(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if id, err := s.AthleteID(); err != nil || id != 0 {
		t.Fatalf("AthleteID = %d, %v; want 0", id, err)
	}
	steps := []struct {
		name string
		do   func() error
		want error
		id   int64
	}{
		{"set", func() error { return s.SetAthleteID(testAthlete) }, nil, testAthlete},
		{"same again", func() error { return s.SetAthleteID(testAthlete) }, nil, testAthlete},
		{"other athlete", func() error { return s.SetAthleteID(99) }, ErrOtherAthlete, testAthlete},
		{"invalid", func() error { return s.SetAthleteID(0) }, ErrInvalid, testAthlete},
		{"other athlete's activity", func() error {
			a := act(t, 5, "2024-01-01T10:00:00Z", "x", "Run")
			a.AthleteID = 99
			_, err := s.UpsertPage([]Activity{a}, nil)
			return err
		}, ErrOtherAthlete, testAthlete},
		{"replace", func() error { return s.ReplaceAthlete(99) }, nil, 99},
	}
	for _, st := range steps {
		if err := st.do(); !errors.Is(err, st.want) {
			t.Errorf("%s: err = %v, want %v", st.name, err, st.want)
		}
		if id, err := s.AthleteID(); err != nil || id != st.id {
			t.Errorf("%s: AthleteID = %d, %v; want %d", st.name, id, err, st.id)
		}
	}
}

func TestWipe(t *testing.T) {
	s, path := openTemp(t, Options{})
	if err := s.SetAthleteID(testAthlete); err != nil {
		t.Fatal(err)
	}
	mustUpsert(t, s, act(t, 1, "2024-05-01T07:00:00Z", "Run", "Run"))
	if err := s.PutStreams(1, []byte(`{"time":[0,1]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateSyncState(func(st *SyncState) { st.LastFullSync = time.Now() }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnqueueEvent(QueuedEvent{ObjectType: "activity", AspectType: "create", ObjectID: 1, OwnerID: testAthlete, EventTime: time.Now().Unix()}); err != nil {
		t.Fatal(err)
	}
	if err := s.Wipe(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"count", func() (any, error) { return s.Count() }, 0},
		{"athlete", func() (any, error) { return s.AthleteID() }, int64(0)},
		{"streams", func() (any, error) { _, ok, err := s.Streams(1); return ok, err }, false},
		{"sync state", func() (any, error) { st, err := s.SyncState(); return st.LastFullSync.IsZero(), err }, true},
		{"queue", func() (any, error) { return s.QueueDepth() }, 0},
		{"queue stats", func() (any, error) { st, err := s.QueueStats(); return st.Received, err }, uint64(0)},
		{"schema kept", func() (any, error) {
			var v uint64
			err := s.db.View(func(tx *bolt.Tx) error { var err error; v, err = storedVersion(tx); return err })
			return v, err
		}, uint64(schemaVersion)},
	}
	for _, c := range checks {
		got, err := c.got()
		if err != nil || got != c.want {
			t.Errorf("%s after wipe = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	// Still usable, and still fine after a reopen.
	mustUpsert(t, s, act(t, 2, "2024-05-02T07:00:00Z", "Ride", "Ride"))
	_ = s.Close()
	s2, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if all, err := s2.AllIDs(); err != nil || fmt.Sprint(all) != "[2]" {
		t.Errorf("AllIDs after wipe+reopen = %v, %v", all, err)
	}
}
