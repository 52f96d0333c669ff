package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestGetRoundTrip(t *testing.T) {
	s, _ := openTemp(t, Options{})
	a := act(t, 42, "2024-03-31T00:30:00Z", "Frühlauf 🏃 東京", "Run")
	a.Private = true
	berlin := time.FixedZone("CEST", 2*3600)
	a.StartDateLocal = time.Date(2024, 3, 31, 2, 30, 0, 0, berlin) // wall clock kept, whatever the zone
	a.Detail = json.RawMessage(`{"id":42,"calories":321.5,"description":"ok"}`)
	fetched := mustTime(t, "2024-04-01T10:00:00Z")
	a.DetailFetchedAt = fetched
	if r := mustUpsert(t, s, a); r != (UpsertResult{Added: 1}) {
		t.Fatalf("result %+v", r)
	}
	got, err := s.Get(42)
	if err != nil {
		t.Fatal(err)
	}
	want := a
	want.StartDateLocal = time.Date(2024, 3, 31, 2, 30, 0, 0, time.UTC)
	if !equalActivity(got, want) {
		t.Errorf("Get =\n%+v\nwant\n%+v", got, want)
	}
	if !got.HasDetail() || !got.DetailFetchedAt.Equal(fetched) {
		t.Errorf("detail not kept: %v %v", got.HasDetail(), got.DetailFetchedAt)
	}
	if _, err := s.Get(43); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) err = %v, want ErrNotFound", err)
	}
}

func equalActivity(a, b Activity) bool {
	return a.ID == b.ID && a.AthleteID == b.AthleteID && a.Name == b.Name && a.SportType == b.SportType &&
		a.StartDate.Equal(b.StartDate) && a.StartDateLocal.Equal(b.StartDateLocal) && a.Timezone == b.Timezone &&
		a.Distance == b.Distance && a.MovingTime == b.MovingTime && a.ElapsedTime == b.ElapsedTime &&
		a.TotalElevationGain == b.TotalElevationGain && a.Private == b.Private &&
		bytes.Equal(a.Summary, b.Summary) && bytes.Equal(a.Detail, b.Detail) &&
		a.DetailFetchedAt.Equal(b.DetailFetchedAt) && a.DetailStale == b.DetailStale
}

func TestOrderNewestFirst(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s,
		act(t, 10, "2023-01-01T10:00:00Z", "a", "Run"),
		act(t, 11, "2024-06-01T10:00:00Z", "b", "Run"),
		act(t, 12, "2024-06-01T10:00:00Z", "same start, higher id", "Run"),
		act(t, 9, "2024-06-01T10:00:00Z", "same start, lower id", "Run"),
		act(t, 13, "1969-07-20T20:17:00Z", "before the epoch", "Walk"),
		act(t, 14, "2024-06-01T10:00:01Z", "one second later", "Run"),
	)
	got, err := s.List(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{14, 12, 11, 9, 10, 13}; !slices.Equal(ids(got), want) {
		t.Errorf("order %v, want %v", ids(got), want)
	}
	newest, err := s.Newest()
	if err != nil || newest.ID != 14 {
		t.Errorf("Newest = %d, %v", newest.ID, err)
	}
	all, err := s.AllIDs()
	if err != nil || !slices.Equal(all, []int64{9, 10, 11, 12, 13, 14}) {
		t.Errorf("AllIDs = %v, %v", all, err)
	}
	if n, err := s.Count(); err != nil || n != 6 {
		t.Errorf("Count = %d, %v", n, err)
	}
}

