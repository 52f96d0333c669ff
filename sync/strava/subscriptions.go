package strava

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
)

// AppCredentials are the Strava API application's client ID and secret,
// which authenticate push subscription requests. Printing them in any way
// (fmt, slog, JSON) never shows the secret.
type AppCredentials struct {
	ClientID     string
	ClientSecret string
}

const redacted = "[REDACTED]"

func (a AppCredentials) secretMark() string {
	if a.ClientSecret == "" {
		return `""`
	}
	return redacted
}

// String shows the client ID only.
func (a AppCredentials) String() string {
	return fmt.Sprintf("AppCredentials{ClientID: %q, ClientSecret: %s}", a.ClientID, a.secretMark())
}

// GoString is String, for %#v.
func (a AppCredentials) GoString() string { return a.String() }

// Format makes every fmt verb print String.
func (a AppCredentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

// LogValue shows the client ID only.
func (a AppCredentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", a.ClientID), slog.String("client_secret", a.secretMark()))
}

// MarshalJSON shows the client ID only.
func (a AppCredentials) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"client_id":%q,"client_secret":%q}`, a.ClientID, a.secretMark()), nil
}

func (a AppCredentials) validate() error {
	if a.ClientID == "" || a.ClientSecret == "" {
		return errors.New("strava: push subscriptions need the application's client ID and client secret")
	}
	return nil
}

func (a AppCredentials) values() url.Values {
	return url.Values{"client_id": {a.ClientID}, "client_secret": {a.ClientSecret}}
}

// CreateSubscription creates the application's webhook push subscription
// (POST /push_subscriptions, form fields). Strava first sends a validation GET
// to callbackURL echoing verifyToken, and answers only after that. Strava
// answers with the id only; the returned Subscription also has CallbackURL.
// The request is not retried once it may have reached Strava.
func (c *Client) CreateSubscription(ctx context.Context, creds AppCredentials, callbackURL, verifyToken string) (Subscription, error) {
	if err := creds.validate(); err != nil {
		return Subscription{}, err
	}
	if u, err := url.Parse(callbackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Subscription{}, fmt.Errorf("strava: callback URL %q is not an absolute http(s) URL", callbackURL)
	}
	if verifyToken == "" {
		return Subscription{}, errors.New("strava: push subscriptions need a verify token")
	}
	form := creds.values()
	form.Set("callback_url", callbackURL)
	form.Set("verify_token", verifyToken)
	req := request{
		method:  http.MethodPost,
		path:    "/push_subscriptions",
		form:    form,
		app:     true,
		secrets: []string{creds.ClientSecret, verifyToken},
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	if err := decodeJSON(resp, req, &sub); err != nil {
		return Subscription{}, err
	}
	if sub.ID <= 0 {
		return Subscription{}, missingID(req, "subscription")
	}
	if sub.CallbackURL == "" {
		sub.CallbackURL = callbackURL
	}
	return sub, nil
}

// ListSubscriptions returns the application's push subscriptions (GET
// /push_subscriptions; at most one exists).
func (c *Client) ListSubscriptions(ctx context.Context, creds AppCredentials) ([]Subscription, error) {
	if err := creds.validate(); err != nil {
		return nil, err
	}
	req := request{
		method:  http.MethodGet,
		path:    "/push_subscriptions",
		query:   creds.values(),
		app:     true,
		secrets: []string{creds.ClientSecret},
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	var subs []Subscription
	if err := decodeJSON(resp, req, &subs); err != nil {
		return nil, err
	}
	for i, s := range subs {
		if s.ID <= 0 {
			return nil, missingID(req, fmt.Sprintf("subscription %d of the list", i+1))
		}
	}
	if subs == nil {
		subs = []Subscription{}
	}
	return subs, nil
}

// DeleteSubscription deletes a push subscription (DELETE
// /push_subscriptions/{id}; Strava answers 204 No Content).
func (c *Client) DeleteSubscription(ctx context.Context, creds AppCredentials, id int64) error {
	if err := creds.validate(); err != nil {
		return err
	}
	if id <= 0 {
		return fmt.Errorf("strava: subscription id %d is not valid", id)
	}
	req := request{
		method:  http.MethodDelete,
		path:    "/push_subscriptions/" + strconv.FormatInt(id, 10),
		query:   creds.values(),
		app:     true,
		secrets: []string{creds.ClientSecret},
	}
	_, err := c.do(ctx, req)
	return err
}
