package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
)

// hammer makes callers goroutines call Allow perCaller times each under
// key, spread over the limiters, and returns how many were allowed.
func hammer(t *testing.T, ls []Limiter, key string, lim Limit, callers, perCaller int) int {
	return hammerPaced(t, ls, key, lim, callers, perCaller, 0)
}

// hammerPaced is hammer with a pause between a caller's calls.
func hammerPaced(t *testing.T, ls []Limiter, key string, lim Limit, callers, perCaller int, pause time.Duration) int {
	t.Helper()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func(l Limiter) {
			defer wg.Done()
			for i := 0; i < perCaller; i++ {
				r, err := l.Allow(context.Background(), key, lim)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Allowed {
					allowed.Add(1)
				}
				time.Sleep(pause)
			}
		}(ls[c%len(ls)])
	}
	wg.Wait()
	return int(allowed.Load())
}

// clientOn is a client of srv configured as the portal configures its own.
func clientOn(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second,
		WriteTimeout: 3 * time.Second, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestFallbackIsExactAtConcurrency50 — 50 concurrent callers, one instance
// and then two instances (two clients, as two portal processes) sharing
// the test Redis: exactly the limit is granted.
func TestFallbackIsExactAtConcurrency50(t *testing.T) {
	c, prefix := testRedis(t)
	lim := Limit{Rate: 20, Period: time.Hour}
	one := NewFallback(NewRedis(c, prefix), DefaultPrimaryTimeout, nil)
	if got := hammer(t, []Limiter{one}, "tips:one", lim, 50, 4); got != lim.Rate {
		t.Fatalf("one instance: %d of 200 allowed, want %d", got, lim.Rate)
	}
	c2, _ := redistest.Shared(t)
	two := NewFallback(NewRedis(c2, prefix), DefaultPrimaryTimeout, nil)
	if got := hammer(t, []Limiter{one, two}, "tips:two", lim, 50, 4); got != lim.Rate {
		t.Fatalf("two instances: %d of 200 allowed, want %d", got, lim.Rate)
	}
	if one.Degraded() || two.Degraded() || one.Counters().Fallback+two.Counters().Fallback != 0 {
		t.Fatalf("the in-process limiter decided: %+v %+v", one.Counters(), two.Counters())
	}
}

// stallTestTimeout is the timeout under test (a variable so that the
// test can be seen failing with the old 50 ms).
var stallTestTimeout = DefaultPrimaryTimeout

// TestFallbackIsExactWhileRedisStalls: a Redis of the test's own stalls
// for 400 ms again and again (DEBUG SLEEP, what a busy Redis does) while
// 50 callers on two instances ask: still exactly the limit, every decision
// Redis's own (the old 50 ms timeout let the in-process limiter grant
// meanwhile, about twice the limit).
func TestFallbackIsExactWhileRedisStalls(t *testing.T) {
	srv := redistest.Start(t)
	lim := Limit{Rate: 30, Period: time.Hour}
	a := NewFallback(NewRedis(clientOn(t, srv.Addr()), "portal:rl:"), stallTestTimeout, nil)
	b := NewFallback(NewRedis(clientOn(t, srv.Addr()), "portal:rl:"), stallTestTimeout, nil)
	// Load the material before the first stall.
	a.Allow(context.Background(), "warm:x", lim)
	b.Allow(context.Background(), "warm:x", lim)
	stop := make(chan struct{})
	var stalls atomic.Int32
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			srv.Stall(400 * time.Millisecond)
			stalls.Add(1)
			time.Sleep(450 * time.Millisecond)
		}
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	got := hammerPaced(t, []Limiter{a, b}, "tips:stalled", lim, 50, 6, 250*time.Millisecond)
	close(stop)
	if got != lim.Rate || stalls.Load() < 2 {
		t.Fatalf("while Redis stalls (%d stalls): %d of 300 allowed, want %d", stalls.Load(), got, lim.Rate)
	}
	if a.Degraded() || b.Degraded() || a.Counters().Fallback+b.Counters().Fallback != 0 {
		t.Fatalf("the in-process limiter decided during a stall: %+v %+v", a.Counters(), b.Counters())
	}
	t.Logf("%d stalls of 400 ms during %v of requests", stalls.Load(), time.Since(start).Round(time.Millisecond))
}

// TestFallbackSwitchBackDoesNotDoubleGrant: a client uses part of its
// budget through Redis; Redis is killed (kill -9) and the in-process
// limiter goes on from what it saw, granting only the rest; Redis comes
// back (empty, as it does without persistence, or with its data, from an
// append-only file) and neither this instance nor another one grants
// anything more in the window.
func TestFallbackSwitchBackDoesNotDoubleGrant(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"Redis comes back empty", nil},
		{"Redis comes back with its data", []string{"--appendonly", "yes", "--appendfsync", "always"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.args...)
			ctx := context.Background()
			lim := Limit{Rate: 10, Period: time.Hour}
			a := NewFallback(NewRedis(clientOn(t, srv.Addr()), "portal:rl:"), 300*time.Millisecond, nil)
			total := 0
			take := func(l Limiter, n int) int {
				got := 0
				for i := 0; i < n; i++ {
					if r, err := l.Allow(ctx, "tips:x", lim); err != nil {
						t.Fatal(err)
					} else if r.Allowed {
						got++
					}
				}
				total += got
				return got
			}
			if got := take(a, 4); got != 4 {
				t.Fatalf("through Redis: %d of 4", got)
			}
			srv.Kill()
			if got := take(a, 10); got != 6 {
				t.Fatalf("while Redis is down: %d granted, want the 6 left", got)
			}
			if !a.Degraded() {
				t.Fatal("not degraded with Redis down")
			}
			srv.Restart()
			time.Sleep(probeInterval + 100*time.Millisecond)
			if got := take(a, 5); got != 0 || a.Degraded() {
				t.Fatalf("after Redis came back: %d granted (degraded %v), want 0", got, a.Degraded())
			}
			time.Sleep(100 * time.Millisecond) // the debts written back in the background
			b := NewFallback(NewRedis(clientOn(t, srv.Addr()), "portal:rl:"), 300*time.Millisecond, nil)
			if got := take(b, 5); got != 0 {
				t.Fatalf("another instance after Redis came back: %d granted, want 0", got)
			}
			if total != lim.Rate {
				t.Fatalf("%d granted in all, want %d", total, lim.Rate)
			}
		})
	}
}