func TestNewestEmpty(t *testing.T) {
	s, _ := openTemp(t, Options{})
	if _, err := s.Newest(); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestUpsertSemantics(t *testing.T) {
	base := func(t *testing.T) Activity { return act(t, 1, "2024-05-01T07:00:00Z", "Morning Run", "Run") }
	detail := json.RawMessage(`{"id":1,"calories":500,"laps":[]}`)
	withDetail := func(t *testing.T) Activity {
		a := base(t)
		a.Detail = detail
		return a
	}
	tests := []struct {
		name       string
		first      func(*testing.T) Activity
		second     func(*testing.T) Activity
		wantResult UpsertResult
		check      func(t *testing.T, got Activity)
	}{
		{"same page again is unchanged", base, base, UpsertResult{Unchanged: 1}, nil},
		{"new start time moves the key", base, func(t *testing.T) Activity {
			a := base(t)
			a.StartDate = mustTime(t, "2020-01-01T00:00:00Z")
			return a
		}, UpsertResult{Updated: 1}, func(t *testing.T, got Activity) {
			if !got.StartDate.Equal(mustTime(t, "2020-01-01T00:00:00Z")) {
				t.Errorf("start %v", got.StartDate)
			}
		}},
		{"summary without detail keeps the detail", withDetail, func(t *testing.T) Activity {
			a := base(t)
			a.Summary = json.RawMessage(`{"id":1,"kudos_count":3}`)
			return a
		}, UpsertResult{Updated: 1}, func(t *testing.T, got Activity) {
			if !bytes.Equal(got.Detail, detail) || got.DetailFetchedAt.IsZero() {
				t.Errorf("detail lost: %s", got.Detail)
			}
			if got.DetailStale {
				t.Error("only the raw summary changed, detail marked stale")
			}
			if string(got.Summary) != `{"id":1,"kudos_count":3}` {
				t.Errorf("summary not updated: %s", got.Summary)
			}
		}},
		{"renamed summary keeps detail and marks it stale", withDetail, func(t *testing.T) Activity {
			a := base(t)
			a.Name = "Evening Run"
			return a
		}, UpsertResult{Updated: 1}, func(t *testing.T, got Activity) {
			if !got.HasDetail() || !got.DetailStale || got.Name != "Evening Run" {
				t.Errorf("got name %q detail %v stale %v", got.Name, got.HasDetail(), got.DetailStale)
			}
		}},
		{"new detail clears stale and keeps summary", func(t *testing.T) Activity {
			a := withDetail(t)
			a.Name = "x"
			return a
		}, func(t *testing.T) Activity {
			a := base(t)
			a.Summary = nil
			a.Detail = json.RawMessage(`{"id":1,"calories":600}`)
			return a
		}, UpsertResult{Updated: 1}, func(t *testing.T, got Activity) {
			if got.DetailStale || string(got.Detail) != `{"id":1,"calories":600}` || len(got.Summary) == 0 {
				t.Errorf("stale %v detail %s summary %s", got.DetailStale, got.Detail, got.Summary)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t, Options{})
			if r := mustUpsert(t, s, tt.first(t)); r != (UpsertResult{Added: 1}) {
				t.Fatalf("first %+v", r)
			}
			if r := mustUpsert(t, s, tt.second(t)); r != tt.wantResult {
				t.Errorf("second %+v, want %+v", r, tt.wantResult)
			}
			got, err := s.Get(1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, got)
			}
			list, err := s.List(Query{})
			if err != nil || len(list) != 1 {
				t.Errorf("List has %d rows (%v), want exactly 1: stale key left behind?", len(list), err)
			}
		})
	}
}

