package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
)

// Group is the portal's own consumer group on every agency queue: it turns
// entries into cases. Agencies' systems consume with groups of their own
// (`portal queue consume --group NAME`), which this one does not disturb.
const Group = "desk"

// Defaults of a Consumer.
const (
	DefaultClaimIdle     = 60 * time.Second
	DefaultMaxDeliveries = 5
	DefaultBatch         = 50
	DefaultBlock         = 2 * time.Second
	DefaultMinBackoff    = 250 * time.Millisecond
	DefaultMaxBackoff    = 30 * time.Second
)

// Consumer is the desk consumer that `portal serve` runs: on each agency
// queue that feeds a desk (Service.Streams), as a member of the consumer
// group "desk", it reads entries, commits them as cases (Service.Ingest,
// one transaction per batch, which also removes the submissions from the
// outbox) and only then acknowledges them. Entries pending in any
// consumer of the group for ClaimIdle (a process that died mid-batch) are
// claimed and committed again, harmlessly: a submission has one case.
// An entry delivered more than MaxDeliveries times is committed alone; one
// delivered more than twice that, or one that can never be a case of the
// desk, is moved to the queue's dead-letter stream. While
// the queue or the database fails it retries with back-off, and a group
// the queue lost (a Redis restarted empty) is created again.
type Consumer struct {
	Queue   queue.Queue
	Service *Service
	// Name is this consumer's name in the group; unique per process.
	Name string
	// Log receives failures and dead letters; never content.
	Log *slog.Logger
	// ClaimIdle, MaxDeliveries, Batch, Block, MinBackoff and MaxBackoff
	// default to the Default* constants when zero.
	ClaimIdle     time.Duration
	MaxDeliveries int64
	Batch         int
	Block         time.Duration
	MinBackoff    time.Duration
	MaxBackoff    time.Duration
}

