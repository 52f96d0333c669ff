package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/textfmt"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
)

func runSync(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "sync")
	full := fs.Bool("full", false, "re-list the whole history and remove activities deleted on Strava")
	details := fs.Bool("details", false, "also back-fill detailed activities within the rate-limit budget")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		return syncWithProgress(ctx, e, a, app.SyncOptions{Full: *full, Details: *details})
	})
}

// syncWithProgress runs a sync, showing its progress on stderr.
func syncWithProgress(ctx context.Context, e *env, a *app.App, opts app.SyncOptions) error {
	bar := newProgressPrinter(e.stdio.Err)
	cancel := a.Subscribe(func(ev app.Event) {
		if ev.Kind == app.EventProgress {
			bar.print(ev.Progress)
		}
	})
	rep, err := a.Sync(ctx, opts)
	cancel()
	bar.finish()
	if err != nil {
		if rep.Pages > 0 || rep.Added > 0 {
			fmt.Fprintf(e.stdio.Out, "Partial %s (kept; the next sync resumes)\n", rep)
		}
		return err
	}
	fmt.Fprintf(e.stdio.Out, "Synced %s in %s\n", rep, rep.Elapsed.Round(time.Millisecond))
	return nil
}

// progressPrinter draws a one-line progress display on a terminal and plain
// lines otherwise.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	drawn    bool
	last     time.Time
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	f, ok := w.(*os.File)
	return &progressPrinter{w: w, terminal: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progressPrinter) print(pr engine.Progress) {
	line := describeProgress(pr)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		return
	}
	// Plain lines: at most one a second, plus the last one.
	if now := time.Now(); pr.Done || now.Sub(p.last) >= time.Second {
		p.last = now
		fmt.Fprintln(p.w, line)
	}
}

func (p *progressPrinter) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func describeProgress(p engine.Progress) string {
	var b strings.Builder
	b.WriteString(string(p.Phase))
	if p.Total > 0 {
		const width = 24
		filled := min(width, p.Activities*width/p.Total)
		fmt.Fprintf(&b, " [%s%s] %s of %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), textfmt.Count(p.Activities), textfmt.Count(p.Total))
	} else {
		fmt.Fprintf(&b, ": %s activities", textfmt.Count(p.Activities))
	}
	if p.Pages > 0 {
		fmt.Fprintf(&b, ", %d pages", p.Pages)
	}
	if p.ETA > 0 {
		fmt.Fprintf(&b, ", about %s left", p.ETA.Round(time.Second))
	}
	return b.String()
}

// queryFlags are list's and export's filter flags.
type queryFlags struct {
	sport, since, until, search *string
	limit                       *int
}

func addQueryFlags(e *env, name string, withLimit bool) (*flag.FlagSet, *queryFlags) {
	fs := flags(e, name)
	q := &queryFlags{
		sport:  fs.String("sport", "", "only this sport_type (e.g. Run, Ride)"),
		since:  fs.String("since", "", "only activities on or after this local date (YYYY-MM-DD)"),
		until:  fs.String("until", "", "only activities on or before this local date (YYYY-MM-DD)"),
		search: fs.String("search", "", "only activities whose name contains this text"),
	}
	if withLimit {
		q.limit = fs.Int("limit", 0, "at most N activities (0 = all)")
	}
	return fs, q
}

func (q *queryFlags) query() (store.Query, error) {
	var out store.Query
	out.Sport, out.Search = *q.sport, *q.search
	if q.limit != nil {
		if *q.limit < 0 {
			return out, usagef("--limit must not be negative")
		}
		out.Limit = *q.limit
	}
	var err error
	if out.Since, err = parseDate("--since", *q.since); err != nil {
		return out, err
	}
	until, err := parseDate("--until", *q.until)
	if err != nil {
		return out, err
	}
	if !until.IsZero() {
		out.Until = until.AddDate(0, 0, 1) // the whole day
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Since.Before(out.Until) {
		return out, usagef("--since %s is after --until %s", *q.since, *q.until)
	}
	return out, nil
}

func parseDate(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, time.Local)
	if err != nil {
		return time.Time{}, usagef("%s %q: want a date like 2024-05-31", flagName, v)
	}
	return t, nil
}

func runList(_ context.Context, e *env, args []string) error {
	fs, qf := addQueryFlags(e, "list", true)
	asJSON := fs.Bool("json", false, "print a JSON array of activities as Strava sent them")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	q, err := qf.query()
	if err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		acts, skipped, err := a.ActivitiesCounted(q)
		if err != nil {
			return err
		}
		if skipped > 0 {
			fmt.Fprintf(e.stdio.Err, "warning: %s\n", app.DamagedWarning(skipped))
		}
		if *asJSON {
			return writeJSONArray(e.stdio.Out, acts)
		}
		if len(acts) == 0 {
			fmt.Fprintln(e.stdio.Err, "No activities match.")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDATE\tNAME\tSPORT\tDISTANCE\tMOVING\tELEV GAIN")
		for _, act := range acts {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2f km\t%s\t%.0f m\n", act.ID, act.StartDateLocal.Format("2006-01-02 15:04"),
				oneLine(act.Name), oneLine(act.SportType), act.Distance/1000, textfmt.Clock(act.MovingTime), act.TotalElevationGain)
		}
		return tw.Flush()
	})
}

