package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/owtray/owtray/app"
)

// leafPages lists the pages of the database that hold records now (not
// free), with how many records each holds.
func leafPages(t *testing.T, path string) (ids []int, counts []int, pageSize int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second, PreLoadFreelist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pageSize = db.Info().PageSize
	err = db.View(func(tx *bolt.Tx) error {
		for id := 2; ; id++ {
			info, err := tx.Page(id)
			if err != nil || info == nil {
				return err
			}
			if info.Type == "leaf" {
				ids, counts = append(ids, id), append(counts, info.Count)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, counts, pageSize
}

func xorAt(t *testing.T, path string, off int64, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] ^= 0x5a
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// Every damage produced for real on the database file, then every command
// run through the real CLI code: no panic, one clear message, and repair
// keeping what is readable; the next sync fetches the rest again.
func TestDamagedDatabaseCommands(t *testing.T) {
	const total = 600
	damages := []struct {
		name   string
		damage func(t *testing.T, path string)
		// opens: ordinary commands still open the file (row-level damage).
		opens bool
	}{
		{"truncated to half", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"scrambled page headers", func(t *testing.T, path string) {
			ids, _, ps := leafPages(t, path)
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			defer f.Close()
			for _, id := range []int{ids[1], ids[len(ids)/2], ids[len(ids)-2]} {
				_, _ = f.WriteAt([]byte("scrambled header"), int64(id*ps))
			}
			// as after a crash: the marker of an open database is left
			_ = os.WriteFile(path+".open", []byte("1\n"), 0o600)
		}, false},
		{"flipped bytes in data pages", func(t *testing.T, path string) {
			ids, counts, ps := leafPages(t, path)
			n := 0
			for i, id := range ids {
				if counts[i] > 2 && counts[i] < 40 && n < 3 { // activity documents
					xorAt(t, path, int64(id*ps+ps/2), 6)
					n++
				}
			}
		}, true},
		{"0 bytes", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			p := newProfile(t, total)
			p.mustRun("login")
			p.mustRun("sync")
			var listed []map[string]any
			if err := json.Unmarshal([]byte(p.mustRun("list", "--json", "--limit", "1")), &listed); err != nil {
				t.Fatal(err)
			}
			someID := fmt.Sprint(int64(listed[0]["id"].(float64)))
			path := filepath.Join(p.dataDir, app.DatabaseFile)
			d.damage(t, path)
			damaged, _ := os.ReadFile(path)

			// The check: one clear message, exit 1.
			code, _, errs := p.run("check")
			if code != ExitFailure || !strings.Contains(errs, "Nothing was changed") || !strings.Contains(errs, "owtray repair") {
				t.Fatalf("check: exit %d, %s", code, errs)
			}
			if strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("check printed more than one line:\n%s", errs)
			}
			out := filepath.Join(t.TempDir(), "out.csv")
			for _, args := range [][]string{
				{"status"}, {"list"}, {"list", "--json"}, {"show", someID}, {"show", someID, "--json"},
				{"export", "--format", "csv", "--out", out}, {"export", "--format", "json"}, {"sync"},
			} {
				code, stdout, errs := p.run(args...)
				name := strings.Join(args, " ")
				switch {
				case !d.opens && (code != ExitFailure || !strings.Contains(errs, "owtray repair") && !strings.Contains(errs, "owtray restore")):
					t.Errorf("%s: exit %d, want 1 with the repair command:\n%s", name, code, errs)
				case d.opens && args[0] == "export" && args[2] == "csv":
					rows := readCSV(t, out)
					if code != 0 || len(rows) >= total+1 || !strings.Contains(errs, "skipped; run `owtray repair`") {
						t.Errorf("export with damaged rows: exit %d, %d rows, %s", code, len(rows), errs)
					}
				case d.opens && args[0] == "list" && len(args) == 2:
					var acts []json.RawMessage
					if code != 0 || json.Unmarshal([]byte(stdout), &acts) != nil || len(acts) >= total || !strings.Contains(errs, "damaged activity record") {
						t.Errorf("list --json with damaged rows: exit %d, %d activities, %s", code, len(acts), errs)
					}
				}
			}
			if !d.opens {
				if now, _ := os.ReadFile(path); string(now) != string(damaged) {
					t.Fatal("a command wrote to the damaged file")
				}
			}

			code, stdout, errs := p.run("repair")
			if code != 0 || !strings.Contains(stdout, "kept ") || !strings.Contains(stdout, "damaged file is kept as "+path+".damaged-") {
				t.Fatalf("repair: exit %d\n%s\n%s", code, stdout, errs)
			}
			t.Logf("%s: %s", d.name, strings.SplitN(stdout, "\n", 2)[0])
			var kept, lost int
			if _, err := fmt.Sscanf(stdout[strings.Index(stdout, "kept "):], "kept %d activities, lost %d", &kept, &lost); err != nil {
				t.Fatalf("repair output %q: %v", stdout, err)
			}
			if kept+lost > total || (lost > 0 && !strings.Contains(stdout, fmt.Sprintf("the next sync fetches the %d again from Strava", lost))) {
				t.Errorf("repair counts: kept %d lost %d of %d:\n%s", kept, lost, total, stdout)
			}
			p.mustRun("check")
			var st app.Status
			if err := json.Unmarshal([]byte(p.mustRun("status", "--json")), &st); err != nil || st.Activities != kept {
				t.Fatalf("after repair: %d activities, %v; want %d", st.Activities, err, kept)
			}
			p.mustRun("sync")
			if err := json.Unmarshal([]byte(p.mustRun("status", "--json")), &st); err != nil || st.Activities != total {
				t.Fatalf("after the next sync: %d activities, %v; want all %d back", st.Activities, err, total)
			}
		})
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
