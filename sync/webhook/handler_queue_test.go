package webhook

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/owtray/owtray/sync/store"
)

// TestQueueFull503: past the queue bound an event for one more activity is
// answered 503 with Retry-After (Strava delivers it again), nothing is
// stored; events for activities already waiting are still acknowledged.
func TestQueueFull503(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true, store: store.Options{MaxPendingEvents: 2}})
	ids := e.simIDs(3)
	post := func(id int64, title string) (int, http.Header, string) {
		ev := e.event(ObjectActivity, AspectUpdate, id, map[string]string{"title": title})
		return do(t, http.DefaultClient, http.MethodPost, e.callbackURL(), bytes.NewReader(mustJSON(t, ev)))
	}
	for _, id := range ids[:2] {
		if status, _, body := post(id, "a"); status != http.StatusOK {
			t.Fatalf("activity %d: %d %s", id, status, body)
		}
	}
	status, h, body := post(ids[2], "a")
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") != "60" || !strings.Contains(body, `"error":"event queue full`) {
		t.Errorf("third activity: %d Retry-After %q %s", status, h.Get("Retry-After"), body)
	}
	if status, _, body := post(ids[0], "b"); status != http.StatusOK || !strings.Contains(body, "queued") {
		t.Errorf("activity already waiting: %d %s", status, body)
	}
	st, err := e.st.QueueStats()
	if err != nil || st.Depth != 2 || st.Refused != 1 || st.Received != 3 || st.Merged != 1 {
		t.Errorf("queue %+v %v", st, err)
	}
}
