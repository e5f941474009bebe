package queue_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/queue"
)

// minuteOf reads the milliseconds of a Redis stream id and checks that
// they are the start of a minute.
func minuteOf(t *testing.T, id string) int64 {
	t.Helper()
	ms, seq, ok := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if _, serr := strconv.ParseUint(seq, 10, 64); !ok || err != nil || serr != nil {
		t.Fatalf("stream id %q is not ms-seq", id)
	}
	if n%60000 != 0 {
		t.Fatalf("stream id %q places the entry to the millisecond; want the start of a minute", id)
	}
	return n
}

// TestContractKeepsNoTimeFinerThanAMinute: whatever time the publisher
// gives, the queue carries received_at to the minute; the Redis stream ids
// (of entries and of their dead-letter copies) are starts of minutes; the
// embedded queue's own times are minutes too.
func TestContractKeepsNoTimeFinerThanAMinute(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		fine := time.Date(2026, 11, 29, 8, 7, 13, 456789012, time.FixedZone("ICT", 7*3600))
		for i := 0; i < 3; i++ {
			e := entry(i)
			e.ReceivedAt = fine
			if _, err := q.Publish(ctx, s, e); err != nil {
				t.Fatal(err)
			}
		}
		msgs, err := q.Read(ctx, s, "desk", "c", 10, 0)
		if err != nil || len(msgs) != 3 {
			t.Fatalf("read = %d, %v", len(msgs), err)
		}
		want := time.Date(2026, 11, 29, 1, 7, 0, 0, time.UTC)
		for _, m := range msgs {
			if !m.ReceivedAt.Equal(want) || m.ReceivedAt.Location() != time.UTC {
				t.Fatalf("received_at = %v, want %v", m.ReceivedAt, want)
			}
		}
		moved, err := q.DeadLetter(ctx, s, "desk", msgs[0].StreamID, 1, queue.ReasonUnknownKind+": x")
		if err != nil || !moved {
			t.Fatalf("dead-letter = %v, %v", moved, err)
		}
		if _, err := q.Claim(ctx, s, "desk", "d", 0, 10); err != nil {
			t.Fatal(err)
		}
		dead := queue.DeadLetterStream(s)
		if err := q.CreateGroup(ctx, dead, "review"); err != nil {
			t.Fatal(err)
		}
		d, err := q.Read(ctx, dead, "review", "r", 10, 0)
		if err != nil || len(d) != 1 || d[0].DeadReason != queue.ReasonUnknownKind+": x" {
			t.Fatalf("dead read = %+v, %v", d, err)
		}
		switch q := q.(type) {
		case *queue.Redis:
			var prev string
			for _, m := range append(msgs, d...) {
				minuteOf(t, m.StreamID)
				if m.StreamID == prev {
					t.Fatalf("two entries share id %s", prev)
				}
				prev = m.StreamID
			}
		case *queue.Local:
			db, err := sql.Open("sqlite", q.Path())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, col := range []string{"entries.added_ms", "consumer_groups.created_ms", "consumers.seen_ms", "pending.delivered_ms"} {
				table, c, _ := strings.Cut(col, ".")
				var n, fine int
				if err := db.QueryRow(`SELECT count(*), coalesce(sum(`+c+` % 60000 != 0), 0) FROM `+table).Scan(&n, &fine); err != nil {
					t.Fatal(err)
				}
				if n == 0 || fine != 0 {
					t.Fatalf("%s: %d of %d rows hold a time finer than a minute", col, fine, n)
				}
			}
		}
	})
}

// TestRedisMinuteIDsStayIncreasing: when the stream's last id is already
// in a later minute (Redis's clock stepped back, or someone else added an
// entry with a millisecond id), Publish still succeeds, with the start of
// a minute that is not before that last id.
func TestRedisMinuteIDsStayIncreasing(t *testing.T) {
	c := redisClient(t)
	prefix := queue.StreamPrefix + "test-" + randHex(t) + "-"
	t.Cleanup(func() { cleanRedis(t, c, prefix); c.Close() })
	ctx := context.Background()
	q := queue.NewRedis(c)
	now, err := c.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	thisMinute := now.Truncate(time.Minute).UnixMilli()
	for _, tc := range []struct {
		name   string
		lastID string // added with an explicit id before Publish
		want   int64  // minute of the published entry
	}{
		{"empty stream", "", thisMinute},
		{"same minute already used", strconv.FormatInt(thisMinute, 10) + "-5", thisMinute},
		{"a later minute (clock stepped back)", strconv.FormatInt(thisMinute+10*60000, 10) + "-0", thisMinute + 10*60000},
		{"a foreign millisecond id in a later minute", strconv.FormatInt(thisMinute+3*60000+1234, 10) + "-0", thisMinute + 4*60000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := prefix + "police-" + randHex(t)
			if tc.lastID != "" {
				if err := c.XAdd(ctx, &redis.XAddArgs{Stream: s, ID: tc.lastID, Values: []string{"id", "foreign"}}).Err(); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 2; i++ {
				if _, err := q.Publish(ctx, s, entry(i)); err != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
			}
			all, err := c.XRange(ctx, s, "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			ours := all[len(all)-2:]
			for _, m := range ours {
				// Redis's clock may have entered the next minute meanwhile.
				if got := minuteOf(t, m.ID); got != tc.want && !(got == tc.want+60000 && tc.want == thisMinute) {
					t.Fatalf("id %s: minute %d, want %d", m.ID, got, tc.want)
				}
			}
		})
	}
}

func TestDeadReason(t *testing.T) {
	known := func(k string) bool { return k == "tip" }
	ok := queue.Message{Entry: queue.Entry{ID: "a", Kind: "tip"}, Deliveries: 1}
	for _, tc := range []struct {
		name   string
		stream string
		m      queue.Message
		max    int64
		want   string
	}{
		{"a real entry", "portal:queue:police", ok, 5, ""},
		{"malformed", "portal:queue:police", queue.Message{Err: json.Unmarshal([]byte("{"), new(any))}, 5, queue.ReasonMalformed},
		{"unknown kind", "portal:queue:police", queue.Message{Entry: queue.Entry{ID: "a", Kind: "payment"}, Deliveries: 1}, 5, "unknown_kind: payment"},
		{"empty kind", "portal:queue:police", queue.Message{Entry: queue.Entry{ID: "a"}, Deliveries: 1}, 5, "unknown_kind: "},
		{"a kind routed elsewhere is unknown here", "portal:queue:police", queue.Message{Entry: queue.Entry{ID: "a", Kind: "rehab_enquiry"}}, 5, "unknown_kind: rehab_enquiry"},
		{"too many deliveries", "portal:queue:police", queue.Message{Entry: ok.Entry, Deliveries: 6}, 5, queue.ReasonMaxDeliveries},
		{"no bound", "portal:queue:police", queue.Message{Entry: ok.Entry, Deliveries: 600}, 0, ""},
		{"dead-letter streams are read as they are", "portal:queue:police:dead", queue.Message{Entry: queue.Entry{ID: "a", Kind: "payment"}}, 5, ""},
		{"a long kind is clipped", "portal:queue:police", queue.Message{Entry: queue.Entry{ID: "a", Kind: strings.Repeat("é", 80)}}, 5, "unknown_kind: " + strings.Repeat("é", 50)},
	} {
		if got := queue.DeadReason(tc.stream, tc.m, known, tc.max); got != tc.want {
			t.Errorf("%s: DeadReason = %q, want %q", tc.name, got, tc.want)
		}
	}
}
