package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys a Memory limiter holds (about 100 bytes
// each, so some 10 MB at most).
const DefaultMaxKeys = 100_000

// sweepEvery is how often Allow drops idle keys when the map is not full.
const sweepEvery = time.Minute

// Memory is the in-process GCRA limiter: the embedded default when REDIS_URL
// is unset and the fallback while Redis is unreachable. Its arithmetic is
// that of redis_rate's Lua script (burst = Rate, emission interval =
// Period/Rate, one theoretical arrival time per key), so both engines allow
// and refuse the same sequences.
//
// Why not golang.org/x/time/rate: it is not in go.mod's set, and a token
// bucket with burst N refilled at N/Period decides exactly like this GCRA
// anyway; the GCRA is a dozen lines, needs one int64 per key instead of a
// mutex-guarded struct per key, and makes "idle" trivial to detect (the
// arrival time is in the past), which is what the eviction below rests on.
//
// Memory is bounded: a key whose theoretical arrival time has passed is in
// its initial state and is dropped by a sweep (every minute, or when the map
// reaches its bound). If the map is still full after a sweep, arbitrary keys
// are dropped until it is 90 % full; a dropped key starts afresh, so
// eviction can only make the limiter more lenient for that key, never
// refuse someone wrongly. It is safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	tat       map[string]int64 // key → theoretical arrival time, Unix ns
	maxKeys   int
	lastSweep time.Time
	now       func() time.Time
}

// Compile-time check that *Memory is a Limiter.
var _ Limiter = (*Memory)(nil)

// NewMemory returns an empty in-process limiter holding at most
// DefaultMaxKeys keys.
func NewMemory() *Memory {
	return &Memory{tat: make(map[string]int64), maxKeys: DefaultMaxKeys, now: time.Now}
}

// Len is the number of keys held (for tests and metrics).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}

// Allow applies GCRA to key: it allows the event when at most l.Rate
// events fit in the last l.Period at the sustained rate, recording it;
// otherwise it refuses with RetryAfter, the wait until one more event fits.
// It fails only on an invalid limit (wrapping ErrInvalidLimit).
func (m *Memory) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	T := int64(l.interval())
	burst := T * int64(l.Rate)

	m.mu.Lock()
	defer m.mu.Unlock()
	nowT := m.now()
	now := nowT.UnixNano()
	if len(m.tat) >= m.maxKeys || nowT.Sub(m.lastSweep) >= sweepEvery {
		m.sweep(now, key)
		m.lastSweep = nowT
	}
	tat := max(m.tat[key], now)
	newTat := tat + T
	diff := now - (newTat - burst)
	if diff < 0 {
		return Result{Allowed: false, Remaining: 0, RetryAfter: time.Duration(-diff)}, nil
	}
	m.tat[key] = newTat
	return Result{Allowed: true, Remaining: int(diff / T)}, nil
}

// Refund gives back one unit taken under key with l: the theoretical
// arrival time moves back by one emission interval, never before now (a
// key in its initial state is dropped, so nothing more than was taken is
// ever freed). It fails only on an invalid limit.
func (m *Memory) Refund(ctx context.Context, key string, l Limit) error {
	if err := l.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	tat, ok := m.tat[key]
	if !ok {
		return nil
	}
	if tat -= int64(l.interval()); tat <= m.now().UnixNano() {
		delete(m.tat, key)
	} else {
		m.tat[key] = tat
	}
	return nil
}

// Reset forgets key: its next Allow has the full burst. It never fails.
func (m *Memory) Reset(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tat, key)
	return nil
}

// sweep drops idle keys, then arbitrary ones other than keep while the map
// is full. Called with m.mu held.
func (m *Memory) sweep(now int64, keep string) {
	for k, t := range m.tat {
		if t <= now {
			delete(m.tat, k)
		}
	}
	if len(m.tat) < m.maxKeys {
		return
	}
	target := m.maxKeys * 9 / 10
	for k := range m.tat {
		if len(m.tat) <= target {
			break
		}
		if k != keep {
			delete(m.tat, k)
		}
	}
}
