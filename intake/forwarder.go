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
// (routing.yaml): for each outbox row, oldest first, it publishes a
// queue.Entry {id, kind, received_at, data} and, once the queue has it,
// deletes the row and marks the submission forwarded. While the queue
// fails it retries with exponential back-off and full jitter. It runs at
// start (rows left by a crash go first), after every commit (Wake) and
// every PollInterval. At most every CheckpointEvery, once rows were
// forwarded, it checkpoints the database so that their text leaves the disk
// (deleted rows are zeroed, the write-ahead log truncated).
//
// Delivery is at least once: a crash between Publish and MarkForwarded
// publishes the row again at the next start; consumers de-duplicate on
// the entry id.
type Forwarder struct {
	// DB holds the outbox.
	DB *store.DB
	// Marker records forwarded ids; the Service (which shares the commit
	// with new submissions) or, when nil, DB.
	Marker interface {
		MarkForwarded(ctx context.Context, ids ...string) (int, error)
	}
	// Publisher is the agency queue engine (Redis Streams or embedded).
	Publisher queue.Publisher
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
	// (store.DB.CheckpointOutbox) so that forwarded submissions leave the
	// disk; DefaultCheckpointEvery when zero.
	CheckpointEvery time.Duration
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
}

// ForwardPending publishes outbox rows until the outbox is empty or a
// publish fails, and returns how many rows it forwarded. An error means
// rows remain; the caller retries later.
func (f *Forwarder) ForwardPending(ctx context.Context) (int, error) {
	f.defaults()
	total := 0
	for {
		rows, err := f.DB.PendingSubmissions(ctx, f.Batch)
		if err != nil {
			return total, err
		}
		if len(rows) == 0 {
			return total, nil
		}
		done := make([]string, 0, len(rows))
		var pubErr error
		for _, r := range rows {
			route, ok := f.Catalog.Routes[r.Kind]
			if !ok {
				pubErr = fmt.Errorf("intake: forward %s: no route for kind %q in routing.yaml", r.ID, r.Kind)
				break
			}
			pctx, cancel := context.WithTimeout(ctx, f.PublishTimeout)
			err := f.Publisher.Publish(pctx, route.Queue, queue.Entry{
				ID: r.ID, Kind: r.Kind, ReceivedAt: r.ReceivedAt, Data: r.Data,
			})
			cancel()
			if err != nil {
				pubErr = fmt.Errorf("intake: forward %s to %s: %w", r.ID, route.Queue, err)
				break
			}
			done = append(done, r.ID)
		}
		if len(done) > 0 {
			// The queue has them; if this fails they are published again
			// later (at least once).
			n, err := f.Marker.MarkForwarded(context.WithoutCancel(ctx), done...)
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
			if failures == 1 || failures%20 == 0 {
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
