package queue

import (
	"context"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Persistence says how a Redis server keeps its data across a restart.
// A Redis that keeps nothing (appendonly no and no save points, how
// redis-server runs on a bare install here) forgets every queued
// submission when it restarts; the outbox is then the only copy.
type Persistence struct {
	// Known is false when the server would not say: CONFIG refused
	// (renamed or disabled, or an ACL without @admin) and INFO not telling
	// either.
	Known bool
	// AOF: appendonly yes. RDB: at least one save point ("save 3600 1 …").
	AOF, RDB bool
}

// Persists reports whether the server keeps its data on disk (as far as
// known).
func (p Persistence) Persists() bool { return p.AOF || p.RDB }

// String is "aof", "rdb", "aof+rdb", "none" or "unknown", the value
// /readyz shows as redis_persistence.
func (p Persistence) String() string {
	switch {
	case p.AOF && p.RDB:
		return "aof+rdb"
	case p.AOF:
		return "aof"
	case p.RDB:
		return "rdb"
	case !p.Known:
		return "unknown"
	default:
		return "none"
	}
}

// RedisPersistence asks the server how it persists: CONFIG GET appendonly
// and CONFIG GET save; where CONFIG is refused, INFO persistence
// (aof_enabled tells AOF; save points are not in INFO, so without AOF the
// answer is unknown). It only reads. An error means the server could not
// be asked at all (down, timeout).
func RedisPersistence(ctx context.Context, c *redis.Client) (Persistence, error) {
	ao, aerr := c.ConfigGet(ctx, "appendonly").Result()
	sv, serr := c.ConfigGet(ctx, "save").Result()
	if aerr == nil && serr == nil {
		if a, ok := ao["appendonly"]; ok {
			if s, ok := sv["save"]; ok {
				return Persistence{Known: true, AOF: strings.EqualFold(a, "yes"), RDB: strings.TrimSpace(s) != ""}, nil
			}
		}
	}
	for _, err := range []error{aerr, serr} {
		if err != nil && !isRedisReply(err) {
			return Persistence{}, err
		}
	}
	info, err := c.Info(ctx, "persistence").Result()
	if err != nil {
		if isRedisReply(err) {
			return Persistence{}, nil
		}
		return Persistence{}, err
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "aof_enabled:"); ok && v == "1" {
			return Persistence{Known: true, AOF: true}, nil
		}
	}
	return Persistence{}, nil
}

// isRedisReply reports whether err is an error reply of the server
// (NOPERM, ERR unknown command …), as opposed to not reaching it.
func isRedisReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, redis.Nil)
}
