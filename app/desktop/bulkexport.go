package desktop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/ui"
)

// ExportList writes the activities f matches, newest first, with
// app/export's writers. GPX fetches the streams that are not stored yet;
// when Strava's rate limit is spent it waits for the window to reset
// (saying until when) and goes on, so a long export never fails on the
// limit. Activities without a GPS route are left out of GPX without a
// request.
func (b *Backend) ExportList(ctx context.Context, f ui.Filter, format ui.ExportFormat, w io.Writer, progress func(ui.ExportProgress)) error {
	q := store.Query{Search: f.Search, Sport: f.Sport, Since: f.Since, Until: f.Until}
	acts, err := b.app.Activities(q)
	if err != nil {
		return err
	}
	total := len(acts)
	progress(ui.ExportProgress{Total: total})
	switch format {
	case ui.ExportCSV:
		err = export.CSV(w, acts)
	case ui.ExportJSON:
		err = export.JSON(w, acts)
	default:
		return b.exportGPX(ctx, acts, w, progress)
	}
	if err == nil {
		progress(ui.ExportProgress{Done: total, Total: total})
	}
	return err
}

func (b *Backend) exportGPX(ctx context.Context, acts []store.Activity, w io.Writer, progress func(ui.ExportProgress)) error {
	tracks := make([]export.Track, 0, len(acts))
	for i, act := range acts {
		if hasRoute(act) {
			s, err := b.streamsWaiting(ctx, act.ID, func(until time.Time) {
				progress(ui.ExportProgress{Done: i, Total: len(acts), WaitingUntil: until})
			})
			if err != nil {
				return err
			}
			tracks = append(tracks, export.Track{Activity: act, Streams: s})
		}
		progress(ui.ExportProgress{Done: i + 1, Total: len(acts)})
	}
	if len(tracks) == 0 {
		return errNoGPS
	}
	_, err := export.GPX(w, tracks)
	return err
}

// streamsWaiting returns the activity's streams, waiting as long as
// Strava's rate limit says.
func (b *Backend) streamsWaiting(ctx context.Context, id int64, waiting func(until time.Time)) (strava.Streams, error) {
	for {
		tracks, err := b.app.GPXTracks(ctx, []store.Activity{{ID: id}})
		var rl *strava.RateLimitError
		if !errors.As(err, &rl) || rl.ResumeAt.IsZero() {
			if err != nil {
				return strava.Streams{}, err
			}
			return tracks[0].Streams, nil
		}
		waiting(rl.ResumeAt)
		t := time.NewTimer(time.Until(rl.ResumeAt) + time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return strava.Streams{}, fmt.Errorf("export cancelled while waiting for Strava's rate limit: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// errNoGPS: GPX needs a GPS route.
var errNoGPS = errors.New("no GPS route: this activity was recorded without GPS, and GPX needs one")

// hasRoute reports whether the stored summary has a GPS route.
func hasRoute(a store.Activity) bool {
	var s struct {
		Map struct {
			SummaryPolyline string `json:"summary_polyline"`
			Polyline        string `json:"polyline"`
		} `json:"map"`
	}
	if err := json.Unmarshal(a.JSON(), &s); err != nil {
		return true // let the export say what is wrong
	}
	return s.Map.SummaryPolyline != "" || s.Map.Polyline != ""
}
