package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// damagedFixture writes a closed database with n activities (streams for
// every tenth, three queued events, a sync checkpoint) and returns its path
// and the activities by id.
func damagedFixture(t *testing.T, n int) (string, map[int64]Activity) {
	t.Helper()
	s, path := openTemp(t, Options{})
	if err := s.SetAthleteID(testAthlete); err != nil {
		t.Fatal(err)
	}
	want := map[int64]Activity{}
	base := mustTime(t, "2020-01-01T08:00:00Z")
	var page []Activity
	for i := range n {
		id := int64(1000 + i)
		a := act(t, id, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), fmt.Sprintf("Morning run %d %s", i, strings.Repeat("x", 600)), "Run")
		page = append(page, a)
		want[id] = a
		if len(page) == 200 || i == n-1 {
			if _, err := s.UpsertPage(page, func(st *SyncState) { st.FullImport.Pages++ }); err != nil {
				t.Fatal(err)
			}
			page = nil
		}
	}
	for id := int64(1000); id < int64(1000+n); id += 10 {
		if err := s.PutStreams(id, json.RawMessage(`[{"type":"time","data":[0,1,2]}]`)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if _, _, err := s.EnqueueEvent(QueuedEvent{ObjectType: "activity", AspectType: "create", ObjectID: int64(5000 + i), OwnerID: testAthlete, EventTime: base.Unix() + int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// reachableLeaves lists the leaf pages of a bucket, as bbolt reaches them.
func reachableLeaves(t *testing.T, path, name string) []uint64 {
	t.Helper()
	f, closeFn, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	b := f.buckets()[name]
	var out []uint64
	var visit func(id uint64)
	visit = func(id uint64) {
		p, err := f.page(id)
		if err != nil {
			t.Fatal(err)
		}
		if binary.LittleEndian.Uint16(p[8:]) == pageLeaf {
			out = append(out, id)
			return
		}
		for i := range int(binary.LittleEndian.Uint16(p[10:])) {
			visit(binary.LittleEndian.Uint64(p[pageHeaderSize+i*pageElementSize+8:]))
		}
	}
	if b.root == 0 {
		t.Fatalf("bucket %s is inline", name)
	}
	visit(b.root)
	return out
}

func pageSizeOf(t *testing.T, path string) int64 {
	f, closeFn, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	return int64(f.meta.pageSize)
}

func patchFile(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// damages are produced for real on the file, as disks and crashes do.
func damages() []struct {
	name   string
	damage func(t *testing.T, path string)
} {
	return []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"truncated to half", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"scrambled page headers", func(t *testing.T, path string) {
			ps := pageSizeOf(t, path)
			rows, docs := reachableLeaves(t, path, bucketRows), reachableLeaves(t, path, bucketDocs)
			for _, id := range []uint64{rows[0], docs[1], docs[len(docs)/2]} {
				patchFile(t, path, int64(id)*ps, []byte("scrambled header"))
			}
		}},
		{"flipped bytes in data pages", func(t *testing.T, path string) {
			ps := pageSizeOf(t, path)
			docs := reachableLeaves(t, path, bucketDocs)
			for _, id := range []uint64{docs[2], docs[len(docs)-2]} {
				off := int64(id)*ps + ps/2
				b := make([]byte, 8)
				fh, _ := os.Open(path)
				_, _ = fh.ReadAt(b, off)
				fh.Close()
				for i := range b {
					b[i] ^= 0x5a
				}
				patchFile(t, path, off, b)
			}
		}},
	}
}

func TestDamagedFiles(t *testing.T) {
	const n = 600
	for _, d := range damages() {
		t.Run(d.name, func(t *testing.T) {
			path, want := damagedFixture(t, n)
			d.damage(t, path)
			before := fileHash(t, path)

			// The full check names the damage, says nothing changed and
			// what to run.
			_, err := Check(path, quietOptions())
			var de *DamagedError
			if !errors.As(err, &de) || !errors.Is(err, ErrDamaged) {
				t.Fatalf("Check = %v, want a DamagedError", err)
			}
			for _, s := range []string{"Nothing was changed", "owtray repair"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
			// Open (with or without the check) and every read: no panic,
			// and nothing written to the damaged file.
			opts := quietOptions()
			opts.Check = true
			if s, err := Open(path, opts); err == nil {
				s.Close()
				t.Fatal("Open with Check succeeded on a damaged file")
			}
			if s, err := Open(path, quietOptions()); err == nil {
				_, _, _ = s.ListCounted(Query{})
				_, _ = s.Get(1000)
				_, _ = s.Sports()
				_, _ = s.SyncState()
				_, _ = s.PendingEvents(0)
				_, _ = s.Newest()
				_, _ = s.Count()
				if _, err := s.Verify(); err == nil {
					t.Error("Verify found nothing")
				}
				s.Close()
			}
			if fileHash(t, path) != before {
				t.Fatal("the damaged file was written to")
			}

			rep, err := Repair(path, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), quietOptions())
			if err != nil {
				t.Fatalf("Repair: %v", err)
			}
			t.Logf("%s: kept %d (orphaned %d), lost %d, rebuilt %d, streams %d/%d, events %d, unreadable pages %d, %s",
				d.name, rep.Kept, rep.Orphaned, rep.Lost, rep.Rebuilt, rep.StreamsKept, rep.StreamsLost, rep.EventsKept, rep.UnreadablePages, rep.Duration)
			if rep.Kept == 0 || rep.Kept+rep.Lost > n || !rep.Resync() {
				t.Errorf("report %+v, want some kept, kept+lost ≤ %d, a resync", rep, n)
			}
			if rep.Damaged != path+".damaged-2026-12-01" {
				t.Errorf("damaged file kept as %q", rep.Damaged)
			}
			if fileHash(t, rep.Damaged) != before {
				t.Error("the damaged file was changed")
			}
			if _, err := Check(path, quietOptions()); err != nil {
				t.Fatalf("the repaired file fails its check: %v", err)
			}
			s, err := Open(path, quietOptions())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, skipped, err := s.ListCounted(Query{})
			if err != nil || skipped != 0 || len(got) != rep.Kept {
				t.Fatalf("repaired: %d activities, %d skipped, %v; want %d", len(got), skipped, err, rep.Kept)
			}
			for _, a := range got {
				w, ok := want[a.ID]
				if !ok || a.Name != w.Name || !bytes.Equal(a.Summary, w.Summary) || !a.StartDate.Equal(w.StartDate) {
					t.Fatalf("activity %d differs from the original", a.ID)
				}
			}
			st, err := s.SyncState()
			if err != nil || !st.FullImport.InProgress || st.FullImport.Reconcile != (rep.Orphaned > 0) {
				t.Errorf("sync state %+v, %v: want a full import (reconciling only after orphaned pages) so the next sync fetches the lost ones", st.FullImport, err)
			}
			if id, err := s.AthleteID(); err != nil || (id != testAthlete && id != 0) {
				t.Errorf("athlete %d, %v", id, err)
			}
		})
	}
}

func TestEmptyOrMissingDatabaseNextToBackups(t *testing.T) {
	for _, empty := range []bool{true, false} {
		t.Run(fmt.Sprintf("empty=%v", empty), func(t *testing.T) {
			s, path := openTemp(t, Options{})
			mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"))
			if _, err := s.BackupInto(BackupDir(path), time.Now()); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if empty {
				if err := os.WriteFile(path, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Open(path, quietOptions())
			if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "owtray restore") {
				t.Fatalf("Open = %v, want ErrMissing naming owtray restore", err)
			}
			if _, serr := os.Stat(path); empty == errors.Is(serr, os.ErrNotExist) {
				t.Error("Open changed the file")
			}
			if _, err := Check(path, quietOptions()); empty && !errors.Is(err, ErrDamaged) {
				t.Errorf("Check of a 0-byte file = %v", err)
			}
		})
	}
	// Without backups or marker a new file is simply created.
	path := filepath.Join(t.TempDir(), "owtray.db")
	s, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// After a crash (the marker left behind) Open checks the file first.
func TestUncleanShutdownRunsCheck(t *testing.T) {
	path, _ := damagedFixture(t, 300)
	ps := pageSizeOf(t, path)
	docs := reachableLeaves(t, path, bucketDocs)
	patchFile(t, path, int64(docs[1])*ps, []byte("scrambled header"))
	s, err := Open(path, quietOptions()) // no marker: opens, reads skip the damage
	if err != nil {
		t.Fatalf("Open without marker: %v", err)
	}
	s.Close()
	if err := os.WriteFile(path+OpenMarkerSuffix, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, quietOptions()); !errors.Is(err, ErrDamaged) {
		t.Fatalf("Open after an unclean shutdown = %v, want ErrDamaged", err)
	}
}

func TestDailyBackupsPrunedAndRestoreRefusesDamage(t *testing.T) {
	s, path := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"))
	dir := BackupDir(path)
	day := mustTime(t, "2026-01-01T12:00:00Z")
	for i := range 10 {
		now := day.Add(time.Duration(i) * 24 * time.Hour)
		p, err := s.BackupIfDue(dir, now, 24*time.Hour, 7)
		if err != nil || p == "" {
			t.Fatalf("day %d: %q %v", i, p, err)
		}
		if p, err := s.BackupIfDue(dir, now.Add(time.Hour), 24*time.Hour, 7); err != nil || p != "" {
			t.Fatalf("second backup on day %d: %q %v", i, p, err)
		}
	}
	list, err := ListBackups(dir)
	if err != nil || len(list) != 7 || !list[0].Time.Equal(day.Add(3*24*time.Hour)) {
		t.Fatalf("%d backups (%v), want the newest 7", len(list), err)
	}
	if fi, err := os.Stat(list[0].Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v %v", fi.Mode(), err)
	}
	s.Close()

	// A damaged backup is refused and nothing changes.
	bad := filepath.Join(t.TempDir(), "bad.db")
	raw, _ := os.ReadFile(list[6].Path)
	if err := os.WriteFile(bad, raw[:len(raw)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, path)
	if _, err := Restore(path, bad, time.Now(), quietOptions()); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("Restore of a damaged file = %v", err)
	}
	if fileHash(t, path) != before {
		t.Fatal("a refused restore changed the database")
	}
	rep, err := Restore(path, list[6].Path, time.Now(), quietOptions())
	if err != nil || rep.Activities != 1 || rep.Previous == "" {
		t.Fatalf("Restore = %+v, %v", rep, err)
	}
}

// Repair next to backups, and of an empty file: a new database that asks
// for a full import.
func TestRepairEmptyFileNextToBackups(t *testing.T) {
	s, path := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"))
	if _, err := s.BackupInto(BackupDir(path), time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	rep, err := Repair(path, time.Now(), quietOptions())
	if err != nil || !rep.Resync() || rep.Damaged == "" {
		t.Fatalf("Repair = %+v, %v", rep, err)
	}
	s, err = Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := s.SyncState(); err != nil || !st.FullImport.InProgress {
		t.Errorf("sync state %+v %v", st, err)
	} else if fi := st.FullImport; fi.Page != 1 || !fi.Upper.IsZero() || !fi.Before.IsZero() {
		// As the engine starts an import: no upper bound, so activities
		// dated in the future come back too.
		t.Errorf("import checkpoint after repair %+v; want page 1, no upper bound", fi)
	}
}

// The marker of a running owtray is not a crash: a second Open says the
// file is in use (so the command is forwarded), never that it is damaged.
func TestMarkerOfARunningStoreIsInUse(t *testing.T) {
	s, path := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"))
	opts := quietOptions()
	opts.Timeout = 50 * time.Millisecond
	if _, err := Open(path, opts); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	if _, err := Check(path, opts); !errors.Is(err, ErrInUse) {
		t.Fatalf("Check of a file in use = %v, want ErrInUse", err)
	}
	if _, err := Repair(path, time.Now(), opts); !errors.Is(err, ErrInUse) {
		t.Fatalf("Repair of a file in use = %v, want ErrInUse", err)
	}
	if rep, err := s.Verify(); err != nil || rep.Activities != 1 {
		t.Fatalf("online Verify = %+v, %v", rep, err)
	}
}