func TestIdempotentPagesAndCheckpoint(t *testing.T) {
	s, path := openTemp(t, Options{})
	page := func(from int64) []Activity {
		var out []Activity
		for i := from; i < from+5; i++ {
			out = append(out, act(t, i, time.Unix(1.7e9-i*3600, 0).UTC().Format(time.RFC3339), fmt.Sprint("act ", i), "Run"))
		}
		return out
	}
	cp := func(st *SyncState) {
		st.FullImport.InProgress = true
		st.FullImport.Pages++
		st.FullImport.Seen += 5
	}
	steps := []struct {
		acts []Activity
		want UpsertResult
	}{
		{page(1), UpsertResult{Added: 5}},
		{page(1), UpsertResult{Unchanged: 5}},
		{page(4), UpsertResult{Added: 3, Unchanged: 2}},
	}
	for i, st := range steps {
		r, err := s.UpsertPage(st.acts, cp)
		if err != nil || r != st.want {
			t.Errorf("page %d: %+v, %v; want %+v", i, r, err, st.want)
		}
	}
	// A failing page (second activity invalid) stores neither activities nor checkpoint.
	bad := page(100)
	bad[1].Summary = json.RawMessage(`{"broken"`)
	if _, err := s.UpsertPage(bad, cp); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad page err = %v, want ErrInvalid", err)
	}
	// A page failing inside the transaction (other athlete) rolls back too.
	if err := s.SetAthleteID(testAthlete); err != nil {
		t.Fatal(err)
	}
	bad = page(200)
	bad[3].AthleteID = 99
	if _, err := s.UpsertPage(bad, cp); !errors.Is(err, ErrOtherAthlete) {
		t.Errorf("foreign page err = %v, want ErrOtherAthlete", err)
	}
	_ = s.Close()
	s, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.SyncState()
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Count()
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 || st.FullImport.Pages != 3 || st.FullImport.Seen != 15 {
		t.Errorf("count %d, checkpoint %+v; want 8 activities after 3 pages / 15 seen", n, st.FullImport)
	}
}

