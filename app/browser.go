package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
)

// OpenBrowser opens url in the user's default browser. A library such as
// pkg/browser would do the same three exec calls; it is unmaintained, so the
// few lines live here.
func OpenBrowser(ctx context.Context, url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", url)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.CommandContext(ctx, "xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the browser: %w", err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

// VisitURL is the browser of the demo and the tests: it follows the
// authorize URL's redirects (to the simulated Strava and back to owtray's
// callback) over real HTTP, like a user who clicks "Authorize".
func VisitURL(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("visiting the authorize URL: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("visiting the authorize URL: the page answered HTTP %d", resp.StatusCode)
	}
	return nil
}
