package intake

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
)

// Defaults of a Forwarder's timing.
const (
	DefaultPollInterval   = 5 * time.Second
	DefaultMinBackoff     = 250 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultPublishTimeout = 5 * time.Second
	DefaultForwardBatch   = 200
	// DefaultCheckpointEvery is the least time between two WAL
	// checkpoints that wipe forwarded submissions from the disk.
	DefaultCheckpointEvery = 10 * time.Second
)

// Forwarder moves submissions from the outbox to their agency queues
// (routing.yaml): for each outbox row not yet on a queue, oldest first, it
// publishes a queue.Entry {id, kind, received_at, data} and, once the
// queue has it, marks the row sent (with the entry's stream id and the
// queue's epoch) and the submission forwarded. The row stays in the outbox
// until the desk consumer commits its case, which deletes it (issue 10,
// point 3): before each round the forwarder reads the queue's epoch
// (queue.Publisher.Epoch), and when the queue has forgotten what it held (a
// Redis restarted without persistence has a new epoch) every row sent under
// another epoch is made due again (store.DB.ResendOutbox) and published
// once more. While the queue fails it retries with exponential back-off
// and full jitter. It runs at start (rows left by a crash go first), after
// every commit (Wake) and every PollInterval. At most every
// CheckpointEvery, once rows were forwarded, it checkpoints the database so
// that deleted text leaves the disk (deleted rows are zeroed, the
// write-ahead log truncated).
//
// # Several instances: each row on its stream exactly once
//
// On PostgreSQL every instance runs a Forwarder on the one outbox
// (store.DB.SharedOutbox). Each round then claims rows with
// store.DB.ForwardClaimed: SELECT … FOR UPDATE SKIP LOCKED in a
// transaction that stays open across the publishes and commits the sent
// marks, so two instances never hold the same row, and a row whose mark
// committed is never claimed again. What a lock cannot cover is a forward
// interrupted between the queue and the outbox: the XADD done, the mark
// not committed (the process killed, the machine lost, the database
// failing the commit). The rollback makes the row due again, and the next
// claim, by any instance, publishes it again. That second publish appends
// nothing: queue.Redis.Publish is idempotent on the submission id (one Lua
// script checks a marker key per submission, and appends the entry and
// sets the marker together; the marker expires queue.PublishedTTL later,
// at a whole minute) and returns the stream id of the first publication,
// which the mark then records. So every row reaches its stream once:
// concurrent claims are excluded by the row locks, repeated claims by the
// marker, and Redis runs the check-and-append of one script alone. A
// Redis that loses its data loses the markers with the entries; its new
// epoch makes the rows due again (ResendOutbox) and they are published
// once more, once. Nothing about a claim is stored: no instance name, no
// lease time.
//
// On SQLite (one process per data dir) nothing changes from a single
// instance's forwarder: rows are read with PendingSubmissions and marked
// through Marker (the intake service's group commit); a crash between
// Publish and the mark is redone at the next start, and Redis's marker
// keeps that from appending twice too. The embedded queue (no REDIS_URL)
// is not idempotent: there a crash in that window publishes the row again
// and the desk consumer de-duplicates on the submission id.
type Forwarder struct {
	// DB holds the outbox.
	DB *store.DB
	// Marker records sent rows; the Service (which shares the commit with
	// new submissions) or, when nil, DB. Not used on a shared outbox
	// (PostgreSQL), where the marks commit with the claim.
	Marker interface {
		MarkSent(ctx context.Context, sent ...store.SentEntry) (int, error)
	}
	// Publisher is the agency queue engine (Redis Streams or embedded).
	Publisher queue.Publisher
	// Now is the clock of the sent marks; time.Now when nil.
	Now func() time.Time
	// Catalog gives the route of each kind.
	Catalog *Catalog
	// Wake, if not nil, signals new rows (Service.Wake).
	Wake <-chan struct{}
	// Log receives failures and recoveries; never an address.
	Log *slog.Logger
	// PollInterval, MinBackoff, MaxBackoff, PublishTimeout and Batch
	// default to the Default* constants when zero.
	PollInterval, MinBackoff, MaxBackoff, PublishTimeout time.Duration
	Batch                                                int
	// CheckpointEvery bounds how often, after rows were forwarded, the
	// write-ahead log is checkpointed and truncated
	// (store.DB.CheckpointOutbox) so that deleted submissions leave the
	// disk; DefaultCheckpointEvery when zero.
	CheckpointEvery time.Duration

	// epoch is the queue's epoch the last round saw; "" before the first.
	epoch string
}

func (f *Forwarder) defaults() {
	if f.PollInterval <= 0 {
		f.PollInterval = DefaultPollInterval
	}
	if f.MinBackoff <= 0 {
		f.MinBackoff = DefaultMinBackoff
	}
	if f.MaxBackoff <= 0 {
		f.MaxBackoff = DefaultMaxBackoff
	}
	if f.PublishTimeout <= 0 {
		f.PublishTimeout = DefaultPublishTimeout
	}
	if f.Batch <= 0 {
		f.Batch = DefaultForwardBatch
	}
	if f.CheckpointEvery <= 0 {
		f.CheckpointEvery = DefaultCheckpointEvery
	}
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	if f.Marker == nil {
		f.Marker = f.DB
	}
	if f.Now == nil {
		f.Now = time.Now
	}
}