func runShow(_ context.Context, e *env, args []string) error {
	fs := flags(e, "show")
	asJSON := fs.Bool("json", false, "print the activity as Strava sent it")
	if err := parse(fs, reorder(args), 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one activity ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usagef("activity ID %q is not a positive number", fs.Arg(0))
	}
	return e.withApp(func(a *app.App) error {
		act, err := a.Activity(id)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no activity %d stored here (run `owtray sync`?)", id)
		}
		if err != nil {
			return err
		}
		if *asJSON {
			_, err := e.stdio.Out.Write(append(indentJSON(act.JSON()), '\n'))
			return err
		}
		return printActivity(e.stdio.Out, act)
	})
}

func printActivity(w io.Writer, act store.Activity) error {
	var raw map[string]any
	_ = json.Unmarshal(act.JSON(), &raw)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	line("Name", oneLine(act.Name))
	line("Sport", oneLine(act.SportType))
	line("Start", act.StartDateLocal.Format("Mon 2 Jan 2006 15:04")+" "+oneLine(act.Timezone))
	line("Distance", fmt.Sprintf("%.2f km", act.Distance/1000))
	line("Moving time", textfmt.Clock(act.MovingTime))
	line("Elapsed time", textfmt.Clock(act.ElapsedTime))
	line("Elevation gain", fmt.Sprintf("%.0f m", act.TotalElevationGain))
	for _, k := range []string{"description", "device_name", "calories", "average_heartrate", "gear_id"} {
		if v, ok := raw[k]; ok && v != nil && v != "" {
			line(strings.ReplaceAll(k, "_", " "), oneLine(fmt.Sprint(v)))
		}
	}
	var flagsSet []string
	for _, k := range []string{"private", "commute", "trainer", "manual"} {
		if v, _ := raw[k].(bool); v {
			flagsSet = append(flagsSet, k)
		}
	}
	if len(flagsSet) > 0 {
		line("Flags", strings.Join(flagsSet, ", "))
	}
	details := "not fetched yet (owtray sync --details)"
	if act.HasDetail() {
		details = "fetched " + act.DetailFetchedAt.Local().Format(time.DateTime)
	}
	line("Details", details)
	line("On Strava", fmt.Sprintf("https://www.strava.com/activities/%d", act.ID))
	return tw.Flush()
}

func writeJSONArray(w io.Writer, acts []store.Activity) error {
	raws := make([]json.RawMessage, len(acts))
	for i, act := range acts {
		raws[i] = act.JSON()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(raws)
}

func indentJSON(raw json.RawMessage) []byte {
	out, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return raw
	}
	return out
}

// oneLine keeps a table on one line per activity and makes text from
// Strava inert: names and descriptions are written by Strava users, and an
// escape sequence in them must not drive the terminal.
func oneLine(s string) string {
	return textfmt.InertLine(s)
}

// reorder moves flags before positional arguments, so `show 123 --json` works.
func reorder(args []string) []string {
	var flagArgs, pos []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flagArgs = append(flagArgs, a)
		} else {
			pos = append(pos, a)
		}
	}
	return append(flagArgs, pos...)
}
