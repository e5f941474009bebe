package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPrimaryTimeout is how long Fallback waits for Redis before it
// takes Redis for down. It is long on purpose: a busy Redis stalls for a
// few hundred milliseconds (a slow command or script, a fork for a
// snapshot, an AOF fsync that waits on the disk, which Redis lets take up
// to two seconds), and every decision taken in process while Redis still
// counts is a unit granted twice, across instances. A Redis that is down
// refuses connections and is noticed at once; one that swallows packets
// costs this wait once per probeInterval (one request waits, the others
// are decided in process meanwhile).
const DefaultPrimaryTimeout = 2 * time.Second

// probeInterval is how long Fallback goes straight to the in-process
// limiter after a Redis failure before one request tries Redis again.
const probeInterval = time.Second

// Fallback decides with Redis and, while Redis fails or does not answer
// within the timeout, with the in-process limiter, so Redis being down
// never means "no limit" (PITFALLS.md). The switch and the recovery are
// logged once each, with no key and no address. It counts decisions by
// outcome; see Counters. It is safe for concurrent use.
//
// Exactness. While Redis answers, Redis alone decides (every grant is one
// atomic script run), so a limit of N gives at most N, whatever the
// concurrency and the number of instances, also while Redis is slow (up to
// the timeout). The in-process limiter shadows what Redis answered, so
// when Redis goes away a client goes on from the budget it had used, as
// far as this instance saw it; while Redis is down the instances decide
// each alone. What the in-process limiter granted meanwhile is kept as a
// debt per key, merged into Redis atomically with the key's next decision
// there and written back for every key as soon as Redis answers again, so
// the switch back grants nothing twice. A Redis that comes back empty
// (restarted without persistence) gets the shadow written back as well.
// All in-process keys are derived under the same key material as in Redis
// (or under material of this instance's own, stored in Redis when it can
// be), never from the address alone.
type Fallback struct {
	primary *Redis
	mem     *Memory
	timeout time.Duration
	log     *slog.Logger
	now     func() time.Time

	degraded atomic.Bool
	probing  atomic.Bool
	retryAt  atomic.Int64 // Unix ns before which Redis is not tried

	owedMu sync.Mutex
	owed   map[string]debt // derived key → what the in-process limiter granted

	allowed   atomic.Uint64
	limited   atomic.Uint64
	fellBack  atomic.Uint64
	primErrs  atomic.Uint64
	failedErr atomic.Uint64
}

