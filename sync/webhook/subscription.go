package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
)

// SubscriptionClient is the part of the Strava client for push subscriptions.
type SubscriptionClient interface {
	CreateSubscription(ctx context.Context, creds strava.AppCredentials, callbackURL, verifyToken string) (strava.Subscription, error)
	ListSubscriptions(ctx context.Context, creds strava.AppCredentials) ([]strava.Subscription, error)
	DeleteSubscription(ctx context.Context, creds strava.AppCredentials, id int64) error
}

// Subscription errors; match with errors.Is.
var (
	// ErrSubscriptionExists: Strava allows one subscription per application
	// and there is one already (Subscribe without replacing).
	ErrSubscriptionExists = errors.New("a webhook subscription already exists for this Strava application")
	// ErrNoSubscription: there is no subscription to delete.
	ErrNoSubscription = errors.New("no webhook subscription")
)

// ensureRounds bounds Ensure's list-reconcile-create rounds when Strava keeps
// answering "already exists" (another process creating concurrently).
const ensureRounds = 3

// Subscriptions manages the application's push subscription and records it
// in the store's sync state (SyncState.Webhook). Secrets are passed to
// Strava only; they never appear in errors or logs.
type Subscriptions struct {
	Client SubscriptionClient
	Creds  strava.AppCredentials
	Store  *store.Store
	Logger *slog.Logger // default slog.Default()
}

func (m *Subscriptions) log() *slog.Logger {
	if m.Logger == nil {
		return slog.Default().With("component", "webhook-subscription")
	}
	return m.Logger.With("component", "webhook-subscription")
}

// Ensure makes exactly one subscription point at callbackURL: it keeps an
// existing one with that URL, deletes the others, creates one when none is
// left (Strava validates callbackURL with a GET carrying verifyToken, so the
// handler must already be served there) and, on Strava's "already exists",
// lists again and reconciles. The result is recorded in SyncState.Webhook.
func (m *Subscriptions) Ensure(ctx context.Context, callbackURL, verifyToken string) (strava.Subscription, error) {
	log := m.log()
	for range ensureRounds {
		subs, err := m.Client.ListSubscriptions(ctx, m.Creds)
		if err != nil {
			return strava.Subscription{}, fmt.Errorf("listing webhook subscriptions: %w", err)
		}
		var keep *strava.Subscription
		var stale []strava.Subscription
		for i, s := range subs {
			if s.CallbackURL == callbackURL && keep == nil {
				keep = &subs[i]
			} else {
				stale = append(stale, s)
			}
		}
		if len(stale) > 0 {
			// While replacing, no subscription is recorded: events are
			// refused, not acknowledged, and Strava sends them again.
			if err := m.record(0, ""); err != nil {
				return strava.Subscription{}, err
			}
		}
		for _, s := range stale {
			log.Info("deleting webhook subscription with another callback URL", "id", s.ID, "callback_url", redactURL(s.CallbackURL))
			if err := m.Client.DeleteSubscription(ctx, m.Creds, s.ID); err != nil && !errors.Is(err, strava.ErrNotFound) {
				return strava.Subscription{}, fmt.Errorf("deleting webhook subscription %d: %w", s.ID, err)
			}
		}
		if keep != nil {
			log.Info("webhook subscription in place", "id", keep.ID, "callback_url", redactURL(keep.CallbackURL))
			return *keep, m.record(keep.ID, keep.CallbackURL)
		}
		sub, err := m.create(ctx, callbackURL, verifyToken)
		if errors.Is(err, ErrSubscriptionExists) {
			log.Info("Strava says a webhook subscription already exists; reconciling")
			continue
		}
		return sub, err
	}
	return strava.Subscription{}, fmt.Errorf("webhook subscription: Strava kept answering %q after %d rounds: %w",
		"already exists", ensureRounds, ErrSubscriptionExists)
}

// Subscribe creates the subscription (`owtray webhook subscribe`): it fails
// with ErrSubscriptionExists, naming the existing one, when there is one
// with another callback URL; one with the same URL is kept.
func (m *Subscriptions) Subscribe(ctx context.Context, callbackURL, verifyToken string) (strava.Subscription, error) {
	subs, err := m.Client.ListSubscriptions(ctx, m.Creds)
	if err != nil {
		return strava.Subscription{}, fmt.Errorf("listing webhook subscriptions: %w", err)
	}
	for _, s := range subs {
		if s.CallbackURL == callbackURL {
			return s, m.record(s.ID, s.CallbackURL)
		}
	}
	if len(subs) > 0 {
		s := subs[0]
		return strava.Subscription{}, fmt.Errorf("%w: id %d, callback URL %s; delete it first (owtray webhook delete %d)",
			ErrSubscriptionExists, s.ID, redactURL(s.CallbackURL), s.ID)
	}
	return m.create(ctx, callbackURL, verifyToken)
}

