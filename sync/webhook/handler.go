package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/owtray/owtray/sync/store"
)

// Routes.
const (
	// WebhookPath is the callback URL's path: the validation GET and the
	// event POSTs.
	WebhookPath = "/api/v1/strava/webhook"
	// MaxEventBody is the largest event body accepted (413 beyond).
	MaxEventBody = 64 << 10
	// QueueFullRetryAfter is the Retry-After of a 503 "queue full".
	QueueFullRetryAfter = time.Minute
	// maxChallenge bounds the hub.challenge echoed back.
	maxChallenge = 1024
)

// Identity is who the webhook serves: events of other athletes or other
// subscriptions are ignored.
type Identity struct {
	// AthleteID is the connected athlete; 0 when nobody is connected (every
	// event is then ignored).
	AthleteID int64
	// SubscriptionID is this installation's push subscription; 0 when none
	// is stored: every event is then refused (Strava sends events only to a
	// subscription, so one without is forged, or arrives in the instant
	// before the new subscription's id is stored and comes again with
	// Strava's retry).
	SubscriptionID int64
}

// Config configures a Handler.
type Config struct {
	// Store holds the durable event queue. Required.
	Store *store.Store
	// VerifyToken is STRAVA_WEBHOOK_VERIFY_TOKEN. Required. It is compared in
	// constant time and never logged or shown.
	VerifyToken string
	// Identity returns the connected athlete and our subscription id. Nil:
	// the store's athlete id and SyncState().Webhook.SubscriptionID. The
	// handler keeps the answer for up to IdentityTTL for events that match
	// it, and asks again before ignoring an event that does not.
	Identity func() (Identity, error)
	// IdentityTTL: default 5 s.
	IdentityTTL time.Duration
	// Observer is told what became of every event POST (the app wakes the
	// worker and counts for its health report). Nil: nobody is told.
	Observer Observer
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Observer is what the handler notifies. Its methods are called from the
// request's goroutine and must not block.
type Observer interface {
	// Queued: an event was newly and durably queued; process the queue.
	Queued()
	// Ignored: an event of another athlete or subscription; logged, not stored.
	Ignored()
	// Rejected: a request that is not a valid event (answered 4xx).
	Rejected()
}

// Handler is the HTTP intake of webhooks: it answers the validation GET
// and queues event POSTs, on exactly WebhookPath (404 elsewhere, 405 with
// an Allow header for other methods). It is safe for concurrent use.
type Handler struct {
	cfg       Config
	log       *slog.Logger
	tokenHash [sha256.Size]byte
	identity  atomic.Pointer[cachedIdentity]
}

type cachedIdentity struct {
	Identity
	at time.Time
}

// NewHandler checks cfg and returns the handler.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook handler: no store")
	}
	if cfg.VerifyToken == "" {
		return nil, errors.New("webhook handler: no verify token (STRAVA_WEBHOOK_VERIFY_TOKEN)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Identity == nil {
		cfg.Identity = storeIdentity(cfg.Store)
	}
	if cfg.IdentityTTL <= 0 {
		cfg.IdentityTTL = 5 * time.Second
	}
	h := &Handler{cfg: cfg, log: cfg.Logger.With("component", "webhook"), tokenHash: sha256.Sum256([]byte(cfg.VerifyToken))}
	h.cfg.VerifyToken = "" // only the hash is kept
	return h, nil
}

// storeIdentity reads the identity from the store.
func storeIdentity(st *store.Store) func() (Identity, error) {
	return func() (Identity, error) {
		athlete, err := st.AthleteID()
		if err != nil {
			return Identity{}, err
		}
		ss, err := st.SyncState()
		if err != nil {
			return Identity{}, err
		}
		return Identity{AthleteID: athlete, SubscriptionID: ss.Webhook.SubscriptionID}, nil
	}
}

