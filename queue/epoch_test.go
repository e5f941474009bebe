package queue_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/queue"
)

// TestEpochEmbedded: the embedded queue keeps its epoch in its file; a new
// file is a new epoch.
func TestEpochEmbedded(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	e1, err := l.Epoch(ctx)
	if err != nil || len(e1) != 32 {
		t.Fatalf("Epoch = %q, %v", e1, err)
	}
	if e, _ := l.Epoch(ctx); e != e1 {
		t.Errorf("second Epoch = %q, want %q", e, e1)
	}
	l.Close()
	l, err = queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e, _ := l.Epoch(ctx); e != e1 {
		t.Errorf("Epoch after reopening = %q, want %q", e, e1)
	}
	other, err := queue.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if e, _ := other.Epoch(ctx); e == e1 || e == "" {
		t.Errorf("a new queue file has epoch %q (old %q)", e, e1)
	}
}

// TestEpochRedisRestartedEmpty: a Redis without persistence killed and
// started again has a new epoch; the same Redis keeps its own. It runs on a
// redis-server of its own (the shared one is never restarted).
func TestEpochRedisRestartedEmpty(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	ctx := context.Background()
	cmd := start()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port, MaxRetries: -1})
	defer c.Close()
	q := queue.NewRedis(c)
	epoch := func() string {
		t.Helper()
		for i := 0; ; i++ {
			e, err := q.Epoch(ctx)
			if err == nil {
				return e
			}
			if i > 200 {
				t.Fatalf("Epoch: %v", err)
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	e1 := epoch()
	if e := epoch(); e != e1 {
		t.Errorf("same Redis, new epoch %q (was %q)", e, e1)
	}
	if typ, _ := c.Type(ctx, queue.EpochKey).Result(); typ != "string" {
		t.Errorf("%s is a %q", queue.EpochKey, typ)
	}
	if ttl, _ := c.TTL(ctx, queue.EpochKey).Result(); ttl != -1 {
		t.Errorf("%s expires (TTL %v): it must live as long as the streams", queue.EpochKey, ttl)
	}
	cmd.Process.Kill() // kill -9
	cmd.Wait()
	start()
	if e := epoch(); e == e1 {
		t.Errorf("Redis restarted empty kept epoch %q", e)
	}
}

// TestPublishReturnsStreamID: the id Publish returns is the one consumers
// see, on both engines.
func TestPublishReturnsStreamID(t *testing.T) {
	forEach(t, func(t *testing.T, q queue.Queue, _ func() queue.Queue, stream func(string) string) {
		ctx := context.Background()
		s := stream("ids")
		if err := q.CreateGroup(ctx, s, "g"); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := 0; i < 3; i++ {
			id, err := q.Publish(ctx, s, entry(i))
			if err != nil || id == "" {
				t.Fatalf("Publish = %q, %v", id, err)
			}
			ids = append(ids, id)
		}
		msgs, err := q.Read(ctx, s, "g", "c", 10, 0)
		if err != nil || len(msgs) != 3 {
			t.Fatalf("Read = %v, %v", msgs, err)
		}
		for i, m := range msgs {
			if m.StreamID != ids[i] || m.ID != entry(i).ID {
				t.Errorf("message %d: stream id %q, want %q", i, m.StreamID, ids[i])
			}
		}
	})
}
