package stravasim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	maxCallbackURL    = 255 // Strava's limit for callback_url
	deliveryAttempts  = 3   // Strava: up to a total of three attempts
	maxValidationBody = 64 << 10
)

type subscription struct {
	id          int64
	callbackURL string
	created     time.Time
}

type subscriptionJSON struct {
	ID            int64  `json:"id"`
	ResourceState int    `json:"resource_state"`
	ApplicationID int64  `json:"application_id"`
	CallbackURL   string `json:"callback_url"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
}

func (s *Sim) subscriptionJSON(sub *subscription) subscriptionJSON {
	ts := sub.created.UTC().Format(time.RFC3339Nano)
	return subscriptionJSON{
		ID: sub.id, ResourceState: resourceSummary, ApplicationID: s.appID,
		CallbackURL: sub.callbackURL, CreatedAt: ts, UpdatedAt: ts,
	}
}

// handleCreateSubscription is POST /push_subscriptions (client_id,
// client_secret, callback_url, verify_token as form fields or query
// parameters). It validates the callback with Strava's GET handshake first.
// On success it answers 201 with the subscription (Strava documents {"id": …};
// the other fields are extra and harmless).
func (s *Sim) handleCreateSubscription(w http.ResponseWriter, r *http.Request) {
	if !s.clientForm(w, r, "PushSubscription") {
		return
	}
	callback := r.Form.Get("callback_url")
	u, err := url.Parse(callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(callback) > maxCallbackURL {
		writeError(w, errBadRequest("PushSubscription", "callback url", "invalid"))
		return
	}
	verifyToken := r.Form.Get("verify_token")
	if verifyToken == "" {
		writeError(w, errBadRequest("PushSubscription", "verify token", "invalid"))
		return
	}

	s.mu.Lock()
	if s.sub != nil || s.subCreating {
		s.mu.Unlock()
		writeError(w, errBadRequest("PushSubscription", "", "already exists"))
		return
	}
	s.subCreating = true
	s.mu.Unlock()

	verified := s.verifyCallback(r.Context(), callback, verifyToken)

	s.mu.Lock()
	s.subCreating = false
	var body subscriptionJSON
	if verified {
		s.sub = &subscription{id: s.nextSubID, callbackURL: callback, created: s.now()}
		s.nextSubID++
		body = s.subscriptionJSON(s.sub)
	}
	s.mu.Unlock()
	if !verified {
		writeError(w, errBadRequest("PushSubscription", "callback url", "not verifiable"))
		return
	}
	s.log.Info("stravasim: push subscription created", "id", body.ID)
	writeJSON(w, http.StatusCreated, body)
}

// verifyCallback performs Strava's validation GET: the callback must answer
// 200 with {"hub.challenge": "<challenge>"} within the delivery timeout.
func (s *Sim) verifyCallback(ctx context.Context, callback, verifyToken string) bool {
	challenge := newSecret()[:32]
	q := url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {challenge}, "hub.verify_token": {verifyToken}}
	sep := "?"
	if strings.Contains(callback, "?") {
		sep = "&"
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, callback+sep+q.Encode(), nil)
	if err != nil {
		return false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// The URL of the error holds the verify token: log only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		s.log.Info("stravasim: callback validation failed", "err", err)
		return false
	}
	defer resp.Body.Close()
	var echo map[string]any
	err = json.NewDecoder(io.LimitReader(resp.Body, maxValidationBody)).Decode(&echo)
	if resp.StatusCode != http.StatusOK || err != nil {
		s.log.Info("stravasim: callback validation failed", "status", resp.StatusCode)
		return false
	}
	got, _ := echo["hub.challenge"].(string)
	return got == challenge
}

// handleListSubscriptions is GET /push_subscriptions: an array with the
// application's subscription, if any.
func (s *Sim) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	if !s.clientForm(w, r, "PushSubscription") {
		return
	}
	out := []subscriptionJSON{}
	s.mu.Lock()
	if s.sub != nil {
		out = append(out, s.subscriptionJSON(s.sub))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// handleDeleteSubscription is DELETE /push_subscriptions/{id}: 204 No Content.
func (s *Sim) handleDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	if !s.clientForm(w, r, "PushSubscription") {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	found := err == nil && s.sub != nil && s.sub.id == id
	if found {
		s.sub = nil
	}
	s.mu.Unlock()
	if !found {
		writeError(w, &apiError{status: http.StatusNotFound, body: fault{
			Message: "Resource Not Found",
			Errors:  []faultError{{Resource: "PushSubscription", Field: "id", Code: "not found"}},
		}})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Subscription returns the current push subscription's id and callback URL.
func (s *Sim) Subscription() (id int64, callbackURL string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sub == nil {
		return 0, "", false
	}
	return s.sub.id, s.sub.callbackURL, true
}

// Event is a webhook event as Strava POSTs it to the callback URL.
type Event struct {
	AspectType     string            `json:"aspect_type"`
	EventTime      int64             `json:"event_time"`
	ObjectID       int64             `json:"object_id"`
	ObjectType     string            `json:"object_type"`
	OwnerID        int64             `json:"owner_id"`
	SubscriptionID int64             `json:"subscription_id"`
	Updates        map[string]string `json:"updates"`
}

// Attempt is one POST of an event to the callback.
type Attempt struct {
	Status   int           `json:"status"` // 0 when no answer came
	Err      string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Delivery is an event and what happened when the simulator delivered it.
type Delivery struct {
	Event       Event     `json:"event"`
	CallbackURL string    `json:"callback_url"`
	Attempts    []Attempt `json:"attempts"`
	Delivered   bool      `json:"delivered"` // a 200 arrived within the timeout
	Done        bool      `json:"done"`      // no further attempt will be made
}

type delivery struct {
	event     Event
	url       string
	attempts  []Attempt
	delivered bool
	done      bool
}

func (d *delivery) snapshot() Delivery {
	ev := d.event
	ev.Updates = make(map[string]string, len(d.event.Updates))
	for k, v := range d.event.Updates {
		ev.Updates[k] = v
	}
	return Delivery{Event: ev, CallbackURL: d.url, Attempts: append([]Attempt(nil), d.attempts...), Delivered: d.delivered, Done: d.done}
}

// enqueueLocked queues an event for the subscription, if there is one.
// Events are delivered in order by one goroutine.
func (s *Sim) enqueueLocked(ev Event) {
	if s.sub == nil || s.closed {
		return
	}
	ev.SubscriptionID = s.sub.id
	ev.EventTime = s.now().Unix()
	if ev.Updates == nil {
		ev.Updates = map[string]string{}
	}
	copies := 1
	if ev.AspectType == "create" && s.behaviour.duplicateCreates {
		copies = 2 // Strava may deliver the same create event twice
	}
	for range copies {
		d := &delivery{event: ev, url: s.sub.callbackURL}
		s.deliveries = append(s.deliveries, d)
		s.queue = append(s.queue, d)
	}
	s.notifyLocked()
	if !s.delivering {
		s.delivering = true
		s.wg.Add(1)
		go s.deliverLoop()
	}
}

func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Sim) deliverLoop() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.closed {
			s.delivering = false
			s.mu.Unlock()
			return
		}
		d := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		s.deliver(d)
	}
}

// deliver POSTs one event up to three times, like Strava: an attempt fails
// unless a 200 arrives within the delivery timeout.
func (s *Sim) deliver(d *delivery) {
	body, err := json.Marshal(d.event)
	if err != nil {
		return
	}
	for attempt := 1; attempt <= deliveryAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(s.cfg.DeliveryRetryDelay)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				s.finish(d, nil, false, true)
				return
			}
		}
		a := s.post(d.url, body)
		ok := a.Status == http.StatusOK && a.Err == ""
		s.finish(d, &a, ok, ok || attempt == deliveryAttempts)
		if ok {
			return
		}
	}
}

func (s *Sim) finish(d *delivery, a *Attempt, delivered, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a != nil {
		d.attempts = append(d.attempts, *a)
	}
	d.delivered = d.delivered || delivered
	d.done = d.done || done
	s.notifyLocked()
}

func (s *Sim) post(callback string, body []byte) Attempt {
	start := time.Now()
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return Attempt{Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "stravasim")
	resp, err := s.client.Do(req)
	if err != nil {
		return Attempt{Err: err.Error(), Duration: time.Since(start)}
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxValidationBody))
	a := Attempt{Status: resp.StatusCode, Duration: time.Since(start)}
	if err != nil {
		a.Err = err.Error()
	}
	return a
}

// Deliveries returns every event delivery so far, oldest first.
func (s *Sim) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotDeliveriesLocked()
}

func (s *Sim) snapshotDeliveriesLocked() []Delivery {
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.snapshot()
	}
	return out
}

// WaitDeliveries waits until at least n deliveries are done (delivered or
// given up) and returns all deliveries; on ctx's end it returns them with ctx.Err().
func (s *Sim) WaitDeliveries(ctx context.Context, n int) ([]Delivery, error) {
	for {
		s.mu.Lock()
		done := 0
		for _, d := range s.deliveries {
			if d.done {
				done++
			}
		}
		ch := s.changed
		if done >= n {
			out := s.snapshotDeliveriesLocked()
			s.mu.Unlock()
			return out, nil
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Deliveries(), ctx.Err()
		}
	}
}

// ResetDeliveries forgets the finished deliveries (queued ones stay).
func (s *Sim) ResetDeliveries() {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.deliveries[:0]
	for _, d := range s.deliveries {
		if !d.done {
			kept = append(kept, d)
		}
	}
	s.deliveries = kept
	s.notifyLocked()
}
