package desktop

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/clocktest"
)

// TestPprofAnswersLoopbackHostsOnly: OWTRAY_PPROF's server answers its own
// loopback names and refuses any other Host (DNS rebinding) with 421.
func TestPprofAnswersLoopbackHostsOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	servePprof(ctx, addr, slog.New(slog.DiscardHandler))
	status := func(host string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/debug/pprof/", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	local := "localhost:" + strconv.Itoa(port)
	clocktest.WaitUntil(t, "the pprof server", 5*time.Second, func() bool { return status(local) != 0 })
	tests := []struct {
		host string
		want int
	}{
		{local, http.StatusOK},
		{"127.0.0.1:" + strconv.Itoa(port), http.StatusOK},
		{"attacker.example:" + strconv.Itoa(port), http.StatusMisdirectedRequest},
		{"localhost:1", http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		if got := status(tt.host); got != tt.want {
			t.Errorf("Host %s: %d, want %d", tt.host, got, tt.want)
		}
	}
}
