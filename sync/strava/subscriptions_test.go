package strava

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/logtest"
)

const (
	testClientSecret = "7b2946535949ae70f015d696d8ac602830ece412"
	testVerifyToken  = "verify-STRAVA-8f3a"
)

func testCreds() AppCredentials { return AppCredentials{ClientID: "5", ClientSecret: testClientSecret} }

func TestCreateSubscription(t *testing.T) {
	f := newFakeStrava(t, jsonReply(201, `{"id":120475}`))
	sub, err := testClient(f, nil, nil).CreateSubscription(context.Background(), testCreds(), "https://a1b2.ngrok.app/webhook", testVerifyToken)
	if err != nil {
		t.Fatal(err)
	}
	if sub.ID != 120475 || sub.CallbackURL != "https://a1b2.ngrok.app/webhook" {
		t.Errorf("subscription = %+v", sub)
	}
	r := f.requests()[0]
	if r.Method != http.MethodPost || r.Path != "/api/v3/push_subscriptions" || r.Auth != "" ||
		r.ContentType != "application/x-www-form-urlencoded" || len(r.Query) != 0 {
		t.Errorf("request = %+v", r)
	}
	for k, want := range map[string]string{"client_id": "5", "client_secret": testClientSecret, "callback_url": "https://a1b2.ngrok.app/webhook", "verify_token": testVerifyToken} {
		if got := r.Form.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
}

func TestSubscriptionErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply reply
		want  []string
		is    error
	}{
		{
			name:  "callback not verifiable",
			reply: jsonReply(400, bodyNotVerifiable),
			want:  []string{"Strava rejected the request (400 Bad Request)", "PushSubscription.callback url not verifiable"},
			is:    ErrBadRequest,
		},
		{
			name:  "already exists",
			reply: jsonReply(400, `{"message":"Bad Request","errors":[{"resource":"PushSubscription","field":"","code":"already exists"}]}`),
			want:  []string{"PushSubscription already exists"},
			is:    ErrBadRequest,
		},
		{
			name:  "bad application credentials",
			reply: jsonReply(401, `{"message":"Authorization Error","errors":[{"resource":"Application","field":"client_secret","code":"invalid"}]}`),
			want:  []string{"Strava rejected the application credentials (401 Unauthorized): check the client ID and client secret"},
			is:    ErrUnauthorized,
		},
		{
			name:  "Strava echoes the secrets back",
			reply: jsonReply(400, `{"message":"bad verify_token `+testVerifyToken+` for secret `+testClientSecret+`","errors":[{"resource":"PushSubscription","field":"`+testClientSecret+`","code":"invalid"}]}`),
			want:  []string{"bad verify_token [REDACTED] for secret [REDACTED]"},
			is:    ErrBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeStrava(t, tt.reply)
			auth := &fakeAuth{token: "tok-1", fresh: "tok-2"}
			_, err := testClient(f, auth, nil).CreateSubscription(context.Background(), testCreds(), "https://example.org/hook", testVerifyToken)
			if !errors.Is(err, tt.is) {
				t.Errorf("error = %v, want %v", err, tt.is)
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v, want one containing %q", err, w)
				}
			}
			assertNoSecrets(t, "error", fmt.Sprint(err))
			if auth.refreshCount() != 0 || f.calls() != 1 {
				t.Errorf("refreshes = %d, requests = %d; want 0 and 1", auth.refreshCount(), f.calls())
			}
		})
	}
}

func TestListSubscriptions(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, `[{"id":120475,"resource_state":2,"application_id":5,"callback_url":"https://a1b2.ngrok.app/webhook","created_at":"2018-05-08T18:14:07.000Z","updated_at":"2018-05-08T18:14:07Z"}]`))
	subs, err := testClient(f, nil, nil).ListSubscriptions(context.Background(), testCreds())
	if err != nil {
		t.Fatal(err)
	}
	want := Subscription{ID: 120475, ResourceState: 2, ApplicationID: 5, CallbackURL: "https://a1b2.ngrok.app/webhook",
		CreatedAt: time.Date(2018, 5, 8, 18, 14, 7, 0, time.UTC), UpdatedAt: time.Date(2018, 5, 8, 18, 14, 7, 0, time.UTC)}
	if len(subs) != 1 || subs[0].ID != want.ID || subs[0].CallbackURL != want.CallbackURL || subs[0].ApplicationID != 5 ||
		!subs[0].CreatedAt.Equal(want.CreatedAt) || !subs[0].UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("subscriptions = %+v, want [%+v]", subs, want)
	}
	r := f.requests()[0]
	if r.Method != http.MethodGet || r.Path != "/api/v3/push_subscriptions" || r.Auth != "" ||
		r.Query.Get("client_id") != "5" || r.Query.Get("client_secret") != testClientSecret {
		t.Errorf("request = %+v", r)
	}
}

