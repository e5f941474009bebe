package ratelimit

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the keys a Memory limiter holds (about 150 bytes
// each, so some 15 MB at most).
const DefaultMaxKeys = 100_000

// sweepEvery is how often Allow drops idle keys when the map is not full.
const sweepEvery = time.Minute

// Memory is the in-process GCRA limiter: the embedded default when REDIS_URL
// is unset, and, inside Fallback, the limiter that decides while Redis is
// unreachable. Its arithmetic is that of gcra.lua (burst = Rate, emission
// interval = Period/Rate, one theoretical arrival time per key, the clock
// read in whole seconds), so both engines allow and refuse the same
// sequences.
//
// Keys are held as derive(material, key) under random material of its own
// for the current period (a day in Vietnam), drawn in memory and never
// written anywhere; a new period brings new material, and the old keys go
// with the next sweep.
//
// Why not golang.org/x/time/rate: it is not in go.mod's set, and a token
// bucket with burst N refilled at N/Period decides exactly like this GCRA
// anyway; the GCRA is a dozen lines, needs one int64 per key, and makes
// "idle" trivial to detect (the arrival time is in the past), which is what
// the eviction below rests on.
//
// Memory is bounded: a key whose theoretical arrival time has passed is in
// its initial state and is dropped by a sweep (every minute, or when the map
// reaches its bound). If the map is still full after a sweep, arbitrary keys
// are dropped until it is 90 % full; a dropped key starts afresh, so
// eviction can only make the limiter more lenient for that key, never
// refuse someone wrongly. It is safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	tat       map[string]int64 // derived key → theoretical arrival time, Unix ns
	maxKeys   int
	lastSweep time.Time
	now       func() time.Time

	period   string // period of material
	material []byte
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

// seconds is t to the whole second, in Unix ns: the only clock the
// engines read, so no stored time is finer than a second.
func seconds(t time.Time) int64 { return t.Truncate(time.Second).UnixNano() }

// derived is key's stored form under m's material for the period of now.
// Called with m.mu held.
func (m *Memory) derived(key string, now time.Time) string {
	if p, _ := period(now); p != m.period || m.material == nil {
		m.period, m.material = p, newMaterial()
	}
	return derive(m.material, key)
}

// Allow applies GCRA to key: it allows the event when at most l.Rate
// events fit in the last l.Period at the sustained rate, recording it;
// otherwise it refuses with RetryAfter, the wait until one more event fits.
// It fails only on an invalid limit (wrapping ErrInvalidLimit).
func (m *Memory) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	return m.allowLocked(m.derived(key, now), l, now), nil
}

// allowDerived is Allow for a key already in its stored form (Fallback
// passes the form Redis uses, so that the two can be merged).
func (m *Memory) allowDerived(dk string, l Limit) Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.allowLocked(dk, l, m.now())
}

func (m *Memory) allowLocked(dk string, l Limit, nowT time.Time) Result {
	T := int64(l.interval())
	burst := T * int64(l.Rate)
	now := seconds(nowT)
	if len(m.tat) >= m.maxKeys || nowT.Sub(m.lastSweep) >= sweepEvery {
		m.sweep(now, dk)
		m.lastSweep = nowT
	}
	tat := max(m.tat[dk], now)
	newTat := tat + T
	diff := now - (newTat - burst)
	if diff < 0 {
		return Result{Allowed: false, Remaining: 0, RetryAfter: time.Duration(-diff)}
	}
	m.tat[dk] = newTat
	return Result{Allowed: true, Remaining: int(diff / T)}
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
	m.refundLocked(m.derived(key, m.now()), l)
	return nil
}

func (m *Memory) refundDerived(dk string, l Limit) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refundLocked(dk, l)
}

func (m *Memory) refundLocked(dk string, l Limit) {
	tat, ok := m.tat[dk]
	if !ok {
		return
	}
	if tat -= int64(l.interval()); tat <= seconds(m.now()) {
		delete(m.tat, dk)
	} else {
		m.tat[dk] = tat
	}
}

// Reset forgets key: its next Allow has the full burst. It never fails.
func (m *Memory) Reset(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tat, m.derived(key, m.now()))
	return nil
}

func (m *Memory) resetDerived(dk string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tat, dk)
}

// observe records what the shared engine answered for dk: its theoretical
// arrival time tat (Unix ns), or, with exact, tat as it now is after a
// refund (0: the key is in its initial state). Fallback keeps this shadow
// so that, should Redis go away, a client that used its budget there stays
// limited here.
func (m *Memory) observe(dk string, tat int64, exact bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case exact && tat <= seconds(m.now()):
		delete(m.tat, dk)
	case exact || tat > m.tat[dk]:
		if len(m.tat) < m.maxKeys || m.tat[dk] != 0 {
			m.tat[dk] = tat
		}
	}
}

// tatOf is dk's theoretical arrival time (Unix ns), 0 when it is in its
// initial state.
func (m *Memory) tatOf(dk string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tat[dk]; t > seconds(m.now()) {
		return t
	}
	return 0
}

// snapshot returns every key that is not in its initial state, with its
// theoretical arrival time (Unix ns).
func (m *Memory) snapshot() map[string]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := seconds(m.now())
	out := make(map[string]int64, len(m.tat))
	for k, t := range m.tat {
		if t > now {
			out[k] = t
		}
	}
	return out
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
