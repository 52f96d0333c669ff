package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// allRows reads every row of the list's current query, loading its pages.
func (h *harness) allRows() []Activity {
	h.tb.Helper()
	l := h.ui.list
	out := make([]Activity, l.rows.len())
	for i := range out {
		h.until("row "+strconv.Itoa(i), func() bool { _, ok := l.rows.row(i); return ok })
		out[i], _ = l.rows.row(i)
	}
	return out
}

func TestListSortsByEveryColumnBothWays(t *testing.T) {
	h := newHarness(t, newFakeBackend(120))
	l := h.ui.list
	for k := SortDate; k < numSortKeys; k++ {
		for _, second := range []bool{false, true} {
			name := listHeader()[k] + map[bool]string{false: " first click", true: " second click"}[second]
			test.Tap(l.header[k])
			h.waitListReady()
			asc := firstAscending(k) != second
			if k == SortDate {
				// The date is the default descending order: its first click reverses it.
				asc = !second
			}
			wantMark := map[bool]string{true: markAscending, false: markDescending}[asc]
			if got := l.header[k].Text; got != listHeader()[k]+wantMark {
				t.Errorf("%s: header %q, want the mark %q", name, got, wantMark)
			}
			for other := SortDate; other < numSortKeys; other++ {
				if other != k && strings.ContainsAny(l.header[other].Text, "▲▼") {
					t.Errorf("%s: header %q is marked too", name, l.header[other].Text)
				}
			}
			rows := h.allRows()
			if len(rows) != 120 {
				t.Fatalf("%s: %d rows", name, len(rows))
			}
			for i := 1; i < len(rows); i++ {
				c := k.Compare(rows[i-1], rows[i])
				if (asc && c > 0) || (!asc && c < 0) {
					t.Fatalf("%s: row %d %q before row %d %q", name, i-1, rowTexts(rows[i-1], Metric), i, rowTexts(rows[i], Metric))
				}
			}
			q := locked(h.be, func() Filter { return h.be.queries[len(h.be.queries)-1] })
			if q.Sort != k || q.Ascending != asc {
				t.Errorf("%s: query sort %v ascending %v", name, q.Sort, q.Ascending)
			}
		}
	}
}

func TestListKeyboard(t *testing.T) {
	h := newHarness(t, newFakeBackend(50))
	l := h.ui.list
	key := func(k fyne.KeyName) {
		h.handOff("the detail for "+string(k), func() { l.list.TypedKey(&fyne.KeyEvent{Name: k}) })
	}
	key(fyne.KeyDown)
	if l.selectedID != h.be.acts[0].ID || h.ui.detail.current.ID != h.be.acts[0].ID {
		t.Fatalf("Down from nothing: selected %d, detail %d; want the first row %d", l.selectedID, h.ui.detail.current.ID, h.be.acts[0].ID)
	}
	key(fyne.KeyDown)
	key(fyne.KeyDown)
	if h.ui.detail.current.ID != h.be.acts[2].ID {
		t.Errorf("two more Downs: detail %d, want row 2 %d", h.ui.detail.current.ID, h.be.acts[2].ID)
	}
	key(fyne.KeyUp)
	if h.ui.detail.current.ID != h.be.acts[1].ID {
		t.Errorf("Up: detail %d, want row 1", h.ui.detail.current.ID)
	}
	key(fyne.KeyEnd)
	if l.selectedID != h.be.acts[49].ID {
		t.Errorf("End: selected %d, want the last row", l.selectedID)
	}
	windows := len(h.ui.app.Driver().AllWindows())
	l.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := len(h.ui.app.Driver().AllWindows()); got != windows+1 {
		t.Errorf("Enter: %d windows, want a new one for the activity", got)
	}
	// A double click opens too.
	rows := visible(l.list)
	for _, o := range rows {
		if r, ok := o.(*listRow); ok {
			test.DoubleTap(r)
			break
		}
	}
	if got := len(h.ui.app.Driver().AllWindows()); got != windows+2 {
		t.Errorf("double click: %d windows, want another one", got)
	}
	h.search("ride")
	test.Type(l.from, "2024-01-01")
	h.waitListReady()
	l.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	h.waitListReady()
	if l.search.Text != "" || l.from.Text != "" || l.count.Text != "50 activities" {
		t.Errorf("Esc: search %q, from %q, count %q; want everything cleared", l.search.Text, l.from.Text, l.count.Text)
	}
	h.search("swim")
	l.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	h.waitListReady()
	if l.search.Text != "" {
		t.Errorf("Esc in the search field leaves %q", l.search.Text)
	}
}

