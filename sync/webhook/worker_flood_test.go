package webhook

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
)

// flood POSTs the events from concurrent senders and returns the statuses.
func (e *env) flood(url string, events [][]byte, senders int) []int {
	e.t.Helper()
	statuses := make([]int, len(events))
	work := make(chan int)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := range work {
				resp, err := http.Post(url, "application/json", bytes.NewReader(events[i]))
				if err != nil {
					continue // status 0: not acknowledged
				}
				_ = resp.Body.Close()
				statuses[i] = resp.StatusCode
				e.answers.Add(1)
			}
		})
	}
	for i := range events {
		work <- i
	}
	close(work)
	wg.Wait()
	return statuses
}

func (e *env) simIDs(n int) []int64 {
	var ids []int64
	for _, a := range e.sim.Sim.Activities(0, true)[:n] {
		ids = append(ids, a.ID)
	}
	return ids
}

// TestFloodCoalesced: 1,000 update events for 50 activities, arriving
// while the worker runs: at most one fetch per activity, and no more per
// 15-minute window than the events' share of the read limit.
func TestFloodCoalesced(t *testing.T) {
	clock := clocktest.New(time.Now().UTC().Truncate(15 * time.Minute).Add(time.Minute))
	e := newEnv(t, envOptions{clock: clock, simConfig: stravasim.Config{Activities: 50}})
	ids := e.simIDs(50)
	var events [][]byte
	for i := range 1000 {
		ev := e.event(ObjectActivity, AspectUpdate, ids[i%len(ids)], map[string]string{"title": fmt.Sprint("flood ", i)})
		ev.EventTime = clock.Now().Add(-time.Minute).Unix() // changes made before the flood's fetches
		events = append(events, mustJSON(t, ev))
	}
	for i, status := range e.flood(e.callbackURL(), events, 20) {
		if status != http.StatusOK {
			t.Fatalf("event %d: status %d", i, status)
		}
	}
	// The share of the first window (30 % of the simulator's 100 reads).
	clocktest.WaitUntil(t, "budget share used", waitLong, func() bool { return e.worker.Status().State == StateRateLimited })
	first := e.sim.Sim.RequestCounts()[routeActivity]
	if st := e.worker.Status(); first != st.Share15 || st.Share15 != 30 {
		t.Errorf("first window: %d fetches, status %+v; want the share of 30", first, st)
	}
	e.advanceUntil(clock, time.Hour, "empty queue", func() bool { return e.depth() == 0 })
	n := e.sim.Sim.RequestCounts()[routeActivity]
	t.Logf("1,000 update events for %d activities: %d fetches (%d in the first 15-minute window)", len(ids), n, first)
	if n > len(ids) {
		t.Errorf("%d fetches for %d activities", n, len(ids))
	}
	for _, id := range ids {
		if _, ok := e.stored(id); !ok {
			t.Errorf("activity %d not stored", id)
		}
	}
	if st, err := e.st.QueueStats(); err != nil || st.Received != 1000 || st.Processed != 1000 {
		t.Errorf("queue %+v %v", st, err)
	}
}

// TestFloodRefetchBounded: a flood of updates that are newer than the
// fetches (as forged ones may claim) costs at most one more fetch per
// activity per MinRefetch.
func TestFloodRefetchBounded(t *testing.T) {
	clock := clocktest.New(time.Now().UTC().Truncate(15 * time.Minute).Add(time.Minute))
	e := newEnv(t, envOptions{clock: clock})
	ids := e.simIDs(5)
	for round := range 3 { // three waves, each within one MinRefetch
		var events [][]byte
		for i := range 200 {
			ev := e.event(ObjectActivity, AspectUpdate, ids[i%len(ids)], map[string]string{"title": fmt.Sprint(round, i)})
			ev.EventTime = clock.Now().Unix()
			events = append(events, mustJSON(t, ev))
		}
		e.flood(e.callbackURL(), events, 10)
		clock.Advance(DefaultMinRefetch / 3)
	}
	e.advanceUntil(clock, time.Hour, "empty queue", func() bool { return e.depth() == 0 })
	n := e.sim.Sim.RequestCounts()[routeActivity]
	t.Logf("600 current update events for %d activities: %d fetches", len(ids), n)
	if n > 2*len(ids) {
		t.Errorf("%d fetches for 600 events about %d activities within one MinRefetch, want at most %d", n, len(ids), 2*len(ids))
	}
}

