package ratelimit

import (
	"net/netip"
	"regexp"
	"testing"
	"time"
)

func TestKeyer(t *testing.T) {
	k := NewKeyer([]byte("portal secret for the tests"))
	a := netip.MustParseAddr("203.0.113.7")
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	hanoi := time.FixedZone("ICT", 7*3600)
	key := k.Key("tips", a, day.Add(time.Hour))

	if !regexp.MustCompile(`^tips:[0-9a-f]{64}$`).MatchString(key) {
		t.Fatalf("key %q is not scope:64 hex digits", key)
	}
	same := map[string]string{
		"same UTC day, later":           k.Key("tips", a, day.Add(23*time.Hour+59*time.Minute)),
		"same instant in Hanoi time":    k.Key("tips", a, day.Add(time.Hour).In(hanoi)),
		"IPv4-mapped IPv6":              k.Key("tips", netip.MustParseAddr("::ffff:203.0.113.7"), day),
		"another NewKeyer, same secret": NewKeyer([]byte("portal secret for the tests")).Key("tips", a, day),
	}
	for what, got := range same {
		if got != key {
			t.Errorf("%s: %q, want %q", what, got, key)
		}
	}
	different := map[string]string{
		"next UTC day":     k.Key("tips", a, day.Add(24*time.Hour)),
		"previous UTC day": k.Key("tips", a, day.Add(-time.Nanosecond)),
		"other address":    k.Key("tips", netip.MustParseAddr("203.0.113.8"), day),
		"other secret":     NewKeyer([]byte("another portal secret!!")).Key("tips", a, day),
	}
	for what, got := range different {
		if got == key {
			t.Errorf("%s: same key %q", what, got)
		}
	}
	// Scopes are unlinkable: the HMAC part differs, not only the prefix.
	if k.Key("search", a, day)[len("search:"):] == key[len("tips:"):] {
		t.Error("the HMAC does not depend on the scope")
	}
	// IPv6: one key per /64.
	v6 := k.Key("tips", netip.MustParseAddr("2001:db8:1:2::1"), day)
	if k.Key("tips", netip.MustParseAddr("2001:db8:1:2:ffff::9"), day) != v6 {
		t.Error("two addresses of one /64 got different keys")
	}
	if k.Key("tips", netip.MustParseAddr("2001:db8:1:3::1"), day) == v6 {
		t.Error("two /64s got the same key")
	}
	if k.Key("tips", netip.MustParseAddr("fe80::1%eth0"), day) != k.Key("tips", netip.MustParseAddr("fe80::2"), day) {
		t.Error("the zone changed the key")
	}
}

func TestNewKeyerRejectsEmptySecret(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewKeyer(nil) did not panic")
		}
	}()
	NewKeyer(nil)
}
