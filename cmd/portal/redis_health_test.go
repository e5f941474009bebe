package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// While Redis is down, failures every 0.4 s give one line at once and one
// reminder a minute, and the recovery one line.
func TestRedisHealthLogsStateChangesAndMinuteReminders(t *testing.T) {
	var buf bytes.Buffer
	h := newRedisHealth(slog.New(slog.NewTextHandler(&buf, nil)))
	now := time.Date(2026, 6, 26, 8, 0, 0, 0, time.UTC)
	h.now = func() time.Time { return now }
	for i := 0; i < 10*60*100/40; i++ { // ten minutes of failures every 0.4 s
		h.failed(errors.New("dial tcp 127.0.0.1:6379: connect: connection refused").Error())
		now = now.Add(400 * time.Millisecond)
	}
	h.ok()
	h.ok()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var unreachable, still, again int
	for _, l := range lines {
		switch {
		case strings.Contains(l, `msg="Redis unreachable`):
			unreachable++
		case strings.Contains(l, `msg="Redis still unreachable"`):
			still++
		case strings.Contains(l, `msg="Redis answers again"`):
			again++
		}
	}
	if unreachable != 1 || still != 9 || again != 1 || len(lines) != 11 {
		t.Fatalf("%d lines: %d unreachable, %d reminders, %d recoveries; want 1, 9, 1\n%s", len(lines), unreachable, still, again, buf.String())
	}
	if !strings.Contains(lines[1], "failures_since_last_message=150") {
		t.Errorf("reminder does not count the failures: %s", lines[1])
	}
}
