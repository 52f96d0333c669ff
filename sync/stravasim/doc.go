// Package stravasim is a simulated Strava for tests, `owtray simulate` and
// `owtray demo`. It is written from Strava's developer documentation
// (authentication, webhooks, rate limits, API reference) and serves Strava's
// real URLs, field names, JSON shapes, status codes and error bodies over
// real HTTP. Strava itself cannot be reached from build and test machines.
//
// # Use
//
//	srv, err := stravasim.Start(stravasim.Config{Activities: 2000, Seed: 1})
//	defer srv.Close()
//	// STRAVA_OAUTH_URL=srv.OAuthURL()  STRAVA_API_URL=srv.APIURL()
//	// STRAVA_CLIENT_ID="12345"         STRAVA_CLIENT_SECRET="sim-client-secret"
//
// A *Sim is also an http.Handler, for httptest.NewServer.
//
// # Strava endpoints
//
//	GET  /oauth/authorize       client_id, redirect_uri, response_type=code, approval_prompt, scope, state
//	POST /oauth/token           grant_type=authorization_code (code) or refresh_token (refresh_token);
//	                            also POST /api/v3/oauth/token, as on Strava
//	POST /oauth/deauthorize     access_token (form) or Authorization: Bearer
//	GET  /api/v3/athlete
//	GET  /api/v3/athlete/activities            before, after (epoch s), page, per_page (default 30, max 200)
//	GET  /api/v3/activities/{id}               DetailedActivity
//	GET  /api/v3/activities/{id}/streams       keys=latlng,time,…  key_by_type=true|false
//	POST /api/v3/push_subscriptions            client_id, client_secret, callback_url, verify_token
//	GET  /api/v3/push_subscriptions            client_id, client_secret
//	DELETE /api/v3/push_subscriptions/{id}     client_id, client_secret → 204
//
// Behaviour worth knowing (all as on Strava):
//   - The simulated user is logged in and answers the authorization page at
//     once (SetConsent: deny, or untick scopes). The redirect carries state,
//     code and the granted scope; "read" is always granted. Scopes are
//     comma-separated; anything else is 400 {"resource":"Authorize","field":"scope","code":"invalid"}.
//   - Codes are single use and expire (Config.CodeTTL). Every refresh returns
//     a new refresh token and the old one is rejected with 400
//     {"resource":"RefreshToken","field":"refresh_token","code":"invalid"}; the
//     access token stays the same while it has more than an hour left.
//   - Bearer errors are 401 {"message":"Authorization Error",…"field":"access_token","code":"invalid"};
//     activity endpoints without activity:read[_all] are 401 with
//     {"resource":"AccessToken","field":"activity:read_permission","code":"missing"}.
//     Private activities need activity:read_all; otherwise, deleted or not
//     owned, they are 404 {"message":"Record Not Found",…}.
//   - Activities are listed newest first, but oldest first when only `after` is given.
//   - Streams always include the series-type stream (distance, or time).
//   - Every API response carries X-RateLimit-Limit/-Usage and
//     X-ReadRateLimit-Limit/-Usage ("15min,daily"); windows reset at
//     :00/:15/:30/:45 and 00:00 UTC by Config.Now; over a limit → 429.
//   - Push subscription creation does the validation GET (hub.mode,
//     hub.challenge, hub.verify_token; 2 s) and answers 201 with the
//     subscription; one per application ("already exists").
//   - Events are POSTed in order by one goroutine, up to three attempts,
//     each failing without a 200 within 2 s. Without activity:read_all no
//     event about a private activity is sent; privacy changes then arrive
//     as delete/create. Description changes send no event.
//
// # Control API (JSON, under /_sim/, for other processes)
//
//	GET    /_sim/                       list of endpoints
//	GET    /_sim/status                 {"athlete_id","activities","subscription_id","callback_url","limits","usage","requests"}
//	POST   /_sim/activities[?event=false]
//	       {"athlete_id","name","sport_type","start_date" (RFC 3339),"elapsed_time","moving_time",
//	        "distance","description","private","trainer","commute","manual"} → 201 {"id": …}
//	       event=false: a late upload the application never hears about
//	PATCH  /_sim/activities/{id}[?event=false]  {"name","sport_type","private","description"} → 204
//	DELETE /_sim/activities/{id}[?event=false]  → 204 (event=false: deleted while the app was offline)
//	POST   /_sim/deauthorize            {"athlete_id"} (optional; default athlete) → 204, sends the athlete event
//	PUT    /_sim/consent                {"deny": bool, "refuse": ["activity:read_all", …]} → 204
//	PUT    /_sim/authorizing-athlete    {"id","firstname","lastname"} → 204
//	PUT    /_sim/faults                 {"latency_ms","fail_next":{"count","status","path"},
//	                                      "app_inactive","athlete_capacity"} (fields optional) → 204
//	POST   /_sim/expire-tokens          → 204
//	GET    /_sim/rate-limits            {"limits":{…},"usage":{…}}
//	PUT    /_sim/rate-limits            {"limits":{"overall_15min","overall_daily","read_15min","read_daily"},"usage":{…}} → 204
//	GET    /_sim/requests               {"total": n, "by_route": {"GET /api/v3/athlete/activities": n, …}}
//	DELETE /_sim/requests               reset the counters → 204
//	GET    /_sim/deliveries             [{"event","callback_url","attempts","delivered","done"}]
//	DELETE /_sim/deliveries             forget finished deliveries → 204
//
// Control errors are {"error": "…"} with 400 (bad input) or 404 (unknown activity or athlete).
// The control API has no authentication: serve the simulator on loopback only.
//
// # Generated history
//
// Config.Activities activities over the ten years before Config.HistoryEnd,
// deterministic for a Seed: many sport types (including UnknownSportType),
// unicode names, ~5 % private, commutes, trainer and manual activities,
// timezones with odd offsets, late uploads (ids out of start order), and
// route polylines for outdoor activities that agree with the streams.
// Generating 20,000 activities takes well under a second.
package stravasim
