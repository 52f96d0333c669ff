// Package webhook receives Strava's real-time webhook events and applies
// them to the local store.
//
//   - Handler is the HTTP intake: it serves the subscription validation GET
//     and the event POSTs on WebhookPath only (verify, parse, enqueue). A
//     valid event is committed to the store's durable queue before it is
//     answered 200, so the answer never waits for Strava. It tells its
//     Observer what became of each POST; the health report is the app's.
//   - Worker applies queued events in order: activity create/update fetches
//     the detailed activity and upserts it (404 removes it), delete removes
//     it, an athlete's deauthorization calls the app's hook. Effects are
//     committed together with the event's removal from the queue.
//   - Subscriptions keeps exactly one push subscription pointing at the
//     callback URL.
//
// Events of another athlete or another subscription are answered 200 and
// ignored: they are logged and reported to the Observer but not stored, so
// that unsigned POSTs from strangers cannot grow the database. Strava does
// not sign events; a forged event for the connected athlete can only make
// the worker fetch that activity from Strava, which is authoritative.
package webhook
