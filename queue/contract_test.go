package queue_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/queue"
)

// testRedisURL is the Redis the tests use: TEST_REDIS_URL, else DB 14 of
// the local Redis, away from the portal's data; every test also uses its
// own random stream prefix and deletes its keys afterwards.
var testRedisURL = func() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/14"
}()

// engine is one implementation under the contract.
type engine struct {
	name string
	// open returns a fresh queue, a function that closes it and opens the
	// same storage again (a restart), and a stream-name generator unique
	// to this test.
	open func(t *testing.T) (q queue.Queue, reopen func() queue.Queue, stream func(string) string)
}

func randHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// redisClient returns a client on the test DB, skipping when Redis does not
// answer (CI starts it, so the Redis half of the contract does run there).
func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testRedisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis at %s does not answer: %v", testRedisURL, err)
	}
	return c
}

// cleanRedis deletes every key starting with prefix.
func cleanRedis(t testing.TB, c *redis.Client, prefix string) {
	t.Helper()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("clean up %s*: %v", prefix, err)
	}
}

func engines() []engine {
	return []engine{
		{name: "redis", open: func(t *testing.T) (queue.Queue, func() queue.Queue, func(string) string) {
			c := redisClient(t)
			prefix := queue.StreamPrefix + "test-" + randHex(t) + "-"
			t.Cleanup(func() { cleanRedis(t, c, prefix); c.Close() })
			reopen := func() queue.Queue {
				// A restart: a new client (new connections) on the same server.
				opt, _ := redis.ParseURL(testRedisURL)
				c2 := redis.NewClient(opt)
				t.Cleanup(func() { c2.Close() })
				return queue.NewRedis(c2)
			}
			return queue.NewRedis(c), reopen, func(s string) string { return prefix + s }
		}},
		{name: "embedded", open: func(t *testing.T) (queue.Queue, func() queue.Queue, func(string) string) {
			dir := t.TempDir()
			l, err := queue.OpenLocal(dir)
			if err != nil {
				t.Fatal(err)
			}
			cur := l
			t.Cleanup(func() { cur.Close() })
			reopen := func() queue.Queue {
				if err := cur.Close(); err != nil {
					t.Fatal(err)
				}
				l2, err := queue.OpenLocal(dir)
				if err != nil {
					t.Fatal(err)
				}
				cur = l2
				return l2
			}
			return l, reopen, func(s string) string { return queue.StreamPrefix + "test-" + s }
		}},
	}
}

// forEach runs fn as a subtest for every engine.
func forEach(t *testing.T, fn func(t *testing.T, q queue.Queue, reopen func() queue.Queue, stream func(string) string)) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			q, reopen, stream := e.open(t)
			fn(t, q, reopen, stream)
		})
	}
}

// t0 is the start of a minute: the queue keeps received_at to the minute
// (queue.TimeResolution); TestContractKeepsNoTimeFinerThanAMinute shows
// what happens to a finer one.
var t0 = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

func entry(i int) queue.Entry {
	return queue.Entry{
		ID:         fmt.Sprintf("sub-%04d", i),
		Kind:       []string{"tip", "rehab_enquiry"}[i%2],
		ReceivedAt: t0.Add(time.Duration(i) * time.Minute),
		Data:       json.RawMessage(fmt.Sprintf(`{"n":%d,"text":"mua bán ma tuý ở xã Đông Hoà"}`, i)),
	}
}

func mustPublish(t *testing.T, q queue.Queue, stream string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := q.Publish(context.Background(), stream, entry(i)); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
}

// sameEntry checks that a delivered message carries exactly entry i.
func sameEntry(t *testing.T, m queue.Message, i int) {
	t.Helper()
	want := entry(i)
	if m.Err != nil {
		t.Fatalf("message %s: %v", m.StreamID, m.Err)
	}
	if m.ID != want.ID || m.Kind != want.Kind || !m.ReceivedAt.Equal(want.ReceivedAt) || string(m.Data) != string(want.Data) {
		t.Fatalf("message %s = %+v, want entry %+v", m.StreamID, m.Entry, want)
	}
	if m.ReceivedAt.Location() != time.UTC {
		t.Fatalf("received_at %v is not UTC", m.ReceivedAt)
	}
}

