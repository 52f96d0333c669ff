package cli

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/owtray/owtray/sync/stravasim"
)

// BenchmarkColdStart20000 starts the real desktop app on a data dir holding
// 20,000 activities and measures the time from exec to the window showing
// the first rows, and the process's peak RSS then. Targets: < 1 s, < 150 MB.
// Needs an X display (make bench runs it under Xvfb).
func BenchmarkColdStart20000(b *testing.B) {
	if os.Getenv("DISPLAY") == "" {
		b.Skip("needs an X display")
	}
	bin := binaryFor(b)
	p := newProfileWith(b, stravasim.Config{Activities: 20000,
		RateLimits: stravasim.Limits{Overall15: 600, OverallDaily: 30000, Read15: 300, ReadDaily: 15000}})
	p.mustRun("login")
	p.mustRun("sync")
	var totalMS, totalRSS float64
	for b.Loop() {
		cmd := p.command(bin, "gui")
		cmd.Env = append(cmd.Env, EnvStartupProbe+"=quit", "LANG=en_US.UTF-8")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var shown time.Duration
		var rss float64
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), startupProbeLine) {
				shown = time.Since(start)
				rss = reportedRSSMB(sc.Text())
				break
			}
		}
		var rest strings.Builder
		drained := make(chan struct{})
		go func() {
			for sc.Scan() {
				rest.WriteString(sc.Text() + "\n")
			}
			close(drained)
		}()
		<-drained
		if err := cmd.Wait(); err != nil || shown == 0 {
			b.Fatalf("gui: %v (first rows after %s)\n%s", err, shown, rest.String())
		}
		totalMS += float64(shown.Milliseconds())
		totalRSS += rss
	}
	b.ReportMetric(totalMS/float64(b.N), "ms-to-first-rows")
	b.ReportMetric(totalRSS/float64(b.N), "MB-peak-RSS")
}

// reportedRSSMB reads the "peak_rss_kb=N" the app reports with the line.
func reportedRSSMB(line string) float64 {
	_, v, _ := strings.Cut(line, "peak_rss_kb=")
	kb, _ := strconv.ParseFloat(strings.Fields(v + " ")[0], 64)
	return kb / 1024
}
