package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"time"
)

// DefaultPrimaryTimeout is the timeout NewFallback callers are expected to
// use for Redis: a limiter decision must not hold a request up.
const DefaultPrimaryTimeout = 50 * time.Millisecond

// probeInterval is how long Fallback goes straight to the fallback after a
// primary failure before trying the primary again, so that an unreachable
// (not refusing) Redis costs one timeout per interval, not per request.
const probeInterval = time.Second

// Fallback asks the primary limiter (Redis) with a short timeout and, while
// it fails or times out, decides with the fallback (in process), so Redis
// being down never means "no limit" (PITFALLS.md). The switch and the
// recovery are logged once each, with no key and no address. It counts
// decisions by outcome; see Counters. It is safe for concurrent use.
//
// The fallback keeps its own state: when Redis goes away each client starts
// with a full burst in each portal instance, and when Redis comes back the
// counts in Redis (which missed the outage) apply again. Limits stay in
// force throughout; they are per instance only while Redis is down.
type Fallback struct {
	primary, fallback Limiter
	timeout           time.Duration
	log               *slog.Logger
	now               func() time.Time

	degraded  atomic.Bool
	retryAt   atomic.Int64 // Unix ns before which the primary is not tried
	allowed   atomic.Uint64
	limited   atomic.Uint64
	fellBack  atomic.Uint64
	primErrs  atomic.Uint64
	failedErr atomic.Uint64
}

// Counters are the numbers of decisions since start, by outcome.
type Counters struct {
	// Allowed and Limited count every decision, whichever engine took it.
	Allowed uint64 `json:"allowed"`
	Limited uint64 `json:"limited"`
	// Fallback counts the decisions taken by the fallback limiter.
	Fallback uint64 `json:"fallback"`
	// PrimaryErrors counts primary calls that failed or timed out.
	PrimaryErrors uint64 `json:"primary_errors"`
	// Errors counts calls that returned an error (both engines failed).
	Errors uint64 `json:"errors"`
}

// Compile-time check that *Fallback is a Limiter.
var _ Limiter = (*Fallback)(nil)

// NewFallback returns a limiter that uses primary with the given timeout per
// call (DefaultPrimaryTimeout is a good value; <= 0 means that) and
// fallback while primary errs. log may be nil (no logging).
func NewFallback(primary, fallback Limiter, timeout time.Duration, log *slog.Logger) *Fallback {
	if timeout <= 0 {
		timeout = DefaultPrimaryTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Fallback{primary: primary, fallback: fallback, timeout: timeout, log: log, now: time.Now}
}

// Allow decides with the primary, or with the fallback when the primary
// errs, times out or failed less than a second ago. It returns an error
// only for an invalid limit, a cancelled ctx, or both engines failing.
func (f *Fallback) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	if f.now().UnixNano() >= f.retryAt.Load() {
		res, err := f.askPrimary(ctx, key, l)
		if err == nil {
			if f.degraded.CompareAndSwap(true, false) {
				f.log.Info("rate limiter: primary engine answers again; shared limits restored")
			}
			return f.count(res), nil
		}
		if ctx.Err() != nil {
			f.failedErr.Add(1)
			return Result{}, ctx.Err()
		}
		f.primErrs.Add(1)
		f.retryAt.Store(f.now().Add(probeInterval).UnixNano())
		if f.degraded.CompareAndSwap(false, true) {
			f.log.Warn("rate limiter: primary engine unavailable; limiting in process until it answers",
				"cause", cause(err))
		}
	}
	res, err := f.fallback.Allow(ctx, key, l)
	if err != nil {
		f.failedErr.Add(1)
		return Result{}, err
	}
	f.fellBack.Add(1)
	return f.count(res), nil
}

// askPrimary calls the primary with the timeout and returns at the
// deadline even if the call does not: go-redis ignores context deadlines on
// socket reads unless ContextTimeoutEnabled is set, so a Redis that
// swallows packets would otherwise hold the request for its ReadTimeout.
// The abandoned call finishes in its own goroutine; after a failure the
// primary is not asked again for probeInterval, which bounds how many can
// pile up.
func (f *Fallback) askPrimary(ctx context.Context, key string, l Limit) (Result, error) {
	pctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := f.primary.Allow(pctx, key, l)
		done <- outcome{r, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-pctx.Done():
		return Result{}, pctx.Err()
	}
}

