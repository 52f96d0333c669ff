package app

import (
	"context"
	"fmt"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/webhook"
)

// SyncOptions select what Sync does.
type SyncOptions = engine.Options

// Sync brings the local activities up to date with Strava; when a sync is
// already running (the background one) it waits for it and then syncs.
func (a *App) Sync(ctx context.Context, opts SyncOptions) (engine.Report, error) {
	if _, err := a.tokens.Token(); err != nil {
		return engine.Report{}, err
	}
	a.setSyncing(true)
	rep, err := a.engine.SyncAfterRunning(ctx, opts)
	a.setSyncing(false)
	a.events.publish(Event{Kind: EventActivities})
	if err == nil {
		a.resumeEvents()
	}
	return rep, err
}

// resumeEvents lets a paused event worker go on: a sync that succeeded shows
// Strava answers again (e.g. the API application was reactivated after a
// 403 Application Inactive), with the same login.
func (a *App) resumeEvents() {
	in := a.instance()
	if in == nil {
		return
	}
	if in.worker.Status().State == webhook.StatePaused {
		a.log.Info("Strava answers again: webhook events go on")
		in.worker.Resume()
	}
}

// Activities lists stored activities, newest first.
func (a *App) Activities(q store.Query) ([]store.Activity, error) { return a.store.List(q) }

// CountActivities counts the activities q matches (ignoring Limit/Offset).
func (a *App) CountActivities(q store.Query) (int, error) {
	q.Limit, q.Offset = 0, 0
	return a.store.CountMatching(q)
}

// EachActivity calls fn for every activity q matches, newest first.
func (a *App) EachActivity(q store.Query, fn func(store.Activity) error) error {
	return a.store.Each(q, fn)
}

// Activity returns one stored activity.
func (a *App) Activity(id int64) (store.Activity, error) {
	act, err := a.store.Get(id)
	if err != nil {
		return store.Activity{}, fmt.Errorf("activity %d: %w", id, err)
	}
	return act, nil
}

// Sports lists the stored sport types with counts.
func (a *App) Sports() ([]store.SportCount, error) { return a.store.Sports() }

// FetchDetails fetches one activity's details from Strava now.
func (a *App) FetchDetails(ctx context.Context, id int64) (store.Activity, error) {
	act, err := a.engine.FetchDetail(ctx, id)
	a.events.publish(Event{Kind: EventActivities, ActivityID: id})
	return act, err
}

// Streams returns an activity's streams: cached, or fetched once within the
// rate limits and cached.
func (a *App) Streams(ctx context.Context, id int64) (strava.Streams, error) {
	return a.engine.Streams(ctx, id)
}

// GPXTracks loads the streams (cached, or fetched within the rate limits) of
// the activities for a GPX export. Activities recorded without GPS are kept
// with empty streams; the GPX writer skips and reports them. When Strava's
// limits stop the fetching, the tracks so far are returned with the error.
func (a *App) GPXTracks(ctx context.Context, acts []store.Activity) ([]export.Track, error) {
	tracks := make([]export.Track, 0, len(acts))
	for _, act := range acts {
		s, err := a.engine.Streams(ctx, act.ID)
		if err != nil {
			return tracks, err
		}
		tracks = append(tracks, export.Track{Activity: act, Streams: s})
	}
	return tracks, nil
}

// setSyncing counts the syncs running or waiting to run.
func (a *App) setSyncing(on bool) {
	a.stateMu.Lock()
	if on {
		a.syncing++
	} else {
		a.syncing--
	}
	a.progress = engine.Progress{}
	a.stateMu.Unlock()
	a.events.publish(Event{Kind: EventStatus})
}
