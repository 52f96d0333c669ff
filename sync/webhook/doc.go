// Package webhook receives Strava's real-time webhook events and applies
// them to the local store.
//
//   - Handler is the HTTP intake: it serves the subscription validation GET
//     and the event POSTs on WebhookPath only (verify, parse, enqueue). A
//     valid event is committed to the store's durable queue before it is
//     answered 200, so the answer never waits for Strava. It tells its
//     Observer what became of each POST; the health report is the app's.
//   - Worker applies queued events. Only Strava's answer changes data: for
//     every activity event (create, update or delete alike) it asks
//     GET /activities/{id}; 200 stores the answer (a forged or stale delete
//     therefore only refreshes the activity), 404 is asked again along the
//     retry schedule and removes the local copy only when it persists
//     through every step. An athlete's deauthorization calls the app's hook
//     only after the AccessChecker confirmed that Strava refuses the grant
//     (401); otherwise the tokens stay. Effects are committed together with
//     the events' removal from the queue, so every acknowledged event is
//     processed after a crash or kill -9.
//   - Subscriptions keeps exactly one push subscription pointing at the
//     callback URL.
//
// The numbers (WorkerConfig, store.Options; tests inject shorter ones):
//
//   - 404 retry schedule: 30 s, 2 min, 10 min, 1 h after the first 404
//     (DefaultNotFoundSchedule), persisted in the queue (a restart keeps the
//     step reached). Strava answers 404 for a while after an upload.
//   - Coalescing: the queue keeps one entry per activity (and one per
//     athlete), not one per event, with the parsed fields only (never the
//     body; update values cut at 256 bytes): many events for one activity
//     cost one fetch. An event whose event_time is more than 10 s
//     (DefaultCoverMargin) before the start of a fetch of its activity is
//     answered by that fetch, and a duplicate create of an activity already
//     fetched costs nothing; an activity fetched less than 30 s ago
//     (DefaultMinRefetch) is fetched again only after that, once for every
//     event received meanwhile.
//   - Budget: event-driven requests use at most 30 % (DefaultBudgetShare) of
//     each of Strava's read limits (100 per 15 min → 30; 1,000 per day →
//     300; the limits Strava reports are used once known), so a flood never
//     starves the poll or the import. Past the share the worker waits for
//     the next window. The count is kept in the store: a restart grants no
//     new share.
//   - Bound: at most 10,000 distinct activities (store.DefaultMaxPendingEvents)
//     wait at once; an event for one more is answered 503 with Retry-After
//     (Strava delivers it again later), never acknowledged and dropped.
//     Events for activities already waiting always merge. Deliveries
//     remembered against redelivery: 7 days, at most 100,000 (~50 bytes
//     each).
//   - Measured (BenchmarkEventFlood, BenchmarkEventFloodDisk, simulator over
//     real HTTP, real bbolt): 1,000 update events for 5 activities, all
//     claiming to be current, cost 10 reads (one per activity, one more
//     after 30 s; was 147); 1,000 for 50 activities about earlier changes,
//     50 reads, 30 of them in the first 15-minute window; 2,000 events of
//     60 KB grow the database by ~1.9 MB for 2,000 distinct activities and
//     ~0.2 MB for 5 (was 276 MB).
//
// Events of another athlete or another subscription are answered 200 and
// ignored: they are logged and reported to the Observer but not stored, so
// that unsigned POSTs from strangers cannot grow the database. Strava does
// not sign events; a forged event for the connected athlete can only make
// the worker ask Strava, which is authoritative, within the budget above.
package webhook
