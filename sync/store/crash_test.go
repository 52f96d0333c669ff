package store

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// crashChildEnv makes the test binary (see TestMain) act as a process that
// imports pages until it is killed.
const crashChildEnv = "OWTRAY_STORE_CRASH_CHILD"

// crashChild writes checkpointed pages of 200 activities forever, printing a
// line after each commit.
func crashChild(path string) int {
	s, err := Open(path, quietOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	st, err := s.SyncState()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	g := newGenerator(uint64(st.FullImport.Pages))
	for page := st.FullImport.Pages; ; page++ {
		acts := make([]Activity, 0, benchPage)
		for i := range benchPage {
			acts = append(acts, g.activity(int64(page*benchPage+i+1)))
		}
		if _, err := s.UpsertPage(acts, func(st *SyncState) {
			st.FullImport.Pages++
			st.FullImport.Seen += len(acts)
		}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Println("page", page)
	}
}

// TestKillDuringImport kills -9 a process in the middle of writing pages and
// checks that every committed page has its checkpoint and nothing else is
// there, then that the next run resumes from the checkpoint.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	// The pauses put the kill at different points of the next page: while
	// it is built, written or fsynced.
	for round, kill := range []struct {
		after int
		pause time.Duration
	}{{3, 0}, {1, 2 * time.Millisecond}, {4, 5 * time.Millisecond}, {2, 9 * time.Millisecond}, {2, 14 * time.Millisecond}} {
		killAfter := kill.after
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		for range killAfter {
			if !lines.Scan() {
				t.Fatalf("round %d: child ended early: %v", round, lines.Err())
			}
		}
		// Kept on the real clock: the pause is the point, no condition
		// marks "in the middle of the next page's write".
		time.Sleep(kill.pause)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no defer, no Close
			t.Fatal(err)
		}
		_ = cmd.Wait()

		s, err := Open(path, quietOptions())
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		st, err := s.SyncState()
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.AllIDs()
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		if st.FullImport.Pages < killAfter || len(all) != st.FullImport.Seen || len(all) != st.FullImport.Pages*benchPage {
			t.Fatalf("round %d: %d activities, checkpoint pages %d seen %d", round, len(all), st.FullImport.Pages, st.FullImport.Seen)
		}
		for i, id := range all {
			if id != int64(i+1) {
				t.Fatalf("round %d: ids not contiguous at %d: %d", round, i, id)
			}
		}
		t.Logf("round %d: killed %s after page %d was reported, %d pages committed", round, kill.pause, killAfter, st.FullImport.Pages)
	}
}
