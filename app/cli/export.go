package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
)

func runExport(ctx context.Context, e *env, args []string) error {
	fs, qf := addQueryFlags(e, "export", false)
	format := fs.String("format", "", "csv, json or gpx (required)")
	out := fs.String("out", "", "write to FILE instead of standard output")
	id := fs.Int64("id", 0, "only this activity")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	switch *format {
	case "csv", "json", "gpx":
	case "":
		return usagef("--format is required: csv, json or gpx")
	default:
		return usagef("--format %q: want csv, json or gpx", *format)
	}
	if *id < 0 {
		return usagef("--id must be positive")
	}
	q, err := qf.query()
	if err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		acts, skipped, err := selectActivities(a, q, *id)
		if err != nil {
			return err
		}
		if skipped > 0 {
			fmt.Fprintf(e.stdio.Err, "warning: %s\n", app.DamagedWarning(skipped))
		}
		write := func(w io.Writer) error {
			switch *format {
			case "csv":
				return export.CSV(w, acts)
			case "json":
				return export.JSON(w, acts)
			default:
				tracks, err := a.GPXTracks(ctx, acts)
				if err != nil {
					return fmt.Errorf("loading routes (%d of %d ready): %w", len(tracks), len(acts), err)
				}
				skipped, err := export.GPX(w, tracks)
				if len(skipped) > 0 && err == nil {
					fmt.Fprintf(e.stdio.Err, "%d activities have no GPS track and were left out\n", len(skipped))
				}
				return err
			}
		}
		if *out == "" {
			return write(e.stdio.Out)
		}
		if err := app.WriteFileAtomic(*out, write); err != nil {
			return err
		}
		fmt.Fprintf(e.stdio.Err, "Exported %d activities to %s\n", len(acts), *out)
		return nil
	})
}

func selectActivities(a *app.App, q store.Query, id int64) ([]store.Activity, int, error) {
	if id > 0 {
		act, err := a.Activity(id)
		if err != nil {
			return nil, 0, err
		}
		return []store.Activity{act}, 0, nil
	}
	return a.ActivitiesCounted(q)
}
