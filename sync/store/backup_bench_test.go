package store

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Backup, check and repair of a 20,000-activity database (issue 12's
// figures). Run with
//
//	go test -run '^$' -bench 'Backup|Check|Repair' -benchtime 5x ./sync/store/
const recoveryActivities = 20_000

func seeded20k(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "owtray.db")
	if err := seed(path, recoveryActivities); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkBackup20k(b *testing.B) {
	path := seeded20k(b)
	s, err := Open(path, quietOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := filepath.Join(b.TempDir(), "backup.db")
	for b.Loop() {
		if err := s.BackupFile(out); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(out)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

func BenchmarkWriteBackupToDiscard20k(b *testing.B) {
	s, err := Open(seeded20k(b), quietOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if _, err := s.WriteBackup(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck20k(b *testing.B) {
	path := seeded20k(b)
	for b.Loop() {
		rep, err := Check(path, quietOptions())
		if err != nil || rep.Activities != recoveryActivities {
			b.Fatalf("%+v %v", rep, err)
		}
	}
}

// BenchmarkRepair20k repairs a copy whose middle page header is scrambled.
func BenchmarkRepair20k(b *testing.B) {
	path := seeded20k(b)
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	f, closeFn, err := openRaw(path)
	if err != nil {
		b.Fatal(err)
	}
	ps := int(f.meta.pageSize)
	closeFn()
	mid := (len(raw) / ps / 2) * ps
	copy(raw[mid:], "scrambled header")
	var rep RepairReport
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err = Repair(path, time.Now(), quietOptions())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = os.Remove(rep.Damaged)
		b.StartTimer()
	}
	b.ReportMetric(float64(rep.Kept), "kept")
	b.ReportMetric(float64(rep.Lost), "lost")
}
