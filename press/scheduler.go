package press

import (
	"context"
	"time"
)

// DefaultSchedulerInterval is how often the scheduler looks for campaigns
// whose time has come. The public pages do not wait for it (a campaign is
// public from its PublishedAt on); only the search index does.
const DefaultSchedulerInterval = 5 * time.Second

// RunScheduler calls SyncDue once at start and then on every tick until
// ctx ends, and the OnChange functions after a pass that changed anything; on the first pass and then at most once an hour (by the
// Office's clock) it also runs CleanMedia. ticks is the clock's ticker
// channel (StartScheduler passes a time.Ticker's; tests pass their own
// channel and an injected Now). after, if not nil, is called after each
// pass (media cleanup included) with SyncDue's result.
func (o *Office) RunScheduler(ctx context.Context, ticks <-chan time.Time, after func(n int, err error)) {
	var lastClean time.Time
	pass := func() {
		n, err := o.SyncDue(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Warn("scheduler pass failed; retrying at the next tick", "err", err)
		}
		if n > 0 {
			o.changed()
		}
		if now := o.now(); lastClean.IsZero() || now.Sub(lastClean) >= mediaCleanEvery {
			lastClean = now
			if _, cerr := o.CleanMedia(ctx); cerr != nil && ctx.Err() == nil {
				o.log.Warn("media cleanup failed; retrying in an hour", "err", cerr)
			}
		}
		if after != nil {
			after(n, err)
		}
	}
	pass()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			pass()
		}
	}
}

// StartScheduler runs the scheduler in a goroutine every interval (zero:
// DefaultSchedulerInterval). stop ends it and waits for the pass in
// progress, or until its ctx ends.
func (o *Office) StartScheduler(interval time.Duration) (stop func(context.Context) error) {
	if interval <= 0 {
		interval = DefaultSchedulerInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticker := time.NewTicker(interval)
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.RunScheduler(ctx, ticker.C, nil)
	}()
	return func(wait context.Context) error {
		cancel()
		ticker.Stop()
		select {
		case <-done:
			return nil
		case <-wait.Done():
			return wait.Err()
		}
	}
}
