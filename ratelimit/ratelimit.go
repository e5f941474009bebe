// Package ratelimit limits requests per client with GCRA: in Redis through
// github.com/go-redis/redis_rate/v10 (atomic, shared by every instance) and
// in process with the same rules, which also takes over while Redis is
// unreachable. Keys are HMACs of the client address, never the address.
package ratelimit

import (
	"context"
	"time"
)

// Limit is a rate: Rate events per Period, with a burst of Rate.
type Limit struct {
	Rate   int
	Period time.Duration
}

// Result is the outcome of one Allow call.
type Result struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration // > 0 when not allowed
}

// Limiter decides whether one more event under key is allowed.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Result, error)
}
