package ratelimit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"time"
)

// ClientKey is the limiter key of a client address in scope:
// "<scope>:<address>", where an IPv4-mapped IPv6 address counts as the
// IPv4 one and an IPv6 address as its /64 (one subscriber holds a whole
// /64, so per-host keys would not limit anything); the zero Addr (unknown
// peer) is "<scope>:unknown", one budget shared by all such peers. The
// result holds the address: give it only to a Limiter, which stores an
// HMAC of it, never log or store it.
func ClientKey(scope string, addr netip.Addr) string {
	a := addr.Unmap()
	switch {
	case !a.IsValid():
		return scope + ":unknown"
	case a.Is6():
		return scope + ":" + netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	default:
		return scope + ":" + a.String()
	}
}

// scopeOf is the part of key before its first ':' ("tips" of
// "tips:203.0.113.7"), or "key" when there is none. It is the readable
// part of a stored key.
func scopeOf(key string) string {
	if s, _, ok := strings.Cut(key, ":"); ok && s != "" && len(s) <= 64 {
		return s
	}
	return "key"
}

// derive is the stored form of key under material: scope ":" 64 hex
// digits of HMAC-SHA256(material, key). Without the material it cannot be
// turned back into the key, not even by trying every IPv4 address.
func derive(material []byte, key string) string {
	m := hmac.New(sha256.New, material)
	m.Write([]byte(key))
	return scopeOf(key) + ":" + hex.EncodeToString(m.Sum(nil))
}

// vietnam is the civil time of the portal (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)

// period is the rotation period of key material containing t: the day in
// Vietnam, as "YYYY-MM-DD", and the instant it ends. Every budget starts
// afresh when the material changes, so the change falls at midnight in
// Vietnam, when the portal is quietest.
func period(t time.Time) (id string, end time.Time) {
	local := t.In(vietnam)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, vietnam)
	return day.Format(time.DateOnly), day.AddDate(0, 0, 1)
}

// newMaterial draws 32 random bytes of key material.
func newMaterial() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("ratelimit: no randomness: " + err.Error()) // crypto/rand does not fail on Linux
	}
	return b
}
