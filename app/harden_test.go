package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/app/tunnel/loadtest"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/sync/webhook"
)

// publicHost stands for the user's reverse proxy that keeps the original
// Host: the simulated Strava reaches it on the App's loopback port.
const publicHost = "hooks.example.test"

// newPublicInstance is an App whose STRAVA_WEBHOOK_CALLBACK_URL is
// http://hooks.example.test:PORT/api/v1/strava/webhook; the simulator's
// validation GET and event POSTs carry that Host.
func newPublicInstance(t *testing.T, activities int) *instance {
	t.Helper()
	var target atomic.Pointer[string] // the loopback host:port behind publicHost
	var d net.Dialer
	simCfg := stravasim.Config{Activities: activities, Seed: 5, CallbackDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, port, _ := net.SplitHostPort(addr); h == publicHost {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return d.DialContext(ctx, network, addr)
	}}
	opened := apptest.Open(t, simCfg, func(env map[string]string, base string) {
		hostport := strings.TrimPrefix(base, "http://")
		target.Store(&hostport)
		_, port, _ := net.SplitHostPort(hostport)
		env[config.EnvWebhookCallbackURL] = "http://" + publicHost + ":" + port + webhook.WebhookPath
		env[config.EnvWebhookVerifyToken] = "app-test-verify-token"
	})
	return &instance{t: t, sim: opened.Sim, app: opened.App, base: opened.Base, env: opened.Env}
}

// request sends method path to the instance's loopback server with the
// given Host and headers, and returns the status and body.
func (in *instance) request(method, path, host string, body []byte, headers map[string]string) (int, string) {
	in.t.Helper()
	req, err := http.NewRequest(method, in.base+path, bytes.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Host = host
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// forgedDelete is a delete event for id with the right owner and
// subscription ids: everything a forger can learn.
// afterQueuedEvents returns once a real Strava event sent now has been
// applied: the worker takes the queue oldest first, so an event queued
// before it (say, a forged one let through) has been processed by then.
func (in *instance) afterQueuedEvents() {
	in.t.Helper()
	id, err := in.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "Queued last"})
	if err != nil {
		in.t.Fatal(err)
	}
	in.waitFor("an event sent after them to be applied", func() bool { _, err := in.app.Activity(id); return err == nil })
}

func (in *instance) forgedDelete(id int64) []byte {
	subID, _, _ := in.sim.Sim.Subscription()
	return fmt.Appendf(nil, `{"object_type":"activity","object_id":%d,"aspect_type":"delete","updates":{},"owner_id":%d,"subscription_id":%d,"event_time":%d}`,
		id, in.sim.Sim.AthleteID(), subID, time.Now().Unix())
}

// TestHostAllowList: every route answers only for the loopback names with
// the right port; the webhook and health routes also for the callback
// URL's host, which Strava's validation and events carry end to end.
// Anything else is 421 and does nothing.
func TestHostAllowList(t *testing.T) {
	in := newPublicInstance(t, 20)
	in.run(app.RunOptions{})
	in.login()
	in.waitFor("the first sync", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 20 })
	in.waitFor("the subscription through the public host", func() bool { _, _, ok := in.sim.Sim.Subscription(); return ok })
	id, err := in.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "Through the proxy"})
	if err != nil {
		t.Fatal(err)
	}
	in.waitFor("the event through the public host", func() bool { a, err := in.app.Activity(id); return err == nil && a.Name == "Through the proxy" })

	_, port, _ := net.SplitHostPort(strings.TrimPrefix(in.base, "http://"))
	victim := in.sim.Sim.Activities(0, true)[3].ID
	verify := webhook.WebhookPath + "?" + url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"app-test-verify-token"}, "hub.challenge": {"c"}}.Encode()
	routes := []struct {
		name, method, path string
		body               []byte
		local, public      int // status for a loopback Host, for the public host
	}{
		{"authorize", "GET", "/api/v1/oauth/strava/authorize", nil, http.StatusFound, http.StatusMisdirectedRequest},
		{"callback", "GET", "/api/v1/oauth/strava/callback?state=x&code=y", nil, http.StatusBadRequest, http.StatusMisdirectedRequest},
		{"webhook validation", "GET", verify, nil, http.StatusOK, http.StatusOK},
		{"webhook event", "POST", webhook.WebhookPath, in.forgedDelete(victim), http.StatusOK, http.StatusOK},
		{"health", "GET", app.HealthPath, nil, http.StatusOK, http.StatusOK},
	}
	json := map[string]string{"Content-Type": "application/json"}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1:1", "localhost:" + port + "0", publicHost + ":1", "attacker." + publicHost + ":" + port} {
				if status, body := in.request(r.method, r.path, host, r.body, json); status != http.StatusMisdirectedRequest {
					t.Errorf("Host %s: %d %.100s, want 421", host, status, body)
				}
			}
			if status, _ := in.request(r.method, r.path, publicHost+":"+port, nil, nil); r.public == http.StatusMisdirectedRequest && status != r.public {
				t.Errorf("public host: %d, want 421", status)
			}
			for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port} {
				if r.body != nil {
					continue // the event is sent once, below
				}
				if status, body := in.request(r.method, r.path, host, nil, nil); status != r.local {
					t.Errorf("Host %s: %d %.100s, want %d", host, status, body, r.local)
				}
			}
		})
	}
	if st, _ := in.app.Status(context.Background()); st.Webhooks.QueueDepth != 0 {
		t.Errorf("%d misdirected events queued", st.Webhooks.QueueDepth)
	}
	in.afterQueuedEvents()
	if _, err := in.app.Activity(victim); err != nil {
		t.Errorf("activity %d after misdirected deletes: %v", victim, err)
	}
}

