package main

import (
	"github.com/thaibinh-pcmt/portal/seal"

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
	"github.com/thaibinh-pcmt/portal/rehab"
	"github.com/thaibinh-pcmt/portal/store"
)

// rateLimitPrefix starts every rate-limit key in Redis; the rest is the
// scope and an HMAC under the day's random key material
// (ratelimit.Redis), never an address.
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
// outbox and the limiter falls back. It returns the queue (the desk
// consumer reads it) and stop, which, called after the web server has
// drained and the desk consumer has stopped, stops the forwarder (waiting
// at most until ctx's deadline), closes the service and then the queue.
func startIntake(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, env serveEnv) (q queue.Queue, stop func(context.Context) error, err error) {
	log := env.log
	cat, err := intake.LoadCatalog()
	if err != nil {
		return nil, nil, err
	}
	// The rehab directory (/cai-nghien) lives in the same data dir; an
	// enquiry may name one of its services.
	areaCodes := make([]string, 0, len(cat.Options.Areas))
	for _, a := range cat.Options.Areas {
		areaCodes = append(areaCodes, a.Code)
	}
	dir, err := rehab.Load(cfg.DataDir, areaCodes)
	if err != nil {
		return nil, nil, err
	}
	if dir.From != "embedded" {
		log.Info("rehab services from the data dir", "file", dir.From)
	}
	services := make([]intake.Option, 0, len(dir.Services))
	for _, sv := range dir.Services {
		services = append(services, intake.Option{Code: sv.Slug, Label: sv.Name.Text})
	}
	if err := cat.SetRehabServices(services); err != nil {
		return nil, nil, err
	}
	deps.Rehab = dir
	ic := intake.Config{DB: db, Catalog: cat, Secret: deps.Secret, Now: deps.Now}
	if deps.Keys != nil {
		ic.Sealer = seal.Sealer{Keys: deps.Keys}
		warnUnsealedDesks(ctx, db, cat, log)
	}
	svc, err := intake.NewService(ic)
	if err != nil {
		return nil, nil, err
	}
	var (
		pub        queue.Queue
		limiter    ratelimit.Limiter
		closeQueue func() error
	)
	if cfg.RedisURL != "" {
		rdb, err := newRedisClient(cfg, env)
		if err != nil {
			svc.Close()
			return nil, nil, err
		}
		pub = queue.NewRedis(rdb)
		fb := ratelimit.NewFallback(ratelimit.NewRedis(rdb, rateLimitPrefix), ratelimit.DefaultPrimaryTimeout, log)
		env.metrics.WatchFallback(fb)
		limiter = fb
		closeQueue = rdb.Close
		// /readyz reports Redis without failing on it: while Redis is down
		// the portal still accepts submissions (they wait in the outbox)
		// and limits with the in-process limiter, so taking every
		// instance out of a load balancer then would stop intake for
		// nothing. Readiness is the database; Redis shows "degraded".
		if deps.DegradedChecks == nil {
			deps.DegradedChecks = map[string]func(context.Context) error{}
		}
		deps.DegradedChecks["redis"] = func(ctx context.Context) error { return rdb.Ping(ctx).Err() }
		// Whether Redis keeps what is queued across a restart: warned
		// once at start (or once Redis first answers) and shown by
		// /readyz as redis_persistence.
		if deps.ReadyInfo == nil {
			deps.ReadyInfo = map[string]func(context.Context) any{}
		}
		deps.ReadyInfo["redis_persistence"] = func(ctx context.Context) any {
			p, err := queue.RedisPersistence(ctx, rdb)
			if err != nil {
				return "unreachable"
			}
			return p.String()
		}
		go warnPersistence(ctx, rdb, log)
	} else {
		q, err := queue.OpenLocal(cfg.DataDir)
		if err != nil {
			svc.Close()
			return nil, nil, err
		}
		pub, limiter, closeQueue = q, ratelimit.NewMemory(), q.Close
	}
	limiter = env.metrics.InstrumentLimiter(limiter)
	env.metrics.WatchOutbox(db, deps.Now)
	env.metrics.WatchQueues(pub, func() []string {
		var out []string
		for _, r := range cat.Routes {
			out = append(out, r.Queue)
		}
		return out
	})

	fwd := &intake.Forwarder{DB: db, Marker: svc, Publisher: pub, Catalog: cat, Wake: svc.Wake(), Log: log}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	trimDone := make(chan struct{})
	go func() {
		defer close(done)
		fwd.Run(fctx)
	}()
	go func() {
		defer close(trimDone)
		runTrimmer(fctx, pub, cat, queueTrimEvery, log)
	}()

	deps.Intake = svc
	deps.Limiter = limiter
	deps.Limits = handlers.Limits{
		Tips: cfg.LimitTips, Enquiries: cfg.LimitEnquiries, Status: cfg.LimitStatus, Search: cfg.LimitSearch,
		Messages: cfg.LimitMessages,
	}
	return pub, func(ctx context.Context) error {
		cancel()
		var errs []error
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, errors.New("forwarder did not stop in time; the outbox keeps what it had not sent"))
		}
		select {
		case <-trimDone:
		case <-ctx.Done():
		}
		svc.Close()
		if err := closeQueue(); err != nil {
			errs = append(errs, fmt.Errorf("close queue: %w", err))
		}
		return errors.Join(errs...)
	}, nil
}

