package handlers

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// benchServer serves the real app over real HTTP on 127.0.0.1 with the
// production limiter (Redis + in-process fallback, or none) and the
// forwarder publishing to Redis Streams under a test prefix.
func benchServer(b *testing.B, withLimiter bool, engine string) (base string, env *intakeEnv, drained func() time.Duration) {
	limiter, rdb, prefix := testRedisLimiter(b)
	o := intakeOpts{engine: engine}
	if withLimiter {
		// A limit no benchmark reaches: every request pays for a decision.
		o.limiter = limiter
		o.limits = Limits{Tips: ratelimit.Limit{Rate: ratelimit.MaxRate, Period: time.Second}}
	}
	env = newIntakeEnv(b, o)
	cat := env.svc.Catalog()
	for k, r := range cat.Routes {
		r.Queue = "portal:queue:" + strings.TrimSuffix(prefix, ":") + "-" + strings.TrimPrefix(r.Queue, "portal:queue:")
		cat.Routes[k] = r
	}
	b.Cleanup(func() {
		for _, r := range cat.Routes {
			rdb.Del(context.Background(), r.Queue)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	fwd := &intake.Forwarder{DB: env.db, Marker: env.svc, Publisher: queue.NewRedis(rdb), Catalog: cat, Wake: env.svc.Wake()}
	done := make(chan struct{})
	go func() { fwd.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go env.app.Listener(ln)
	b.Cleanup(func() { env.app.Shutdown() })
	drained = func() time.Duration {
		start := time.Now()
		for {
			if n, _ := env.db.CountPendingSubmissions(context.Background()); n == 0 {
				return time.Since(start)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return "http://" + ln.Addr().String(), env, drained
}

const benchTip = `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối, thường sau 21 giờ."}`

func postTip(client *http.Client, base string) error {
	resp, err := client.Post(base+"/api/v1/tips", "application/json", strings.NewReader(benchTip))
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkTipThroughput: accepted tips per second over HTTP, 64 clients
// at once, each tip committed (fsynced) to the outbox before its 202, with
// the forwarder moving them to Redis Streams at the same time and the
// Redis rate limiter deciding every request. forwarded-ms is how long the
// forwarder still needed after the last 202 to empty the outbox.
func BenchmarkTipThroughput(b *testing.B) { benchTipThroughput(b, "sqlite") }

// BenchmarkTipThroughputPostgres is BenchmarkTipThroughput with the
// outbox in PostgreSQL (TEST_DATABASE_URL, a schema of its own): every
// 202 waits for a commit that PostgreSQL has flushed to its WAL
// (synchronous_commit on, the server's default).
func BenchmarkTipThroughputPostgres(b *testing.B) { benchTipThroughput(b, "postgres") }

func benchTipThroughput(b *testing.B, engine string) {
	base, env, drained := benchServer(b, true, engine)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	var failed atomic.Int64
	b.SetParallelism(32) // × GOMAXPROCS (2) = 64 concurrent clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := postTip(client, base); err != nil {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tips/s")
	b.ReportMetric(float64(drained().Milliseconds()), "forwarded-ms")
	_ = env
}

// BenchmarkTipLatency: one client, sequential requests; p50 and p99 of the
// whole request (HTTP, validation, durable commit) to two identical
// servers, one with the production rate limiter (Redis behind the
// in-process fallback) and one without any. Requests alternate between the
// two, so both see the same machine load, and the difference of the
// percentiles is what the limiter adds end to end.
func BenchmarkTipLatency(b *testing.B) {
	plain, _, _ := benchServer(b, false, "sqlite")
	limited, _, _ := benchServer(b, true, "sqlite")
	client := &http.Client{}
	postTip(client, plain) // warm the connections
	postTip(client, limited)
	var lp, ll []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		order := []string{plain, limited}
		if i%2 == 1 {
			order[0], order[1] = limited, plain
		}
		for _, base := range order {
			t0 := time.Now()
			if err := postTip(client, base); err != nil {
				b.Fatal(err)
			}
			if base == plain {
				lp = append(lp, time.Since(t0))
			} else {
				ll = append(ll, time.Since(t0))
			}
		}
	}
	b.StopTimer()
	pct := func(d []time.Duration, p int) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[len(d)*p/100].Microseconds())
	}
	b.ReportMetric(pct(lp, 50), "plain-p50-µs")
	b.ReportMetric(pct(lp, 99), "plain-p99-µs")
	b.ReportMetric(pct(ll, 50), "limited-p50-µs")
	b.ReportMetric(pct(ll, 99), "limited-p99-µs")
}
