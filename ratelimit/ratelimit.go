// Package ratelimit limits requests per client with GCRA: in Redis through
// a Lua script of our own (a fork of github.com/go-redis/redis_rate/v10's,
// see gcra.lua), atomic and shared by every instance, and in process with
// the same rules, which also takes over while Redis is unreachable.
//
// What it keeps is meant to survive a look by whoever holds the server's
// data (docs/security.md): a limiter key is the scope and an HMAC-SHA256 of
// the caller's key under random key material that lives one rotation
// period (a day in Vietnam) in Redis, with an expiry, and never on the
// portal's disk; the in-process limiter has material of its own, in memory
// only. A limiter entry holds one time, whole seconds plus multiples of
// the emission interval, and expires when its window ends.
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

// Limiter decides whether one more event under key is allowed, and can
// give events back: a caller that reserves a unit before it knows whether
// the event counts (a login attempt, counted only when it fails) reserves
// it atomically with Allow, so parallel callers cannot exceed the limit,
// and returns it with Refund or Reset once the event turns out not to count.
//
// A key is "<scope>:<subject>": the scope names a budget ("tips",
// "login-account"), the subject who spends it (ClientKey's address, an
// account name). Engines store only the scope and an HMAC of the whole key
// under their key material, never the subject.
type Limiter interface {
	// Allow takes one unit under key if l allows it.
	Allow(ctx context.Context, key string, l Limit) (Result, error)
	// Refund gives back one unit taken under key with the same l, as if
	// that Allow had not happened (it never frees more than was taken:
	// a key in its initial state stays so). Errors: an invalid limit
	// (wrapping ErrInvalidLimit) or the engine failing.
	Refund(ctx context.Context, key string, l Limit) error
	// Reset forgets every unit taken under key: the key is in its initial
	// state again (a full burst). Errors: the engine failing.
	Reset(ctx context.Context, key string) error
}
