// Package webhook receives Strava's real-time webhook events and applies
// them to the local store.
//
//   - Handler serves the subscription validation GET and the event POSTs on
//     WebhookPath, and the health report on HealthPath. A valid event is
//     committed to the store's durable queue before it is answered 200, so
//     the answer never waits for Strava. PublicHandler is what the tunnel
//     serves: those two routes only.
//   - Worker applies queued events in order: activity create/update fetches
//     the detailed activity and upserts it (404 removes it), delete removes
//     it, an athlete's deauthorization calls the app's hook. Effects are
//     committed together with the event's removal from the queue.
//   - Subscriptions keeps exactly one push subscription pointing at the
//     callback URL.
//
// Events of another athlete or another subscription are answered 200 and
// ignored: they are logged and counted (health "ignored") but not stored, so
// that unsigned POSTs from strangers cannot grow the database. Strava does
// not sign events; a forged event for the connected athlete can only make
// the worker fetch that activity from Strava, which is authoritative.
package webhook