func (c *Consumer) defaults() {
	if c.ClaimIdle <= 0 {
		c.ClaimIdle = DefaultClaimIdle
	}
	if c.MaxDeliveries <= 0 {
		c.MaxDeliveries = DefaultMaxDeliveries
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.Block <= 0 {
		c.Block = DefaultBlock
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Run consumes every desk's queue until ctx is done, one goroutine per
// queue, and returns nil then. An entry being committed when ctx ends is
// left pending, to be claimed after the next start.
func (c *Consumer) Run(ctx context.Context) error {
	c.defaults()
	var wg sync.WaitGroup
	for stream, desk := range c.Service.Streams() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.runStream(ctx, stream, desk)
		}()
	}
	wg.Wait()
	return nil
}

// runStream is the loop of one queue.
func (c *Consumer) runStream(ctx context.Context, stream, desk string) {
	failures := 0
	fail := func(what string, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		failures++
		if failures == 1 || failures%20 == 0 {
			c.Log.Warn("desk consumer: "+what+"; retrying", "queue", stream, "err", err, "failures", failures)
		}
		return sleep(ctx, backoff(c.MinBackoff, c.MaxBackoff, failures))
	}
	grouped := false
	// retry holds a read whose commit failed (the database is down): it
	// is committed again in place, so the entries keep their delivery
	// counts however long the outage lasts, instead of being claimed
	// again and again until they would be dead-lettered.
	var retry []queue.Message
	for ctx.Err() == nil {
		msgs := retry
		if msgs == nil {
			if !grouped {
				if err := c.Queue.CreateGroup(ctx, stream, Group); err != nil {
					if !fail("cannot join the queue's consumer group", err) {
						return
					}
					continue
				}
				grouped = true
			}
			var err error
			msgs, err = c.Queue.Claim(ctx, stream, Group, c.Name, c.ClaimIdle, c.Batch)
			if err == nil && len(msgs) == 0 {
				msgs, err = c.Queue.Read(ctx, stream, Group, c.Name, c.Batch, c.Block)
			}
			if err != nil {
				if isNoGroup(err) {
					grouped = false // the queue lost the group: create it again
				}
				if !fail("cannot read the queue", err) {
					return
				}
				continue
			}
			if len(msgs) == 0 {
				continue
			}
		}
		if err := c.handle(ctx, stream, desk, msgs); err != nil {
			retry = msgs
			if !fail("cannot commit cases", err) {
				return
			}
			continue
		}
		retry = nil
		if failures > 0 {
			c.Log.Info("desk consumer: working again", "queue", stream, "after_failures", failures)
			failures = 0
		}
	}
}

// handle commits one read and acknowledges what was committed. An entry
// delivered more than MaxDeliveries times (it may have made a process
// fail) is committed alone, so it cannot hold up the others; one
// delivered more than twice that (it kept killing its consumer) and one
// that can never be a case, or that panics, goes to the dead-letter
// stream. On an error nothing more is acknowledged: the entries stay
// pending and come back.
func (c *Consumer) handle(ctx context.Context, stream, desk string, msgs []queue.Message) error {
	var batch []queue.Message
	for _, m := range msgs {
		switch {
		case m.Deliveries > 2*c.MaxDeliveries:
			c.deadLetter(ctx, stream, Rejected{StreamID: m.StreamID, Deliveries: m.Deliveries,
				Code: queue.ReasonMaxDeliveries, Reason: "đã giao quá số lần cho phép mà chưa tạo được hồ sơ"})
		case m.Deliveries > c.MaxDeliveries:
			if err := c.commit(ctx, stream, desk, []queue.Message{m}); err != nil {
				return err
			}
		default:
			batch = append(batch, m)
		}
	}
	for _, part := range splitByPhotoBytes(batch, maxBatchPhotoBytes) {
		if err := c.commit(ctx, stream, desk, part); err != nil {
			return err
		}
	}
	return nil
}

// maxBatchPhotoBytes bounds the photos that one commit of cases holds in
// memory (read from the outbox, then sealed): a batch of 50 tips with five
// large photos each would otherwise hold gigabytes.
const maxBatchPhotoBytes = 32 << 20

// splitByPhotoBytes cuts msgs, in order, into batches whose photos (as
// their entries' references tell: intake.AttachmentRef.Bytes) add up to at
// most max bytes; an entry whose own photos are over max is a batch alone.
// Entries without photos never start a new batch.
func splitByPhotoBytes(msgs []queue.Message, limit int) [][]queue.Message {
	var out [][]queue.Message
	var cur []queue.Message
	sum := 0
	for _, m := range msgs {
		n := photoBytes(m)
		if n > 0 && len(cur) > 0 && sum+n > limit {
			out = append(out, cur)
			cur, sum = nil, 0
		}
		cur = append(cur, m)
		sum += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// photoBytes is the size of the photos an entry refers to; 0 for an entry
// without photos or that is not a tip.
func photoBytes(m queue.Message) int {
	if m.Err != nil || m.Kind != intake.KindTip {
		return 0
	}
	var refs struct {
		Attachments []intake.AttachmentRef `json:"attachments"`
	}
	if json.Unmarshal(m.Data, &refs) != nil {
		return 0
	}
	n := 0
	for _, r := range refs.Attachments {
		n += max(r.Bytes, 1)
	}
	return n
}

// commit ingests msgs in one transaction, dead-letters the rejected ones
// and acknowledges the rest. A panic while ingesting a batch makes each
// entry be tried alone; an entry that panics alone is dead-lettered.
func (c *Consumer) commit(ctx context.Context, stream, desk string, msgs []queue.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ack, rejected, panicked, err := c.ingest(ctx, desk, msgs)
	if panicked {
		if len(msgs) == 1 {
			c.deadLetter(ctx, stream, Rejected{StreamID: msgs[0].StreamID, Deliveries: msgs[0].Deliveries,
				Code: queue.ReasonMalformed + ": the case could not be created (panic)", Reason: "lỗi ngoài ý muốn khi tạo hồ sơ"})
			return nil
		}
		for _, m := range msgs {
			if err := c.commit(ctx, stream, desk, []queue.Message{m}); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range rejected {
		c.deadLetter(ctx, stream, r)
	}
	if len(ack) == 0 {
		return nil
	}
	// Committed: acknowledge even if ctx is ending, so the next start has
	// less to claim. A failed ack only means the entries come back and
	// find their cases already there.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := c.Queue.Ack(actx, stream, Group, ack...); err != nil {
		c.Log.Warn("desk consumer: acknowledgement failed; the entries will come back and find their cases", "queue", stream, "entries", len(ack), "err", err)
	}
	return nil
}

// ingest is Service.Ingest with a panic turned into panicked.
func (c *Consumer) ingest(ctx context.Context, desk string, msgs []queue.Message) (ack []string, rejected []Rejected, panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.Log.Error("desk consumer: panic while creating cases", "entries", len(msgs), "panic", fmt.Sprint(r))
			panicked = true
		}
	}()
	ack, rejected, err = c.Service.Ingest(ctx, desk, msgs)
	return ack, rejected, false, err
}

func (c *Consumer) deadLetter(ctx context.Context, stream string, r Rejected) {
	moved, err := c.Queue.DeadLetter(ctx, stream, Group, r.StreamID, r.Deliveries, r.Code)
	if err != nil {
		c.Log.Warn("desk consumer: dead-letter failed; the entry stays pending", "queue", stream, "stream_id", r.StreamID, "err", err)
		return
	}
	if moved {
		c.Log.Warn("desk consumer: entry moved to the dead-letter stream", "queue", stream,
			"dead_letter", queue.DeadLetterStream(stream), "stream_id", r.StreamID, "reason", r.Reason)
	}
}

// isNoGroup reports the queue's "no such consumer group" (Redis NOGROUP,
// the embedded queue's equivalent).
func isNoGroup(err error) bool {
	s := err.Error()
	return strings.Contains(s, "NOGROUP") || strings.Contains(s, "no such consumer group")
}

// backoff is min·2^(failures−1), capped at max, drawn from its upper half.
func backoff(min, max time.Duration, failures int) time.Duration {
	d := min
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx is done; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