// Refund gives one unit back under key to the engine that Allow would ask
// now: the primary while it answers (with the same timeout), else the
// fallback. A unit taken by one engine and refunded to the other (Redis
// went away or came back in between) is not given back, which errs on the
// side of the limit. It returns an error only for an invalid limit, a
// cancelled ctx, or both engines failing.
func (f *Fallback) Refund(ctx context.Context, key string, l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	return f.either(ctx,
		func(ctx context.Context) error { return f.primary.Refund(ctx, key, l) },
		func(ctx context.Context) error { return f.fallback.Refund(ctx, key, l) })
}

// Reset forgets key in the primary (while it answers, with the timeout)
// and always in the fallback too, so that no stale count from an earlier
// outage survives it. Errors as for Refund.
func (f *Fallback) Reset(ctx context.Context, key string) error {
	if err := f.either(ctx,
		func(ctx context.Context) error { return f.primary.Reset(ctx, key) },
		func(context.Context) error { return nil }); err != nil {
		return err
	}
	return f.fallback.Reset(ctx, key)
}

// either runs onPrimary (bounded by the timeout) when the primary is not
// known to be down, else, or when it fails, onFallback; a primary failure
// is recorded and logged as in Allow.
func (f *Fallback) either(ctx context.Context, onPrimary, onFallback func(context.Context) error) error {
	if f.now().UnixNano() >= f.retryAt.Load() {
		pctx, cancel := context.WithTimeout(ctx, f.timeout)
		done := make(chan error, 1)
		go func() { done <- onPrimary(pctx) }()
		var err error
		select {
		case err = <-done:
		case <-pctx.Done():
			err = pctx.Err()
		}
		cancel()
		if err == nil {
			if f.degraded.CompareAndSwap(true, false) {
				f.log.Info("rate limiter: primary engine answers again; shared limits restored")
			}
			return nil
		}
		if ctx.Err() != nil {
			f.failedErr.Add(1)
			return ctx.Err()
		}
		f.primErrs.Add(1)
		f.retryAt.Store(f.now().Add(probeInterval).UnixNano())
		if f.degraded.CompareAndSwap(false, true) {
			f.log.Warn("rate limiter: primary engine unavailable; limiting in process until it answers",
				"cause", cause(err))
		}
	}
	if err := onFallback(ctx); err != nil {
		f.failedErr.Add(1)
		return err
	}
	return nil
}

func (f *Fallback) count(r Result) Result {
	if r.Allowed {
		f.allowed.Add(1)
	} else {
		f.limited.Add(1)
	}
	return r
}

// Degraded reports whether the last primary call failed (the fallback is
// in use).
func (f *Fallback) Degraded() bool { return f.degraded.Load() }

// Counters returns the decision counts so far.
func (f *Fallback) Counters() Counters {
	return Counters{
		Allowed:       f.allowed.Load(),
		Limited:       f.limited.Load(),
		Fallback:      f.fellBack.Load(),
		PrimaryErrors: f.primErrs.Load(),
		Errors:        f.failedErr.Load(),
	}
}

// cause names the kind of a primary failure for the log: "timeout",
// "connection" or "error", never the error text (which would carry the
// server address).
func cause(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &ne):
		return "connection"
	default:
		return "error"
	}
}

// sanitized is an engine error whose text is only its kind, so it can be
// logged; the original stays reachable with errors.Is/As.
type sanitized struct {
	kind string
	err  error
}

func (e *sanitized) Error() string { return e.kind }
func (e *sanitized) Unwrap() error { return e.err }

// classify wraps a Redis client error so its text names no address.
func classify(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &sanitized{kind: "timeout or cancelled: " + ctx.Err().Error(), err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return &sanitized{kind: "network timeout", err: err}
		}
		return &sanitized{kind: "connection failed", err: err}
	}
	return &sanitized{kind: "server error", err: err}
}
