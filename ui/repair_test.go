package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fakeRepairer answers Repair with what the test sends, once it is asked.
type fakeRepairer struct {
	asked  chan struct{}
	answer chan repairAnswer
}

type repairAnswer struct {
	res RepairResult
	err error
}

func newFakeRepairer() *fakeRepairer {
	return &fakeRepairer{asked: make(chan struct{}, 4), answer: make(chan repairAnswer, 1)}
}

func (f *fakeRepairer) Repair(ctx context.Context) (RepairResult, error) {
	f.asked <- struct{}{}
	select {
	case a := <-f.answer:
		return a.res, a.err
	case <-ctx.Done():
		return RepairResult{}, ctx.Err()
	}
}

// labelText is every visible label's text under rw's content, joined.
func labelText(rw *RepairWindow) string {
	var words []string
	for _, o := range visible(rw.content) {
		if l, ok := o.(*widget.Label); ok {
			words = append(words, l.Text)
		}
	}
	return strings.Join(words, "\n")
}

func hasButton(rw *RepairWindow, text string) bool {
	for _, o := range visible(rw.content) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return true
		}
	}
	return false
}

func newRepairHarness(t *testing.T, d Damage) (*RepairWindow, *fakeRepairer, *pump, *int) {
	t.Helper()
	a := test.NewTempApp(t)
	f := newFakeRepairer()
	p := newPump()
	continued := new(int)
	rw := newRepairWindow(a, f, d, RepairOptions{OnContinue: func() { *continued++ }}, p.do)
	t.Cleanup(rw.Close)
	rw.Show()
	return rw, f, p, continued
}

var testDamage = Damage{Path: "/data/owtray.db", Problems: []string{
	"page 12: a branch page points past the end of the file", "page 40: not a leaf or branch page"}}

func TestRepairWindowRepairs(t *testing.T) {
	rw, f, p, continued := newRepairHarness(t, testDamage)
	text := labelText(rw)
	for _, want := range []string{titleDamaged, "/data/owtray.db", "Nothing was changed", "• page 12: a branch page points past the end of the file", "• page 40: not a leaf"} {
		if !strings.Contains(text, want) {
			t.Errorf("the window does not say %q:\n%s", want, text)
		}
	}
	if !hasButton(rw, labelRepair) || !hasButton(rw, labelQuit) || hasButton(rw, labelContinue) {
		t.Fatal("want Repair and Quit, and no Open owtray before the repair")
	}

	test.Tap(findButton(t, rw.content, labelRepair))
	<-f.asked
	if !rw.repair.Disabled() || !rw.progress.Visible() || !strings.Contains(labelText(rw), msgRepairing) {
		t.Fatal("no busy state while repairing")
	}
	test.Tap(rw.repair) // a second tap while busy starts nothing
	select {
	case <-f.asked:
		t.Fatal("Repair ran twice")
	default:
	}

	f.answer <- repairAnswer{res: RepairResult{Kept: 591, Lost: 9, Outcome: "kept 591 activities, lost 9; the next sync fetches the 9 again from Strava",
		Damaged: "/data/owtray.db.damaged-2026-12-02"}}
	p.until(t, "the outcome", func() bool { return hasButton(rw, labelContinue) })
	text = labelText(rw)
	for _, want := range []string{"Repaired: Kept 591 activities, lost 9; the next sync fetches the 9 again from Strava.", "The damaged file is kept as /data/owtray.db.damaged-2026-12-02."} {
		if !strings.Contains(text, want) {
			t.Errorf("the outcome does not say %q:\n%s", want, text)
		}
	}
	if rw.progress.Visible() || hasButton(rw, labelRepair) || !hasButton(rw, labelQuit) {
		t.Error("after the repair: still busy, or Repair offered again, or no Quit")
	}
	if !strings.Contains(text, titleRepaired) || strings.Contains(text, msgRepairOffer) || !strings.Contains(text, "• page 12") {
		t.Errorf("after the repair want the new title and what was wrong, without the offer:\n%s", text)
	}
	if *continued != 0 {
		t.Fatal("continued before Open owtray was tapped")
	}
	test.Tap(findButton(t, rw.content, labelContinue))
	if *continued != 1 {
		t.Fatalf("Open owtray continued %d times", *continued)
	}
}

func TestRepairWindowShowsFailure(t *testing.T) {
	rw, f, p, continued := newRepairHarness(t, Damage{Path: "/data/owtray.db"})
	if !strings.Contains(labelText(rw), "The check did not say more.") {
		t.Errorf("no problems, and no word about it:\n%s", labelText(rw))
	}
	test.Tap(findButton(t, rw.content, labelRepair))
	<-f.asked
	f.answer <- repairAnswer{err: errors.New("repair: writing the new file (nothing was changed): disk full")}
	p.until(t, "the failure", func() bool { return !rw.busy })
	if text := labelText(rw); !strings.Contains(text, "The repair could not be completed: repair: writing the new file (nothing was changed): disk full") {
		t.Errorf("the failure is not shown:\n%s", text)
	}
	if rw.result.Importance != widget.DangerImportance {
		t.Error("the failure is not shown as an error")
	}
	if hasButton(rw, labelContinue) || hasButton(rw, labelRepair) || !hasButton(rw, labelQuit) {
		t.Error("after a failure want Quit only")
	}
	if text := labelText(rw); !strings.Contains(text, titleDamaged) || strings.Contains(text, titleRepaired) {
		t.Errorf("after a failure the title changed:\n%s", text)
	}
	rw.continueToApp() // not offered: does nothing
	if *continued != 0 {
		t.Error("continued after a failed repair")
	}
	test.Tap(findButton(t, rw.content, labelQuit)) // quits the test app: no crash
}

func TestRepairWindowLongProblemList(t *testing.T) {
	var problems []string
	for range maxProblems + 1234 {
		problems = append(problems, "page: bad")
	}
	got := problemList(problems)
	if n := strings.Count(got, "• page: bad"); n != maxProblems || !strings.HasSuffix(got, "… and 1,234 more") {
		t.Errorf("%d problems listed, ending %q", n, got[len(got)-20:])
	}
}

// Closing the window while the repair runs drops its result.
func TestRepairWindowClosedWhileRepairing(t *testing.T) {
	rw, f, p, _ := newRepairHarness(t, testDamage)
	test.Tap(findButton(t, rw.content, labelRepair))
	<-f.asked
	rw.Close() // cancels the fake's context: it answers
	p.until(t, "the dropped result", func() bool { return p.calls.Load() > 0 })
	if !rw.busy || rw.result.Importance == widget.DangerImportance {
		t.Error("a result arriving after Close was shown")
	}
}
