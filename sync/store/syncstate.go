package store

import (
	"time"

	"github.com/owtray/owtray/sync/strava"

	bolt "go.etcd.io/bbolt"
)

// SyncState is the sync engine's persisted progress. It is stored as JSON in
// its own bucket; fields added later decode as zero from older records.
// Change it with UpdateSyncState, or with Page.Checkpoint in the same
// transaction as a page of activities.
type SyncState struct {
	// FullImport is the resumable walk back through the whole history.
	FullImport FullImportState `json:"full_import,omitzero"`
	// LastIncrementalSync is when the last incremental sync finished.
	LastIncrementalSync time.Time `json:"last_incremental_sync,omitzero"`
	// LastFullSync is when the last full import (or --full reconcile) finished.
	LastFullSync time.Time `json:"last_full_sync,omitzero"`
	// LastSyncResult and LastSyncError describe the last sync run for status
	// and health ("12 added", "rate limit reached ..."). Never a secret.
	LastSyncAt     time.Time `json:"last_sync_at,omitzero"`
	LastSyncResult string    `json:"last_sync_result,omitzero"`
	LastSyncError  string    `json:"last_sync_error,omitzero"`
	// DetailBackfill is the resumable back-fill of detailed activities.
	DetailBackfill DetailBackfillState `json:"detail_backfill,omitzero"`
	// RateLimit is the last rate-limit snapshot read from Strava's headers,
	// so that a new process (each CLI run is one) does not send requests the
	// last headers said would be refused.
	RateLimit strava.RateLimitSnapshot `json:"rate_limit,omitzero"`
	// Webhook is the push subscription this installation registered.
	Webhook WebhookState `json:"webhook,omitzero"`
}

// FullImportState is the cursor of a full import: pages of one listing with
// a fixed bound (see package engine).
type FullImportState struct {
	InProgress bool `json:"in_progress,omitzero"`
	// Reconcile: a `sync --full` run that removes activities missing on Strava.
	Reconcile bool      `json:"reconcile,omitzero"`
	StartedAt time.Time `json:"started_at,omitzero"`
	// Upper is the fixed `before` of the listing (zero: none, the newest
	// first); Page is the page of it to fetch next (0 or 1: the first).
	Upper time.Time `json:"upper,omitzero"`
	Page  int       `json:"page,omitzero"`
	// Before is the moving cursor of earlier versions: a run checkpointed
	// by one resumes with Upper = Before + 1 s.
	Before time.Time `json:"before,omitzero"`
	// Pages fetched and activities seen so far in this run, and what they did.
	Pages   int `json:"pages,omitzero"`
	Seen    int `json:"seen,omitzero"`
	Added   int `json:"added,omitzero"`
	Updated int `json:"updated,omitzero"`
	Removed int `json:"removed,omitzero"`
}

// DetailBackfillState is the progress of fetching detailed activities.
type DetailBackfillState struct {
	// Before: activities starting at or after it have been handled in this
	// pass (zero = start from the newest).
	Before        time.Time `json:"before,omitzero"`
	Fetched       int       `json:"fetched,omitzero"`
	LastFetchedAt time.Time `json:"last_fetched_at,omitzero"`
	// Failed counts failures per activity id, to skip activities whose detail
	// keeps failing.
	Failed map[int64]int `json:"failed,omitempty"`
	// NotFound holds activities Strava answered 404 for (or a full sync did
	// not list) that are not removed yet: each is asked for again on a
	// growing schedule and removed only when Strava still answers 404.
	NotFound map[int64]NotFoundCheck `json:"not_found,omitempty"`
}

// NotFoundCheck is the 404 schedule of one activity: how many 404s Strava
// answered so far (0: not asked yet) and when to ask again.
type NotFoundCheck struct {
	Count   int       `json:"count,omitzero"`
	NextTry time.Time `json:"next_try,omitzero"`
}

// WebhookState is the registered push subscription (not a secret).
type WebhookState struct {
	SubscriptionID int64  `json:"subscription_id,omitzero"`
	CallbackURL    string `json:"callback_url,omitzero"`
}

// SyncState returns the persisted sync state (zero value when none).
func (s *Store) SyncState() (SyncState, error) {
	var st SyncState
	err := s.view("read sync state", func(tx *bolt.Tx) error {
		var err error
		st, err = readSyncState(tx)
		return err
	})
	return st, err
}

// UpdateSyncState applies fn to the persisted sync state in one transaction.
func (s *Store) UpdateSyncState(fn func(*SyncState)) error {
	return s.update("update sync state", func(tx *bolt.Tx) error { return updateSyncState(tx, fn) })
}

func readSyncState(tx *bolt.Tx) (SyncState, error) {
	return getJSON[SyncState](bucket(tx, bucketSync), keySyncState, "sync state")
}

func updateSyncState(tx *bolt.Tx, fn func(*SyncState)) error {
	st, err := readSyncState(tx)
	if err != nil {
		return err
	}
	fn(&st)
	return putJSON(bucket(tx, bucketSync), keySyncState, "sync state", &st)
}
