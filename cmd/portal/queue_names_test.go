package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/queue"
)

// TestQueueCommandRefusesTypos: with the embedded queue, stats, consume
// and trim refuse a data dir that does not exist (and do not create it);
// consume refuses an unknown queue name unless --any-stream is given, and
// creates no stream for it.
func TestQueueCommandRefusesTypos(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	missing := filepath.Join(t.TempDir(), "dataa")
	for _, args := range [][]string{
		{"stats", "--data-dir", missing},
		{"trim", "--data-dir", missing},
		{"consume", "--queue", "police", "--data-dir", missing},
	} {
		err := runQueue(ctx, args, noEnv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "không tồn tại") || !strings.Contains(err.Error(), missing) {
			t.Errorf("%v: %v", args, err)
		}
		if _, err := os.Stat(missing); !os.IsNotExist(err) {
			t.Fatalf("%v created the data dir", args)
		}
	}

	dir := t.TempDir()
	for _, name := range []string{"nope", "polce", "portal:queue:nope", "nope:dead"} {
		err := runQueue(ctx, []string{"consume", "--queue", name, "--data-dir", dir}, noEnv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "không phải hàng đợi đã biết") || !strings.Contains(err.Error(), "--any-stream") {
			t.Errorf("--queue %s: %v", name, err)
		}
	}
	for _, name := range []string{"police", "social-affairs", "police:dead", "social-affairs:dead",
		queue.StreamPolice, queue.StreamSocialAffairs, queue.DeadLetterStream(queue.StreamSocialAffairs)} {
		if err := runQueue(ctx, []string{"consume", "--queue", name, "--data-dir", dir}, noEnv, io.Discard, io.Discard); err != nil {
			t.Errorf("--queue %s: %v", name, err)
		}
	}
	q, err := queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := q.Streams(ctx)
	q.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		if strings.Contains(s, "nope") || strings.Contains(s, "polce") {
			t.Errorf("an unknown name created stream %s", s)
		}
	}
	if err := runQueue(ctx, []string{"consume", "--any-stream", "--queue", "nope", "--data-dir", dir}, noEnv, io.Discard, io.Discard); err != nil {
		t.Errorf("--any-stream --queue nope: %v", err)
	}
}