func TestApplyPageComplete(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s,
		act(t, 1, "2024-01-01T10:00:00Z", "outside, older", "Run"),
		act(t, 2, "2024-02-01T10:00:00Z", "deleted on Strava", "Run"),
		act(t, 3, "2024-02-10T10:00:00Z", "still there", "Run"),
		act(t, 4, "2024-03-01T10:00:00Z", "at To: outside", "Run"),
	)
	if err := s.PutStreams(2, []byte(`[]`)); err != nil {
		t.Fatal(err)
	}
	res, err := s.ApplyPage(Page{
		Activities: []Activity{act(t, 3, "2024-02-10T10:00:00Z", "still there", "Run"), act(t, 5, "2024-02-15T10:00:00Z", "new", "Run")},
		Complete:   &Span{From: mustTime(t, "2024-02-01T10:00:00Z"), To: mustTime(t, "2024-03-01T10:00:00Z")},
		Checkpoint: func(st *SyncState) { st.FullImport.Removed++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (UpsertResult{Added: 1, Unchanged: 1, Removed: 1}); res != want {
		t.Errorf("result %+v, want %+v", res, want)
	}
	all, _ := s.AllIDs()
	if !slices.Equal(all, []int64{1, 3, 4, 5}) {
		t.Errorf("ids %v, want [1 3 4 5]", all)
	}
	if _, ok, _ := s.Streams(2); ok {
		t.Error("streams of the removed activity kept")
	}
	// Open span: everything not on the (empty) page goes.
	res, err = s.ApplyPage(Page{Complete: &Span{}})
	if err != nil || res.Removed != 4 {
		t.Errorf("open span removed %d, %v; want 4", res.Removed, err)
	}
}

func TestDeleteAndStreams(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"), act(t, 2, "2024-01-02T10:00:00Z", "b", "Run"), act(t, 3, "2024-01-03T10:00:00Z", "c", "Run"))
	streams := json.RawMessage(`[{"type":"time","data":[0,1,2]}]`)
	for _, id := range []int64{1, 2, 3} {
		if err := s.PutStreams(id, streams); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutStreams(99, streams); !errors.Is(err, ErrNotFound) {
		t.Errorf("streams for unknown activity: %v, want ErrNotFound", err)
	}
	if err := s.PutStreams(1, []byte("{oops")); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid streams JSON: %v, want ErrInvalid", err)
	}
	if got, ok, err := s.Streams(1); err != nil || !ok || !bytes.Equal(got, streams) {
		t.Errorf("Streams(1) = %s, %v, %v", got, ok, err)
	}
	tests := []struct {
		name string
		do   func() (int, error)
		want int
	}{
		{"delete one", func() (int, error) { ok, err := s.Delete(1); return boolInt(ok), err }, 1},
		{"delete it again", func() (int, error) { ok, err := s.Delete(1); return boolInt(ok), err }, 0},
		{"delete many with unknown", func() (int, error) { return s.DeleteIDs([]int64{2, 3, 77}) }, 2},
	}
	for _, tt := range tests {
		if n, err := tt.do(); err != nil || n != tt.want {
			t.Errorf("%s = %d, %v; want %d", tt.name, n, err, tt.want)
		}
	}
	for _, id := range []int64{1, 2, 3} {
		if _, ok, err := s.Streams(id); ok || err != nil {
			t.Errorf("streams of deleted %d still there (%v)", id, err)
		}
		if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%d) after delete: %v", id, err)
		}
	}
	if n, _ := s.Count(); n != 0 {
		t.Errorf("count %d after deleting all", n)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestInvalidActivities(t *testing.T) {
	s, _ := openTemp(t, Options{})
	tests := []struct {
		name string
		edit func(*Activity)
	}{
		{"zero id", func(a *Activity) { a.ID = 0 }},
		{"negative id", func(a *Activity) { a.ID = -5 }},
		{"summary not JSON", func(a *Activity) { a.Summary = []byte("<html>") }},
		{"detail not JSON", func(a *Activity) { a.Detail = []byte(`{"a":`) }},
	}
	for _, tt := range tests {
		a := act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")
		tt.edit(&a)
		if _, err := s.UpsertPage([]Activity{a}, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", tt.name, err)
		}
	}
	if _, err := s.UpsertDetail(act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")); !errors.Is(err, ErrInvalid) {
		t.Errorf("UpsertDetail without detail: %v", err)
	}
	if n, _ := s.Count(); n != 0 {
		t.Errorf("%d activities stored from invalid input", n)
	}
}

func TestMissingDetails(t *testing.T) {
	s, _ := openTemp(t, Options{})
	mustUpsert(t, s, act(t, 1, "2024-01-01T10:00:00Z", "a", "Run"), act(t, 2, "2024-01-02T10:00:00Z", "b", "Run"), act(t, 3, "2024-01-03T10:00:00Z", "c", "Run"))
	d := act(t, 2, "2024-01-02T10:00:00Z", "b", "Run")
	d.Detail = json.RawMessage(`{}`)
	if _, err := s.UpsertDetail(d); err != nil {
		t.Fatal(err)
	}
	got, err := s.MissingDetails(0)
	if err != nil || !slices.Equal(got, []int64{3, 1}) {
		t.Errorf("MissingDetails = %v, %v; want [3 1]", got, err)
	}
	mustUpsert(t, s, act(t, 2, "2024-01-02T10:00:00Z", "b renamed", "Run"))
	if got, _ := s.MissingDetails(2); !slices.Equal(got, []int64{3, 2}) {
		t.Errorf("MissingDetails(2) after rename = %v; want [3 2] (stale detail)", got)
	}
}

func TestCorruptRecords(t *testing.T) {
	a1 := act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")
	tests := []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		read    func(s *Store) error
	}{
		{"row truncated on Get", truncateRow(1), func(s *Store) error { _, err := s.Get(1); return err }},
		{"row truncated on upsert", truncateRow(1), func(s *Store) error {
			_, err := s.UpsertPage([]Activity{a1}, nil)
			return err
		}},
		{"doc unknown format", putRaw(bucketDocs, docKey(1), []byte{99, 0}), func(s *Store) error { _, err := s.Get(1); return err }},
		{"doc on delete", putRaw(bucketDocs, docKey(1), []byte{docFormat}), func(s *Store) error { _, err := s.Delete(1); return err }},
		{"sync state", putRaw(bucketSync, []byte(keySyncState), []byte("{")), func(s *Store) error { _, err := s.SyncState(); return err }},
		{"sync state on checkpoint", putRaw(bucketSync, []byte(keySyncState), []byte("[]")), func(s *Store) error {
			_, err := s.UpsertPage(nil, func(*SyncState) {})
			return err
		}},
		{"event", func(tx *bolt.Tx) error {
			k := objectKey("activity", 1, 1)
			if err := tx.Bucket([]byte(bucketEventDue)).Put(make([]byte, dueKeyLen), k); err != nil {
				return err
			}
			return tx.Bucket([]byte(bucketEvents)).Put(k, []byte("nope"))
		}, func(s *Store) error { _, err := s.PendingEvents(0); return err }},
		{"athlete id", putRaw(bucketMeta, []byte(keyAthlete), []byte{1}), func(s *Store) error { _, err := s.AthleteID(); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := corrupted(t, tt.corrupt, a1)
			err := tt.read(s)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), "corrupt") {
				t.Errorf("message %q does not say corrupt", err)
			}
		})
	}
}

