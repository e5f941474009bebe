package queue_test

import (
	"context"
	"testing"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/queue"
)

// TestRedisPersistence asks redis-servers of the test's own, started as a
// bare install runs (nothing), with AOF, with RDB save points, and with
// CONFIG disabled (renamed away), how they persist.
func TestRedisPersistence(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no persistence", nil, "none"},
		{"append-only file", []string{"--appendonly", "yes"}, "aof"},
		{"save points", []string{"--save", "3600 1 300 100"}, "rdb"},
		{"both", []string{"--save", "60 1000", "--appendonly", "yes"}, "aof+rdb"},
		{"CONFIG disabled", []string{"--rename-command", "CONFIG", ""}, "unknown"},
		{"CONFIG disabled, AOF on", []string{"--rename-command", "CONFIG", "", "--appendonly", "yes"}, "aof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.args...)
			p, err := queue.RedisPersistence(context.Background(), srv.Client())
			if err != nil || p.String() != tc.want {
				t.Fatalf("RedisPersistence = %v (%+v), %v; want %s", p, p, err, tc.want)
			}
			if p.Persists() != (tc.want != "none" && tc.want != "unknown") {
				t.Fatalf("Persists() = %v for %s", p.Persists(), tc.want)
			}
		})
	}
	srv := redistest.Start(t)
	c := srv.Client()
	srv.Kill()
	if _, err := queue.RedisPersistence(context.Background(), c); err == nil {
		t.Fatal("no error from a Redis that is down")
	}
}
