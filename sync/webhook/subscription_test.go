package webhook

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/owtray/owtray/sync/strava"
)

// racingClient creates a subscription "from another process" just before
// the first create, so that Strava answers "already exists".
type racingClient struct {
	SubscriptionClient
	once sync.Once
}

func (c *racingClient) CreateSubscription(ctx context.Context, creds strava.AppCredentials, callbackURL, verifyToken string) (strava.Subscription, error) {
	var err error
	c.once.Do(func() { _, err = c.SubscriptionClient.CreateSubscription(ctx, creds, callbackURL, verifyToken) })
	if err != nil {
		return strava.Subscription{}, err
	}
	return c.SubscriptionClient.CreateSubscription(ctx, creds, callbackURL, verifyToken)
}

func TestEnsureSubscription(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{noWorker: true})
	sim := e.sim.Sim
	firstID, _, _ := sim.Subscription()

	// Same URL: kept, nothing created.
	sim.ResetRequestCounts()
	sub, err := e.subs.Ensure(ctx, e.callbackURL(), testVerifyToken)
	if err != nil || sub.ID != firstID {
		t.Fatalf("Ensure again = %+v %v, want the kept %d", sub, err, firstID)
	}
	if n := sim.RequestCounts()["POST /api/v3/push_subscriptions"]; n != 0 {
		t.Errorf("%d creates for an unchanged URL", n)
	}

	// An event of the first subscription: queued (and the handler now
	// holds that identity).
	ev := e.event(ObjectActivity, AspectCreate, 1, nil)
	if status, body := e.post(mustJSON(t, ev)); status != 200 || !strings.Contains(body, "queued") {
		t.Fatalf("event of the first subscription: %d %s", status, body)
	}

	// Another URL (the tunnel came back elsewhere): deleted and recreated.
	other := httptest.NewServer(e.h)
	t.Cleanup(other.Close)
	newURL := other.URL + WebhookPath
	sub, err = e.subs.Ensure(ctx, newURL, testVerifyToken)
	if err != nil || sub.ID == firstID || sub.CallbackURL != newURL {
		t.Fatalf("Ensure new URL = %+v %v", sub, err)
	}
	if id, cb, _ := sim.Subscription(); id != sub.ID || cb != newURL {
		t.Errorf("simulator has %d %q", id, cb)
	}
	if ss, _ := e.st.SyncState(); ss.Webhook.SubscriptionID != sub.ID || ss.Webhook.CallbackURL != newURL {
		t.Errorf("recorded %+v", ss.Webhook)
	}

	// Events of the new subscription are accepted at once; the old one's
	// are now ignored.
	ev.SubscriptionID, ev.ObjectID = sub.ID, 2
	if status, body := e.post(mustJSON(t, ev)); status != 200 || !strings.Contains(body, "queued") {
		t.Errorf("event of the new subscription: %d %s", status, body)
	}
	ev.SubscriptionID, ev.ObjectID = firstID, 3
	if status, body := e.post(mustJSON(t, ev)); status != 200 || !strings.Contains(body, "ignored") {
		t.Errorf("event of the old subscription: %d %s", status, body)
	}

	// "already exists" (a concurrent creator): listed again and reconciled.
	if _, err := e.subs.Delete(ctx, 0); err != nil {
		t.Fatal(err)
	}
	racing := &Subscriptions{Client: &racingClient{SubscriptionClient: e.client}, Creds: e.subs.Creds, Store: e.st, Logger: e.logger}
	sub, err = racing.Ensure(ctx, e.callbackURL(), testVerifyToken)
	if err != nil {
		t.Fatalf("Ensure after already exists: %v", err)
	}
	if id, cb, _ := sim.Subscription(); id != sub.ID || cb != e.callbackURL() {
		t.Errorf("simulator has %d %q, Ensure returned %+v", id, cb, sub)
	}
	if ss, _ := e.st.SyncState(); ss.Webhook.SubscriptionID != sub.ID {
		t.Errorf("recorded %+v", ss.Webhook)
	}
}

func TestSubscriptionCLIHelpers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})

	if _, err := e.subs.Delete(ctx, 0); !errors.Is(err, ErrNoSubscription) {
		t.Errorf("Delete with none = %v", err)
	}
	sub, err := e.subs.Subscribe(ctx, e.callbackURL(), testVerifyToken)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	subs, err := e.subs.List(ctx)
	if err != nil || len(subs) != 1 || subs[0].ID != sub.ID || subs[0].CallbackURL != e.callbackURL() {
		t.Fatalf("List = %+v %v", subs, err)
	}
	if again, err := e.subs.Subscribe(ctx, e.callbackURL(), testVerifyToken); err != nil || again.ID != sub.ID {
		t.Errorf("Subscribe same URL = %+v %v", again, err)
	}
	_, err = e.subs.Subscribe(ctx, "https://elsewhere.example/api/v1/strava/webhook", testVerifyToken)
	if !errors.Is(err, ErrSubscriptionExists) || !strings.Contains(err.Error(), "delete") {
		t.Errorf("Subscribe other URL = %v, want ErrSubscriptionExists", err)
	}
	if id, err := e.subs.Delete(ctx, sub.ID); err != nil || id != sub.ID {
		t.Fatalf("Delete = %d %v", id, err)
	}
	if ss, _ := e.st.SyncState(); ss.Webhook.SubscriptionID != 0 {
		t.Errorf("deleted subscription still recorded: %+v", ss.Webhook)
	}
	if _, err := e.subs.Delete(ctx, sub.ID); !errors.Is(err, ErrNoSubscription) {
		t.Errorf("Delete again = %v", err)
	}
}

// TestSubscribeNotVerifiable: a callback that does not know our verify
// token fails the handshake with a clear error without secrets.
func TestSubscribeNotVerifiable(t *testing.T) {
	e := newEnv(t, envOptions{noWorker: true, noSubscribe: true})
	wrong, err := NewHandler(Config{Store: e.st, VerifyToken: "some-other-token", Logger: e.logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrong)
	t.Cleanup(srv.Close)
	_, err = e.subs.Ensure(context.Background(), srv.URL+WebhookPath, testVerifyToken)
	if err == nil || !strings.Contains(err.Error(), "could not verify") {
		t.Fatalf("Ensure = %v, want a verification error", err)
	}
	for _, s := range []string{testVerifyToken, testClientSecret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
	if _, _, ok := e.sim.Sim.Subscription(); ok {
		t.Error("a subscription was created")
	}
}
