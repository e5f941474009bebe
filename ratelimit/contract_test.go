package ratelimit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedisAddr and testRedisDB are the Redis the tests use: DB 14, with a
// random key prefix per test, deleted afterwards.
const (
	testRedisAddr = "127.0.0.1:6379"
	testRedisDB   = 14
)

func randPrefix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "portal:rl-test-" + hex.EncodeToString(b) + ":"
}

// testRedis returns a client on the test DB and a fresh key prefix whose
// keys are deleted at the end; it skips when Redis does not answer.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testRedisAddr, DB: testRedisDB})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis at %s does not answer: %v", testRedisAddr, err)
	}
	prefix := randPrefix(t)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "rate:"+prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}

// limiters are the engines under the contract.
func limiters(t *testing.T) map[string]Limiter {
	c, prefix := testRedis(t)
	return map[string]Limiter{
		"redis":    NewRedis(c, prefix),
		"memory":   NewMemory(),
		"fallback": NewFallback(NewRedis(c, prefix+"fb:"), NewMemory(), DefaultPrimaryTimeout, nil),
	}
}

// The limits are per hour so the few microseconds between calls cannot free
// a slot (one slot is 12 minutes at 5/h).
var fivePerHour = Limit{Rate: 5, Period: time.Hour}

// exhaust checks that l allows exactly lim.Rate events under key, with the
// right Remaining, and refuses the next with 0 < RetryAfter <= one slot.
func exhaust(t *testing.T, l Limiter, key string, lim Limit) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= lim.Rate; i++ {
		r, err := l.Allow(ctx, key, lim)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Allowed || r.Remaining != lim.Rate-i || r.RetryAfter != 0 {
			t.Fatalf("event %d = %+v, want allowed with %d remaining", i, r, lim.Rate-i)
		}
	}
	r, err := l.Allow(ctx, key, lim)
	if err != nil {
		t.Fatal(err)
	}
	slot := lim.Period / time.Duration(lim.Rate)
	if r.Allowed || r.Remaining != 0 || r.RetryAfter <= 0 || r.RetryAfter > slot {
		t.Fatalf("event %d = %+v, want refused with 0 < RetryAfter <= %s", lim.Rate+1, r, slot)
	}
}

func TestContractBurstThenRefuse(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			exhaust(t, l, "tips:aaaa", fivePerHour)
			// Still refused: a refusal does not consume anything, but it
			// does not free anything either.
			r, err := l.Allow(context.Background(), "tips:aaaa", fivePerHour)
			if err != nil || r.Allowed {
				t.Fatalf("after refusal = %+v, %v", r, err)
			}
		})
	}
}

func TestContractKeysAreIndependent(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			exhaust(t, l, "tips:one", fivePerHour)
			exhaust(t, l, "tips:two", fivePerHour)
			// The same key under another limit is still the same bucket
			// (keys carry their scope; limits are per scope).
			r, err := l.Allow(context.Background(), "search:one", Limit{Rate: 1, Period: time.Hour})
			if err != nil || !r.Allowed {
				t.Fatalf("other scope = %+v, %v; want allowed", r, err)
			}
		})
	}
}

func TestContractRejectsInvalidLimit(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			for _, lim := range []Limit{{Rate: 0, Period: time.Minute}, {Rate: -3, Period: time.Minute},
				{Rate: 1, Period: 0}, {Rate: MaxRate + 1, Period: time.Second}} {
				if r, err := l.Allow(context.Background(), "tips:x", lim); !errors.Is(err, ErrInvalidLimit) || r.Allowed {
					t.Errorf("Allow with %+v = %+v, %v; want ErrInvalidLimit", lim, r, err)
				}
			}
		})
	}
}

func TestContractConcurrentCallersShareTheBurst(t *testing.T) {
	const callers, perCaller = 8, 10
	lim := Limit{Rate: 25, Period: time.Hour}
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			allowed := 0
			var wg sync.WaitGroup
			for c := 0; c < callers; c++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perCaller; i++ {
						r, err := l.Allow(context.Background(), "tips:shared", lim)
						if err != nil {
							t.Error(err)
							return
						}
						if r.Allowed {
							mu.Lock()
							allowed++
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			if allowed != lim.Rate {
				t.Fatalf("%d of %d concurrent events allowed, want exactly %d", allowed, callers*perCaller, lim.Rate)
			}
		})
	}
}

// unreachable is a Redis limiter whose server is a closed port.
func unreachable() (*Redis, *redis.Client) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	return NewRedis(c, "portal:rl:"), c
}