func stats(t *testing.T, q queue.Queue, stream string) queue.StreamStats {
	t.Helper()
	st, err := q.Stats(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func group(t *testing.T, st queue.StreamStats, name string) queue.GroupStats {
	t.Helper()
	for _, g := range st.Groups {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no group %s in %+v", name, st)
	return queue.GroupStats{}
}

func ids(ms []queue.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.StreamID
	}
	return out
}

func TestContractPublishReadAck(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		mustPublish(t, q, s, 0, 3)
		got, err := q.Read(ctx, s, "desk", "a", 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("read %d messages, want 3", len(got))
		}
		for i, m := range got {
			sameEntry(t, m, i)
			if m.Deliveries != 1 {
				t.Errorf("message %d: deliveries %d, want 1", i, m.Deliveries)
			}
		}
		st := stats(t, q, s)
		if st.Length != 3 || group(t, st, "desk").Pending != 3 || group(t, st, "desk").Lag != 0 || group(t, st, "desk").Consumers != 1 {
			t.Fatalf("stats after read = %+v, want length 3, 3 pending, lag 0, 1 consumer", st)
		}
		if more, err := q.Read(ctx, s, "desk", "a", 10, 0); err != nil || len(more) != 0 {
			t.Fatalf("second read = %v, %v; want nothing new", ids(more), err)
		}
		n, err := q.Ack(ctx, s, "desk", ids(got)...)
		if err != nil || n != 3 {
			t.Fatalf("ack = %d, %v; want 3", n, err)
		}
		if n, err := q.Ack(ctx, s, "desk", ids(got)...); err != nil || n != 0 {
			t.Fatalf("second ack = %d, %v; want 0", n, err)
		}
		st = stats(t, q, s)
		if st.Length != 3 || group(t, st, "desk").Pending != 0 || st.DeadLetters != 0 {
			t.Fatalf("stats after ack = %+v, want length 3 (nothing trimmed), 0 pending", st)
		}
		// A second group sees every entry again: groups are independent.
		if err := q.CreateGroup(ctx, s, "audit"); err != nil {
			t.Fatal(err)
		}
		got2, err := q.Read(ctx, s, "audit", "x", 10, 0)
		if err != nil || len(got2) != 3 {
			t.Fatalf("audit read = %d, %v; want 3", len(got2), err)
		}
		streams, err := q.Streams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, name := range streams {
			found = found || name == s
		}
		if !found {
			t.Fatalf("Streams() = %v, missing %s", streams, s)
		}
	})
}

func TestContractBlockingReadWakesOnPublish(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		done := make(chan []queue.Message, 1)
		go func() {
			// Long block: the read must return because of the publish.
			got, err := q.Read(ctx, s, "desk", "a", 10, time.Minute)
			if err != nil {
				t.Error(err)
			}
			done <- got
		}()
		mustPublish(t, q, s, 0, 1)
		got := <-done
		if len(got) != 1 {
			t.Fatalf("blocked read returned %d messages, want 1", len(got))
		}
		sameEntry(t, got[0], 0)
	})
}