// debt is what the in-process limiter granted under one derived key while
// Redis was away: the theoretical arrival time of those grants alone
// (Unix ns, whole-second clock), so the debt decays as Redis's would.
type debt struct {
	material string // material.id the key was derived with
	tat      int64
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

// NewFallback returns a limiter that decides with primary, waiting at
// most timeout per call (<= 0: DefaultPrimaryTimeout), and in process
// while primary fails. log may be nil (no logging). primary is dedicated
// to it: NewFallback hooks its write-back into it.
func NewFallback(primary *Redis, timeout time.Duration, log *slog.Logger) *Fallback {
	if timeout <= 0 {
		timeout = DefaultPrimaryTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Fallback{primary: primary, mem: NewMemory(), timeout: timeout, log: log, now: time.Now,
		owed: map[string]debt{}}
	primary.shadow = f.mem.snapshot
	primary.restored = func(m *material) {
		f.owedMu.Lock()
		defer f.owedMu.Unlock()
		for dk, d := range f.owed {
			if d.material == m.id {
				delete(f.owed, dk) // the shadow written back holds it
			}
		}
		f.log.Warn("rate limiter: Redis lost its data; counts known to this instance written back")
	}
	return f
}

// usePrimary reports whether this call asks Redis: always while Redis is
// taken for up; while it is taken for down, one call at a time once
// probeInterval has passed since the last failure (release must then be
// called).
func (f *Fallback) usePrimary() (ask, probe bool) {
	if !f.degraded.Load() {
		return true, false
	}
	if f.now().UnixNano() < f.retryAt.Load() {
		return false, false
	}
	if f.probing.CompareAndSwap(false, true) {
		return true, true
	}
	return false, false
}

// ask runs fn against Redis with the timeout and returns at the deadline
// even if fn does not: go-redis ignores context deadlines on socket reads
// unless ContextTimeoutEnabled is set, so a Redis that swallows packets
// would otherwise hold the request for its ReadTimeout. The abandoned call
// finishes in its own goroutine; after a failure Redis is asked again only
// by one probe per probeInterval, which bounds how many can pile up. It
// records the outcome: a failure takes Redis for down (logged once), a
// success after that for up again (logged once, debts written back).
func (f *Fallback) ask(ctx context.Context, probe bool, fn func(context.Context) error) error {
	if probe {
		defer f.probing.Store(false)
	}
	pctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(pctx) }()
	var err error
	select {
	case err = <-done:
	case <-pctx.Done():
		err = pctx.Err()
	}
	if err == nil {
		if f.degraded.CompareAndSwap(true, false) {
			f.log.Info("rate limiter: Redis answers again; shared limits restored")
			go f.settleDebts()
		}
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	f.primErrs.Add(1)
	f.retryAt.Store(f.now().Add(probeInterval).UnixNano())
	if f.degraded.CompareAndSwap(false, true) {
		f.log.Warn("rate limiter: Redis unavailable; limiting in process until it answers", "cause", cause(err))
	}
	return err
}

// takeDebt removes and returns the merge for dk: its debt and, as a floor,
// what this instance knows of its arrival time. Keys without a debt get
// none: Redis alone is right about them.
func (f *Fallback) takeDebt(dk string, m *material) merge {
	f.owedMu.Lock()
	d, ok := f.owed[dk]
	delete(f.owed, dk)
	f.owedMu.Unlock()
	if !ok || d.material != m.id {
		return merge{}
	}
	now := seconds(f.now())
	if d.tat <= now {
		return merge{}
	}
	return merge{debt: time.Duration(d.tat - now), floor: f.mem.tatOf(dk)}
}

// giveBackDebt puts a merge that may not have reached Redis back (the
// call failed or timed out); merging it twice only errs on the side of
// the limit.
func (f *Fallback) giveBackDebt(dk string, m *material, mg merge) {
	if mg.debt <= 0 {
		return
	}
	f.owedMu.Lock()
	defer f.owedMu.Unlock()
	tat := seconds(f.now()) + int64(mg.debt)
	if d := f.owed[dk]; d.material == m.id && d.tat > tat {
		tat = d.tat
	}
	f.owed[dk] = debt{material: m.id, tat: tat}
}

// owe records that the in-process limiter granted (units 1) or gave back
// (units -1) one unit of l under dk while Redis was away.
func (f *Fallback) owe(dk string, m *material, l Limit, units int) {
	f.owedMu.Lock()
	defer f.owedMu.Unlock()
	now := seconds(f.now())
	d := f.owed[dk]
	if d.material != m.id {
		d = debt{material: m.id}
	}
	d.tat = max(d.tat, now) + int64(units)*int64(l.interval())
	if d.tat <= now {
		delete(f.owed, dk)
		return
	}
	f.owed[dk] = d
}

// settleDebts writes every debt into Redis (gcra.lua with cost 0), so that
// other instances see it too, not only this one's next decision per key.
func (f *Fallback) settleDebts() {
	f.owedMu.Lock()
	keys := make([]string, 0, len(f.owed))
	for dk := range f.owed {
		keys = append(keys, dk)
	}
	f.owedMu.Unlock()
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*f.timeout)
	defer cancel()
	m, err := f.primary.current(ctx, nil)
	if err != nil {
		return // the next decision per key merges it
	}
	for _, dk := range keys {
		mg := f.takeDebt(dk, m)
		if mg.debt <= 0 {
			continue
		}
		if _, err := f.primary.eval(ctx, m, dk, Limit{Rate: 1, Period: time.Second}, 0, mg); err != nil {
			f.giveBackDebt(dk, m, mg)
			return
		}
	}
}

// Allow decides with Redis, or in process when Redis errs, times out or
// failed less than a second ago. It returns an error only for an invalid
// limit, a cancelled ctx, or both engines failing.
func (f *Fallback) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	if ask, probe := f.usePrimary(); ask {
		var d decision
		err := f.ask(ctx, probe, func(ctx context.Context) error {
			var mg merge
			var mm *material
			var err error
			d, err = f.primary.run(ctx, key, l, 1, func(dk string, m *material) merge {
				if mm != nil {
					f.giveBackDebt(dk, mm, mg) // a retry under new material
				}
				mg, mm = f.takeDebt(dk, m), m
				return mg
			})
			if err != nil && mm != nil {
				f.giveBackDebt(derive(mm.key, key), mm, mg)
			}
			return err
		})
		if err == nil {
			f.mem.observe(d.dk, d.tat, false)
			return f.count(d.Result), nil
		}
		if ctx.Err() != nil {
			f.failedErr.Add(1)
			return Result{}, ctx.Err()
		}
	}
	m := f.primary.local()
	dk := derive(m.key, key)
	res := f.mem.allowDerived(dk, l)
	if res.Allowed {
		f.owe(dk, m, l, 1)
	}
	f.fellBack.Add(1)
	return f.count(res), nil
}

// Refund gives one unit back under key: in Redis while it answers (the
// shadow follows), else in process (and the debt shrinks). It returns an
// error only for an invalid limit, a cancelled ctx, or both engines
// failing.
func (f *Fallback) Refund(ctx context.Context, key string, l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if ask, probe := f.usePrimary(); ask {
		var d decision
		err := f.ask(ctx, probe, func(ctx context.Context) error {
			var err error
			d, err = f.primary.run(ctx, key, l, -1, nil)
			return err
		})
		if err == nil {
			f.mem.observe(d.dk, d.tat, true)
			return nil
		}
		if ctx.Err() != nil {
			f.failedErr.Add(1)
			return ctx.Err()
		}
	}
	m := f.primary.local()
	dk := derive(m.key, key)
	f.mem.refundDerived(dk, l)
	f.owe(dk, m, l, -1)
	return nil
}

// Reset forgets key in Redis (while it answers) and in process. While
// Redis is down only the in-process state is forgotten: Redis keeps its
// older count, which errs on the side of the limit. Errors as for Refund.
func (f *Fallback) Reset(ctx context.Context, key string) error {
	m := f.primary.local()
	dk := derive(m.key, key)
	if ask, probe := f.usePrimary(); ask {
		err := f.ask(ctx, probe, func(ctx context.Context) error {
			var err error
			dk, err = f.primary.reset(ctx, key)
			return err
		})
		if err != nil && ctx.Err() != nil {
			f.failedErr.Add(1)
			return ctx.Err()
		}
	}
	f.mem.resetDerived(dk)
	f.owedMu.Lock()
	delete(f.owed, dk)
	f.owedMu.Unlock()
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

// Degraded reports whether Redis is taken for down (the in-process
// limiter decides).
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
