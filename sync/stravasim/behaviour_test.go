package stravasim

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

func TestAfterInTheFuture(t *testing.T) {
	srv := start(t, Config{Activities: 3})
	tok := login(t, srv, "activity:read_all").AccessToken
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	resp, body := get(t, srv, "/athlete/activities?after="+future, tok, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	wantFault(t, body, "Bad Request", "Activity", "after", "future")
	// before in the future is fine, and lists future-dated activities
	id, err := srv.Sim.CreateActivityNoEvent(NewActivity{StartDate: time.Now().AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var items []listItem
	get(t, srv, "/athlete/activities?before="+strconv.FormatInt(time.Now().AddDate(2, 0, 0).Unix(), 10), tok, &items)
	if len(items) == 0 || items[0].ID != id {
		t.Errorf("future-dated activity not first: %+v", items)
	}
}

func TestAfterOrder(t *testing.T) {
	for _, order := range []ListOrder{OldestFirst, NewestFirst} {
		t.Run(order.String(), func(t *testing.T) {
			srv := start(t, Config{Activities: 50, AfterOrder: order})
			tok := login(t, srv, "activity:read_all").AccessToken
			var items []listItem
			get(t, srv, "/athlete/activities?after=0&per_page=10", tok, &items)
			all := srv.Sim.Activities(0, true) // newest first
			want := all[len(all)-1]            // the oldest
			if order == NewestFirst {
				want = all[0]
			}
			if len(items) != 10 || items[0].ID != want.ID {
				t.Errorf("first = %+v, want %d", items[0], want.ID)
			}
		})
	}
}

func TestTransientNotFound(t *testing.T) {
	c := clocktest.New(time.Now())
	srv := start(t, Config{Activities: 3, Now: c.Now})
	tok := login(t, srv, "activity:read_all").AccessToken
	id := srv.Sim.Activities(0, true)[0].ID
	path := "/activities/" + itoa(id)
	srv.Sim.NotFoundNext(id, 2)
	for i, want := range []int{404, 404, 200, 200} {
		if resp, body := get(t, srv, path, tok, nil); resp.StatusCode != want {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	srv.Sim.NotFoundUntil(id, c.Now().Add(time.Minute))
	if resp, _ := get(t, srv, path+"/streams?keys=time", tok, nil); resp.StatusCode != 404 {
		t.Errorf("streams while not readable: %d", resp.StatusCode)
	}
	c.Advance(time.Minute)
	if resp, _ := get(t, srv, path, tok, nil); resp.StatusCode != 200 {
		t.Errorf("after the minute: %d", resp.StatusCode)
	}

	// Uploads are processed for a while; the control API switches it.
	faults(t, srv, `{"upload_processing_ms": 30000}`)
	nid, err := srv.Sim.CreateActivity(NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, srv, "/activities/"+itoa(nid), tok, nil); resp.StatusCode != 404 {
		t.Errorf("fresh upload: %d", resp.StatusCode)
	}
	c.Advance(31 * time.Second)
	if resp, _ := get(t, srv, "/activities/"+itoa(nid), tok, nil); resp.StatusCode != 200 {
		t.Errorf("processed upload: %d", resp.StatusCode)
	}
	faults(t, srv, `{"not_found": {"id": `+itoa(nid)+`, "count": 1}}`)
	if resp, _ := get(t, srv, "/activities/"+itoa(nid), tok, nil); resp.StatusCode != 404 {
		t.Errorf("control not_found: %d", resp.StatusCode)
	}
}

func faults(t *testing.T, srv *Server, body string) {
	t.Helper()
	if status, out := ctl(t, srv, http.MethodPut, "/faults", body); status != http.StatusNoContent {
		t.Fatalf("PUT /_sim/faults %s: %d %s", body, status, out)
	}
}

func TestDuplicateCreateEvents(t *testing.T) {
	srv := start(t, Config{Activities: 2, DuplicateCreateEvents: true})
	rc := newReceiver(t, "vt")
	if status, body := subscribe(t, srv, rc.URL, "vt"); status != http.StatusCreated {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	login(t, srv, "activity:read_all")
	id, err := srv.Sim.CreateActivity(NewActivity{})
	if err != nil {
		t.Fatal(err)
	}
	ds := waitDeliveries(t, srv.Sim, 2)
	if len(ds) != 2 || ds[0].Event.EventTime != ds[1].Event.EventTime {
		t.Fatalf("deliveries %+v", ds)
	}
	for _, d := range ds {
		if d.Event.ObjectID != id || d.Event.AspectType != "create" || !d.Delivered {
			t.Errorf("delivery %+v", d)
		}
	}
	faults(t, srv, `{"duplicate_create_events": false}`)
	srv.Sim.ResetDeliveries()
	if err := srv.Sim.UpdateActivity(id, ActivityUpdate{Name: ptr("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Sim.CreateActivity(NewActivity{}); err != nil {
		t.Fatal(err)
	}
	if ds := waitDeliveries(t, srv.Sim, 2); len(ds) != 2 || ds[0].Event.AspectType != "update" || ds[1].Event.AspectType != "create" {
		t.Errorf("deliveries without duplicates %+v", ds)
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run("keep="+strconv.FormatBool(keep), func(t *testing.T) {
			srv := start(t, Config{Activities: 1})
			if keep {
				faults(t, srv, `{"refresh_tokens": "keep"}`)
			}
			first := login(t, srv, "activity:read_all").RefreshToken
			refresh := func(rt string) (int, tokenJSON) {
				var out tokenJSON
				status, _ := postForm(t, srv.OAuthURL()+"/token", url.Values{"client_id": {"12345"}, "client_secret": {"sim-client-secret"},
					"grant_type": {"refresh_token"}, "refresh_token": {rt}}, &out)
				return status, out
			}
			status, second := refresh(first)
			if status != 200 || (second.RefreshToken == first) != keep {
				t.Fatalf("refresh: %d, same token %v", status, second.RefreshToken == first)
			}
			if status, _ := refresh(first); (status == 200) != keep {
				t.Errorf("old refresh token after the refresh: %d", status)
			}
		})
	}
}