func TestContractClaimRedelivers(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("social-affairs")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		mustPublish(t, q, s, 0, 2)
		first, err := q.Read(ctx, s, "desk", "dead-consumer", 1, 0)
		if err != nil || len(first) != 1 {
			t.Fatalf("read = %d, %v", len(first), err)
		}
		// Not idle long enough: nothing to claim.
		if got, err := q.Claim(ctx, s, "desk", "b", time.Hour, 10); err != nil || len(got) != 0 {
			t.Fatalf("claim with 1h idle = %v, %v; want nothing", ids(got), err)
		}
		// The second entry goes to b as a new message.
		second, err := q.Read(ctx, s, "desk", "b", 10, 0)
		if err != nil || len(second) != 1 {
			t.Fatalf("b read = %d, %v; want 1", len(second), err)
		}
		sameEntry(t, second[0], 1)
		// The unacknowledged first entry comes back to b on claim; only
		// b's own is... b's second is pending too, so claim everything idle.
		got, err := q.Claim(ctx, s, "desk", "b", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].StreamID != first[0].StreamID {
			t.Fatalf("claim = %v, want [%s %s]", ids(got), first[0].StreamID, second[0].StreamID)
		}
		sameEntry(t, got[0], 0)
		if got[0].Deliveries != 2 {
			t.Fatalf("claimed deliveries = %d, want 2", got[0].Deliveries)
		}
		// The dead consumer's late ack still counts once (at least once:
		// consumers de-duplicate on Entry.ID); b's ack then finds nothing.
		if n, err := q.Ack(ctx, s, "desk", got[0].StreamID); err != nil || n != 1 {
			t.Fatalf("ack = %d, %v; want 1", n, err)
		}
		if n, err := q.Ack(ctx, s, "desk", first[0].StreamID); err != nil || n != 0 {
			t.Fatalf("late ack = %d, %v; want 0", n, err)
		}
		if p := group(t, stats(t, q, s), "desk").Pending; p != 1 {
			t.Fatalf("pending = %d, want 1 (b's second entry)", p)
		}
	})
}

func TestContractDeliveryCountIncrements(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		mustPublish(t, q, s, 0, 1)
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		if got, err := q.Read(ctx, s, "desk", "c0", 1, 0); err != nil || len(got) != 1 || got[0].Deliveries != 1 {
			t.Fatalf("read = %+v, %v", got, err)
		}
		for want := int64(2); want <= 6; want++ {
			got, err := q.Claim(ctx, s, "desk", fmt.Sprintf("c%d", want), 0, 10)
			if err != nil || len(got) != 1 {
				t.Fatalf("claim %d = %v, %v", want, ids(got), err)
			}
			if got[0].Deliveries != want {
				t.Fatalf("claim %d: deliveries = %d", want, got[0].Deliveries)
			}
		}
	})
}

func TestContractDeadLetterAfterMaxDeliveries(t *testing.T) {
	const maxDeliveries = 3
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		mustPublish(t, q, s, 0, 2)
		// Entry 1 is handled at once; entry 0 crashes its consumer every time.
		msgs, err := q.Read(ctx, s, "desk", "c", 2, 0)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("read = %d, %v", len(msgs), err)
		}
		if _, err := q.Ack(ctx, s, "desk", msgs[1].StreamID); err != nil {
			t.Fatal(err)
		}
		poison := msgs[0].StreamID
		var deadAt int64
		for round := 0; round < 10 && deadAt == 0; round++ {
			got, err := q.Claim(ctx, s, "desk", "c", 0, 10)
			if err != nil || len(got) != 1 {
				t.Fatalf("round %d: claim = %v, %v", round, ids(got), err)
			}
			m := got[0]
			if m.Deliveries > maxDeliveries {
				moved, err := q.DeadLetter(ctx, s, "desk", m.StreamID, m.Deliveries, queue.DeadReason(s, m, nil, maxDeliveries))
				if err != nil || !moved {
					t.Fatalf("dead-letter = %v, %v", moved, err)
				}
				deadAt = m.Deliveries
			}
		}
		if deadAt != maxDeliveries+1 {
			t.Fatalf("dead-lettered at delivery %d, want %d", deadAt, maxDeliveries+1)
		}
		if moved, err := q.DeadLetter(ctx, s, "desk", poison, 9, queue.ReasonMaxDeliveries); err != nil || moved {
			t.Fatalf("second dead-letter = %v, %v; want false (no longer pending)", moved, err)
		}
		st := stats(t, q, s)
		if st.DeadLetters != 1 || group(t, st, "desk").Pending != 0 || st.Length != 2 {
			t.Fatalf("stats = %+v, want 1 dead letter, 0 pending, length 2", st)
		}
		if got, err := q.Claim(ctx, s, "desk", "c", 0, 10); err != nil || len(got) != 0 {
			t.Fatalf("claim after dead-letter = %v, %v; want nothing", ids(got), err)
		}
		// The dead-letter stream holds the entry and where it came from.
		dead := queue.DeadLetterStream(s)
		if err := q.CreateGroup(ctx, dead, "review"); err != nil {
			t.Fatal(err)
		}
		got, err := q.Read(ctx, dead, "review", "r", 10, 0)
		if err != nil || len(got) != 1 {
			t.Fatalf("dead read = %d, %v", len(got), err)
		}
		sameEntry(t, got[0], 0)
		if got[0].DeadFrom != poison || got[0].DeadGroup != "desk" || got[0].DeadDeliveries != maxDeliveries+1 {
			t.Fatalf("dead fields = %q %q %d, want %q desk %d", got[0].DeadFrom, got[0].DeadGroup, got[0].DeadDeliveries, poison, maxDeliveries+1)
		}
		if got[0].DeadReason != queue.ReasonMaxDeliveries {
			t.Fatalf("dead reason = %q, want %q", got[0].DeadReason, queue.ReasonMaxDeliveries)
		}
	})
}

