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

// Refund gives one unit back under key through redis_rate's GCRA script
// with a cost of -1 (AllowN), atomically with every other decision on key.
// One imprecision of that script: when the unit given back is the only one
// taken (the key would return to its initial state), the script writes
// nothing, so that unit stays taken until it expires by itself, at most one
// emission interval (Period/Rate) later. Refund never frees more than was
// taken.
func (r *Redis) Refund(ctx context.Context, key string, l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if _, err := r.limiter.AllowN(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Rate, Period: l.Period}, -1); err != nil {
		return fmt.Errorf("ratelimit: redis refund: %w", classify(ctx, err))
	}
	return nil
}

// Reset deletes key's state in Redis (redis_rate's Reset): a full burst.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.limiter.Reset(ctx, r.prefix+key); err != nil {
		return fmt.Errorf("ratelimit: redis reset: %w", classify(ctx, err))
	}
	return nil
}
