package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/queue"
)

// TestRedisPublishIsIdempotentOnTheSubmissionID: the same submission
// published again, one after the other or by 16 clients at once (two
// forwarders redoing each other's interrupted forward), is on the stream
// once and every call returns its one stream id; other submissions are
// appended as before. The marker expires at a whole minute, PublishedTTL
// ahead, and holds the stream id only.
func TestRedisPublishIsIdempotentOnTheSubmissionID(t *testing.T) {
	c := redisClient(t)
	prefix := queue.StreamPrefix + "test-" + randHex(t) + "-"
	t.Cleanup(func() { cleanRedis(t, c, prefix); c.Close() })
	ctx := context.Background()
	q := queue.NewRedis(c)
	s := prefix + "police"

	first, err := q.Publish(ctx, s, entry(1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := q.Publish(ctx, s, entry(1))
	if err != nil || again != first {
		t.Fatalf("second Publish of sub-0001 = %q, %v; want %q", again, err, first)
	}
	ids := make([]string, 16)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], _ = q.Publish(ctx, s, entry(2))
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("concurrent Publish of sub-0002: %d got %q, 0 got %q", i, id, ids[0])
		}
	}
	third, err := q.Publish(ctx, s, entry(3))
	if err != nil || third == first || third == ids[0] {
		t.Fatalf("Publish of sub-0003 = %q, %v", third, err)
	}
	msgs, err := c.XRange(ctx, s, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.Values["id"].(string)+"@"+m.ID)
	}
	want := []string{"sub-0001@" + first, "sub-0002@" + ids[0], "sub-0003@" + third}
	if len(got) != len(want) {
		t.Fatalf("stream holds %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("stream holds %v, want %v", got, want)
		}
	}

	key := queue.PublishedKey(s, "sub-0001")
	if v, err := c.Get(ctx, key).Result(); err != nil || v != first {
		t.Fatalf("marker %s = %q, %v; want the stream id %q", key, v, err, first)
	}
	exp, err := c.PExpireTime(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	ms := exp.Milliseconds()
	if ms%60000 != 0 {
		t.Errorf("marker expires at %d ms: not a whole minute", ms)
	}
	left := time.Until(time.UnixMilli(ms))
	if left > queue.PublishedTTL || left < queue.PublishedTTL-2*time.Minute {
		t.Errorf("marker expires in %v, want about %v", left, queue.PublishedTTL)
	}
	// Streams lists queues, not markers.
	streams, err := q.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range streams {
		if st == key {
			t.Errorf("Streams lists the marker %s", key)
		}
	}

	// Once the marker is gone (Redis lost it with the stream, or it
	// expired), the submission is appended again: the marker is the whole
	// rule, and the forwarder's epoch check covers a Redis that lost both.
	c.Del(ctx, key)
	if id, err := q.Publish(ctx, s, entry(1)); err != nil || id == first {
		t.Fatalf("Publish after the marker was deleted = %q, %v", id, err)
	}
	if n, _ := c.XLen(ctx, s).Result(); n != 4 {
		t.Errorf("XLEN = %d, want 4", n)
	}
}
