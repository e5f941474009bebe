// Package redistest gives tests a Redis: the shared one named by
// TEST_REDIS_URL (default redis://127.0.0.1:6379), with a key prefix of
// their own, or a redis-server of their own, started on a free port in a
// temporary directory, for tests that must stall, kill or reconfigure it
// (never done to the shared one).
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedURL is TEST_REDIS_URL, or redis://127.0.0.1:6379 when unset.
func SharedURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// Shared returns a client on SharedURL and a fresh random key prefix
// ("test-<hex>:"), and deletes every key under the prefix when the test
// ends. It skips the test when that Redis does not answer.
func Shared(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt, err := redis.ParseURL(SharedURL())
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis at %s does not answer: %v", opt.Addr, err)
	}
	prefix := "test-" + RandHex(t) + ":"
	t.Cleanup(func() {
		Clean(t, c, prefix)
		c.Close()
	})
	return c, prefix
}

// Clean deletes every key that contains prefix (SCAN MATCH *prefix*).
func Clean(t testing.TB, c *redis.Client, prefix string) {
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "*"+prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("clean up keys with %s: %v", prefix, err)
	}
}

// RandHex is 12 random hex digits.
func RandHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Server is a redis-server of the test's own: no persistence, DEBUG
// allowed from loopback, on a free port, stopped when the test ends.
type Server struct {
	t    testing.TB
	dir  string
	Port int
	Args []string // extra arguments given to every start

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a redis-server of the test's own; it skips the test when
// redis-server is not installed.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, dir: t.TempDir(), Port: port, Args: args}
	s.Restart()
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// URL is the redis:// URL of database db on the server.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr(), db) }

// Client returns a new client on database 0, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// Restart starts the server (again) on the same port, empty, and waits
// until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("redistest: Restart while running")
	}
	args := append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--enable-debug-command", "local"}, s.Args...)
	cmd := exec.Command("redis-server", args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1})
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatal("redistest: redis-server did not answer")
}

// Kill stops the server with SIGKILL (what a crash does) and waits for it.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Stall makes the server answer nobody for d (DEBUG SLEEP on a connection
// of its own). It returns once the stall has begun — a PING on another
// connection goes unanswered for 50 ms — so that a loaded machine cannot
// start the caller's requests before it; the returned channel is closed
// when the stall is over. The stall is what a busy Redis does (a slow
// command, a long script, a fork): commands wait, none fails.
func (s *Server) Stall(d time.Duration) <-chan struct{} {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: d + 5*time.Second, MaxRetries: -1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.Close()
		c.Do(context.Background(), "DEBUG", "SLEEP", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
	}()
	probe := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: 50 * time.Millisecond, MaxRetries: -1, PoolSize: 1})
	defer probe.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-done:
			s.t.Fatalf("redistest: the stall of %v ended before it could be seen", d)
		default:
		}
		if err := probe.Ping(context.Background()).Err(); err != nil {
			break // no answer within 50 ms: the sleep has begun
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Cleanup(func() { <-done })
	return done
}

// Dir is the server's working directory (where a dump would go).
func (s *Server) Dir() string { return filepath.Clean(s.dir) }