func TestFallbackEngagesWhenRedisIsUnreachableAndStillLimits(t *testing.T) {
	down, c := unreachable()
	defer c.Close()
	var logs bytes.Buffer
	// The time is left out of the lines: a time stamp such as 08:50:16
	// would contain ":1", one of the leaks looked for below.
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: noTime}))
	f := NewFallback(down, NewMemory(), DefaultPrimaryTimeout, log)
	keyer := NewKeyer([]byte("a test secret of enough length"))
	addr := netip.MustParseAddr("203.0.113.7")
	key := keyer.Key("tips", addr, time.Now())

	exhaust(t, f, key, fivePerHour)
	if !f.Degraded() {
		t.Fatal("Degraded() = false with Redis unreachable")
	}
	// More calls: still limited, still one log line.
	for i := 0; i < 10; i++ {
		if r, err := f.Allow(context.Background(), key, fivePerHour); err != nil || r.Allowed {
			t.Fatalf("call %d while down = %+v, %v", i, r, err)
		}
	}
	got := f.Counters()
	want := Counters{Allowed: 5, Limited: 11, Fallback: 16}
	if got.Allowed != want.Allowed || got.Limited != want.Limited || got.Fallback != want.Fallback ||
		got.PrimaryErrors < 1 || got.PrimaryErrors > got.Fallback || got.Errors != 0 {
		t.Fatalf("counters = %+v, want %+v with 1..16 primary errors", got, want)
	}
	out := logs.String()
	if n := strings.Count(out, "primary engine unavailable"); n != 1 {
		t.Fatalf("switch logged %d times, want once:\n%s", n, out)
	}
	for _, leak := range []string{"203.0.113.7", "127.0.0.1", ":1", key, "tips:"} {
		if strings.Contains(out, leak) {
			t.Fatalf("log contains %q:\n%s", leak, out)
		}
	}
}

// flaky is a real Redis limiter that can be switched off, to watch the
// fallback come and go.
type flaky struct {
	Limiter
	mu   sync.Mutex
	down bool
}

func (f *flaky) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

func (f *flaky) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return Result{}, errors.New("redis: connection refused")
	}
	return f.Limiter.Allow(ctx, key, l)
}

func TestFallbackRecoversAndLogsEachSwitchOnce(t *testing.T) {
	c, prefix := testRedis(t)
	primary := &flaky{Limiter: NewRedis(c, prefix)}
	var logs bytes.Buffer
	f := NewFallback(primary, NewMemory(), DefaultPrimaryTimeout, slog.New(slog.NewTextHandler(&logs, nil)))
	clock := time.Now()
	f.now = func() time.Time { return clock }
	lim := Limit{Rate: 100, Period: time.Hour}
	allow := func() {
		t.Helper()
		if r, err := f.Allow(context.Background(), "tips:k", lim); err != nil || !r.Allowed {
			t.Fatalf("Allow = %+v, %v", r, err)
		}
	}
	allow()
	if f.Degraded() || f.Counters().Fallback != 0 {
		t.Fatalf("healthy Redis: degraded %v, counters %+v", f.Degraded(), f.Counters())
	}
	primary.set(true)
	for i := 0; i < 5; i++ {
		allow()
	}
	// Within the probe interval the primary is not asked again.
	if c := f.Counters(); c.PrimaryErrors != 1 || c.Fallback != 5 {
		t.Fatalf("while down: %+v, want 1 primary error and 5 fallback decisions", c)
	}
	primary.set(false)
	allow() // still inside the probe interval: fallback
	clock = clock.Add(probeInterval)
	allow() // probes Redis, which answers
	allow()
	if f.Degraded() {
		t.Fatal("still degraded after Redis answered")
	}
	if c := f.Counters(); c.Fallback != 6 || c.Allowed != 9 || c.Limited != 0 {
		t.Fatalf("after recovery: %+v", c)
	}
	out := logs.String()
	if strings.Count(out, "unavailable") != 1 || strings.Count(out, "answers again") != 1 {
		t.Fatalf("want one switch and one recovery line:\n%s", out)
	}
}

func TestRedisKeyHoldsNoAddress(t *testing.T) {
	c, prefix := testRedis(t)
	l := NewRedis(c, prefix)
	keyer := NewKeyer([]byte("another secret, long enough!"))
	addrs := []netip.Addr{
		netip.MustParseAddr("203.0.113.7"),
		netip.MustParseAddr("::ffff:198.51.100.23"),
		netip.MustParseAddr("2001:db8:abcd:12::1"),
	}
	for _, a := range addrs {
		if _, err := l.Allow(context.Background(), keyer.Key("tips", a, time.Now()), fivePerHour); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(context.Background(), "rate:"+prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(addrs) {
		t.Fatalf("keys = %v, want %d", keys, len(addrs))
	}
	shape := regexp.MustCompile(`^rate:` + regexp.QuoteMeta(prefix) + `tips:[0-9a-f]{64}$`)
	for _, k := range keys {
		if !shape.MatchString(k) {
			t.Errorf("key %q does not have the shape rate:PREFIX tips:HMAC", k)
		}
		for _, a := range addrs {
			raw := a.Unmap().AsSlice()
			for _, leak := range []string{a.String(), a.Unmap().String(), hex.EncodeToString(raw), string(raw)} {
				if strings.Contains(k, leak) {
					t.Errorf("key %q contains the address as %q", k, leak)
				}
			}
		}
		ttl, err := c.TTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has TTL %v, %v; every key must expire", k, ttl, err)
		}
	}
}

// TestFallbackBoundsAStalledRedis: a server that accepts connections and
// never answers, and a client without read timeouts that ignores context
// deadlines on sockets (go-redis's default). Allow must still decide, with
// the fallback, instead of waiting for ever.
func TestFallbackBoundsAStalledRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
	defer c.Close()
	f := NewFallback(NewRedis(c, "portal:rl:"), NewMemory(), DefaultPrimaryTimeout, nil)
	exhaust(t, f, "tips:stalled", fivePerHour)
	if got := f.Counters(); !f.Degraded() || got.Fallback != 6 || got.PrimaryErrors < 1 {
		t.Fatalf("degraded %v, counters %+v; want every decision from the fallback", f.Degraded(), got)
	}
}
