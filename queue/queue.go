// Package queue delivers submissions to the agency desks: Redis Streams with
// consumer groups in production, a durable embedded queue (SQLite in the data
// dir) when REDIS_URL is unset. Delivery is at least once; consumers must be
// idempotent on Entry.ID.
package queue

import (
	"context"
	"encoding/json"
	"time"
)

// Entry is one message on an agency queue. It carries nothing that identifies
// the sender: no address, no user agent.
type Entry struct {
	// ID is the submission's id (assigned by the outbox), stable across
	// re-deliveries; consumers de-duplicate on it.
	ID string `json:"id"`
	// Kind is "tip" or "rehab_enquiry".
	Kind string `json:"kind"`
	// ReceivedAt is when the portal accepted the submission (UTC).
	ReceivedAt time.Time `json:"received_at"`
	// Data is the submission as JSON.
	Data json.RawMessage `json:"data"`
}

// Publisher appends entries to a named queue (stream).
type Publisher interface {
	// Publish appends e to the queue named stream, e.g. "portal:queue:police",
	// and returns the entry's stream id. A nil error means the queue holds
	// the entry as durably as it holds anything; the outbox still keeps the
	// submission until a desk has it (Epoch tells when the queue forgot).
	// The Redis engine is idempotent on e.ID (a second publication of a
	// submission the stream has returns the first one's stream id and
	// appends nothing; see Redis.Publish), which is what lets several
	// forwarders redo each other's interrupted forwards; the embedded
	// queue, used by one process only, is not.
	Publish(ctx context.Context, stream string, e Entry) (string, error)

	// Epoch returns the queue's epoch: a random value the queue keeps for
	// as long as it keeps its entries, created on first use. A different
	// value than before means the queue lost what it held (a Redis
	// restarted without persistence, a deleted queue file): whatever was
	// published before must be published again.
	Epoch(ctx context.Context) (string, error)
}
