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
// Delivery is at least once: a crash between Publish and MarkSent, or a
// Redis that restarts between the epoch check and a publish, publishes a
// row again; the desk consumer de-duplicates on the submission id.
type Forwarder struct {
	// DB holds the outbox.
	DB *store.DB
	// Marker records sent rows; the Service (which shares the commit with
	// new submissions) or, when nil, DB.
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
			route, ok := f.Catalog.Routes[r.Kind]
			if !ok {
				pubErr = fmt.Errorf("intake: forward %s: no route for kind %q in routing.yaml", r.ID, r.Kind)
				break
			}
			pctx, cancel := context.WithTimeout(ctx, f.PublishTimeout)
			streamID, err := f.Publisher.Publish(pctx, route.Queue, queue.Entry{
				ID: r.ID, Kind: r.Kind, ReceivedAt: r.ReceivedAt, Data: r.Data,
			})
			cancel()
			if err != nil {
				pubErr = fmt.Errorf("intake: forward %s to %s: %w", r.ID, route.Queue, err)
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