// ServeHTTP routes by exact path and method.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch r.URL.Path {
	case WebhookPath:
		switch r.Method {
		case http.MethodGet:
			h.verify(w, r)
		case http.MethodPost:
			h.receive(w, r)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	default:
		writeError(w, http.StatusNotFound, "not found")
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method not allowed")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// verify answers Strava's subscription validation GET.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		h.log.Info("webhook validation rejected: malformed query")
		writeError(w, http.StatusBadRequest, "malformed query string")
		return
	}
	var vals [3]string
	for i, name := range []string{"hub.mode", "hub.verify_token", "hub.challenge"} {
		switch v := q[name]; {
		case len(v) == 0 || v[0] == "":
			writeError(w, http.StatusBadRequest, "missing "+name)
			return
		case len(v) > 1:
			writeError(w, http.StatusBadRequest, "more than one "+name)
			return
		default:
			vals[i] = v[0]
		}
	}
	mode, token, challenge := vals[0], vals[1], vals[2]
	if mode != "subscribe" {
		writeError(w, http.StatusBadRequest, "hub.mode must be subscribe")
		return
	}
	if got := sha256.Sum256([]byte(token)); subtle.ConstantTimeCompare(got[:], h.tokenHash[:]) != 1 {
		h.log.Warn("webhook validation rejected: wrong verify token", "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, "wrong hub.verify_token")
		return
	}
	if len(challenge) > maxChallenge {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("hub.challenge longer than %d bytes", maxChallenge))
		return
	}
	h.log.Info("webhook validation answered")
	writeJSON(w, http.StatusOK, map[string]string{"hub.challenge": challenge})
}

// ackBody is the answer to an event POST.
type ackBody struct {
	Status string `json:"status"` // "queued", "duplicate" or "ignored"
	Reason string `json:"reason,omitempty"`
}

// receive handles an event POST: parse, check whose it is, queue durably,
// answer. It never waits for Strava.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	if status, reason := notFromStrava(r); status != 0 {
		h.reject(w, status, reason)
		return
	}
	if r.ContentLength > MaxEventBody {
		h.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxEventBody))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEventBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.reject(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxEventBody))
			return
		}
		h.reject(w, http.StatusBadRequest, "cannot read body")
		return
	}
	ev, err := ParseEvent(body)
	if err != nil {
		h.reject(w, http.StatusBadRequest, err.Error())
		return
	}
	reason, err := h.foreign(ev)
	if err != nil {
		h.log.Error("webhook event not queued: cannot read identity", "err", err)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	if reason == noSubscription {
		h.reject(w, http.StatusForbidden, reason.String()+": event refused")
		return
	}
	if reason != ours {
		h.notify(Observer.Ignored)
		h.log.Info("webhook event ignored", "reason", reason.String(), "object_type", ev.ObjectType,
			"object_id", ev.ObjectID, "aspect_type", ev.AspectType, "owner_id", ev.OwnerID, "subscription_id", ev.SubscriptionID)
		writeJSON(w, http.StatusOK, ackBody{Status: "ignored", Reason: reason.String()})
		return
	}
	seq, dup, err := h.cfg.Store.EnqueueEvent(ev.queued())
	if errors.Is(err, store.ErrQueueFull) {
		// Not acknowledged: Strava delivers it again later, by when the
		// worker has made room. Never a silent drop.
		h.log.Warn("webhook event refused: queue full", "object_type", ev.ObjectType, "object_id", ev.ObjectID)
		w.Header().Set("Retry-After", strconv.Itoa(int(QueueFullRetryAfter/time.Second)))
		writeError(w, http.StatusServiceUnavailable, "event queue full, try again later")
		return
	}
	if err != nil {
		// Not acknowledged: Strava retries.
		h.log.Error("webhook event not queued", "err", err, "object_type", ev.ObjectType, "object_id", ev.ObjectID)
		writeError(w, http.StatusInternalServerError, "storage error")
		return
	}
	if dup {
		h.log.Info("webhook event redelivered, already queued", "seq", seq, "object_type", ev.ObjectType, "object_id", ev.ObjectID)
		writeJSON(w, http.StatusOK, ackBody{Status: "duplicate"})
		return
	}
	h.log.Info("webhook event queued", "seq", seq, "object_type", ev.ObjectType,
		"object_id", ev.ObjectID, "aspect_type", ev.AspectType)
	h.notify(Observer.Queued)
	writeJSON(w, http.StatusOK, ackBody{Status: "queued"})
}

