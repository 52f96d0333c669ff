package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/owtray/owtray/app"
)

func runServe(ctx context.Context, e *env, args []string) error {
	if err := parse(flags(e, "serve"), args, 0); err != nil {
		return err
	}
	if e.shared != nil {
		return fmt.Errorf("owtray is already running")
	}
	defer e.useLogFile()()
	return e.withApp(func(a *app.App) error {
		fmt.Fprintf(e.stdio.Err, "owtray serve: listening on %s; Ctrl-C stops\n", a.Config().RedirectURI.Host)
		cancel := a.Subscribe(statusPrinter(e.stdio.Err, a))
		defer cancel()
		return a.Run(ctx, app.RunOptions{Forward: RunShared(a, e.log, nil)})
	})
}

// statusPrinter logs webhook state changes of a headless instance.
func statusPrinter(w io.Writer, a *app.App) func(app.Event) {
	var last string
	return func(ev app.Event) {
		switch ev.Kind {
		case app.EventNewActivity:
			fmt.Fprintf(w, "new activity %d: %s\n", ev.ActivityID, oneLine(ev.Name))
		case app.EventStatus:
			st, err := a.Status(context.Background())
			if err != nil {
				return
			}
			line := "webhooks " + string(st.Webhooks.Mode)
			if st.Webhooks.Message != "" {
				line += ": " + st.Webhooks.Message
			}
			line = oneLine(line)
			if line != last {
				last = line
				fmt.Fprintln(w, line)
			}
		}
	}
}

func runWebhook(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("want subscribe, list or delete")
	}
	switch args[0] {
	case "subscribe":
		fs := flags(e, "webhook subscribe")
		cb := fs.String("callback-url", "", "public URL of the webhook (default: STRAVA_WEBHOOK_CALLBACK_URL or the running tunnel)")
		if err := parse(fs, args[1:], 0); err != nil {
			return err
		}
		return e.withApp(func(a *app.App) error {
			sub, err := a.WebhookSubscribe(ctx, *cb)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdio.Out, "Subscribed: id %d, callback %s\n", sub.ID, oneLine(sub.CallbackURL))
			return nil
		})
	case "list":
		if err := parse(flags(e, "webhook list"), args[1:], 0); err != nil {
			return err
		}
		return e.withApp(func(a *app.App) error {
			subs, err := a.WebhookList(ctx)
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				fmt.Fprintln(e.stdio.Out, "No webhook subscription.")
			}
			for _, s := range subs {
				fmt.Fprintf(e.stdio.Out, "%d\t%s\tcreated %s\n", s.ID, oneLine(s.CallbackURL), s.CreatedAt.Local().Format("2006-01-02 15:04"))
			}
			return nil
		})
	case "delete":
		fs := flags(e, "webhook delete")
		if err := parse(fs, args[1:], 1); err != nil {
			return err
		}
		var id int64
		if fs.NArg() == 1 {
			n, err := strconv.ParseInt(fs.Arg(0), 10, 64)
			if err != nil || n <= 0 {
				return usagef("subscription ID %q is not a positive number", fs.Arg(0))
			}
			id = n
		}
		return e.withApp(func(a *app.App) error {
			deleted, err := a.WebhookDelete(ctx, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdio.Out, "Deleted webhook subscription %d\n", deleted)
			return nil
		})
	default:
		return usagef("unknown webhook command %q: want subscribe, list or delete", args[0])
	}
}