func TestContractEntriesBeforeGroupAreDelivered(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		mustPublish(t, q, s, 0, 3)
		if st := stats(t, q, s); st.Length != 3 || len(st.Groups) != 0 {
			t.Fatalf("stats before group = %+v", st)
		}
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		if g := group(t, stats(t, q, s), "desk"); g.Lag != 3 {
			t.Fatalf("lag = %d, want 3", g.Lag)
		}
		mustPublish(t, q, s, 3, 4)
		got, err := q.Read(ctx, s, "desk", "a", 10, 0)
		if err != nil || len(got) != 4 {
			t.Fatalf("read = %d, %v; want 4", len(got), err)
		}
		for i, m := range got {
			sameEntry(t, m, i)
		}
	})
}

func TestContractNothingLostAcrossReopen(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, reopen func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		mustPublish(t, q, s, 0, 4)
		got, err := q.Read(ctx, s, "desk", "a", 2, 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("read = %d, %v", len(got), err)
		}
		if _, err := q.Ack(ctx, s, "desk", got[0].StreamID); err != nil {
			t.Fatal(err)
		}
		q = reopen()
		st := stats(t, q, s)
		if g := group(t, st, "desk"); st.Length != 4 || g.Pending != 1 || g.Lag != 2 {
			t.Fatalf("stats after reopen = %+v, want length 4, 1 pending, lag 2", st)
		}
		pend, err := q.Claim(ctx, s, "desk", "b", 0, 10)
		if err != nil || len(pend) != 1 || pend[0].StreamID != got[1].StreamID || pend[0].Deliveries != 2 {
			t.Fatalf("claim after reopen = %+v, %v", pend, err)
		}
		sameEntry(t, pend[0], 1)
		rest, err := q.Read(ctx, s, "desk", "b", 10, 0)
		if err != nil || len(rest) != 2 {
			t.Fatalf("read after reopen = %d, %v", len(rest), err)
		}
		sameEntry(t, rest[0], 2)
		sameEntry(t, rest[1], 3)
	})
}

