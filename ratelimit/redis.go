package ratelimit

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraLua is the limiter's one script; see gcra.lua for its contract.
//
//go:embed gcra.lua
var gcraLua string

// gcraScript runs gcraLua by its SHA-1 (EVALSHA, loading it on NOSCRIPT).
var gcraScript = redis.NewScript(gcraLua)

// materialGrace is how long key material stays in Redis after its period
// ends, so that an instance whose clock is a little behind does not
// recreate it; the material of a day is gone a minute after midnight.
const materialGrace = time.Minute

// Redis is the shared limiter: GCRA in one Lua script per decision
// (gcra.lua), so every portal instance counts against the same key
// atomically and every key carries its own expiry (no INCR-then-EXPIRE
// race, PITFALLS.md). It needs Redis 6.2 or later (SET … EXAT).
//
// Why a fork of redis_rate's script rather than redis_rate itself (used
// before) or another library: redis_rate reads TIME with microseconds,
// stores the theoretical arrival time to the microsecond and sets a
// relative EX, so a dump of Redis places each client's last request to the
// microsecond, and a refund that frees the key writes nothing (the unit
// stays taken); it has no hook to change either. The other maintained Go
// limiters on Redis store the same kind of state (a sliding log keeps every
// request's time; a fixed window lets 2N through around each window edge,
// and keeps per-window counters). The fork is some forty lines of Lua,
// reviewed line by line against the original, with a contract test run on
// both engines (contract_test.go).
//
// Keys in Redis are prefix + derive(material, key): the scope and an
// HMAC-SHA256 under key material drawn at random for the period (a day in
// Vietnam) and shared by every instance through Redis: the first instance
// to need it stores it with SET NX, valid until the period ends (plus
// materialGrace); the others read it. The material is never written to
// the data dir. Every decision checks, in the same script, that the
// material it was derived with is still the one in Redis, so instances
// cannot count one client under two keys (a Redis that restarted empty,
// material that expired). It is safe for concurrent use.
type Redis struct {
	client *redis.Client
	prefix string
	now    func() time.Time

	// shadow, when set (by Fallback), returns what the in-process limiter
	// knows: derived key → theoretical arrival time (Unix ns). It is
	// written back when Redis turns out to have lost its data.
	shadow func() map[string]int64
	// restored, when set, is called after such a write-back, with the
	// material current then (Fallback drops its debts under it).
	restored func(m *material)

	loading chan struct{} // one material load at a time
	mu      sync.Mutex    // guards mat; never held across a call to Redis
	mat     *material
}

// material is the key material of one period.
type material struct {
	period string
	end    time.Time
	key    []byte
	id     string // short fingerprint of key, to tell materials apart
	value  string // as stored in Redis: hex(key) "." hex(epoch); "" until stored
	sum    string // SHA-1 hex of value (what gcra.lua compares)
}

func newMaterialFor(period string, end time.Time, key []byte) *material {
	s := sha256.Sum256(key)
	return &material{period: period, end: end, key: key, id: hex.EncodeToString(s[:8])}
}

// withValue is m as stored under value (a fresh epoch each time it is
// stored, so a restore after Redis lost it can be told from a first store).
func (m *material) withValue(value string) *material {
	c := *m
	c.value = value
	s := sha1.Sum([]byte(value))
	c.sum = hex.EncodeToString(s[:])
	return &c
}

// Compile-time check that *Redis is a Limiter.
var _ Limiter = (*Redis)(nil)

// NewRedis returns a limiter over client whose keys start with prefix
// (e.g. "portal:rl:"). The client belongs to the caller.
func NewRedis(client *redis.Client, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix, now: time.Now, loading: make(chan struct{}, 1)}
}

// MaterialKey is the Redis key holding the key material of the period
// that contains t ("<prefix>keymat:YYYY-MM-DD").
func (r *Redis) MaterialKey(t time.Time) string {
	p, _ := period(t)
	return r.prefix + "keymat:" + p
}

// errStale is gcra.lua's answer when the material changed under us.
var errStale = errors.New("ratelimit: key material changed")

