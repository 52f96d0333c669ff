package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/owtray/owtray/app/tunnel"
)

func TestEveryTunnelModeIsMapped(t *testing.T) {
	seen := map[WebhookMode]tunnel.Mode{}
	for _, m := range tunnel.Modes() {
		got := webhookMode(m)
		if !slices.Contains(WebhookModes(), got) || got == WebhooksNotRunning {
			t.Errorf("tunnel mode %q maps to %q", m, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("tunnel modes %q and %q both map to %q", other, m, got)
		}
		seen[got] = m
	}
	if webhookMode("") != WebhooksConnecting {
		t.Error("a tunnel that has not reported yet is not connecting")
	}
}

func TestSetupFieldNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range SetupFields() {
		name := f.String()
		if seen[name] || name == "" || strings.HasPrefix(name, "SetupField(") {
			t.Errorf("field %d is named %q", f, name)
		}
		seen[name] = true
	}
}