func TestContractConcurrentPublishersAndConsumers(t *testing.T) {
	const publishers, perPublisher, consumers = 4, 40, 3
	const total = publishers * perPublisher
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		var (
			mu        sync.Mutex
			delivered = map[string]int{}
			acked     = map[string]int64{}
		)
		var wg sync.WaitGroup
		for p := 0; p < publishers; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perPublisher; i++ {
					if _, err := q.Publish(ctx, s, entry(p*perPublisher+i)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		var cwg sync.WaitGroup
		for c := 0; c < consumers; c++ {
			cwg.Add(1)
			go func() {
				defer cwg.Done()
				name := fmt.Sprintf("c%d", c)
				for ctx.Err() == nil {
					mu.Lock()
					done := len(acked) == total
					mu.Unlock()
					if done {
						return
					}
					msgs, err := q.Read(ctx, s, "desk", name, 7, 100*time.Millisecond)
					if err != nil {
						t.Error(err)
						return
					}
					for _, m := range msgs {
						n, err := q.Ack(ctx, s, "desk", m.StreamID)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						delivered[m.ID]++
						acked[m.ID] += n
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		cwg.Wait()
		if ctx.Err() != nil {
			t.Fatalf("gave up: %d of %d acknowledged", len(acked), total)
		}
		for i := 0; i < total; i++ {
			id := entry(i).ID
			if delivered[id] != 1 || acked[id] != 1 {
				t.Errorf("%s delivered %d times, acked %d times; want 1 and 1", id, delivered[id], acked[id])
			}
		}
		st := stats(t, q, s)
		if g := group(t, st, "desk"); st.Length != total || g.Pending != 0 || g.Lag != 0 {
			t.Fatalf("final stats = %+v", st)
		}
	})
}

func TestContractTrimKeepsUnacknowledged(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		tr := q
		mustPublish(t, q, s, 0, 6)
		// Without a group nobody has read anything: nothing goes.
		if n, err := tr.TrimAcked(ctx, s); err != nil || n != 0 {
			t.Fatalf("trim without groups = %d, %v; want 0", n, err)
		}
		for _, g := range []string{"g1", "g2"} {
			if err := q.CreateGroup(ctx, s, g); err != nil {
				t.Fatal(err)
			}
		}
		// g1 reads and acks 0..3; g2 reads 0..2 and acks 0 and 2 (1 stays pending).
		m1, _ := q.Read(ctx, s, "g1", "a", 4, 0)
		q.Ack(ctx, s, "g1", ids(m1)...)
		m2, _ := q.Read(ctx, s, "g2", "a", 3, 0)
		q.Ack(ctx, s, "g2", m2[0].StreamID, m2[2].StreamID)
		n, err := tr.TrimAcked(ctx, s)
		if err != nil || n != 1 {
			t.Fatalf("trim = %d, %v; want 1 (only entry 0 is acked by every group)", n, err)
		}
		if st := stats(t, q, s); st.Length != 5 {
			t.Fatalf("length after trim = %d, want 5", st.Length)
		}
		got, err := q.Claim(ctx, s, "g2", "b", 0, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim after trim = %v, %v", ids(got), err)
		}
		sameEntry(t, got[0], 1)
		q.Ack(ctx, s, "g2", got[0].StreamID)
		// Now g2 has acked 0..2 and g1 0..3: entries 1 and 2 go, 3.. stay
		// (g2 has not read them).
		if n, err := tr.TrimAcked(ctx, s); err != nil || n != 2 {
			t.Fatalf("second trim = %d, %v; want 2", n, err)
		}
		rest, err := q.Read(ctx, s, "g2", "a", 10, 0)
		if err != nil || len(rest) != 3 {
			t.Fatalf("g2 read after trim = %d, %v; want 3", len(rest), err)
		}
		for i, m := range rest {
			sameEntry(t, m, i+3)
		}
	})
}

func TestContractInvalidInput(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		bad := []queue.Entry{
			{Kind: "tip", ReceivedAt: t0, Data: json.RawMessage(`{}`)},
			{ID: "x", ReceivedAt: t0, Data: json.RawMessage(`{}`)},
			{ID: "x", Kind: "tip", Data: json.RawMessage(`{}`)},
			{ID: "x", Kind: "tip", ReceivedAt: t0, Data: json.RawMessage(`{not json`)},
			{ID: "x", Kind: "tip", ReceivedAt: t0},
		}
		for i, e := range bad {
			if _, err := q.Publish(ctx, s, e); !errors.Is(err, queue.ErrInvalid) {
				t.Errorf("bad entry %d: err = %v, want ErrInvalid", i, err)
			}
		}
		if _, err := q.Publish(ctx, "", entry(0)); !errors.Is(err, queue.ErrInvalid) {
			t.Errorf("empty stream: err = %v, want ErrInvalid", err)
		}
		if st := stats(t, q, s); st.Length != 0 {
			t.Fatalf("bad entries were stored: %+v", st)
		}
		if _, err := q.Read(ctx, s, "no-such-group", "a", 1, 0); err == nil {
			t.Fatal("read from a missing group succeeded")
		}
		if _, err := q.Read(ctx, s, "", "a", 1, 0); !errors.Is(err, queue.ErrInvalid) {
			t.Fatalf("empty group: err = %v, want ErrInvalid", err)
		}
	})
}