// current returns the material to derive keys with, loading it from Redis
// (or storing it there) when there is none for this period yet, or when
// stale (material gcra.lua refused) is still the one held. One load runs
// at a time; r.mu is never held across a call to Redis, so local() never
// waits on a Redis that does not answer.
func (r *Redis) current(ctx context.Context, stale *material) (*material, error) {
	p, end := period(r.now())
	r.mu.Lock()
	cur := r.mat
	r.mu.Unlock()
	if cur != nil && cur.period == p && cur.value != "" && (stale == nil || cur != stale) {
		return cur, nil
	}
	select {
	case r.loading <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-r.loading }()
	r.mu.Lock()
	cur = r.mat
	r.mu.Unlock()
	if cur != nil && cur.period != p {
		cur = nil
	}
	if cur != nil && cur.value != "" && (stale == nil || cur != stale) {
		return cur, nil // loaded by another call meanwhile
	}
	set := func(m *material) *material {
		r.mu.Lock()
		r.mat = m
		r.mu.Unlock()
		return m
	}
	k := r.prefix + "keymat:" + p
	for attempt := 0; attempt < 3; attempt++ {
		v, err := r.client.Get(ctx, k).Result()
		switch {
		case errors.Is(err, redis.Nil):
			// None: store ours. Material this instance already used in
			// this period (decisions taken with it while Redis was away,
			// or a Redis that restarted empty) is stored again, so what
			// was counted under it still counts.
			m := cur
			if m == nil {
				m = newMaterialFor(p, end, newMaterial())
			}
			epoch := make([]byte, 8)
			rand.Read(epoch)
			m = m.withValue(hex.EncodeToString(m.key) + "." + hex.EncodeToString(epoch))
			ok, err := r.client.SetArgs(ctx, k, m.value, redis.SetArgs{Mode: "NX", ExpireAt: end.Add(materialGrace)}).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return nil, err
			}
			if ok != "OK" {
				continue // another instance stored one first: read it
			}
			if cur != nil {
				// Before anyone decides under it: write back what this
				// instance knows (Redis lost it, or never had it).
				r.restore(ctx, m)
			}
			return set(m), nil
		case err != nil:
			return nil, err
		}
		hexKey, _, _ := strings.Cut(v, ".")
		key, herr := hex.DecodeString(hexKey)
		if herr != nil || len(key) < 16 {
			return nil, fmt.Errorf("ratelimit: malformed key material in %s", k)
		}
		m := newMaterialFor(p, end, key).withValue(v)
		if cur != nil && cur.value != "" && cur.value != v && cur.id == m.id {
			// The same material stored again by another instance: Redis
			// lost its data in between.
			r.restore(ctx, m)
		}
		return set(m), nil
	}
	return nil, errors.New("ratelimit: key material could not be stored")
}

// local returns the key material to derive with when Redis cannot be
// asked: the one last read or stored, or, when this instance has none for
// the period, material of its own, held in memory until Redis can store it.
func (r *Redis) local() *material {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, end := period(r.now())
	if r.mat == nil || r.mat.period != p {
		r.mat = newMaterialFor(p, end, newMaterial())
	}
	return r.mat
}

// restore writes what the in-process limiter knows back into a Redis
// that lost its data, as floors of each key's arrival time, so that a
// Redis restarted empty does not hand every client a fresh budget. Called
// by the one load in progress, before the material is handed out;
// failures are ignored (the next decisions count afresh).
func (r *Redis) restore(ctx context.Context, m *material) {
	if r.shadow == nil {
		return
	}
	floors := r.shadow()
	if len(floors) > 0 {
		gcraScript.Load(ctx, r.client)
		pipe := r.client.Pipeline()
		for dk, tat := range floors {
			gcraScript.EvalSha(ctx, pipe, []string{r.prefix + dk, r.prefix + "keymat:" + m.period},
				m.sum, "1", "1", "0", "0", secondsArg(time.Duration(tat)))
		}
		pipe.Exec(ctx)
	}
	if r.restored != nil {
		r.restored(m)
	}
}

// decision is what one run of gcra.lua answered.
type decision struct {
	Result
	dk  string // the derived key it ran on
	mat *material
	tat int64 // the key's theoretical arrival time after it, Unix ns
}