// A damaged record never aborts a list, a search or an export: it is
// skipped and counted.
func TestDamagedRowsSkipped(t *testing.T) {
	a1 := act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")
	a2 := act(t, 2, "2024-02-01T10:00:00Z", "b", "Run")
	tests := []struct {
		name    string
		corrupt func(tx *bolt.Tx) error
		q       Query
	}{
		{"row garbage", putRaw(bucketRows, orderKeyOf(1), []byte("garbage")), Query{}},
		{"row truncated on search", truncateRow(1), Query{Search: "a"}},
		{"empty row", putRaw(bucketRows, orderKeyOf(1), []byte{}), Query{Sport: "Run"}},
		{"doc huge length", putRaw(bucketDocs, docKey(1), append(append([]byte{docFormat, 0}, orderKeyOf(1)...), 0xff, 0xff, 0xff, 0xff, 0x0f)), Query{}},
		{"row without doc", func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketDocs)).Delete(docKey(1)) }, Query{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := corrupted(t, tt.corrupt, a1, a2)
			acts, skipped, err := s.ListCounted(tt.q)
			if err != nil || skipped != 1 || len(acts) > 1 {
				t.Fatalf("ListCounted = %d activities, %d skipped, %v; want the readable one, 1 skipped", len(acts), skipped, err)
			}
			if _, err := s.Sports(); err != nil {
				t.Errorf("Sports: %v", err)
			}
			if n, err := s.Newest(); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("Newest = %d, %v", n.ID, err)
			}
			if _, err := s.Verify(); !errors.Is(err, ErrDamaged) {
				t.Errorf("Verify = %v, want ErrDamaged", err)
			}
		})
	}
}

// corrupted stores acts, changes the file with corrupt through bbolt and
// opens it again (closed at cleanup).
func corrupted(t *testing.T, corrupt func(tx *bolt.Tx) error, acts ...Activity) *Store {
	t.Helper()
	s, path := openTemp(t, Options{})
	mustUpsert(t, s, acts...)
	_ = s.Close()
	withBolt(t, path, corrupt)
	s, err := Open(path, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func orderKeyOf(id int64) []byte { return orderKey(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC), id) }

func putRaw(bkt string, k, v []byte) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket([]byte(bkt)).Put(k, v) }
}

func truncateRow(id int64) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucketRows))
		v := b.Get(orderKeyOf(id))
		return b.Put(orderKeyOf(id), append([]byte(nil), v[:len(v)-3]...))
	}
}

// TestDamagedRowsFollowsWrites: the count is kept between calls and taken
// again after a write, which may damage or mend a row.
func TestDamagedRowsFollowsWrites(t *testing.T) {
	a1 := act(t, 1, "2024-01-01T10:00:00Z", "a", "Run")
	a2 := act(t, 2, "2024-01-01T10:00:00Z", "b", "Run") // same start: orderKeyOf(2) is its key
	s := corrupted(t, putRaw(bucketRows, orderKeyOf(1), []byte("garbage")), a1, a2)
	for range 2 {
		if n, err := s.DamagedRows(); err != nil || n != 1 {
			t.Fatalf("DamagedRows = %d, %v; want 1", n, err)
		}
	}
	if err := s.db.Update(truncateRow(2)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DamagedRows(); err != nil || n != 2 {
		t.Fatalf("after a write damaging another row: DamagedRows = %d, %v; want 2", n, err)
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(bucketRows)).Delete(orderKeyOf(1)) }); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DamagedRows(); err != nil || n != 1 {
		t.Fatalf("after a write removing the first bad row: DamagedRows = %d, %v; want 1", n, err)
	}
}