// TestBrowserCannotPostEvents: a web page's cross-site POST (no preflight:
// text/plain, with Origin and Sec-Fetch-Site) carrying a forged delete with
// the right ids is refused at the loopback server; nothing is queued or
// deleted. Without a stored subscription even a well-formed JSON event is
// refused.
func TestBrowserCannotPostEvents(t *testing.T) {
	in := newInstance(t, 30, nil)
	in.run(app.RunOptions{})
	in.login()
	in.waitFor("the first sync", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 30 })
	in.waitFor("the subscription", func() bool { _, _, ok := in.sim.Sim.Subscription(); return ok })
	host := strings.TrimPrefix(in.base, "http://")
	victim := in.sim.Sim.Activities(0, true)[0].ID
	browser := []map[string]string{
		{"Origin": "https://evil.example", "Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
		{"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"},
		{"Content-Type": "text/plain"},
	}
	for _, h := range browser {
		status, body := in.request("POST", webhook.WebhookPath, host, in.forgedDelete(victim), h)
		if status != http.StatusForbidden && status != http.StatusUnsupportedMediaType {
			t.Errorf("browser-style POST %v: %d %s", h, status, body)
		}
		if !strings.Contains(body, `"error"`) {
			t.Errorf("refusal without a JSON reason: %s", body)
		}
	}
	in.afterQueuedEvents()
	if _, err := in.app.Activity(victim); err != nil {
		t.Errorf("activity %d after the refused posts: %v", victim, err)
	}
	if st, _ := in.app.Status(context.Background()); st.Webhooks.QueueDepth != 0 {
		t.Errorf("%d events queued", st.Webhooks.QueueDepth)
	}

	off := newInstance(t, 5, map[string]string{config.EnvWebhookCallbackURL: ""}) // no subscription ever
	off.run(app.RunOptions{NoPolling: true})
	off.login()
	ev := fmt.Appendf(nil, `{"object_type":"activity","object_id":%d,"aspect_type":"create","updates":{},"owner_id":%d,"subscription_id":1,"event_time":1700000000}`,
		off.sim.Sim.Activities(0, true)[0].ID, off.sim.Sim.AthleteID())
	status, body := off.request("POST", webhook.WebhookPath, strings.TrimPrefix(off.base, "http://"), ev, map[string]string{"Content-Type": "application/json"})
	if status != http.StatusForbidden || !strings.Contains(body, "no push subscription") {
		t.Errorf("event without a subscription: %d %s", status, body)
	}
}

// TestSlowClientsDoNotDelayStravasAck: 300 connections that never finish
// their request are held against the loopback server (re-dialled when it
// drops them) while Strava delivers real events; each is acknowledged well
// within Strava's 2 seconds. The load is loopback only and ends with the
// test.
func TestSlowClientsDoNotDelayStravasAck(t *testing.T) {
	in := newInstance(t, 10, nil)
	in.run(app.RunOptions{NoPolling: true})
	in.login()
	in.waitFor("the subscription", func() bool { _, _, ok := in.sim.Sim.Subscription(); return ok })
	host := strings.TrimPrefix(in.base, "http://")

	ctx, cancel := context.WithCancel(context.Background())
	slow, err := loadtest.SlowClients(ctx, host, host, webhook.WebhookPath, 300, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); slow.Wait() }()
	in.waitFor("300 slow connections", func() bool { return slow.Dials() >= 300 })

	in.sim.Sim.ResetDeliveries()
	const events = 10
	for i := range events {
		if _, err := in.sim.Sim.CreateActivity(stravasim.NewActivity{Name: fmt.Sprintf("Under load %d", i)}); err != nil {
			t.Fatal(err)
		}
		// Kept on the real clock: the events are spread over the slow
		// clients' re-dials (every 500 ms).
		time.Sleep(100 * time.Millisecond)
	}
	waitCtx, waitCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer waitCancel()
	deliveries, err := in.sim.Sim.WaitDeliveries(waitCtx, events)
	if err != nil {
		t.Fatal(err)
	}
	var worst, total time.Duration
	for _, d := range deliveries {
		first := d.Attempts[0]
		if first.Status != http.StatusOK || first.Err != "" {
			t.Errorf("event %d: first attempt %+v", d.Event.ObjectID, first)
		}
		worst = max(worst, first.Duration)
		total += first.Duration
	}
	t.Logf("%d events under 300 slow connections (%d dials, %d dropped by the server, %d open now): ack mean %s, slowest %s",
		len(deliveries), slow.Dials(), slow.Dropped(), slow.Open(), total/time.Duration(len(deliveries)), worst)
	if worst >= 2*time.Second {
		t.Errorf("an acknowledgement took %s (Strava's limit: 2 s)", worst)
	}
}