func TestStreamName(t *testing.T) {
	for in, want := range map[string]string{
		"police":                      "portal:queue:police",
		" social-affairs ":            "portal:queue:social-affairs",
		"portal:queue:police":         "portal:queue:police",
		"portal:queue:police:dead":    "portal:queue:police:dead",
		"health":                      "portal:queue:health",
		"police:dead":                 "portal:queue:police:dead",
		"portal:queue:social-affairs": "portal:queue:social-affairs",
	} {
		got, err := queue.StreamName(in)
		if err != nil || got != want {
			t.Errorf("StreamName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "  ", "Police", "công-an", "a b", "police/dead"} {
		if got, err := queue.StreamName(in); !errors.Is(err, queue.ErrInvalid) {
			t.Errorf("StreamName(%q) = %q, %v; want ErrInvalid", in, got, err)
		}
	}
}

func TestLocalFileIsOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	l, err := queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Publish(context.Background(), queue.StreamPolice, entry(0)); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{queue.LocalFile, queue.LocalFile + "-wal"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; submissions must be readable by the owner only", name, fi.Mode().Perm())
		}
	}
}

// TestRedisEntryFieldsAreExactlyTheContract reads the raw stream entry:
// the four fields of the contract and nothing else (no sender data, no
// trimming arguments needed to read it back).
func TestRedisEntryFieldsAreExactlyTheContract(t *testing.T) {
	c := redisClient(t)
	prefix := queue.StreamPrefix + "test-" + randHex(t) + "-"
	t.Cleanup(func() { cleanRedis(t, c, prefix); c.Close() })
	ctx := context.Background()
	s := prefix + "police"
	e := entry(7)
	e.ReceivedAt = e.ReceivedAt.In(time.FixedZone("ICT", 7*3600))
	if _, err := queue.NewRedis(c).Publish(ctx, s, e); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.XRange(ctx, s, "-", "+").Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("XRANGE = %v, %v", msgs, err)
	}
	want := map[string]any{
		"id":          e.ID,
		"kind":        e.Kind,
		"received_at": "2026-11-29T08:07:00Z",
		"data":        string(e.Data),
	}
	if fmt.Sprint(msgs[0].Values) != fmt.Sprint(want) {
		t.Fatalf("fields = %v, want %v", msgs[0].Values, want)
	}
	if _, err := time.Parse(time.RFC3339, msgs[0].Values["received_at"].(string)); err != nil {
		t.Fatalf("received_at is not RFC 3339: %v", err)
	}
}

func TestContractRemoveConsumerKeepsPendingEntries(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("police")
		if err := q.CreateGroup(ctx, s, "desk"); err != nil {
			t.Fatal(err)
		}
		mustPublish(t, q, s, 0, 2)
		a, _ := q.Read(ctx, s, "desk", "a", 1, 0)
		b, _ := q.Read(ctx, s, "desk", "b", 1, 0)
		if len(a) != 1 || len(b) != 1 {
			t.Fatalf("reads = %d, %d", len(a), len(b))
		}
		q.Ack(ctx, s, "desk", b[0].StreamID)
		if ok, err := q.RemoveConsumer(ctx, s, "desk", "a"); err != nil || ok {
			t.Fatalf("remove a (1 pending) = %v, %v; want kept", ok, err)
		}
		if ok, err := q.RemoveConsumer(ctx, s, "desk", "b"); err != nil || !ok {
			t.Fatalf("remove b (nothing pending) = %v, %v; want removed", ok, err)
		}
		if g := group(t, stats(t, q, s), "desk"); g.Consumers != 1 || g.Pending != 1 {
			t.Fatalf("group = %+v, want 1 consumer with 1 pending", g)
		}
		if got, err := q.Claim(ctx, s, "desk", "c", 0, 10); err != nil || len(got) != 1 || got[0].StreamID != a[0].StreamID {
			t.Fatalf("claim = %v, %v", ids(got), err)
		}
	})
}