// queueTrimEvery is how often serve removes, from every agency queue, the
// entries every consumer group has acknowledged (runTrimmer). The forms
// promise that the portal keeps a submission only until the desk has
// acknowledged it; a minute bounds how long it lingers after that.
// Tests shorten it.
var queueTrimEvery = time.Minute

// runTrimmer calls trimAcked at once and then every `every` until ctx is
// done. Failures (Redis down) are logged, once per outage, and retried at
// the next tick.
func runTrimmer(ctx context.Context, q queue.Queue, cat *intake.Catalog, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		n, err := trimAcked(ctx, q, cat)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			log.Warn("queue trim failed; acknowledged entries stay until the next try", "err", err)
			failing = true
		case err == nil:
			if failing {
				log.Info("queue trim works again")
			}
			failing = false
			if n > 0 {
				log.Info("queue trim: removed acknowledged entries", "entries", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// trimAcked is one tick of the trimmer: for every agency queue (the routes
// of routing.yaml and every other portal stream), and its dead-letter
// stream, it removes the entries that EVERY consumer group has acknowledged
// (queue.Queue.TrimAcked). Pending and undelivered entries stay, and a
// stream without a consumer group keeps everything. On the embedded queue
// it then checkpoints the write-ahead log so deleted entries leave the
// disk. It returns how many entries were removed.
func trimAcked(ctx context.Context, q queue.Queue, cat *intake.Catalog) (int64, error) {
	seen := map[string]bool{}
	var streams []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			streams = append(streams, s, queue.DeadLetterStream(s))
		}
	}
	for _, r := range cat.Routes {
		add(r.Queue)
	}
	found, err := q.Streams(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range found {
		add(s)
	}
	var total int64
	var errs []error
	for _, s := range streams {
		n, err := q.TrimAcked(ctx, s)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if l, ok := q.(*queue.Local); ok {
		if _, err := l.Checkpoint(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// warnPersistence logs once whether Redis keeps the queues across a
// restart: a warning when it does not (appendonly no and no save points)
// or when it will not say (CONFIG refused), nothing when it does. While
// Redis does not answer it asks again every 30 s, until ctx ends.
func warnPersistence(ctx context.Context, rdb *redis.Client, log *slog.Logger) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		p, err := queue.RedisPersistence(cctx, rdb)
		cancel()
		switch {
		case err == nil && !p.Known:
			log.Warn("redis: cannot tell whether Redis persists its data (CONFIG GET refused); if it does not, a Redis restart empties the agency queues (the outbox sends again what no desk has taken; agencies' own consumer groups see those entries again)",
				"redis_persistence", p.String())
			return
		case err == nil && !p.Persists():
			log.Warn("redis: Redis does not persist its data (appendonly no, no save points): a Redis restart empties the agency queues (the outbox sends again what no desk has taken; agencies' own consumer groups see those entries again); enable appendonly",
				"redis_persistence", p.String())
			return
		case err == nil:
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}