func TestListSubscriptionsEmpty(t *testing.T) {
	f := newFakeStrava(t, jsonReply(200, `[]`))
	subs, err := testClient(f, nil, nil).ListSubscriptions(context.Background(), testCreds())
	if err != nil || subs == nil || len(subs) != 0 {
		t.Errorf("ListSubscriptions = %v, %v; want an empty list", subs, err)
	}
}

func TestDeleteSubscription(t *testing.T) {
	f := newFakeStrava(t, reply{status: http.StatusNoContent})
	if err := testClient(f, nil, nil).DeleteSubscription(context.Background(), testCreds(), 120475); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != http.MethodDelete || r.Path != "/api/v3/push_subscriptions/120475" || r.Auth != "" ||
		r.Query.Get("client_id") != "5" || r.Query.Get("client_secret") != testClientSecret {
		t.Errorf("request = %+v", r)
	}

	f404 := newFakeStrava(t, jsonReply(404, `{"message":"Resource Not Found","errors":[{"resource":"PushSubscription","field":"id","code":"not found"}]}`))
	err := testClient(f404, nil, nil).DeleteSubscription(context.Background(), testCreds(), 1)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestAppCredentialsNeverShowTheSecret(t *testing.T) {
	creds := testCreds()
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%10.3s"} {
		outputs = append(outputs, fmt.Sprintf(verb, creds))
	}
	outputs = append(outputs, fmt.Sprint(creds), fmt.Sprintf("%v", &creds), fmt.Sprintf("%+v", struct{ C AppCredentials }{creds}))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "creds", creds)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "creds", creds)
	js, err := json.Marshal(struct{ Creds AppCredentials }{creds})
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, logs.String(), string(js))
	for _, o := range outputs {
		assertNoSecrets(t, "output", o)
		if !strings.Contains(o, "5") {
			t.Errorf("output %q does not show the client ID", o)
		}
	}
}

// TestSecretsNeverLeak runs every call against failures that could carry a
// secret (a network error message holds the URL with its query string) and
// checks errors and debug logs.
func TestSecretsNeverLeak(t *testing.T) {
	logs := &logtest.Buffer{}
	ctx := context.Background()
	down := newFakeStrava(t, reply{hangUp: true})
	refused := newFakeStrava(t)
	refused.Close()
	html := newFakeStrava(t, reply{status: 500, body: "<html>GET /push_subscriptions?client_secret=" + testClientSecret + "&tok=tok-1</html>"})
	for _, f := range []*fakeStrava{down, refused, html} {
		auth := &fakeAuth{token: "tok-1", fresh: "tok-2"}
		c := testClient(f, auth, logs)
		var errs []error
		_, err := c.Athlete(ctx)
		errs = append(errs, err)
		_, err = c.ListSubscriptions(ctx, testCreds())
		errs = append(errs, err)
		_, err = c.CreateSubscription(ctx, testCreds(), "https://example.org/hook", testVerifyToken)
		errs = append(errs, err)
		errs = append(errs, c.DeleteSubscription(ctx, testCreds(), 9))
		for _, err := range errs {
			if err == nil {
				t.Fatal("want an error")
			}
			assertNoSecrets(t, "error", err.Error())
			assertNoSecrets(t, "error", fmt.Sprintf("%+v", err))
		}
	}
	if !strings.Contains(logs.String(), "level=DEBUG") {
		t.Error("no debug logs written")
	}
	assertNoSecrets(t, "logs", logs.String())
}

func assertNoSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{testClientSecret, testVerifyToken, "tok-1", "tok-2"} {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains secret %q: %s", what, secret, s)
		}
	}
}
