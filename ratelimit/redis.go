package ratelimit

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis is the shared limiter: GCRA in one Lua script per decision through
// github.com/go-redis/redis_rate/v10, so every portal instance counts
// against the same key atomically and every key carries its own expiry (no
// INCR-then-EXPIRE race, PITFALLS.md). The key in Redis is
// "rate:" + prefix + key, where "rate:" is redis_rate's own prefix; with
// keys from Keyer.Key it never contains a client address.
type Redis struct {
	limiter *redis_rate.Limiter
	prefix  string
}

// Compile-time check that *Redis is a Limiter.
var _ Limiter = (*Redis)(nil)

// NewRedis returns a limiter over client whose keys start with prefix
// (e.g. "portal:rl:"). The client belongs to the caller.
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(client), prefix: prefix}
}

// Allow asks Redis whether one more event under key fits l (burst l.Rate).
// Errors: an invalid limit (wrapping ErrInvalidLimit) or Redis failing or
// timing out (ctx); the error names neither the key nor the server address.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	res, err := r.limiter.Allow(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Rate, Period: l.Period})
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: redis: %w", classify(ctx, err))
	}
	out := Result{Allowed: res.Allowed > 0, Remaining: res.Remaining}
	if !out.Allowed {
		out.RetryAfter = max(res.RetryAfter, 1)
	}
	return out, nil
}
