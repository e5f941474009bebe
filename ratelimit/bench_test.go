package ratelimit

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// benchLimit is loose enough that most decisions are "allowed", the common
// path.
var benchLimit = Limit{Rate: 1000, Period: time.Second}

// benchAllow times every Allow call and reports the median and the 99th
// percentile in microseconds, besides ns/op.
func benchAllow(b *testing.B, l Limiter) {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = ClientKey("bench", netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := l.Allow(ctx, keys[i%len(keys)], benchLimit); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/float64(time.Microsecond), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100])/float64(time.Microsecond), "p99-µs")
}

// BenchmarkAllowRedis: one gcra.lua decision against Redis on loopback.
func BenchmarkAllowRedis(b *testing.B) {
	c, prefix := testRedis(b)
	benchAllow(b, NewRedis(c, prefix))
}

// BenchmarkAllowFallbackRedisUp: the production path, Redis with the
// in-process limiter shadowing it and standing by.
func BenchmarkAllowFallbackRedisUp(b *testing.B) {
	c, prefix := testRedis(b)
	benchAllow(b, NewFallback(NewRedis(c, prefix), DefaultPrimaryTimeout, nil))
}

// BenchmarkAllowFallbackRedisDown: Redis unreachable (closed port); the
// in-process limiter decides, probing Redis once a second.
func BenchmarkAllowFallbackRedisDown(b *testing.B) {
	down, c := unreachable()
	defer c.Close()
	benchAllow(b, NewFallback(down, DefaultPrimaryTimeout, nil))
}

// BenchmarkAllowMemory: the in-process GCRA alone.
func BenchmarkAllowMemory(b *testing.B) {
	benchAllow(b, NewMemory())
}

// BenchmarkDerive: the HMAC of one client key.
func BenchmarkDerive(b *testing.B) {
	m := newMaterial()
	k := ClientKey("tips", netip.MustParseAddr("203.0.113.7"))
	for i := 0; i < b.N; i++ {
		_ = derive(m, k)
	}
}
