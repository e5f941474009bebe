package ratelimit

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeClock makes the in-process limiter's time explicit.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestMemory() (*Memory, *fakeClock) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
	m := NewMemory()
	m.now = clk.now
	return m, clk
}

func TestMemoryGCRAReleasesOneSlotPerInterval(t *testing.T) {
	m, clk := newTestMemory()
	lim := Limit{Rate: 10, Period: time.Minute} // one slot every 6 s
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if r, _ := m.Allow(ctx, "k", lim); !r.Allowed {
			t.Fatalf("event %d refused", i+1)
		}
	}
	r, _ := m.Allow(ctx, "k", lim)
	if r.Allowed || r.RetryAfter != 6*time.Second {
		t.Fatalf("11th = %+v, want refused with RetryAfter 6s", r)
	}
	// The clock is read in whole seconds: 5.999 s later is 5 s later.
	clk.advance(6*time.Second - time.Millisecond)
	if r, _ := m.Allow(ctx, "k", lim); r.Allowed || r.RetryAfter != time.Second {
		t.Fatalf("1ms early = %+v, want refused with RetryAfter 1s", r)
	}
	clk.advance(time.Millisecond)
	if r, _ := m.Allow(ctx, "k", lim); !r.Allowed || r.Remaining != 0 {
		t.Fatalf("after one interval = %+v, want allowed with 0 remaining", r)
	}
	if r, _ := m.Allow(ctx, "k", lim); r.Allowed {
		t.Fatalf("second after one interval = %+v, want refused", r)
	}
	// A full period of silence restores the whole burst.
	clk.advance(time.Minute)
	exhaust(t, m, "k", lim)
}

func TestMemoryEvictsIdleKeys(t *testing.T) {
	m, clk := newTestMemory()
	lim := Limit{Rate: 3, Period: time.Minute}
	for i := 0; i < 1000; i++ {
		m.Allow(context.Background(), fmt.Sprintf("k%d", i), lim)
	}
	if m.Len() != 1000 {
		t.Fatalf("Len = %d, want 1000", m.Len())
	}
	// One event at 3/min is forgotten after 20 s; the next sweep (a
	// minute after the last) drops every idle key.
	clk.advance(sweepEvery)
	m.Allow(context.Background(), "fresh", lim)
	if m.Len() != 1 {
		t.Fatalf("Len after sweep = %d, want 1", m.Len())
	}
}

func TestMemoryIsBounded(t *testing.T) {
	m, _ := newTestMemory()
	m.maxKeys = 100
	lim := Limit{Rate: 1, Period: 24 * time.Hour} // nothing becomes idle
	for i := 0; i < 1000; i++ {
		m.Allow(context.Background(), fmt.Sprintf("k%d", i), lim)
		if m.Len() > m.maxKeys {
			t.Fatalf("Len = %d after %d keys, bound %d", m.Len(), i+1, m.maxKeys)
		}
	}
	// The most recent key is always kept (eviction happens before insert).
	if r, _ := m.Allow(context.Background(), "k999", lim); r.Allowed {
		t.Fatal("the newest key was evicted")
	}
}

// TestMemoryKeysAreNotTheCallersKeys: the map holds HMACs under material
// of the limiter's own, which changes with the period (a day in Vietnam),
// and no time finer than a second.
func TestMemoryKeysAreNotTheCallersKeys(t *testing.T) {
	m, clk := newTestMemory()
	clk.t = clk.t.Add(123456789 * time.Nanosecond)
	lim := Limit{Rate: 3, Period: time.Hour}
	m.Allow(context.Background(), ClientKey("tips", netip.MustParseAddr("203.0.113.7")), lim)
	m.mu.Lock()
	for k, tat := range m.tat {
		if !regexp.MustCompile(`^tips:[0-9a-f]{64}$`).MatchString(k) || strings.Contains(k, "203.0.113.7") {
			t.Errorf("key %q is not tips:HMAC", k)
		}
		if tat%int64(time.Second) != 0 {
			t.Errorf("arrival time %d is finer than a second", tat)
		}
	}
	first := m.material
	m.mu.Unlock()
	clk.advance(24 * time.Hour)
	m.Allow(context.Background(), "tips:x", lim)
	if m.material == nil || string(m.material) == string(first) {
		t.Fatal("the material did not change with the period")
	}
}