func (h *Handler) reject(w http.ResponseWriter, status int, reason string) {
	h.notify(Observer.Rejected)
	h.log.Info("webhook event rejected", "status", status, "reason", reason)
	writeError(w, status, reason)
}

// foreign says why an event is not ours (ours: it is). A recent cached
// identity accepts an event; rejecting one always takes a fresh look, so
// that a new subscription's first events are not ignored. (Accepting on a
// stale identity is harmless: the worker checks the owner again.)
func (h *Handler) foreign(ev Event) (foreignReason, error) {
	if c := h.identity.Load(); c != nil && time.Since(c.at) < h.cfg.IdentityTTL && mismatch(ev, c.Identity) == ours {
		return ours, nil
	}
	id, err := h.cfg.Identity()
	if err != nil {
		return ours, err
	}
	h.identity.Store(&cachedIdentity{Identity: id, at: time.Now()})
	return mismatch(ev, id), nil
}

// foreignReason is why an event does not belong to the connected athlete.
type foreignReason int

const (
	ours foreignReason = iota
	// noSubscription: no push subscription is stored; such an event is
	// refused (403), not acknowledged.
	noSubscription
	noAthlete
	otherOwner
	otherSubscription
)

func (r foreignReason) String() string {
	switch r {
	case ours:
		return ""
	case noSubscription:
		return "no push subscription stored"
	case noAthlete:
		return "no athlete connected"
	case otherOwner:
		return "owner is not the connected athlete"
	case otherSubscription:
		return "not our subscription"
	}
	return fmt.Sprintf("foreignReason(%d)", int(r))
}

// mismatch says why ev does not belong to id.
func mismatch(ev Event, id Identity) foreignReason {
	switch {
	case id.SubscriptionID == 0:
		return noSubscription
	case id.AthleteID == 0:
		return noAthlete
	case ev.OwnerID != id.AthleteID:
		return otherOwner
	case ev.SubscriptionID != id.SubscriptionID:
		return otherSubscription
	}
	return ours
}

func (h *Handler) notify(what func(Observer)) {
	if h.cfg.Observer != nil {
		what(h.cfg.Observer)
	}
}

// notFromStrava refuses what only a browser sends: every web page the user
// opens can post to the loopback server, and a form or a no-cors fetch
// needs no preflight. Browsers add Origin to every POST and Sec-Fetch-Site
// to every request (other than "none" when a page or another site made
// it); Strava's servers send neither. And Strava posts its events as
// application/json (a parameter such as charset is accepted; receivers
// built on Express's express.json(), which parses only that type, get
// Strava's real events, e.g. markbradley27/express-strava), which no
// page can send cross-origin without a CORS preflight this server never
// grants. An empty body is left to the parser (400). It returns the
// status and reason, or 0.
func notFromStrava(r *http.Request) (int, string) {
	if r.Header.Get("Origin") != "" {
		return http.StatusForbidden, "requests from web pages are refused (Origin header present)"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "none" {
		return http.StatusForbidden, "requests from web pages are refused (Sec-Fetch-Site is not none)"
	}
	if r.ContentLength == 0 {
		return 0, ""
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return http.StatusUnsupportedMediaType, "Content-Type must be application/json"
	}
	return 0, ""
}

// redactURL drops user info, query and fragment, which may carry secrets.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(not shown: not a valid URL)"
	}
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	out := clean.String()
	if u.RawQuery != "" || u.User != nil {
		out += " (query and user info not shown)"
	}
	return strings.TrimSpace(out)
}
