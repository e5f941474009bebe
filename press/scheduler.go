package press

import (
	"context"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
)

// DefaultSchedulerInterval is how often the scheduler looks for campaigns
// whose time has come. The public pages do not wait for it (a campaign is
// public from its PublishedAt on); only the search index, the audit
// entry and the page caches' notification do.
const DefaultSchedulerInterval = 5 * time.Second

// RunScheduler runs one pass at start and then one on every tick until ctx
// ends. A pass has two parts:
//
//   - once per cluster, under the cluster lock store.LockScheduler (an
//     advisory lock on PostgreSQL, so with several instances only one does
//     it): record the scheduled campaigns whose time has come as live
//     (store.GoLiveDue: the "campaign.go_live" audit entry and a
//     TopicCampaigns notification that every instance's index and page
//     cache follow), and, on the first pass and then at most once an hour
//     by the Office's clock, CleanMedia;
//   - on every instance, SyncIndex: this instance's search index catches
//     up with anything it missed (a notification lost, a failed put, a
//     scheduled campaign whose time came); when that changed anything,
//     the OnChange functions run (this instance's page cache).
//
// ticks is the clock's ticker channel (StartScheduler passes a
// time.Ticker's; tests pass their own channel and an injected Now). after,
// if not nil, is called after each pass with SyncIndex's result.
func (o *Office) RunScheduler(ctx context.Context, ticks <-chan time.Time, after func(n int, err error)) {
	var lastClean time.Time
	pass := func() {
		_, err := o.db.WithClusterLock(ctx, store.LockScheduler, func(ctx context.Context) error {
			if _, err := o.db.GoLiveDue(ctx, o.now(), ActorSystem); err != nil {
				return err
			}
			if now := o.now(); lastClean.IsZero() || now.Sub(lastClean) >= mediaCleanEvery {
				lastClean = now
				if _, err := o.CleanMedia(ctx); err != nil && ctx.Err() == nil {
					o.log.Warn("media cleanup failed; retrying in an hour", "err", err)
				}
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			o.log.Warn("scheduler pass failed; retrying at the next tick", "err", err)
		}
		n, err := o.SyncIndex(ctx)
		if err != nil && ctx.Err() == nil {
			o.log.Warn("search index sync failed; retrying at the next tick", "err", err)
		}
		if n > 0 {
			o.changed()
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
// DefaultSchedulerInterval), and FollowChanges beside it. stop ends both
// and waits for the pass in progress, or until its ctx ends.
func (o *Office) StartScheduler(interval time.Duration) (stop func(context.Context) error) {
	if interval <= 0 {
		interval = DefaultSchedulerInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticker := time.NewTicker(interval)
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		o.RunScheduler(ctx, ticker.C, nil)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		o.FollowChanges(ctx)
	}()
	return func(wait context.Context) error {
		cancel()
		ticker.Stop()
		for range 2 {
			select {
			case <-done:
			case <-wait.Done():
				return wait.Err()
			}
		}
		return nil
	}
}
