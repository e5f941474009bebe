package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/thaibinh-pcmt/portal/queue"
)

// benchPublish publishes b.N entries of a typical tip size (about 600
// bytes of JSON) and reports entries per second.
func benchPublish(b *testing.B, q queue.Queue, stream string, parallel bool) {
	e := entry(1)
	e.Data = []byte(`{"kind":"tip","district":"Thái Thụy","commune":"Thụy Hải","place":"gần chợ",` +
		`"description":"Có người thường xuyên tụ tập sử dụng và mua bán trái phép chất ma tuý vào buổi tối, ` +
		`khoảng 20 giờ đến 23 giờ hằng ngày, đi xe máy không biển số, ra vào một ngôi nhà cấp bốn ở cuối ngõ, ` +
		`người dân xung quanh rất lo lắng vì có trẻ em đi học qua khu vực này.","when":"2026-11-28",` +
		`"receipt":"TB-7K3M-9Q2X","received":"2026-11-29T08:00:00Z"}`)
	ctx := context.Background()
	b.ResetTimer()
	if parallel {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e := e
				e.ID = fmt.Sprintf("bench-%d", n.Add(1)) // Redis publishes an id once
				if _, err := q.Publish(ctx, stream, e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for i := 0; i < b.N; i++ {
			e.ID = fmt.Sprintf("bench-%d", i)
			if _, err := q.Publish(ctx, stream, e); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkPublishRedis(b *testing.B) {
	c := redisClient(b)
	defer c.Close()
	prefix := queue.StreamPrefix + "bench-" + randHex(b) + "-"
	defer cleanRedis(b, c, prefix)
	benchPublish(b, queue.NewRedis(c), prefix+"police", false)
}

func BenchmarkPublishRedisParallel(b *testing.B) {
	c := redisClient(b)
	defer c.Close()
	prefix := queue.StreamPrefix + "bench-" + randHex(b) + "-"
	defer cleanRedis(b, c, prefix)
	benchPublish(b, queue.NewRedis(c), prefix+"police", true)
}

// BenchmarkPublishEmbedded: one synced (synchronous=FULL) transaction per
// entry; bound by the disk's fsync latency.
func BenchmarkPublishEmbedded(b *testing.B) {
	l, err := queue.OpenLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	benchPublish(b, l, queue.StreamPolice, false)
}

func BenchmarkPublishEmbeddedParallel(b *testing.B) {
	l, err := queue.OpenLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	benchPublish(b, l, queue.StreamPolice, true)
}

// BenchmarkConsumeEmbedded: read one entry and acknowledge it.
func BenchmarkConsumeEmbedded(b *testing.B) {
	l, err := queue.OpenLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	benchConsume(b, l, queue.StreamPolice)
}

// BenchmarkConsumeRedis: read one entry (with its delivery count) and
// acknowledge it.
func BenchmarkConsumeRedis(b *testing.B) {
	c := redisClient(b)
	defer c.Close()
	prefix := queue.StreamPrefix + "bench-" + randHex(b) + "-"
	defer cleanRedis(b, c, prefix)
	benchConsume(b, queue.NewRedis(c), prefix+"police")
}

func benchConsume(b *testing.B, q queue.Queue, stream string) {
	ctx := context.Background()
	if err := q.CreateGroup(ctx, stream, "desk"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := q.Publish(ctx, stream, entry(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := q.Read(ctx, stream, "desk", "c", 1, 0)
		if err != nil || len(m) != 1 {
			b.Fatalf("read = %d, %v", len(m), err)
		}
		if _, err := q.Ack(ctx, stream, "desk", m[0].StreamID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