// merge is what the in-process limiter adds to a key before the decision
// (see Fallback): debt on top of its arrival time, and a floor for it.
type merge struct {
	debt  time.Duration
	floor int64 // Unix ns; 0 for none
}

// run applies cost (1, -1 or 0) to key with l in gcra.lua, with what
// mergeFor (if not nil) returns for the derived key added first.
func (r *Redis) run(ctx context.Context, key string, l Limit, cost int, mergeFor func(dk string, m *material) merge) (decision, error) {
	var stale *material
	for attempt := 0; attempt < 3; attempt++ {
		m, err := r.current(ctx, stale)
		if err != nil {
			return decision{}, fmt.Errorf("ratelimit: redis: %w", classify(ctx, err))
		}
		dk := derive(m.key, key)
		var mg merge
		if mergeFor != nil {
			mg = mergeFor(dk, m)
		}
		d, err := r.eval(ctx, m, dk, l, cost, mg)
		if errors.Is(err, errStale) {
			stale = m
			continue
		}
		return d, err
	}
	return decision{}, fmt.Errorf("ratelimit: redis: %w", errStale)
}

// eval runs gcra.lua once on the derived key dk.
func (r *Redis) eval(ctx context.Context, m *material, dk string, l Limit, cost int, mg merge) (decision, error) {
	interval := l.interval()
	floor := "0"
	if mg.floor > 0 {
		floor = secondsArg(time.Duration(mg.floor))
	}
	v, err := gcraScript.Run(ctx, r.client, []string{r.prefix + dk, r.prefix + "keymat:" + m.period},
		m.sum, secondsArg(interval), secondsArg(interval*time.Duration(l.Rate)), strconv.Itoa(cost),
		secondsArg(mg.debt), floor).Slice()
	if err != nil {
		return decision{}, fmt.Errorf("ratelimit: redis: %w", classify(ctx, err))
	}
	if len(v) == 1 {
		return decision{}, errStale
	}
	if len(v) != 4 {
		return decision{}, fmt.Errorf("ratelimit: redis: unexpected answer %v", v)
	}
	allowed, _ := v[0].(int64)
	remaining, _ := v[1].(int64)
	retry, _ := v[2].(string)
	tat, _ := v[3].(string)
	d := decision{dk: dk, mat: m, tat: parseSeconds(tat)}
	d.Allowed, d.Remaining = allowed == 1, int(remaining)
	if !d.Allowed {
		d.RetryAfter = max(time.Duration(parseSeconds(retry)), time.Second)
	}
	return d, nil
}

// secondsArg writes d as seconds with up to nine decimals.
func secondsArg(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// parseSeconds reads the decimal seconds gcra.lua writes ("1764662820",
// "0.500") into nanoseconds, exactly; 0 for anything else.
func parseSeconds(s string) int64 {
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0
	}
	ns := n * int64(time.Second)
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		f, err := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
		if err != nil {
			return 0
		}
		ns += f
	}
	return ns
}

// Allow asks Redis whether one more event under key fits l (burst l.Rate).
// Errors: an invalid limit (wrapping ErrInvalidLimit) or Redis failing or
// timing out (ctx); the error names neither the key nor the server address.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	d, err := r.run(ctx, key, l, 1, nil)
	return d.Result, err
}

// Refund gives one unit back under key, atomically with every other
// decision on it; a key that returns to its initial state is deleted.
// Refund never frees more than was taken.
func (r *Redis) Refund(ctx context.Context, key string, l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	_, err := r.run(ctx, key, l, -1, nil)
	return err
}

// Reset deletes key's state in Redis: a full burst.
func (r *Redis) Reset(ctx context.Context, key string) error {
	_, err := r.reset(ctx, key)
	return err
}

func (r *Redis) reset(ctx context.Context, key string) (string, error) {
	m, err := r.current(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("ratelimit: redis reset: %w", classify(ctx, err))
	}
	dk := derive(m.key, key)
	if err := r.client.Del(ctx, r.prefix+dk).Err(); err != nil {
		return "", fmt.Errorf("ratelimit: redis reset: %w", classify(ctx, err))
	}
	return dk, nil
}
