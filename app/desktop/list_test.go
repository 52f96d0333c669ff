package desktop_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/owtray/owtray/app/desktop"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/ui"
)

// connectedBackend is a backend with n activities synced from the
// simulator; mod (may be nil) changes the environment first.
func connectedBackend(t testing.TB, n int, mod func(map[string]string)) (*desktop.Backend, *stravasim.Server) {
	t.Helper()
	be, _, srv := newBackend(t, n, mod)
	srv.Sim.SetRateLimits(generousLimits())
	ctx := context.Background()
	if _, err := be.Connect(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := be.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	return be, srv
}

// generousLimits let a 20,000-activity import finish in one sync.
func generousLimits() stravasim.Limits {
	return stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: 300, ReadDaily: 15000}
}

// allPages reads every match of f in pages of 37.
func allPages(t *testing.T, be *desktop.Backend, f ui.Filter) []ui.Activity {
	t.Helper()
	var out []ui.Activity
	for {
		f.Limit, f.Offset = 37, len(out)
		page, err := be.Activities(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if len(page.Items) < 37 {
			if page.Total != len(out) {
				t.Fatalf("total %d, read %d", page.Total, len(out))
			}
			return out
		}
	}
}

func TestActivitiesInEverySortOrder(t *testing.T) {
	be, _ := connectedBackend(t, 250, nil)
	for k := ui.SortDate; k <= ui.SortElevation; k++ {
		for _, asc := range []bool{false, true} {
			for _, search := range []string{"", "run"} {
				f := ui.Filter{Sort: k, Ascending: asc, Search: search}
				rows := allPages(t, be, f)
				if search == "" && len(rows) != 250 {
					t.Fatalf("sort %d asc %v: %d rows", k, asc, len(rows))
				}
				seen := map[int64]bool{}
				for i, a := range rows {
					if seen[a.ID] {
						t.Fatalf("sort %d asc %v: activity %d twice", k, asc, a.ID)
					}
					seen[a.ID] = true
					if search != "" && !strings.Contains(strings.ToLower(a.Name), search) {
						t.Fatalf("sort %d: %q does not match %q", k, a.Name, search)
					}
					if i == 0 {
						continue
					}
					c := k.Compare(rows[i-1], a)
					if (asc && c > 0) || (!asc && c < 0) {
						t.Fatalf("sort %d asc %v: %+v before %+v", k, asc, rows[i-1], a)
					}
					if c == 0 && rows[i-1].StartDate.Before(a.StartDate) {
						t.Fatalf("sort %d asc %v: tie not newest first", k, asc)
					}
				}
			}
		}
	}
}

// TestSortChangesReuseTheKeptRows clicks through every column and direction
// twice with one filter, so later orders come from rows kept by an earlier
// one, and checks each page against the same rows ordered afresh; then a
// filter change must not answer from the rows of the previous filter.
func TestSortChangesReuseTheKeptRows(t *testing.T) {
	be, _ := connectedBackend(t, 300, nil)
	newest := allPages(t, be, ui.Filter{Search: "run"})
	var sorts []ui.Filter
	for k := ui.SortName; k <= ui.SortElevation; k++ {
		sorts = append(sorts, ui.Filter{Sort: k, Search: "run"}, ui.Filter{Sort: k, Ascending: true, Search: "run"})
	}
	for round := range 2 {
		for _, f := range sorts {
			want := slices.Clone(newest)
			ui.SortActivities(want, f)
			got := allPages(t, be, f)
			if !slices.EqualFunc(got, want, func(a, b ui.Activity) bool { return a.ID == b.ID }) {
				t.Fatalf("round %d, sort %d ascending %v: the pages are not the rows in that order", round, f.Sort, f.Ascending)
			}
		}
	}
	all := allPages(t, be, ui.Filter{Sort: ui.SortDistance})
	if len(all) != 300 || len(all) == len(newest) {
		t.Fatalf("without the search: %d rows, want all 300 (the search matched %d)", len(all), len(newest))
	}
}

func TestListGrowsPageByPageDuringImport(t *testing.T) {
	be, _, srv := newBackend(t, 1000, nil)
	srv.Sim.SetRateLimits(generousLimits())
	ctx := context.Background()
	if _, err := be.Connect(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var totals []int
	cancel := be.Subscribe(func(e ui.Event) {
		if e.Kind != ui.EventActivitiesChanged {
			return
		}
		// What the list asks when it hears of the change, sorted by name.
		page, err := be.Activities(ctx, ui.Filter{Limit: 10, Sort: ui.SortName, Ascending: true})
		if err == nil {
			mu.Lock()
			totals = append(totals, page.Total)
			mu.Unlock()
		}
	})
	defer cancel()
	if err := be.SyncNow(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	rising := 0
	for i := 1; i < len(totals); i++ {
		if totals[i] < totals[i-1] {
			t.Fatalf("the count fell during the import: %v", totals)
		}
		if totals[i] > totals[i-1] {
			rising++
		}
	}
	// 1,000 activities are 5 pages of 200: the list sees each one.
	if len(totals) < 5 || totals[0] > 200 || totals[len(totals)-1] != 1000 || rising < 4 {
		t.Errorf("counts seen during the import %v: want one per stored page, rising to 1,000", totals)
	}
}

func TestExportListFormats(t *testing.T) {
	be, _ := connectedBackend(t, 60, nil)
	ctx := context.Background()
	f := ui.Filter{Search: "ride"}
	want := len(allPages(t, be, f))
	if want == 0 {
		t.Fatal("no rides to export")
	}
	for _, format := range []ui.ExportFormat{ui.ExportCSV, ui.ExportJSON, ui.ExportGPX} {
		var buf bytes.Buffer
		var last ui.ExportProgress
		if err := be.ExportList(ctx, f, format, &buf, func(p ui.ExportProgress) { last = p }); err != nil {
			t.Fatalf("%s: %v", format.Ext(), err)
		}
		if last.Done != want || last.Total != want {
			t.Errorf("%s: last progress %+v, want %d of %d", format.Ext(), last, want, want)
		}
		switch format {
		case ui.ExportCSV:
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(rows) != want+1 {
				t.Errorf("csv: %d rows, %v", len(rows), err)
			}
		case ui.ExportJSON:
			var docs []map[string]any
			if err := json.Unmarshal(buf.Bytes(), &docs); err != nil || len(docs) != want {
				t.Errorf("json: %d docs, %v", len(docs), err)
			}
		case ui.ExportGPX:
			if n := strings.Count(buf.String(), "<trk>"); n == 0 || n > want {
				t.Errorf("gpx: %d tracks for %d rides", n, want)
			}
		}
	}
}

func TestExportGPXWaitsForTheRateLimit(t *testing.T) {
	be, srv := connectedBackend(t, 40, nil)
	_, u := srv.Sim.RateLimitStatus()
	srv.Sim.SetRateLimits(stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: u.Read15 + 2, ReadDaily: 15000})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan ui.ExportProgress, 1)
	done := make(chan error, 1)
	go func() {
		done <- be.ExportList(ctx, ui.Filter{}, ui.ExportGPX, &bytes.Buffer{}, func(p ui.ExportProgress) {
			if !p.WaitingUntil.IsZero() {
				select {
				case waiting <- p:
				default:
				}
			}
		})
	}()
	select {
	case p := <-waiting:
		if !p.WaitingUntil.After(time.Now()) || p.Done == 0 || p.Done >= p.Total {
			t.Errorf("waiting %+v: want a later resume after a few activities", p)
		}
	case err := <-done:
		t.Fatalf("the export ended (%v) instead of waiting for the rate limit", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no wait reported")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export: %v", err)
	}
}

// TestReconnectAfterLogout: after a logout the backend is calmly not
// connected, and Connect (the banner's, without the setup form) connects
// again to the same (simulated) Strava.
func TestReconnectAfterLogout(t *testing.T) {
	be, srv := connectedBackend(t, 20, nil)
	ctx := context.Background()
	if _, err := be.Logout(ctx, false); err != nil {
		t.Fatal(err)
	}
	if st := be.Status(); st.Connected || st.NeedsReconnect != "" || !st.Configured || st.Activities != 20 {
		t.Fatalf("after logout %+v", st)
	}
	var urls []string
	res, err := be.Connect(ctx, func(url string, browserErr error) { urls = append(urls, url) })
	if err != nil || res.AthleteID != srv.Sim.AthleteID() {
		t.Fatalf("reconnect: %+v %v", res, err)
	}
	if len(urls) == 0 || !strings.Contains(urls[0], "/oauth/authorize") {
		t.Errorf("authorize URL reported: %q", urls)
	}
	if st := be.Status(); !st.Connected || st.NeedsReconnect != "" {
		t.Errorf("after reconnecting %+v", st)
	}
}

// TestExportGPXWithoutRoute: an activity without GPS gets a clear answer
// and costs no request.
func TestExportGPXWithoutRoute(t *testing.T) {
	be, srv := connectedBackend(t, 60, nil)
	ctx := context.Background()
	var id int64
	for _, a := range allPages(t, be, ui.Filter{}) {
		if whole, err := be.Activity(ctx, a.ID); err == nil && len(whole.Route) == 0 && whole.RouteProblem == "" {
			id = a.ID
			break
		}
	}
	if id == 0 {
		t.Skip("the simulated history has no activity without GPS")
	}
	before := srv.Sim.RequestCounts()
	err := be.Export(ctx, id, ui.ExportGPX, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "GPS") {
		t.Fatalf("export GPX of %d: %v", id, err)
	}
	after := srv.Sim.RequestCounts()
	for route, n := range after {
		if n != before[route] {
			t.Errorf("%s: %d requests for a GPX without a route", route, n-before[route])
		}
	}
}
