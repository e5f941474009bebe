package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/handlers"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// startPress builds the press office (accounts, sessions, login throttling,
// campaigns, cover images under DataDir/media), sets deps.Press, puts every
// public campaign into the search index again (openIndex keeps campaign
// documents, but an index rebuilt for a new analyser version, or a new
// Meilisearch instance, starts without them; so this runs after openIndex),
// and starts the scheduler that brings scheduled campaigns into the index
// when their time comes. stop ends the scheduler and closes the
// limiter's Redis client.
//
// Login attempts are counted by deps.Limiter when startIntake set one, else
// in Redis when REDIS_URL is set (shared by every instance, atomic GCRA),
// with the in-process limiter taking over while Redis is unreachable; else
// in process. cfg.LimitLogin bounds both the failed attempts per account
// and per client key (a successful login gives back what it reserved; see
// press.Office.Login).
func startPress(ctx context.Context, cfg Config, deps *handlers.Deps, db *store.DB, log *slog.Logger) (stop func(context.Context) error, err error) {
	// The limiter startIntake built (Redis with the in-process fallback)
	// is shared when there is one; else one of our own.
	limiter := deps.Limiter
	var rdb *redis.Client
	switch {
	case limiter != nil:
	case cfg.RedisURL == "":
		limiter = ratelimit.NewMemory()
	default:
		opts, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb = redis.NewClient(opts)
		limiter = ratelimit.NewFallback(ratelimit.NewRedis(rdb, rateLimitPrefix), ratelimit.DefaultPrimaryTimeout, log)
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
		MediaDir:     filepath.Join(cfg.DataDir, "media"),
		AccountLimit: cfg.LimitLogin,
		ClientLimit:  cfg.LimitLogin,
	})
	if err != nil {
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
