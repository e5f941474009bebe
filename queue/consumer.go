package queue

import (
	"context"
	"time"
)

// Message is an entry as delivered to a consumer of a group. Marshalled to
// JSON it is the line `portal queue consume` prints:
// {"id","kind","received_at","data","stream_id","deliveries"}.
type Message struct {
	Entry
	// StreamID is the entry's id in the stream: in Redis the start of the
	// minute the entry was added, in milliseconds, and a sequence number
	// within it ("1764662820000-3"); in the embedded queue a decimal
	// sequence number. Neither places the entry more finely than a minute. Ack, DeadLetter and
	// the pending list are keyed by it.
	StreamID string `json:"stream_id"`
	// Deliveries is how many times the group has delivered the entry,
	// counting this delivery (1 on the first read). It comes from the
	// group's pending entries list (XPENDING in Redis).
	Deliveries int64 `json:"deliveries"`
	// DeadFrom, DeadGroup and DeadDeliveries are set on entries of a
	// dead-letter stream: the entry's id on its original stream, the group
	// that gave up on it and how many deliveries it had there.
	DeadFrom       string `json:"dead_from,omitempty"`
	DeadGroup      string `json:"dead_group,omitempty"`
	DeadDeliveries int64  `json:"dead_deliveries,omitempty"`
	// DeadReason says why the entry was moved aside (FieldDeadReason).
	DeadReason string `json:"dead_reason,omitempty"`
	// Err is set when the stored fields do not make an Entry (a stream
	// written by another program); the consumer should dead-letter it.
	Err error `json:"-"`
}

// Queue is both sides of an agency queue, with the semantics of Redis
// Streams and consumer groups: entries are appended; each group delivers
// every entry to one of its consumers and keeps it in that consumer's
// pending list, with a delivery count, until acknowledged; entries idle in
// a pending list longer than a bound can be claimed by another consumer;
// entries that failed too many deliveries are moved to the dead-letter
// stream (DeadLetterStream). Nothing is removed from a stream before every
// group has acknowledged it. Both engines (*Redis, *Local) implement it.
type Queue interface {
	Publisher

	// CreateGroup creates the consumer group on stream if it does not
	// exist (creating the stream too), starting from the very first entry
	// so that nothing published before the group existed is missed. An
	// existing group is left as it is.
	CreateGroup(ctx context.Context, stream, group string) error

	// Read delivers up to count entries never delivered to the group
	// before (XREADGROUP … >) to consumer, adding them to its pending
	// list. When none is available it waits up to block for one
	// (block <= 0: does not wait) and then returns an empty slice.
	Read(ctx context.Context, stream, group, consumer string, count int, block time.Duration) ([]Message, error)

	// Claim moves up to count entries that have been pending in any
	// consumer of the group for at least minIdle to consumer, increments
	// their delivery counts and returns them (XAUTOCLAIM, then XPENDING
	// for the counts). This is how a dead consumer's entries are
	// re-delivered; with minIdle 0 it takes every pending entry.
	Claim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, count int) ([]Message, error)

	// Ack acknowledges entries by stream id, removing them from the
	// group's pending list; it returns how many were pending. Acking an
	// entry that is not pending is not an error (delivery is at least once).
	Ack(ctx context.Context, stream, group string, streamIDs ...string) (int64, error)

	// DeadLetter atomically copies the pending entry streamID to
	// DeadLetterStream(stream), with the extra fields FieldDeadFrom,
	// FieldDeadGroup, FieldDeadDeliveries and FieldDeadReason (reason,
	// see DeadReason), and acknowledges it in group. It reports false (and
	// does nothing) when the entry is no longer pending in the group, e.g.
	// because another consumer acked it.
	DeadLetter(ctx context.Context, stream, group, streamID string, deliveries int64, reason string) (bool, error)

	// Stats reports the stream's length, its groups' pending counts and
	// the length of its dead-letter stream. A stream that does not exist
	// yet has zero everything.
	Stats(ctx context.Context, stream string) (StreamStats, error)

	// Streams lists the agency streams that exist (names starting with
	// StreamPrefix, dead-letter streams excluded), sorted.
	Streams(ctx context.Context) ([]string, error)

	// RemoveConsumer deletes consumer from the group if it has no pending
	// entries, and reports whether it did. A consumer that still has some
	// is kept, so that nothing leaves the pending list unacknowledged
	// (XGROUP DELCONSUMER would drop them); others claim them after the
	// idle time. `portal queue consume` calls it on exit so consumers named
	// per process do not pile up in the group.
	RemoveConsumer(ctx context.Context, stream, group, consumer string) (bool, error)

	// TrimAcked removes from stream only the entries every consumer group
	// has acknowledged: everything before the oldest entry that some group
	// still has pending or has not yet delivered. A stream without groups
	// is left untouched. It returns how many entries were removed. This is
	// the only trimming the portal does (never XADD … MAXLEN, PITFALLS.md).
	TrimAcked(ctx context.Context, stream string) (int64, error)
}

// StreamStats describes one stream for `portal queue stats`.
type StreamStats struct {
	Stream string `json:"stream"`
	// Length is the number of entries in the stream (acknowledged ones
	// included until trimmed).
	Length int64 `json:"length"`
	// Groups are the consumer groups, sorted by name.
	Groups []GroupStats `json:"groups"`
	// DeadLetters is the length of DeadLetterStream(Stream).
	DeadLetters int64 `json:"dead_letters"`
}

// GroupStats describes one consumer group of a stream.
type GroupStats struct {
	Name string `json:"name"`
	// Consumers is the number of consumers the group knows.
	Consumers int64 `json:"consumers"`
	// Pending is the number of delivered but unacknowledged entries.
	Pending int64 `json:"pending"`
	// LastDeliveredID is the stream id of the last entry delivered.
	LastDeliveredID string `json:"last_delivered_id"`
	// Lag is the number of entries not yet delivered to the group, or -1
	// when the engine cannot tell (Redis after deletions in the stream).
	Lag int64 `json:"lag"`
}
