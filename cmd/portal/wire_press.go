package main

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// startPress builds the press office (accounts, sessions, login throttling,
// campaigns, cover images in the database), sets deps.Press, puts every
// public campaign into the search index again (openIndex keeps campaign
// documents, but an index rebuilt for a new analyser version, or a new
// Meilisearch instance, starts without them; so this runs after openIndex),
// and starts the scheduler that brings scheduled campaigns into the index
// when their time comes (once per cluster) and keeps this instance's index
// following campaign changes made on any instance. stop ends both and
// closes the limiter's Redis client.
//
// Login attempts are counted by deps.Limiter when startIntake set one, else
// in Redis when REDIS_URL is set (shared by every instance, atomic GCRA),
// with the in-process limiter taking over while Redis is unreachable; else
// in process. cfg.LimitLogin bounds both the failed attempts per account
// and per client key (a successful login gives back what it reserved; see
// press.Office.Login).
func startPress(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, env serveEnv) (stop func(context.Context) error, err error) {
	log := env.log
	// The limiter startIntake built (Redis with the in-process fallback)
	// is shared when there is one; else one of our own.
	limiter := deps.Limiter
	var rdb *redis.Client
	switch {
	case limiter != nil:
	case cfg.RedisURL == "":
		limiter = ratelimit.NewMemory()
	default:
		if rdb, err = newRedisClient(cfg, env); err != nil {
			return nil, err
		}
		fb := ratelimit.NewFallback(ratelimit.NewRedis(rdb, rateLimitPrefix), ratelimit.DefaultPrimaryTimeout, log)
		env.metrics.WatchFallback(fb)
		limiter = env.metrics.InstrumentLimiter(fb)
	}
	closeRedis := func() error {
		if rdb == nil {
			return nil
		}
		return rdb.Close()
	}
	office, err := press.New(press.Config{
		DB:           db,
		Index:        deps.Index,
		Limiter:      limiter,
		Now:          deps.Now,
		Logger:       log,
		AccountLimit: cfg.LimitLogin,
		ClientLimit:  cfg.LimitLogin,
		TOTPRoles:    cfg.TOTPRoles,
	})
	if err != nil {
		return nil, errors.Join(err, closeRedis())
	}
	// Covers were files in DATA_DIR/media before they moved into the
	// database (migration 00500): move any left there.
	if _, err := office.ImportMediaDir(ctx, filepath.Join(cfg.DataDir, "media")); err != nil {
		return nil, errors.Join(err, closeRedis())
	}
	if n, err := office.Reindex(ctx); err != nil {
		// Not fatal: the scheduler retries every campaign still out of step.
		log.Warn("search: campaigns not all indexed at start; the scheduler will retry", "indexed", n, "err", err)
	} else if n > 0 {
		log.Info("search: campaigns indexed", "count", n)
	}
	deps.Press = office
	stopScheduler := office.StartScheduler(press.DefaultSchedulerInterval)
	return func(ctx context.Context) error {
		return errors.Join(stopScheduler(ctx), closeRedis())
	}, nil
}