// create creates a subscription and records it.
func (m *Subscriptions) create(ctx context.Context, callbackURL, verifyToken string) (strava.Subscription, error) {
	if err := m.record(0, ""); err != nil {
		return strava.Subscription{}, err
	}
	sub, err := m.Client.CreateSubscription(ctx, m.Creds, callbackURL, verifyToken)
	switch {
	case alreadyExists(err):
		return strava.Subscription{}, fmt.Errorf("creating webhook subscription: %w", ErrSubscriptionExists)
	case notVerifiable(err):
		return strava.Subscription{}, fmt.Errorf("creating webhook subscription: Strava could not verify %s "+
			"(it must be reachable from the internet and answer %s with the verify token): %w",
			redactURL(callbackURL), WebhookPath, err)
	case err != nil:
		return strava.Subscription{}, fmt.Errorf("creating webhook subscription: %w", err)
	}
	m.log().Info("webhook subscription created", "id", sub.ID, "callback_url", redactURL(sub.CallbackURL))
	return sub, m.record(sub.ID, sub.CallbackURL)
}

// List returns the application's subscriptions (`owtray webhook list`).
func (m *Subscriptions) List(ctx context.Context) ([]strava.Subscription, error) {
	subs, err := m.Client.ListSubscriptions(ctx, m.Creds)
	if err != nil {
		return nil, fmt.Errorf("listing webhook subscriptions: %w", err)
	}
	return subs, nil
}

// Delete deletes subscription id (`owtray webhook delete [ID]`); id 0 means
// the application's only subscription. It returns the deleted id; the
// recorded subscription is forgotten when it was that one.
func (m *Subscriptions) Delete(ctx context.Context, id int64) (int64, error) {
	if id == 0 {
		subs, err := m.List(ctx)
		if err != nil {
			return 0, err
		}
		switch len(subs) {
		case 0:
			return 0, ErrNoSubscription
		case 1:
			id = subs[0].ID
		default:
			return 0, fmt.Errorf("%d webhook subscriptions exist: name the one to delete", len(subs))
		}
	}
	if err := m.Client.DeleteSubscription(ctx, m.Creds, id); err != nil {
		if errors.Is(err, strava.ErrNotFound) {
			return 0, fmt.Errorf("webhook subscription %d: %w", id, ErrNoSubscription)
		}
		return 0, fmt.Errorf("deleting webhook subscription %d: %w", id, err)
	}
	m.log().Info("webhook subscription deleted", "id", id)
	if m.Store == nil {
		return id, nil
	}
	err := m.Store.UpdateSyncState(func(s *store.SyncState) {
		if s.Webhook.SubscriptionID == id {
			s.Webhook = store.WebhookState{}
		}
	})
	if err != nil {
		return id, fmt.Errorf("forgetting webhook subscription %d: %w", id, err)
	}
	return id, nil
}

// record stores the subscription in SyncState.Webhook (0: not known).
func (m *Subscriptions) record(id int64, callbackURL string) error {
	if m.Store == nil {
		return nil
	}
	err := m.Store.UpdateSyncState(func(s *store.SyncState) {
		s.Webhook = store.WebhookState{SubscriptionID: id, CallbackURL: callbackURL}
	})
	if err != nil {
		return fmt.Errorf("recording webhook subscription: %w", err)
	}
	return nil
}

// alreadyExists recognises Strava's 400 "already exists" answer.
func alreadyExists(err error) bool { return apiErrorCode(err, "already exists") }

// notVerifiable recognises Strava's 400 "callback url not verifiable".
func notVerifiable(err error) bool { return apiErrorCode(err, "not verifiable") }

func apiErrorCode(err error, code string) bool {
	apiErr, ok := errors.AsType[*strava.APIError](err)
	if !ok {
		return false
	}
	for _, f := range apiErr.Errors {
		if strings.Contains(strings.ToLower(f.Code), code) {
			return true
		}
	}
	return strings.Contains(strings.ToLower(apiErr.Message), code)
}