// queueChildEnv makes the test binary serve the webhook handler on the
// database named by it, without a worker, until it is killed.
const queueChildEnv = "OWTRAY_WEBHOOK_QUEUE_CHILD"

const childMaxPending = 40

// TestQueueChild is the child process of TestQueueFullKill.
func TestQueueChild(t *testing.T) {
	path := os.Getenv(queueChildEnv)
	if path == "" {
		t.Skip("child process of TestQueueFullKill")
	}
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(path, store.Options{MaxPendingEvents: childMaxPending, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHandler(Config{Store: st, VerifyToken: testVerifyToken, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s%s", ln.Addr(), WebhookPath)
	if err := os.WriteFile(path+".url.tmp", []byte(url), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".url.tmp", path+".url"); err != nil {
		t.Fatal(err)
	}
	_ = srv.Serve(ln) // until killed
}

// TestQueueFullKill: a flood of events for more distinct activities than
// the queue holds is answered 503 past the bound; the process is killed -9
// in the middle; after a restart every event that was answered 200 is
// processed.
func TestQueueFullKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	e := newEnv(t, envOptions{simConfig: stravasim.Config{Activities: 80}, noWorker: true, worker: WorkerConfig{BudgetShare: 1}})
	ids := e.simIDs(80)
	if err := e.st.Close(); err != nil { // the child holds the file now
		t.Fatal(err)
	}
	// The child writes its URL to a file once it listens.
	urlFile := e.dbPath + ".url"
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueChild$")
	cmd.Env = append(os.Environ(), queueChildEnv+"="+e.dbPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var url string
	clocktest.WaitUntil(t, "the child's URL", waitLong, func() bool {
		b, err := os.ReadFile(urlFile)
		url = string(b)
		return err == nil && strings.HasSuffix(url, WebhookPath)
	})

	// Two events per activity, 80 activities: the first 40 activities fit,
	// their second events merge; the rest is refused with 503.
	var events [][]byte
	for round := range 2 {
		for _, id := range ids {
			events = append(events, mustJSON(t, e.event(ObjectActivity, AspectUpdate, id, map[string]string{"title": fmt.Sprint(round)})))
		}
	}
	statuses := e.flood(url, events[:len(ids)], 8)
	// The second round is cut off by kill -9 while it is being sent.
	var (
		wg     sync.WaitGroup
		second []int
	)
	wg.Go(func() { second = e.flood(url, events[len(ids):], 4) })
	clocktest.WaitUntil(t, "the second round under way", waitLong, func() bool { return e.answers.Load() > int64(len(ids)) })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	wg.Wait()
	statuses = append(statuses, second...)

	acked := map[int64]bool{}
	var ok, full, lost int
	for i, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
			acked[ids[i%len(ids)]] = true
		case http.StatusServiceUnavailable:
			full++
		default:
			lost++ // not answered: Strava would deliver it again
		}
	}
	t.Logf("answers: %d × 200, %d × 503, %d unanswered (killed)", ok, full, lost)
	if len(acked) != childMaxPending || full < len(ids)-childMaxPending {
		t.Fatalf("%d activities acknowledged, %d refused; want %d acknowledged, the rest 503", len(acked), full, childMaxPending)
	}

	// Restart: the worker processes every acknowledged event.
	e.openStore()
	e.worker = NewWorker(e.st, e.client, e.worker.cfg)
	e.startWorker()
	done := map[int64]bool{}
	for len(done) < len(acked) {
		a := e.waitApplied(waitLong)
		if !acked[a.res.ActivityID] {
			t.Fatalf("processed activity %d, which was never acknowledged", a.res.ActivityID)
		}
		done[a.res.ActivityID] = true
	}
	clocktest.WaitUntil(t, "empty queue", waitLong, func() bool { return e.depth() == 0 })
	for id := range acked {
		if _, ok := e.stored(id); !ok {
			t.Errorf("acknowledged activity %d not stored after the restart", id)
		}
	}
	if st, err := e.st.QueueStats(); err != nil || st.Processed != st.Received || int(st.Received) < ok {
		t.Errorf("queue %+v %v: want every one of the %d acknowledged events processed", st, err, ok)
	}
}
