package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/owtray/owtray/app"
	"github.com/owtray/owtray/app/apptest"
	"github.com/owtray/owtray/app/config"
	"github.com/owtray/owtray/sync/clocktest"
	"github.com/owtray/owtray/sync/stravasim"
	"github.com/owtray/owtray/sync/webhook"
)

// serveProcess is a real `owtray serve`.
type serveProcess struct {
	cmd  *exec.Cmd
	base string // its loopback server
}

func startServe(t *testing.T, p *profile, bin string) *serveProcess {
	t.Helper()
	return startServeIn(t, p, bin, "")
}

// startServeIn starts `owtray serve` with dir as its working directory
// ("" = the test's).
func startServeIn(t *testing.T, p *profile, bin, dir string) *serveProcess {
	t.Helper()
	cmd := p.command(bin, "serve")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serveProcess{cmd: cmd, base: strings.TrimSuffix(p.env[config.EnvRedirectURI], config.CallbackPath)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	clocktest.WaitUntil(t, "serve to answer", 30*time.Second, func() bool { _, err := s.health(); return err == nil })
	return s
}

func (s *serveProcess) health() (app.Health, error) {
	var h app.Health
	resp, err := http.Get(s.base + app.HealthPath)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

// TestServeForwardsCommandsAndSurvivesKill9 runs a real `owtray serve`:
// other commands are forwarded to it while it holds the database; webhook
// events acknowledged before a kill -9 are all processed, once, after the
// restart; SIGTERM stops it within 10 s.
func TestServeForwardsCommandsAndSurvivesKill9(t *testing.T) {
	bin := binary(t)
	p := newProfile(t, 300)
	p.env[config.EnvWebhookCallbackURL] = strings.TrimSuffix(p.env[config.EnvRedirectURI], config.CallbackPath) + webhook.WebhookPath
	p.mustRun("login")
	s := startServe(t, p, bin)
	clocktest.WaitUntil(t, "the subscription", 20*time.Second, func() bool { _, _, ok := p.sim.Sim.Subscription(); return ok })

	// Forwarded commands (the database is held by serve).
	clocktest.WaitUntil(t, "the first sync", 30*time.Second, func() bool {
		var st map[string]any
		_ = json.Unmarshal([]byte(p.mustRun("status", "--json")), &st)
		return st["activities"] == float64(300)
	})
	newest := p.sim.Sim.Activities(0, true)[0]
	if out := p.mustRun("show", strconv.FormatInt(newest.ID, 10)); !strings.Contains(out, newest.Name) {
		t.Errorf("forwarded show: %s", out)
	}
	if out := p.mustRun("export", "--format", "csv", "--sport", newest.SportType); !strings.HasPrefix(out, "id,name,sport_type") {
		t.Errorf("forwarded export: %.200s", out)
	}
	if out := p.mustRun("webhook", "list"); !strings.Contains(out, webhook.WebhookPath) {
		t.Errorf("forwarded webhook list: %s", out)
	}
	if out := p.mustRun("sync"); !strings.Contains(out, "incremental") {
		t.Errorf("forwarded sync: %s", out)
	}
	if code, _, errs := p.run("serve"); code != 1 || !strings.Contains(errs, "already running") {
		t.Errorf("second serve: %d %s", code, errs)
	}

	// Events acknowledged while the API is slow, then kill -9.
	p.sim.Sim.ResetDeliveries()
	p.sim.Sim.SetLatency(5 * time.Second)
	var ids []int64
	for i := range 5 {
		id, err := p.sim.Sim.CreateActivity(stravasim.NewActivity{Name: "Killed run " + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	deliveries, err := p.sim.Sim.WaitDeliveries(ctx, 5)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deliveries {
		if !d.Delivered {
			t.Fatalf("event not acknowledged: %+v", d)
		}
	}
	before, err := s.health()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	if before.QueueDepth == 0 {
		t.Fatalf("no event was pending at the kill: %+v", before)
	}

	p.sim.Sim.SetLatency(0)
	s = startServe(t, p, bin)
	// The event counts are in the full status, forwarded to serve over IPC.
	events := func() app.WebhookStatus {
		var st app.Status
		if err := json.Unmarshal([]byte(p.mustRun("status", "--json")), &st); err != nil {
			t.Fatalf("status --json: %v", err)
		}
		return st.Webhooks
	}
	clocktest.WaitUntil(t, "the queue to drain", 30*time.Second, func() bool {
		h, err := s.health()
		return err == nil && h.QueueDepth == 0 && events().Processed == 5
	})
	if w := events(); w.Received != 5 || w.Duplicates != 0 || w.Processed != 5 {
		t.Errorf("events after restart: %+v", w)
	}
	for _, id := range ids {
		if out := p.mustRun("show", strconv.FormatInt(id, 10)); !strings.Contains(out, "Killed run") {
			t.Errorf("activity %d: %s", id, out)
		}
	}

	apptest.StopGracefully(t, s.cmd, 10*time.Second)
}
