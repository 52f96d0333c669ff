package app_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/export"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

// Strava's real behaviours (issue 10) at the app level, over real HTTP and
// the real keychain.

func TestLogoutWithExpiredAccessTokenRevokesAtStrava(t *testing.T) {
	in := newInstance(t, 5, nil)
	in.login()
	in.sim.Sim.ExpireAllTokens() // Strava: expired, although the stored expiry says otherwise
	rep, err := in.app.Logout(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Revoked || rep.RevokeError != nil {
		t.Fatalf("report %+v", rep)
	}
	if _, connected := in.sim.Sim.GrantedScopes(in.sim.Sim.AthleteID()); connected {
		t.Fatal("the simulator still has the grant: not revoked")
	}
}

func TestLogoutRefusedByStravaSaysSoAndForgetsTheTokens(t *testing.T) {
	in := newInstance(t, 5, nil)
	in.login()
	in.sim.Sim.FailNext(5, 401, "/oauth/deauthorize") // Strava keeps answering 401, also after a refresh
	rep, err := in.app.Logout(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Revoked || !errors.Is(rep.RevokeError, app.ErrRevokeNotConfirmed) ||
		!strings.Contains(rep.RevokeError.Error(), "Strava did not confirm the revoke; remove owtray at strava.com/settings/apps") {
		t.Fatalf("report %+v", rep)
	}
	if _, connected := in.sim.Sim.GrantedScopes(in.sim.Sim.AthleteID()); !connected {
		t.Fatal("the simulator lost the grant although it refused the revoke")
	}
	st, err := in.app.Status(context.Background())
	if err != nil || st.Connected {
		t.Fatalf("keychain item kept: %+v %v", st, err)
	}
}

func TestInactiveAppAndReactivation(t *testing.T) {
	in := newInstance(t, 30, nil)
	in.login()
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	in.sim.Sim.SetAppInactive(true)
	late, err := in.sim.Sim.CreateActivityNoEvent(stravasim.NewActivity{Name: "while inactive"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = in.app.Sync(context.Background(), app.SyncOptions{})
	if !errors.Is(err, strava.ErrAppInactive) || !strings.Contains(err.Error(), "https://www.strava.com/settings/api") {
		t.Fatalf("sync while inactive: %v", err)
	}
	st, err := in.app.Status(context.Background())
	if err != nil || !st.Connected || st.Problem.Kind != app.ProblemAppInactive || !strings.Contains(st.Problem.Message, app.AppInactiveMessage) ||
		!strings.Contains(st.LastSyncError, "inactive") {
		t.Fatalf("status while inactive: %+v %v", st, err)
	}
	// Expired tokens while inactive: the refresh must not turn it into a lost connection.
	in.sim.Sim.ExpireAllTokens()
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); !errors.Is(err, strava.ErrAppInactive) {
		t.Fatalf("second sync while inactive: %v", err)
	}

	in.sim.Sim.SetAppInactive(false) // the developer renewed: no new login
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatalf("sync after reactivation: %v", err)
	}
	if _, err := in.app.Activity(late); err != nil {
		t.Errorf("activity uploaded while inactive: %v", err)
	}
	st, err = in.app.Status(context.Background())
	if err != nil || !st.Connected || st.Problem.Kind != app.ProblemNone || st.LastSyncError != "" {
		t.Fatalf("status after reactivation: %+v %v", st, err)
	}
}

func TestInactiveAppQueuedEventsProcessedAfterReactivation(t *testing.T) {
	in := newInstance(t, 10, nil)
	in.login()
	in.run(app.RunOptions{})
	in.waitFor("the subscription", func() bool { _, _, ok := in.sim.Sim.Subscription(); return ok })
	in.waitFor("the import", func() bool { n, _ := in.app.CountActivities(store.Query{}); return n == 10 })
	in.sim.Sim.SetAppInactive(true)
	id, err := in.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "event while inactive"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.sim.Sim.WaitDeliveries(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the worker to meet the 403", func() bool {
		st, err := in.app.Status(context.Background())
		return err == nil && st.Webhooks.QueueDepth == 1
	})
	in.sim.Sim.SetAppInactive(false)
	// The next poll's sync succeeds and lets the paused worker go on.
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	in.waitFor("the queued event", func() bool {
		st, err := in.app.Status(context.Background())
		_, gerr := in.app.Activity(id)
		return err == nil && gerr == nil && st.Webhooks.QueueDepth == 0 && st.Webhooks.Paused == ""
	})
}

func TestLoginTimeoutSaysStravaMayHaveShownAnErrorPage(t *testing.T) {
	in := newInstance(t, 3, nil)
	// Another athlete fills the app's only slot: Strava's authorize page
	// says so and never redirects back.
	in.sim.Sim.SetAuthorizingAthlete(4711, "Other", "Athlete")
	if _, err := in.sim.Login(context.Background(), "activity:read_all"); err != nil {
		t.Fatal(err)
	}
	in.sim.Sim.SetAuthorizingAthlete(in.sim.Sim.AthleteID(), "", "")
	in.sim.Sim.SetAthleteCapacity(1)
	_, err := in.app.Login(context.Background(), app.LoginOptions{Timeout: 2 * time.Second})
	if !errors.Is(err, app.ErrLoginTimeout) || !strings.Contains(err.Error(), "Strava may have shown an error page") ||
		!strings.Contains(err.Error(), "athlete capacity is full") {
		t.Fatalf("err = %v", err)
	}
}

func TestGPXExportWithManualActivities(t *testing.T) {
	in := newInstance(t, 0, nil)
	var manual []int64
	for i := range 3 {
		id, err := in.sim.Sim.CreateActivityNoEvent(stravasim.NewActivity{Manual: true, SportType: "Run", Distance: 5000, ElapsedTime: 1800,
			StartDate: time.Now().Add(-time.Duration(i+1) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		manual = append(manual, id)
	}
	for i := range 4 {
		if _, err := in.sim.Sim.CreateActivityNoEvent(stravasim.NewActivity{SportType: "Ride", StartDate: time.Now().Add(-time.Duration(10+i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	in.login()
	if _, err := in.app.Sync(context.Background(), app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	acts, err := in.app.Activities(store.Query{})
	if err != nil || len(acts) != 7 {
		t.Fatalf("%d activities %v", len(acts), err)
	}
	const route = "GET /api/v3/activities/{id}/streams"
	for round := range 2 {
		tracks, err := in.app.GPXTracks(context.Background(), acts)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var out strings.Builder
		skipped, err := export.GPX(&out, tracks)
		if err != nil || len(skipped) != 3 {
			t.Fatalf("round %d: skipped %v, %v", round, skipped, err)
		}
		var doc struct {
			Tracks []struct {
				Name string `xml:"name"`
			} `xml:"trk"`
		}
		if err := xml.Unmarshal([]byte(out.String()), &doc); err != nil || len(doc.Tracks) != 4 {
			t.Fatalf("round %d: not a GPX with 4 tracks: %v", round, err)
		}
		// Every activity's streams are asked for once, the 404s included.
		if n := in.sim.Sim.RequestCounts()[route]; n != 7 {
			t.Fatalf("round %d: %d streams requests, want 7", round, n)
		}
	}
	one, err := in.app.Activity(manual[0])
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := in.app.GPXTracks(context.Background(), []store.Activity{one})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := export.GPX(io.Discard, tracks); !errors.Is(err, export.ErrNoRoute) || !strings.Contains(err.Error(), "this activity has no GPS track") {
		t.Errorf("single manual activity: %v", err)
	}
}