func TestCtrlFFocusesSearch(t *testing.T) {
	h := newHarness(t, newFakeBackend(5))
	c := h.ui.win.Canvas()
	find := &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	h.ui.tabs.SelectIndex(1)
	c.(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(find)
	if c.Focused() != h.ui.list.search || h.ui.tabs.SelectedIndex() != 0 {
		t.Errorf("Ctrl+F from Settings: focused %v, tab %d", c.Focused(), h.ui.tabs.SelectedIndex())
	}
	c.Focus(h.ui.list.to)
	h.ui.list.to.TypedShortcut(find)
	if c.Focused() != h.ui.list.search {
		t.Error("Ctrl+F in the To field does not move to the search")
	}
}

func TestListGrowsDuringImportKeepingSelection(t *testing.T) {
	be := newFakeBackend(0)
	h := newHarness(t, be)
	all := makeActivities(1000) // newest first; an import stores the newest page first
	var selected int64
	for pages := 1; pages <= 5; pages++ {
		be.setActivities(all[:pages*200])
		be.setStatus(func(s *Status) { s.Syncing, s.Progress = true, Progress{Phase: PhaseImport, Done: pages * 200} })
		be.emit(Event{Kind: EventActivitiesChanged})
		want := plural(pages*200, "activity")
		h.until(want, func() bool { return h.ui.list.count.Text == want })
		if pages == 2 {
			h.handOff("the detail", func() { h.ui.list.selectRow(5) })
			selected = h.ui.list.selectedID
		}
	}
	if got := h.ui.list.selectedID; selected == 0 || got != selected {
		t.Errorf("selection %d after the import, want %d kept", got, selected)
	}
	if i := h.ui.list.selectedRow(); i < 0 {
		t.Error("the selected activity has no row")
	}
}

func TestListRefreshesCoalesceWhileLoading(t *testing.T) {
	be := newFakeBackend(10)
	h := newHarness(t, be)
	release := make(chan struct{})
	be.mu.Lock()
	be.beforeQuery = func(ctx context.Context, f Filter) error { <-release; return nil }
	be.mu.Unlock()
	before := locked(be, func() int { return len(be.queries) })
	for range 20 {
		be.emit(Event{Kind: EventActivitiesChanged})
	}
	h.pump.drain()
	be.mu.Lock()
	be.beforeQuery = nil
	be.mu.Unlock()
	close(release)
	be.setActivities(makeActivities(30))
	be.emit(Event{Kind: EventActivitiesChanged})
	h.until("30 rows", func() bool { return h.ui.list.count.Text == "30 activities" })
	if n := locked(be, func() int { return len(be.queries) }) - before; n > 4 {
		t.Errorf("%d queries for 21 changes during a slow query, want them coalesced", n)
	}
}

func TestNameShowsInFullOnHover(t *testing.T) {
	be := newFakeBackend(3)
	acts := makeActivities(3)
	acts[0].Name = "A very long activity name that cannot fit into the name column at all, not even close"
	be.setActivities(acts)
	h := newHarness(t, be)
	h.ui.win.Resize(minWindowSize())
	var cell *hoverLabel
	for _, o := range visible(h.ui.list.list) {
		if l, ok := o.(*hoverLabel); ok && l.Text == acts[0].Name {
			cell = l
		}
	}
	if cell == nil {
		t.Fatal("no name cell with the long name")
	}
	if !cell.truncated() {
		t.Fatalf("the name is not cut at width %v", cell.Size().Width)
	}
	tips := h.ui.list.tips
	cell.MouseIn(&desktop.MouseEvent{})
	if !tips.content.Visible() || tips.text.Text != acts[0].Name {
		t.Fatal("no tip with the whole name on hover")
	}
	cellPos := fyne.CurrentApp().Driver().AbsolutePositionForObject(cell)
	if tipPos := fyne.CurrentApp().Driver().AbsolutePositionForObject(tips.bg); tipPos.Y < cellPos.Y+cell.Size().Height-1 ||
		tipPos.X+tips.bg.Size().Width > h.ui.win.Canvas().Size().Width+1 {
		t.Errorf("tip at %v size %v, cell at %v: want below the cell, inside the window", tipPos, tips.bg.Size(), cellPos)
	}
	if len(h.ui.win.Canvas().Overlays().List()) != 0 {
		t.Error("the tip is an overlay: the cell under it would lose the hover")
	}
	cell.MouseOut()
	if tips.content.Visible() {
		t.Error("the tip stays after the pointer left")
	}
}

// testWriter is a file for the export, as the file dialog would give it.
func testWriter(t *testing.T) (fyne.URIWriteCloser, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.csv")
	w, err := storage.Writer(storage.NewFileURI(path))
	if err != nil {
		t.Fatal(err)
	}
	return w, path
}

func TestListExportProgressAndCancel(t *testing.T) {
	be := newFakeBackend(40)
	h := newHarness(t, be)
	x := h.ui.exporter
	step := make(chan struct{})
	resume := time.Now().Add(10 * time.Minute)
	be.mu.Lock()
	be.exportStep = func(ctx context.Context, i int, wait func(time.Time)) error {
		if i == 10 {
			wait(resume) // like Strava's rate limit: the export waits
			select {
			case <-step:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	be.mu.Unlock()
	h.search("run") // the export follows the list's filter
	f, _ := h.ui.list.inputs().filter()

	// The Export… button asks for the format with what the list shows.
	test.Tap(h.ui.list.export)
	if x.choice == nil || x.choice.Selected != exportFormatNames()[0] {
		t.Fatal("Export… does not ask for the format")
	}

	w, path := testWriter(t)
	x.export(f, ExportCSV, w)
	h.until("the rate-limit wait", func() bool {
		return strings.HasPrefix(x.message.Text, "Exported 10 of 16") && strings.Contains(x.message.Text, "resumes at "+formatWhen(resume, time.Now()))
	})
	if !x.cancel.Visible() || x.progress.Value <= 0 || x.progress.Value >= 1 {
		t.Errorf("while exporting: Cancel visible %v, progress %v", x.cancel.Visible(), x.progress.Value)
	}
	step <- struct{}{}
	h.until("saved", func() bool { return strings.HasPrefix(x.message.Text, "Saved 16 activities to ") })
	if !x.show.Visible() || x.cancel.Visible() {
		t.Error("after saving: want Show in folder and no Cancel")
	}
	data, err := os.ReadFile(path)
	if err != nil || strings.Count(string(data), "\n") != 16 || strings.Contains(string(data), "Ride") {
		t.Errorf("file: %q %v; want the 16 runs", data, err)
	}

	// Cancel: no file stays.
	w2, path2 := testWriter(t)
	x.export(f, ExportCSV, w2)
	h.until("progress", func() bool { return strings.HasPrefix(x.message.Text, "Exported 10") })
	test.Tap(x.cancel)
	if !strings.HasPrefix(x.message.Text, msgCancelled) || x.cancel.Visible() {
		t.Errorf("after Cancel: %q", x.message.Text)
	}
	h.until("the file removed", func() bool { _, err := os.Stat(path2); return errors.Is(err, os.ErrNotExist) })
}

func TestURLShownWhenNoBrowser(t *testing.T) {
	be := newFakeBackend(5)
	be.status = Status{Configured: true, Activities: 5}
	be.noBrowser = true
	release := make(chan struct{})
	be.connect = func(ctx context.Context) (ConnectResult, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return ConnectResult{}, ctx.Err()
		}
		be.setStatus(func(s *Status) { s.Connected = true })
		return ConnectResult{Athlete: "Jane Doe", AthleteID: 4242}, nil
	}
	h := newHarness(t, be)
	test.Tap(findButton(t, h.ui.banners.box, labelConnectTo))
	c := h.ui.connect
	h.until("the address", func() bool { return c.url.content.Visible() })
	if c.url.address.Text != fakeAuthorizeURL || c.message.Text != msgWaiting {
		t.Errorf("address %q, message %q", c.url.address.Text, c.message.Text)
	}
	test.Tap(c.url.copy)
	if got := h.ui.app.Clipboard().Content(); got != fakeAuthorizeURL {
		t.Errorf("clipboard %q after Copy", got)
	}
	close(release)
	h.until("connected", func() bool { return h.ui.st.Connected })
	if c.url.content.Visible() {
		t.Error("the address stays after connecting")
	}

	// A link the browser cannot open shows its address too.
	dialogs := len(h.ui.win.Canvas().Overlays().List())
	if err := h.ui.openURL("https://www.strava.com/activities/%zz"); err != nil {
		t.Fatal(err)
	}
	if got := len(h.ui.win.Canvas().Overlays().List()); got != dialogs+1 {
		t.Fatal("no dialog with the address of a link that could not be opened")
	}
	top := h.ui.win.Canvas().Overlays().Top()
	findButton(t, top, labelCopy)
	findButton(t, top, labelOpenURL)
}

func TestNoKeychainScreen(t *testing.T) {
	be := newFakeBackend(0)
	be.status = Status{NoKeychain: "The name org.freedesktop.secrets was not provided by any .service files"}
	h := newHarness(t, be)
	if h.ui.win.Content() != h.ui.keychain {
		t.Fatal("the no-keychain screen is not showing")
	}
	if !strings.Contains(h.ui.keychainDetail.Text, "org.freedesktop.secrets") {
		t.Errorf("detail %q", h.ui.keychainDetail.Text)
	}
	var words []string
	for _, o := range visible(h.ui.keychain) {
		if l, ok := o.(*widget.Label); ok {
			words = append(words, l.Text)
		}
	}
	if text := strings.Join(words, " "); !strings.Contains(text, "gnome-keyring") || !strings.Contains(text, "KWallet") {
		t.Errorf("the screen does not say how to get a keychain: %q", text)
	}
	h.ui.ShowFatal("opening the keychain: no Secret Service") // what Run reports: the same screen, no dialog
	if h.ui.win.Content() != h.ui.keychain || len(h.ui.win.Canvas().Overlays().List()) != 0 {
		t.Error("ShowFatal without a keychain does not keep the keychain screen")
	}
	test.Tap(findButton(t, h.ui.keychain, labelQuit)) // quits without a tray: no crash
}

func TestLoggedOutIsCalm(t *testing.T) {
	be := newFakeBackend(5)
	h := newHarness(t, be)
	be.setStatus(func(s *Status) {
		s.Connected, s.Configured, s.Activities, s.SyncError = false, true, 5, ""
		s.Webhooks = Webhooks{State: WebhooksLive, PublicURL: "https://x.ngrok.app"}
	})
	h.until("not connected", func() bool { return !h.ui.st.Connected })
	if h.ui.onSetup || h.ui.win.Content() != h.ui.main {
		t.Fatal("after logout the setup screen replaces the activities")
	}
	if len(h.ui.banners.shown) != 1 || h.ui.banners.shown[0].severe || h.ui.banners.shown[0].action != actionConnect {
		t.Fatalf("banners %+v, want one calm Not connected with Connect", h.ui.banners.shown)
	}
	sb := h.ui.status
	if sb.account.Text != "Not connected" || sb.webhooks.Text != "" || sb.rate.Text != "" || !sb.syncNow.Disabled() {
		t.Errorf("status bar: %q %q %q, sync enabled %v", sb.account.Text, sb.webhooks.Text, sb.rate.Text, !sb.syncNow.Disabled())
	}
	test.Tap(findButton(t, h.ui.banners.box, labelConnectTo))
	h.until("connected", func() bool { return h.ui.st.Connected })
	if n := locked(be, func() int { return be.connects }); n != 1 {
		t.Errorf("%d connects", n)
	}
	if strings.Contains(sb.account.Text, "Not connected") {
		t.Errorf("status bar still says %q", sb.account.Text)
	}
}

func TestDemoOffersNoDemo(t *testing.T) {
	be := newFakeBackend(0)
	be.status = Status{Demo: true}
	h := newHarness(t, be)
	if !h.ui.onSetup {
		t.Fatal("no setup screen")
	}
	if h.ui.setup.demo.Visible() {
		t.Error("Try the demo is offered inside the demo")
	}
}

func TestSetupValidatesOnLeavingAField(t *testing.T) {
	h := newSetupHarness(t)
	s := h.ui.setup
	if s.optional.Items[0].Open {
		t.Error("the optional section starts open")
	}
	c := h.ui.win.Canvas()
	id := s.entries[FieldClientID]
	c.Focus(id)
	test.Type(id, "12x")
	if s.errLabels[FieldClientID].Visible() {
		t.Error("a message while the user is still typing in the field")
	}
	c.Focus(s.entries[FieldClientSecret]) // leaves the Client ID
	if !s.errLabels[FieldClientID].Visible() {
		t.Fatal("no message after leaving a bad Client ID")
	}
	if s.errLabels[FieldClientSecret].Visible() {
		t.Error("a message for the secret the user has not left yet")
	}
	test.Type(id, "")
	id.SetText("12345")
	if s.errLabels[FieldClientID].Visible() {
		t.Error("the message stays after the fix")
	}
	// After a refused Connect, fixing the last field clears the summary too.
	test.Tap(s.connect)
	if s.state.Text != msgFixFields || !s.errLabels[FieldClientSecret].Visible() {
		t.Fatalf("state %q", s.state.Text)
	}
	s.entries[FieldClientSecret].SetText(goodSecret)
	if s.state.Text != "" || s.errLabels[FieldClientSecret].Visible() {
		t.Errorf("state %q after fixing every field", s.state.Text)
	}
	// In the optional section too; a refused Connect opens it.
	s.optional.Open(0)
	cb := s.entries[FieldCallbackURL]
	c.Focus(cb)
	cb.SetText("http://x")
	c.Focus(id)
	if !s.errLabels[FieldCallbackURL].Visible() {
		t.Error("no message after leaving a bad callback URL")
	}
	s.optional.Close(0)
	test.Tap(s.connect)
	if !s.optional.Items[0].Open {
		t.Error("a refused Connect leaves the section with the bad field closed")
	}
}

func TestSyncNowWaitsForTheBudget(t *testing.T) {
	be := newFakeBackend(5)
	h := newHarness(t, be)
	at := time.Now().Add(9 * time.Minute)
	be.setStatus(func(s *Status) { s.RateLimit = RateLimit{Used: 100, Limit: 100, Remaining: 0, ResetsAt: at} })
	h.until("the spent budget", func() bool { return h.ui.st.RateLimit.Remaining == 0 })
	sb := h.ui.status
	clock := formatWhen(at, time.Now())
	if !sb.syncNow.Disabled() || sb.syncNow.Text != "Sync resumes at "+clock {
		t.Errorf("Sync now %q enabled %v", sb.syncNow.Text, !sb.syncNow.Disabled())
	}
	if sb.rate.Text != "Strava's limit is reached; syncing resumes at "+clock {
		t.Errorf("rate %q", sb.rate.Text)
	}
	if it := menuItem(t, h.ui.TrayMenu(), "Sync resumes at "+clock); !it.Disabled {
		t.Error("the tray's Sync now is enabled")
	}
	calls := locked(be, func() int { return be.syncCalls })
	h.ui.syncNow()
	if got := locked(be, func() int { return be.syncCalls }); got != calls {
		t.Error("Sync now ran while the budget is spent")
	}
	be.setStatus(func(s *Status) { s.RateLimit = RateLimit{Used: 59, Limit: 100, Remaining: 41, ResetsAt: at} })
	h.until("the budget back", func() bool { return !sb.syncNow.Disabled() })
	if sb.rate.Text != "Strava allows 41 more requests until "+clock || strings.Contains(sb.rate.Text, "/") {
		t.Errorf("rate %q", sb.rate.Text)
	}
}

func TestTrayTooltip(t *testing.T) {
	be := newFakeBackend(5)
	var tips []string
	p := newPump()
	u := newUI(test.NewTempApp(t), be, Options{TrayTooltip: func(s string) { tips = append(tips, s) }}, p.do)
	t.Cleanup(u.Close)
	if len(tips) == 0 || !strings.HasPrefix(tips[len(tips)-1], "owtray · Last sync ") || !strings.Contains(tips[len(tips)-1], "Webhooks live") {
		t.Fatalf("tooltips %q", tips)
	}
	be.setStatus(func(s *Status) { s.Webhooks.State = WebhooksFailed })
	p.until(t, "a new tooltip", func() bool { return strings.Contains(tips[len(tips)-1], "Webhooks failed") })
	n := len(tips)
	be.emit(Event{Kind: EventStatus})
	p.drain()
	if len(tips) != n {
		t.Error("the same tooltip is set again")
	}
}

func TestAboutInSettings(t *testing.T) {
	p := newPump()
	u := newUI(test.NewTempApp(t), newFakeBackend(1), Options{About: About{Version: "0.1.0", DataDir: "/home/jane/.config/owtray", License: "MIT"}}, p.do)
	t.Cleanup(u.Close)
	var texts []string
	for _, o := range visible(u.settings.box) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	}
	for _, want := range []string{"owtray 0.1.0", "/home/jane/.config/owtray", "MIT"} {
		if !slices.Contains(texts, want) {
			t.Errorf("About lacks %q: %q", want, texts)
		}
	}
}
