package ratelimit

import (
	"context"
	"encoding/hex"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRedisStoresNoAddressAndNoFineTime reads back everything the Redis
// limiter wrote: limiter keys are scope:HMAC, never the address in any
// form; values are whole seconds (the limits here have whole-second
// emission intervals); every key expires at the latest when its window
// ends; the key material expires with its period (plus a minute).
func TestRedisStoresNoAddressAndNoFineTime(t *testing.T) {
	c, prefix := testRedis(t)
	ctx := context.Background()
	l := NewRedis(c, prefix)
	addrs := []netip.Addr{
		netip.MustParseAddr("203.0.113.7"),
		netip.MustParseAddr("::ffff:198.51.100.23"),
		netip.MustParseAddr("2001:db8:abcd:12::1"),
	}
	lims := map[string]Limit{"tips": fivePerHour, "status": {Rate: 60, Period: time.Hour}, "login-client": {Rate: 10, Period: time.Hour}}
	for scope, lim := range lims {
		for _, a := range addrs {
			for i := 0; i < 3; i++ {
				if _, err := l.Allow(ctx, ClientKey(scope, a), lim); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(lims)*len(addrs)+1 {
		t.Fatalf("keys = %v, want %d limiter keys and the material", keys, len(lims)*len(addrs))
	}
	shape := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `(tips|status|login-client):[0-9a-f]{64}$`)
	now, _ := c.Time(ctx).Result()
	_, periodEnd := period(now)
	for _, k := range keys {
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has TTL %v, %v; every key must expire", k, ttl, err)
		}
		if k == l.MaterialKey(now) {
			if limit := time.Until(periodEnd.Add(materialGrace)) + time.Second; ttl > limit {
				t.Errorf("material TTL %v outlives its period (%v)", ttl, limit)
			}
			continue
		}
		if !shape.MatchString(k) {
			t.Errorf("key %q does not have the shape PREFIX scope:HMAC", k)
		}
		for _, a := range addrs {
			raw := a.Unmap().AsSlice()
			for _, leak := range []string{a.String(), a.Unmap().String(), hex.EncodeToString(raw), string(raw), "2001:db8:abcd:12"} {
				if strings.Contains(k, leak) {
					t.Errorf("key %q contains the address as %q", k, leak)
				}
			}
		}
		v, err := c.Get(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		tat, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Errorf("value %q of %s is not whole seconds", v, k)
			continue
		}
		// The window ends at the arrival time; the key must not outlive it.
		if end := time.Unix(tat, 0); ttl > time.Until(end)+time.Second {
			t.Errorf("key %s lives %v, past its window's end %v", k, ttl, end)
		}
		if lim := lims[strings.SplitN(strings.TrimPrefix(k, prefix), ":", 2)[0]]; ttl > lim.Period+time.Second {
			t.Errorf("key %s lives %v, longer than its period %v", k, ttl, lim.Period)
		}
	}
}

// TestRedisFractionalIntervalsKeepWholeSecondClock: with an emission
// interval of half a second (120/m), the stored time is whole seconds plus
// multiples of 0.5 s: nothing of the clock finer than the second.
func TestRedisFractionalIntervalsKeepWholeSecondClock(t *testing.T) {
	c, prefix := testRedis(t)
	ctx := context.Background()
	l := NewRedis(c, prefix)
	lim := Limit{Rate: 120, Period: time.Minute}
	// The key lives until its stored time (0.5 s per event): read it
	// while several events keep it seconds ahead, or a loaded machine's
	// pause between Allow and GET finds it already expired.
	for i := 0; i < 12; i++ {
		if _, err := l.Allow(ctx, "search:x", lim); err != nil {
			t.Fatal(err)
		}
		if i < 8 {
			continue
		}
		keys, _ := c.Keys(ctx, prefix+"search:*").Result()
		if len(keys) != 1 {
			t.Fatalf("keys after %d events: %q", i+1, keys)
		}
		v, _ := c.Get(ctx, keys[0]).Result()
		ns := parseSeconds(v)
		if ns == 0 || ns%int64(500*time.Millisecond) != 0 {
			t.Fatalf("value %q after %d events is not whole seconds plus half seconds", v, i+1)
		}
	}
}

// TestRedisRefundToInitialStateDeletesTheKey: redis_rate's script left a
// lone refunded unit taken; the fork deletes the key.
func TestRedisRefundToInitialStateDeletesTheKey(t *testing.T) {
	c, prefix := testRedis(t)
	ctx := context.Background()
	l := NewRedis(c, prefix)
	if _, err := l.Allow(ctx, "login-client:x", fivePerHour); err != nil {
		t.Fatal(err)
	}
	if err := l.Refund(ctx, "login-client:x", fivePerHour); err != nil {
		t.Fatal(err)
	}
	if keys, _ := c.Keys(ctx, prefix+"login-client:*").Result(); len(keys) != 0 {
		t.Fatalf("keys after a full refund: %v", keys)
	}
	exhaust(t, l, "login-client:x", fivePerHour)
}

// TestRedisInstancesShareMaterialAndFollowItsChange: two instances derive
// the same keys (one budget), and when the material in Redis is replaced
// (it expired, or Redis lost it), both move to the new one at their next
// decision instead of counting one client under two keys.
func TestRedisInstancesShareMaterialAndFollowItsChange(t *testing.T) {
	c, prefix := testRedis(t)
	ctx := context.Background()
	a, b := NewRedis(c, prefix), NewRedis(c, prefix)
	lim := Limit{Rate: 4, Period: time.Hour}
	for i := 0; i < 2; i++ {
		a.Allow(ctx, "tips:x", lim)
		b.Allow(ctx, "tips:x", lim)
	}
	if r, _ := a.Allow(ctx, "tips:x", lim); r.Allowed {
		t.Fatal("two instances gave more than the limit together")
	}
	// The material is replaced behind their backs: both follow.
	mk := a.MaterialKey(time.Now())
	c.Del(ctx, mk)
	if r, err := b.Allow(ctx, "tips:x", lim); err != nil || r.Allowed {
		// b stored its material again and wrote nothing back (it has no
		// shadow), so the key it had counted under is still there.
		t.Fatalf("after the material was deleted: %+v, %v; want refused (same material stored again)", r, err)
	}
	c.Set(ctx, mk, hex.EncodeToString(newMaterial())+".00", time.Hour)
	allowed := 0
	for i := 0; i < 3; i++ {
		for _, l := range []*Redis{a, b} {
			if r, err := l.Allow(ctx, "tips:x", lim); err != nil {
				t.Fatal(err)
			} else if r.Allowed {
				allowed++
			}
		}
	}
	if allowed != lim.Rate {
		t.Fatalf("under new material the two instances gave %d, want %d (one budget)", allowed, lim.Rate)
	}
}

// TestRedisFractionalIntervalsGrantExactlyTheLimit: 7/h is an interval of
// 514.285714… s; rounding the stored time up must not cost a unit (nor
// give one).
func TestRedisFractionalIntervalsGrantExactlyTheLimit(t *testing.T) {
	c, prefix := testRedis(t)
	l := NewRedis(c, prefix)
	for _, rate := range []int{7, 11, 13, 120} {
		lim := Limit{Rate: rate, Period: time.Hour}
		key := "tips:" + strconv.Itoa(rate)
		for round := 0; round < 3; round++ {
			allowed := 0
			for i := 0; i < rate+3; i++ {
				if r, err := l.Allow(context.Background(), key, lim); err != nil {
					t.Fatal(err)
				} else if r.Allowed {
					allowed++
				}
			}
			if allowed != rate && round == 0 || allowed != 0 && round > 0 {
				t.Fatalf("%d/h round %d: %d allowed", rate, round, allowed)
			}
		}
	}
}

// FuzzParseSeconds: what gcra.lua writes reads back exactly, anything
// else gives 0 or a number without panicking.
func FuzzParseSeconds(f *testing.F) {
	for _, s := range []string{"1764662820", "0.500000", "514.285715", "", ".", "-1.5", "1e9", "99999999999999999999", "1.0000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ns := parseSeconds(s)
		if whole, err := strconv.ParseInt(s, 10, 64); err == nil && whole >= 0 && whole < 1<<33 && ns != whole*int64(time.Second) {
			t.Fatalf("parseSeconds(%q) = %d", s, ns)
		}
	})
}
