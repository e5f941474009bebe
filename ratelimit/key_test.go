package ratelimit

import (
	"net/netip"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "tips:203.0.113.7",
		"::ffff:203.0.113.7":   "tips:203.0.113.7",
		"2001:db8:1:2::1":      "tips:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9": "tips:2001:db8:1:2::/64",
		"fe80::1%eth0":         "tips:fe80::/64",
	} {
		if got := ClientKey("tips", netip.MustParseAddr(in)); got != want {
			t.Errorf("ClientKey(%s) = %q, want %q", in, got, want)
		}
	}
	if got := ClientKey("tips", netip.Addr{}); got != "tips:unknown" {
		t.Errorf("zero Addr: %q", got)
	}
}

func TestDeriveAndPeriod(t *testing.T) {
	a, b := newMaterial(), newMaterial()
	k := ClientKey("tips", netip.MustParseAddr("203.0.113.7"))
	if derive(a, k) == derive(b, k) || derive(a, k) != derive(a, k) || derive(a, k)[:5] != "tips:" || len(derive(a, k)) != 5+64 {
		t.Fatalf("derive: %q %q", derive(a, k), derive(b, k))
	}
	if scopeOf("nocolon") != "key" || scopeOf("press:login") != "press" {
		t.Fatal("scopeOf")
	}
	// 16:59:59 UTC is 23:59:59 in Vietnam; 17:00 UTC is the next day there.
	id, end := period(time.Date(2026, 12, 1, 16, 59, 59, 0, time.UTC))
	if id != "2026-12-01" || !end.Equal(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("period = %s, %v", id, end)
	}
	if id, _ := period(time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)); id != "2026-12-02" {
		t.Fatalf("period at midnight in Vietnam = %s", id)
	}
}
