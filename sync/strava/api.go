package strava

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Athlete returns the authenticated athlete (GET /athlete).
func (c *Client) Athlete(ctx context.Context) (Athlete, error) {
	req := request{method: http.MethodGet, path: "/athlete"}
	var a Athlete
	if err := c.getObject(ctx, req, &a); err != nil {
		return Athlete{}, err
	}
	if a.ID <= 0 {
		return Athlete{}, missingID(req, "athlete")
	}
	return a, nil
}

// ListOptions are the parameters of GET /athlete/activities. Zero values are
// left out of the request (Strava's defaults then apply).
type ListOptions struct {
	// Before and After filter on the start time (sent as epoch seconds).
	Before time.Time
	After  time.Time
	// Page starts at 1.
	Page int
	// PerPage is 1..200; Strava's default is 30.
	PerPage int
}

func (o ListOptions) query() (url.Values, error) {
	q := url.Values{}
	if o.PerPage < 0 || o.PerPage > MaxPerPage {
		return nil, fmt.Errorf("strava: list activities: per_page %d out of range 1..%d", o.PerPage, MaxPerPage)
	}
	if o.Page < 0 {
		return nil, fmt.Errorf("strava: list activities: page %d out of range (pages start at 1)", o.Page)
	}
	if !o.Before.IsZero() && !o.After.IsZero() && !o.Before.After(o.After) {
		return nil, fmt.Errorf("strava: list activities: before (%s) must be later than after (%s)",
			o.Before.UTC().Format(time.RFC3339), o.After.UTC().Format(time.RFC3339))
	}
	for _, p := range []struct {
		key string
		t   time.Time
	}{{"before", o.Before}, {"after", o.After}} {
		if p.t.IsZero() {
			continue
		}
		if p.t.Unix() < 0 {
			return nil, fmt.Errorf("strava: list activities: %s %s is before 1970", p.key, p.t.UTC().Format(time.RFC3339))
		}
		q.Set(p.key, strconv.FormatInt(p.t.Unix(), 10))
	}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(o.PerPage))
	}
	return q, nil
}

// ListActivities returns one page of the athlete's activities, in Strava's
// order, as summary representations (GET /athlete/activities).
func (c *Client) ListActivities(ctx context.Context, opts ListOptions) ([]Activity, error) {
	q, err := opts.query()
	if err != nil {
		return nil, err
	}
	req := request{method: http.MethodGet, path: "/athlete/activities", query: q}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if b := bytes.TrimSpace(resp.body); len(b) == 0 || b[0] != '[' {
		return nil, fmt.Errorf("%w: %s %s: Strava's answer is not a JSON array (%s, %d bytes)",
			ErrBadResponse, req.method, req.path, contentTypeOrNone(resp.contentType), len(resp.body))
	}
	var list []Activity
	if err := decodeJSON(resp, req, &list); err != nil {
		return nil, err
	}
	for i, a := range list {
		if a.ID <= 0 {
			return nil, missingID(req, fmt.Sprintf("activity %d of the page", i+1))
		}
	}
	if list == nil {
		list = []Activity{}
	}
	return list, nil
}

// Activity returns the detailed representation of an activity (GET
// /activities/{id}). A deleted or hidden activity gives ErrNotFound.
func (c *Client) Activity(ctx context.Context, id int64) (Activity, error) {
	if id <= 0 {
		return Activity{}, fmt.Errorf("strava: activity id %d is not valid", id)
	}
	req := request{method: http.MethodGet, path: "/activities/" + strconv.FormatInt(id, 10)}
	var a Activity
	if err := c.getObject(ctx, req, &a); err != nil {
		return Activity{}, err
	}
	if a.ID != id {
		if a.ID <= 0 {
			return Activity{}, missingID(req, "activity")
		}
		return Activity{}, fmt.Errorf("%w: %s %s: Strava answered with activity %d", ErrBadResponse, req.method, req.path, a.ID)
	}
	return a, nil
}

// Streams returns an activity's streams of the given types (GET
// /activities/{id}/streams?keys=...&key_by_type=true), e.g.
// Streams(ctx, id, []string{StreamTime, StreamLatLng, StreamAltitude}).
func (c *Client) Streams(ctx context.Context, id int64, keys []string) (Streams, error) {
	if id <= 0 {
		return Streams{}, fmt.Errorf("strava: activity id %d is not valid", id)
	}
	if len(keys) == 0 {
		return Streams{}, errors.New("strava: streams: no stream types asked for")
	}
	for _, k := range keys {
		if k == "" || strings.ContainsAny(k, ", ") {
			return Streams{}, fmt.Errorf("strava: streams: invalid stream type %q", k)
		}
	}
	req := request{
		method: http.MethodGet,
		path:   "/activities/" + strconv.FormatInt(id, 10) + "/streams",
		query:  url.Values{"keys": {strings.Join(keys, ",")}, "key_by_type": {"true"}},
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return Streams{}, err
	}
	s, err := ParseStreams(resp.body)
	if err != nil {
		return Streams{}, fmt.Errorf("%w: %s %s: %w", ErrBadResponse, req.method, req.path, err)
	}
	return s, nil
}

// getObject runs a request whose answer is one JSON object and decodes it.
// The object's bytes (trimmed of surrounding white space) end up in Raw
// fields as received.
func (c *Client) getObject(ctx context.Context, req request, v json.Unmarshaler) error {
	resp, err := c.do(ctx, req)
	if err != nil {
		return err
	}
	if !isJSONObject(resp.body) {
		return fmt.Errorf("%w: %s %s: Strava's answer is not a JSON object (%s, %d bytes)",
			ErrBadResponse, req.method, req.path, contentTypeOrNone(resp.contentType), len(resp.body))
	}
	return decodeJSON(resp, req, v)
}

func missingID(req request, what string) error {
	return fmt.Errorf("%w: %s %s: %s without an id", ErrBadResponse, req.method, req.path, what)
}

func contentTypeOrNone(ct string) string {
	if ct == "" {
		return "no Content-Type"
	}
	return ct
}
