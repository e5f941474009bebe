package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
)

// testRedis returns a client on TEST_REDIS_URL and a fresh key prefix
// whose keys are deleted at the end; it skips when Redis does not answer.
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c, prefix := redistest.Shared(t)
	return c, "portal:rl-" + prefix
}

// limiters are the engines under the contract.
func limiters(t *testing.T) map[string]Limiter {
	c, prefix := testRedis(t)
	return map[string]Limiter{
		"redis":    NewRedis(c, prefix),
		"memory":   NewMemory(),
		"fallback": NewFallback(NewRedis(c, prefix+"fb:"), DefaultPrimaryTimeout, nil),
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
	f := NewFallback(down, DefaultPrimaryTimeout, log)
	addr := netip.MustParseAddr("203.0.113.7")
	key := ClientKey("tips", addr)

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
	if n := strings.Count(out, "Redis unavailable"); n != 1 {
		t.Fatalf("switch logged %d times, want once:\n%s", n, out)
	}
	for _, leak := range []string{"203.0.113.7", "127.0.0.1", ":1", key, "tips:"} {
		if strings.Contains(out, leak) {
			t.Fatalf("log contains %q:\n%s", leak, out)
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
	f := NewFallback(NewRedis(c, "portal:rl:"), 200*time.Millisecond, nil)
	exhaust(t, f, "tips:stalled", fivePerHour)
	if got := f.Counters(); !f.Degraded() || got.Fallback != 6 || got.PrimaryErrors < 1 {
		t.Fatalf("degraded %v, counters %+v; want every decision from the fallback", f.Degraded(), got)
	}
}
