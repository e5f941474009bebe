package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisRemindEvery is how often, while Redis stays unreachable, a reminder
// is logged; the first failure and the recovery are logged at once.
const redisRemindEvery = time.Minute

// redisHealth is the one place that logs whether Redis answers. Every
// Redis client of the process reports to it through a dial hook (a failed
// or successful connection), and go-redis's own logger (which otherwise
// prints each failed dial of its pool, several times a second while Redis
// is down) is routed to it too. It logs a state change once — "Redis
// unreachable", "Redis answers again" — and, while down, one reminder per
// redisRemindEvery with the number of failures since the last line. The
// lines name the Redis server, never a client of the portal.
type redisHealth struct {
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	down     bool
	since    time.Time // when it went down
	lastLine time.Time
	failures int // since lastLine
}

func newRedisHealth(log *slog.Logger) *redisHealth {
	return &redisHealth{log: log, now: time.Now}
}

// failed records one failure (detail is what go-redis said, or the dial
// error).
func (h *redisHealth) failed(detail string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	h.failures++
	switch {
	case !h.down:
		h.down, h.since, h.lastLine = true, now, now
		h.log.Warn("Redis unreachable: agency queues wait in the outbox, rate limits are per instance until it answers; reminders every minute",
			"detail", detail)
		h.failures = 0
	case now.Sub(h.lastLine) >= redisRemindEvery:
		h.log.Warn("Redis still unreachable", "for", now.Sub(h.since).Round(time.Second),
			"failures_since_last_message", h.failures, "detail", detail)
		h.lastLine, h.failures = now, 0
	}
}

// ok records a successful connection.
func (h *redisHealth) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		h.log.Info("Redis answers again", "was_down_for", h.now().Sub(h.since).Round(time.Second))
		h.down, h.failures = false, 0
	}
}

// Printf implements go-redis's logger (redis.SetLogger): its messages are
// failures (a dial that failed, a pool that could not refill).
func (h *redisHealth) Printf(_ context.Context, format string, v ...any) {
	h.failed(fmt.Sprintf(format, v...))
}

// DialHook implements redis.Hook: every new connection's outcome is the
// state of Redis.
func (h *redisHealth) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			if ctx.Err() == nil {
				h.failed(err.Error())
			}
			return nil, err
		}
		h.ok()
		return c, nil
	}
}

// ProcessHook implements redis.Hook (unchanged).
func (h *redisHealth) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook implements redis.Hook (unchanged).
func (h *redisHealth) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
