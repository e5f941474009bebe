package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// rateLimitPrefix starts every rate-limit key in Redis (after redis_rate's
// own "rate:"); the rest is an HMAC from ratelimit.Keyer, never an address.
const rateLimitPrefix = "portal:rl:"

// startIntake builds the intake pipeline and fills deps.Intake,
// deps.Limiter and deps.Limits:
//   - the outbox service on db (group commit, receipts keyed by deps.Secret);
//   - the agency queue: Redis Streams when cfg.RedisURL is set, else the
//     embedded queue in cfg.DataDir;
//   - the rate limiter: Redis (GCRA) with the in-process limiter as
//     fallback while Redis is unreachable, or in-process only;
//   - the forwarder goroutine, which sends what a previous run left in the
//     outbox first.
//
// Redis being down at start is not an error: submissions wait in the
// outbox and the limiter falls back. The returned stop, called after the
// web server has drained, stops the forwarder (waiting at most until ctx's
// deadline), closes the service and then the queue.
func startIntake(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, log *slog.Logger) (stop func(context.Context) error, err error) {
	cat, err := intake.LoadCatalog()
	if err != nil {
		return nil, err
	}
	svc, err := intake.NewService(intake.Config{DB: db, Catalog: cat, Secret: deps.Secret, Now: deps.Now})
	if err != nil {
		return nil, err
	}
	var (
		pub        queue.Publisher
		limiter    ratelimit.Limiter
		closeQueue func() error
	)
	mem := ratelimit.NewMemory()
	if cfg.RedisURL != "" {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			svc.Close()
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		// Short timeouts: a request must not wait on a Redis that is gone.
		opt.DialTimeout = 2 * time.Second
		opt.ReadTimeout = 2 * time.Second
		opt.WriteTimeout = 2 * time.Second
		rdb := redis.NewClient(opt)
		pub = queue.NewRedis(rdb)
		limiter = ratelimit.NewFallback(ratelimit.NewRedis(rdb, rateLimitPrefix), mem, ratelimit.DefaultPrimaryTimeout, log)
		closeQueue = rdb.Close
		// No /readyz check on Redis: while Redis is down the portal still
		// accepts submissions (they wait in the outbox) and limits with
		// the in-process limiter, so taking every instance out of a load
		// balancer then would stop intake for nothing. The forwarder and
		// the limiter log the outage.
	} else {
		q, err := queue.OpenLocal(cfg.DataDir)
		if err != nil {
			svc.Close()
			return nil, err
		}
		pub, limiter, closeQueue = q, mem, q.Close
	}

	fwd := &intake.Forwarder{DB: db, Marker: svc, Publisher: pub, Catalog: cat, Wake: svc.Wake(), Log: log}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fwd.Run(fctx)
	}()

	deps.Intake = svc
	deps.Limiter = limiter
	deps.Limits = handlers.Limits{
		Tips: cfg.LimitTips, Enquiries: cfg.LimitEnquiries, Status: cfg.LimitStatus, Search: cfg.LimitSearch,
	}
	return func(ctx context.Context) error {
		cancel()
		var errs []error
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, errors.New("forwarder did not stop in time; the outbox keeps what it had not sent"))
		}
		svc.Close()
		if err := closeQueue(); err != nil {
			errs = append(errs, fmt.Errorf("close queue: %w", err))
		}
		return errors.Join(errs...)
	}, nil
}