// ForwardPending publishes outbox rows until none is due or a publish
// fails, and returns how many rows it sent. First it compares the queue's
// epoch with the one it saw last: rows sent under another epoch (the queue
// forgot them) become due again. An error means rows remain; the caller
// retries later.
func (f *Forwarder) ForwardPending(ctx context.Context) (int, error) {
	f.defaults()
	ectx, cancel := context.WithTimeout(ctx, f.PublishTimeout)
	epoch, err := f.Publisher.Epoch(ectx)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("intake: forward: %w", err)
	}
	if epoch != f.epoch {
		n, err := f.DB.ResendOutbox(ctx, epoch)
		if err != nil {
			return 0, err
		}
		if n > 0 {
			f.Log.Warn("forwarder: the queue no longer has submissions no desk had taken (restarted without persistence?); sending them again",
				"submissions", n)
		}
		f.epoch = epoch
	}
	if f.DB.SharedOutbox() {
		return f.forwardClaimed(ctx, epoch)
	}
	total := 0
	for {
		rows, err := f.DB.PendingSubmissions(ctx, f.Batch)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		done := make([]store.SentEntry, 0, len(rows))
		var pubErr error
		for _, r := range rows {
			streamID, err := f.publish(ctx, r)
			if err != nil {
				pubErr = err
				break
			}
			done = append(done, store.SentEntry{ID: r.ID, StreamID: streamID, Epoch: epoch, At: f.Now()})
		}
		if len(done) > 0 {
			// The queue has them; if this fails they are published again
			// later (at least once).
			n, err := f.Marker.MarkSent(context.WithoutCancel(ctx), done...)
			total += n
			if err != nil {
				return total, err
			}
		}
		if pubErr != nil {
			return total, pubErr
		}
	}
}

// claimHold is how long one claim may go on publishing: past it the rows
// not yet published are left for the next claim, well before the
// database would end the idle transaction (store.ClaimIdleTimeout).
const claimHold = store.ClaimIdleTimeout / 3

// forwardClaimed is ForwardPending on a shared outbox: it claims up to
// Batch rows at a time (store.DB.ForwardClaimed), publishes them in order
// and has the ones the queue took marked in the claim's transaction, until
// no row is due or a publish fails.
func (f *Forwarder) forwardClaimed(ctx context.Context, epoch string) (int, error) {
	total := 0
	for {
		start := time.Now()
		claimed, marked, err := f.DB.ForwardClaimed(ctx, f.Batch, func(ctx context.Context, rows []store.OutboxEntry) ([]store.SentEntry, error) {
			done := make([]store.SentEntry, 0, len(rows))
			for _, r := range rows {
				if time.Since(start) > claimHold {
					break
				}
				streamID, err := f.publish(ctx, r)
				if err != nil {
					return done, err
				}
				done = append(done, store.SentEntry{ID: r.ID, StreamID: streamID, Epoch: epoch, At: f.Now()})
			}
			return done, nil
		})
		total += marked
		if err != nil || claimed == 0 {
			return total, err
		}
	}
}

// publish sends one outbox row to the queue of its kind's route.
func (f *Forwarder) publish(ctx context.Context, r store.OutboxEntry) (string, error) {
	route, ok := f.Catalog.Routes[r.Kind]
	if !ok {
		return "", fmt.Errorf("intake: forward %s: no route for kind %q in routing.yaml", r.ID, r.Kind)
	}
	pctx, cancel := context.WithTimeout(ctx, f.PublishTimeout)
	defer cancel()
	streamID, err := f.Publisher.Publish(pctx, route.Queue, queue.Entry{
		ID: r.ID, Kind: r.Kind, ReceivedAt: r.ReceivedAt, Data: r.Data,
	})
	if err != nil {
		return "", fmt.Errorf("intake: forward %s to %s: %w", r.ID, route.Queue, err)
	}
	return streamID, nil
}

// Run forwards until ctx is done, then returns nil. It never gives up: a
// queue that is down is retried with back-off (MinBackoff doubling up to
// MaxBackoff, each wait drawn uniformly from its upper half).
func (f *Forwarder) Run(ctx context.Context) error {
	f.defaults()
	poll := time.NewTicker(f.PollInterval)
	defer poll.Stop()
	failures := 0
	var lastWarn time.Time
	// Rows forwarded since the last checkpoint. True at start: a process
	// killed after forwarding may have left their text in the WAL, and a
	// quiet portal would otherwise keep it there until the next tip.
	dirty := true
	var lastCheckpoint time.Time
	for {
		n, err := f.ForwardPending(ctx)
		if n > 0 {
			dirty = true
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			failures++
			wait := f.backoff(failures)
			// The first failure at once, then a reminder a minute: not a
			// line per retry (the back-off starts at 250 ms).
			if failures == 1 || time.Since(lastWarn) >= time.Minute {
				lastWarn = time.Now()
				f.Log.Warn("forwarder: queue unavailable, submissions stay in the outbox", "err", err, "failures", failures, "retry_in", wait.Round(time.Millisecond))
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			continue
		}
		if failures > 0 {
			f.Log.Info("forwarder: queue available again", "forwarded", n, "after_failures", failures)
			failures = 0
		}
		if dirty && time.Since(lastCheckpoint) >= f.CheckpointEvery {
			if ok, err := f.DB.CheckpointOutbox(ctx); err != nil {
				f.Log.Warn("forwarder: checkpoint failed", "err", err)
			} else if ok {
				dirty = false
			}
			lastCheckpoint = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-f.Wake:
		case <-poll.C:
		}
	}
}

// backoff is the wait after the given number of consecutive failures:
// MinBackoff·2^(failures-1), capped at MaxBackoff, with jitter over its
// upper half so that several portals do not retry in step.
func (f *Forwarder) backoff(failures int) time.Duration {
	d := f.MinBackoff
	for i := 1; i < failures && d < f.MaxBackoff; i++ {
		d *= 2
	}
	if d > f.MaxBackoff {
		d = f.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}
