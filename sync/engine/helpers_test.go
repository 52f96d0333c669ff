package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/engine"
	"github.com/owtray/owtray/sync/store"
	"github.com/owtray/owtray/sync/strava"
	"github.com/owtray/owtray/sync/stravasim"
)

const listRoute = "GET /api/v3/athlete/activities"

// staticToken authorizes with one access token.
type staticToken string

func (s staticToken) AccessToken(context.Context) (string, error)     { return string(s), nil }
func (s staticToken) Refresh(context.Context, string) (string, error) { return string(s), nil }

// world is a simulated Strava, a client logged in to it and a store.
type world struct {
	t      testing.TB
	srv    *stravasim.Server
	sim    *stravasim.Sim
	clock  *clocktest.Clock // shared by the simulator and the client: rate-limit windows pass without waiting
	client *strava.Client
	store  *store.Store
	eng    *engine.Engine
	events []engine.Progress
	mu     sync.Mutex
}

type worldOptions struct {
	activities int
	scopes     string // default activity:read_all,profile:read_all
	share      float64
	noTies     bool
	afterOrder stravasim.ListOrder
	tieOrder   stravasim.TieOrder
}

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	// Mid-window, so a test has room before the next 15-minute reset.
	c := clocktest.New(time.Now().UTC().Truncate(15 * time.Minute).Add(time.Minute))
	srv, err := stravasim.Start(stravasim.Config{Activities: o.activities, Seed: 7, Now: c.Now, NoTies: o.noTies, AfterOrder: o.afterOrder, TieOrder: o.tieOrder})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if o.scopes == "" {
		o.scopes = "activity:read_all,profile:read_all"
	}
	w := &world{t: t, srv: srv, sim: srv.Sim, clock: c}
	w.client = strava.New(srv.APIURL(), staticToken(simToken(t, srv, o.scopes)),
		strava.WithClock(c.Now), strava.WithLogger(slog.New(slog.DiscardHandler)))
	st, err := store.Open(filepath.Join(t.TempDir(), "owtray.db"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.SetAthleteID(srv.Sim.AthleteID()); err != nil {
		t.Fatal(err)
	}
	w.store = st
	w.eng = engine.New(w.client, st, engine.Config{
		Now: c.Now, Logger: slog.New(slog.DiscardHandler), DetailShare: o.share,
		Progress: func(p engine.Progress) { w.mu.Lock(); w.events = append(w.events, p); w.mu.Unlock() },
	})
	return w
}

// simToken logs in to the simulator over HTTP and returns the token.
func simToken(t testing.TB, srv *stravasim.Server, scope string) string {
	t.Helper()
	tok, err := srv.Login(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (w *world) sync(opts engine.Options) engine.Report {
	w.t.Helper()
	rep, err := w.eng.Sync(context.Background(), opts)
	if err != nil {
		w.t.Fatalf("sync %+v: %v", opts, err)
	}
	return rep
}

func (w *world) listRequests() int { return w.sim.RequestCounts()[listRoute] }

// importBudget is the bound for a full import of the simulator's
// visible history: ceil(N/200) pages, the empty one that ends it, and one
// page per tie group straddling a page boundary.
func (w *world) importBudget() (budget, straddles int) {
	acts := w.sim.Activities(0, true)
	for k := engine.PageSize; k < len(acts); k += engine.PageSize {
		if acts[k-1].StartDate.Unix() == acts[k].StartDate.Unix() {
			straddles++
		}
	}
	return (len(acts)+engine.PageSize-1)/engine.PageSize + 1 + straddles, straddles
}

// assertMirrors checks the store holds exactly the simulator's activities
// (visible ones), with equal fields and Strava's summary JSON.
func (w *world) assertMirrors(includePrivate bool) {
	w.t.Helper()
	want := w.sim.Activities(0, includePrivate)
	got, err := w.store.List(store.Query{})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(got) != len(want) {
		w.t.Fatalf("store has %d activities, simulator %d", len(got), len(want))
	}
	for i := range want {
		g, s := got[i], want[i]
		if g.ID != s.ID || g.Name != s.Name || g.SportType != s.SportType || !g.StartDate.Equal(s.StartDate) ||
			g.Distance != s.Distance || g.MovingTime != s.MovingTime || g.ElapsedTime != s.ElapsedTime ||
			g.TotalElevationGain != s.TotalElevationGain || g.Private != s.Private || g.Timezone != s.Timezone {
			w.t.Fatalf("activity %d differs:\nstore %+v\nsim   %+v", i, brief(g), s)
		}
	}
	// Spot-check that Strava's JSON is kept as sent (unknown fields included).
	for _, i := range []int{0, len(want) / 2, len(want) - 1} {
		raw, err := w.sim.ActivityJSON(want[i].ID, false)
		if err != nil {
			w.t.Fatal(err)
		}
		if !jsonEqual(w.t, raw, got[i].Summary) {
			w.t.Errorf("summary JSON of %d differs from what Strava sent", want[i].ID)
		}
	}
}

func brief(a store.Activity) string {
	return fmt.Sprintf("{%d %q %s %s %.1f}", a.ID, a.Name, a.SportType, a.StartDate, a.Distance)
}

func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
