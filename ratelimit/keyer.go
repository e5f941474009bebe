package ratelimit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sync"
	"time"
)

// Keyer turns a client address into a rate-limit key that does not contain
// it: HMAC-SHA256 under a key derived from the portal secret and the UTC
// date, so keys rotate every day, the address cannot be recovered from a key
// without the secret, and keys of different days (or different scopes)
// cannot be linked to each other (DESIGN.md, "Data flow of a tip", step 2).
// It is safe for concurrent use.
type Keyer struct {
	secret []byte

	mu     sync.Mutex
	day    string
	dayKey []byte
}

// NewKeyer returns a Keyer over secret (the portal secret, at least 16
// bytes as config validation requires). It panics on an empty secret: an
// unkeyed hash of an IPv4 address is reversible by enumeration.
func NewKeyer(secret []byte) *Keyer {
	if len(secret) == 0 {
		panic("ratelimit: NewKeyer with an empty secret")
	}
	return &Keyer{secret: append([]byte(nil), secret...)}
}

// Key returns scope + ":" + hex(HMAC-SHA256(dayKey, scope, address)), 64
// hex digits after the colon. dayKey = HMAC-SHA256(secret, "portal
// ratelimit day YYYY-MM-DD") for now's UTC date. The address is normalised
// first: an IPv4-mapped IPv6 address counts as the IPv4 one, and an IPv6
// address counts as its /64 (one subscriber holds a whole /64, so per-host
// keys would not limit anything). The zero Addr (unknown peer) gets one
// shared key per scope and day.
func (k *Keyer) Key(scope string, addr netip.Addr, now time.Time) string {
	a := addr.Unmap()
	if a.Is6() {
		a = netip.PrefixFrom(a.WithZone(""), 64).Masked().Addr()
	}
	b, _ := a.MarshalBinary() // never fails; the zero Addr gives no bytes
	mac := hmac.New(sha256.New, k.keyFor(now.UTC().Format(time.DateOnly)))
	mac.Write([]byte(scope))
	mac.Write([]byte{0})
	mac.Write(b)
	return scope + ":" + hex.EncodeToString(mac.Sum(nil))
}

// keyFor returns the key of the given UTC day, cached for the current day.
func (k *Keyer) keyFor(day string) []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	if day != k.day {
		m := hmac.New(sha256.New, k.secret)
		m.Write([]byte("portal ratelimit day " + day))
		k.day, k.dayKey = day, m.Sum(nil)
	}
	return k.dayKey
}
