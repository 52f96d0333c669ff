package app

import (
	"net"

	"github.com/owtray/owtray/app/hostguard"
)

// hostGuard answers requests on the loopback server ln only for its own
// names (localhost, 127.0.0.1, [::1] with ln's port) and, on the webhook
// routes, for the public host Strava posts to: DNS rebinding cannot turn a
// web page into a client of owtray's routes.
func (a *App) hostGuard(ln net.Listener) *hostguard.Guard {
	return hostguard.New(hostguard.PortOf(ln), a.publicURLs, a.log)
}

// publicURLs are the URLs through which Strava reaches the webhook routes:
// STRAVA_WEBHOOK_CALLBACK_URL (a reverse proxy may keep the original Host)
// and the running tunnel's public URL. Read on each request: the setup
// form and a rebuilt tunnel change them while the app runs.
func (a *App) publicURLs() []string {
	var tunnelURL string
	if in := a.instance(); in != nil {
		in.mu.Lock()
		tunnelURL = in.tunnel.PublicURL
		in.mu.Unlock()
	}
	return []string{a.conf().WebhookCallbackURL, tunnelURL}
}
