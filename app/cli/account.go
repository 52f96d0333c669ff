package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/owtray/owtray/app"
)

func runLogin(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "login")
	noBrowser := fs.Bool("no-browser", false, "print the URL only; do not open a browser")
	replace := fs.Bool("replace", false, "connect a different athlete and delete the stored one's activities")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		res, err := a.Login(ctx, loginOptions(e, *noBrowser, *replace))
		if err != nil {
			return err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(e.stdio.Err, "warning: %s\n", w)
		}
		fmt.Fprintf(e.stdio.Out, "Connected as %s (athlete %d)\n", res.Token.AthleteName, res.Token.AthleteID)
		return nil
	})
}

func runLogout(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "logout")
	wipe := fs.Bool("wipe", false, "also delete the activities stored on this computer")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		rep, err := a.Logout(ctx, *wipe)
		if err != nil {
			return err
		}
		switch {
		case rep.Revoked:
			fmt.Fprintln(e.stdio.Out, "Revoked owtray's access at Strava.")
		default:
			fmt.Fprintf(e.stdio.Out, "Could not revoke access at Strava (%v); revoke it at https://www.strava.com/settings/apps if needed.\n", rep.RevokeError)
		}
		fmt.Fprintln(e.stdio.Out, "Removed the tokens from the OS keychain.")
		if rep.Wiped {
			fmt.Fprintln(e.stdio.Out, "Deleted the local activities.")
		} else {
			fmt.Fprintln(e.stdio.Out, "Local activities kept (use --wipe to delete them).")
		}
		return nil
	})
}

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	return e.withApp(func(a *app.App) error {
		return printStatus(ctx, e, a, *asJSON)
	})
}

func printStatus(ctx context.Context, e *env, a *app.App, asJSON bool) error {
	st, err := a.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	w := e.stdio.Out
	if st.Connected {
		fmt.Fprintf(w, "Connected:   yes, as %s (athlete %d)\n", st.AthleteName, st.AthleteID)
		fmt.Fprintf(w, "Scopes:      %s\n", strings.Join(st.Scopes, ","))
		fmt.Fprintf(w, "Token:       expires %s\n", st.TokenExpiry.Local().Format(time.DateTime))
	} else {
		fmt.Fprintf(w, "Connected:   no%s\n", parenthesize(st.Problem.Message))
	}
	fmt.Fprintf(w, "Activities:  %d stored\n", st.Activities)
	fmt.Fprintf(w, "Last sync:   %s\n", formatWhen(st.LastSync)+parenthesize(firstNonEmpty(st.LastSyncError, st.LastSyncResult)))
	if st.ImportPending {
		fmt.Fprintln(w, "Import:      stopped midway; the next sync resumes it")
	}
	fmt.Fprintf(w, "Rate limit:  %s\n", st.RateLimit)
	fmt.Fprintf(w, "Webhooks:    %s\n", describeWebhooks(st.Webhooks))
	fmt.Fprintf(w, "Health:      %s%s\n", st.Health, parenthesize(strings.Join(st.HealthReasons, "; ")))
	fmt.Fprintf(w, "Data dir:    %s\n", st.DataDir)
	return nil
}

func describeWebhooks(w app.WebhookStatus) string {
	var b strings.Builder
	switch w.Mode {
	case app.WebhooksNotRunning:
		b.WriteString("not running (start the app or `owtray serve` to receive them)")
	case app.WebhooksLive, app.WebhooksExternal:
		b.WriteString("live at " + w.PublicURL)
	default: // off, connecting, error: the mode and why
		b.WriteString(string(w.Mode))
		if w.Message != "" {
			b.WriteString(": " + w.Message)
		}
	}
	if w.Subscription != "" {
		b.WriteString("; subscription problem: " + w.Subscription)
	}
	if w.Paused != "" {
		b.WriteString("; processing paused: " + w.Paused)
	}
	if w.QueueDepth > 0 {
		fmt.Fprintf(&b, "; %d events waiting", w.QueueDepth)
	}
	return b.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func parenthesize(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func formatWhen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format(time.DateTime)
}

func loginOptions(e *env, noBrowser, replace bool) app.LoginOptions {
	return app.LoginOptions{
		NoBrowser: noBrowser,
		Replace:   replace,
		OnURL: func(u string) {
			fmt.Fprintln(e.stdio.Err, "Open this URL to connect owtray to Strava:")
			fmt.Fprintln(e.stdio.Out, u)
			fmt.Fprintf(e.stdio.Err, "Waiting for Strava (up to %s)…\n", app.LoginTimeout)
		},
	}
}
