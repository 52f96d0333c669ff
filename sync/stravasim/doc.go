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
//   - Codes are single use and expire (Config.CodeTTL). A refresh returns a
//     new refresh token (Config.RefreshTokens = RotateRefreshToken, default)
//     or the same one (KeepRefreshToken): Strava's authentication docs say
//     the refresh token may change and only the most recent one works, and
//     the `strava` npm package's docs report both. Once a new one is
//     returned the old one is rejected with 400
//     {"resource":"RefreshToken","field":"refresh_token","code":"invalid"}; the
//     access token stays the same while it has more than an hour left.
//   - A wrong client id or secret at POST /oauth/token is 401
//     {"message":"Authorization Error","errors":[{"resource":"Application","field":"","code":"invalid"}]}
//     (as reported on Strava's developer community hub).
//   - POST /oauth/deauthorize with an expired or unknown access token is
//     401 and revokes nothing.
//   - At the application's athlete capacity (Config.AthleteCapacity) the
//     authorize page itself shows "Limit of connected athletes exceeded"
//     (403, text/html) and never redirects back, as Strava does.
//   - Bearer errors are 401 {"message":"Authorization Error",…"field":"access_token","code":"invalid"};
//     activity endpoints without activity:read[_all] are 401 with
//     {"resource":"AccessToken","field":"activity:read_permission","code":"missing"}.
//     Private activities need activity:read_all; otherwise, deleted or not
//     owned, they are 404 {"message":"Record Not Found","errors":[{"resource":"Activity","field":"id","code":"invalid"}]}.
//   - Activities are listed newest first. The order when only `after` is
//     given is not documented (stravalib#21 asks for oldest first; clients
//     report both): Config.AfterOrder = OldestFirst (default) | NewestFirst,
//     SetAfterOrder, or {"after_order"} on /_sim/faults.
//   - An `after` later than now is 400
//     {"resource":"Activity","field":"after","code":"future"}. Activities
//     may start in the future or before 1970 (devices with wrong clocks, GPS
//     week-number rollovers, manual entries): CreateActivity takes any date.
//   - Start times tie: hidden start times, and a ride uploaded by a watch and
//     a bike computer, put several activities in one second. The generated
//     history has ~2 % ties and one at every 200-activity boundary of the
//     full newest-first listing (every fifth a tie of three), so a moving
//     `before` cursor loses activities; Config.NoTies turns them off. The
//     order within a second is not documented (and Strava's feeds reorder
//     between requests, javastravav3api#18): Config.TieOrder = TiesByID
//     (default) | TiesUnstable (a new order on every request), SetTieOrder,
//     {"tie_order":"by_id|unstable"} on /_sim/faults.
//   - Streams always include the series-type stream (distance, or time).
//     Manual activities, and indoor ones without any sensor, have none:
//     404 {"message":"Resource Not Found","errors":[]}, not an empty set
//     (rStrava#72 and #105, connectstats#54, elevate#64).
//   - Transient 404s: right after an upload Strava answers 404 on
//     GET /activities/{id} for a while although the create event was sent
//     (the upload is still processed; open-wearables and strava-offline
//     retry). Config.UploadProcessing / SetUploadProcessing makes every new
//     activity 404 (activity and streams) for that long by Config.Now;
//     NotFoundNext(id, n) answers the next n requests for an activity 404,
//     NotFoundUntil(id, t) until t; {"not_found":{"id","count","until"}} on /_sim/faults.
//   - Every API response carries X-RateLimit-Limit/-Usage and
//     X-ReadRateLimit-Limit/-Usage ("15min,daily"); windows reset at
//     :00/:15/:30/:45 and 00:00 UTC by Config.Now; over a limit → 429.
//   - Push subscription creation does the validation GET (hub.mode,
//     hub.challenge, hub.verify_token; 2 s) and answers 201 with the
//     subscription; one per application ("already exists").
//   - Events are POSTed in order by one goroutine, up to three attempts
//     (Strava's webhook docs: retried up to a total of three times),
//     each failing without a 200 within 2 s (Config.DeliveryTimeout); the
//     attempts are Config.DeliveryRetryDelay apart (Strava: minutes).
//     Config.DuplicateCreateEvents / SetDuplicateCreateEvents /
//     {"duplicate_create_events"} delivers every create event twice, as
//     Strava sometimes does. Without activity:read_all no
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
//	                                      "app_inactive","athlete_capacity",
//	                                      "not_found":{"id","count","until"},"upload_processing_ms",
//	                                      "duplicate_create_events","after_order":"oldest_first|newest_first","tie_order":"by_id|unstable",
//	                                      "refresh_tokens":"rotate|keep"} (fields optional) → 204
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
