package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/queue"
)

// queueTestRedisURL is the Redis DB the queue command tests use; each run
// also uses its own random stream names and deletes them.
var queueTestRedisURL = redistest.SharedURLDB(14)

// queueEngine is one engine the real binary is run against.
type queueEngine struct {
	name string
	env  []string    // REDIS_URL or PORTAL_DATA_DIR for the binary
	q    queue.Queue // the same storage, opened by the test process
}

// TestQueueCommand builds the real binary and runs "portal queue consume"
// and "portal queue stats" against Redis and against the embedded queue,
// while the test process publishes into the same storage (as "portal serve"
// would).
func TestQueueCommand(t *testing.T) {
	bin := portalBinary(t)
	var engines []queueEngine

	dir := t.TempDir()
	local, err := queue.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	engines = append(engines, queueEngine{name: "embedded", env: []string{"PORTAL_DATA_DIR=" + dir}, q: local})

	opt, _ := redis.ParseURL(queueTestRedisURL)
	client := redis.NewClient(opt)
	defer client.Close()
	pctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	if err := client.Ping(pctx).Err(); err != nil {
		t.Logf("Redis does not answer (%v): only the embedded engine is tested", err)
	} else {
		engines = append(engines, queueEngine{name: "redis",
			env: []string{"REDIS_URL=" + queueTestRedisURL, "PORTAL_DATA_DIR=" + t.TempDir()}, q: queue.NewRedis(client)})
	}
	cancel()

	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			b := make([]byte, 5)
			rand.Read(b)
			short := "test-" + hex.EncodeToString(b) + "-police"
			stream := queue.StreamPrefix + short
			t.Cleanup(func() { client.Del(context.Background(), stream, queue.DeadLetterStream(stream)) })
			t.Run("consume while publishing", func(t *testing.T) { testConsumeWhilePublishing(t, bin, e, short, stream) })
			t.Run("claim and dead-letter", func(t *testing.T) { testConsumeClaimsAndDeadLetters(t, bin, e, short+"-2", stream+"-2") })
			client.Del(context.Background(), stream+"-2", queue.DeadLetterStream(stream+"-2"))
			t.Run("two consumer processes", func(t *testing.T) { testTwoConsumerProcesses(t, bin, e, short+"-3", stream+"-3") })
			client.Del(context.Background(), stream+"-3", queue.DeadLetterStream(stream+"-3"))
			t.Run("unknown kinds are dead-lettered", func(t *testing.T) { testConsumeDeadLettersUnknownKinds(t, bin, e, short+"-4", stream+"-4") })
			client.Del(context.Background(), stream+"-4", queue.DeadLetterStream(stream+"-4"))
			t.Run("exec", func(t *testing.T) { testConsumeExec(t, bin, e, short+"-5", stream+"-5") })
			client.Del(context.Background(), stream+"-5", queue.DeadLetterStream(stream+"-5"))
		})
	}
}

// runQueueBinary runs the binary with args and env and returns stdout and stderr.
func runQueueBinary(t *testing.T, bin string, env []string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func queueTestEntry(i int) queue.Entry {
	return queue.Entry{
		ID:         fmt.Sprintf("sub-%d", i),
		Kind:       "tip",
		ReceivedAt: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
		Data:       json.RawMessage(fmt.Sprintf(`{"n":%d,"mo_ta":"bán ma tuý gần chợ"}`, i)),
	}
}

// consumedQueueLines parses the JSON lines of consume and checks their keys.
func consumedQueueLines(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := []string{"data", "deliveries", "id", "kind", "received_at", "stream_id"}
		if !reflect.DeepEqual(keys, want) {
			t.Fatalf("line keys = %v, want %v", keys, want)
		}
		out = append(out, m)
	}
	return out
}

func checkConsumedLine(t *testing.T, m map[string]any, i int, deliveries float64) {
	t.Helper()
	e := queueTestEntry(i)
	data, _ := json.Marshal(m["data"])
	var want any
	json.Unmarshal(e.Data, &want)
	wantData, _ := json.Marshal(want)
	if m["id"] != e.ID || m["kind"] != "tip" || m["received_at"] != e.ReceivedAt.Format(time.RFC3339) ||
		string(data) != string(wantData) || m["deliveries"] != deliveries || m["stream_id"] == "" {
		t.Fatalf("line = %v, want entry %d with %v deliveries", m, i, deliveries)
	}
	// No time finer than a minute in the output: a Redis stream id is the
	// start of a minute and a sequence number; the embedded queue's a
	// sequence number.
	id, _ := m["stream_id"].(string)
	if ms, _, ok := strings.Cut(id, "-"); ok {
		if n, err := strconv.ParseInt(ms, 10, 64); err != nil || n%60000 != 0 {
			t.Fatalf("stream_id %q places the entry finer than a minute", id)
		}
	}
}

func queueGroupStats(t *testing.T, q queue.Queue, stream, group string) (queue.StreamStats, queue.GroupStats) {
	t.Helper()
	st, err := q.Stats(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range st.Groups {
		if g.Name == group {
			return st, g
		}
	}
	t.Fatalf("no group %s in %+v", group, st)
	return st, queue.GroupStats{}
}

func testConsumeWhilePublishing(t *testing.T, bin string, e queueEngine, short, stream string) {
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := e.q.Publish(ctx, stream, queueTestEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	// Start the consumer, wait for its first two lines, then publish two
	// more while it waits (--wait 90s, --max 4): as "portal serve" would.
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency",
		"--consumer", "cli", "--max", "4", "--wait", "90s")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, e.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	var stdout strings.Builder
	for i := 0; i < 4 && sc.Scan(); i++ {
		stdout.WriteString(sc.Text() + "\n")
		if i == 1 {
			for j := 2; j < 4; j++ {
				if _, err := e.q.Publish(ctx, stream, queueTestEntry(j)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	rest, _ := io.ReadAll(pipe)
	stdout.Write(rest)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("consume: %v\n%s", err, stderr.String())
	}
	r := struct{ stdout string }{stdout.String()}
	lines := consumedQueueLines(t, r.stdout)
	if len(lines) != 4 {
		t.Fatalf("consume printed %d lines, want 4:\n%s", len(lines), r.stdout)
	}
	for i, m := range lines {
		checkConsumedLine(t, m, i, 1)
	}
	// Every printed message was acknowledged after printing.
	st, g := queueGroupStats(t, e.q, stream, "agency")
	if st.Length != 4 || g.Pending != 0 || g.Lag != 0 || g.Consumers != 0 {
		t.Fatalf("after consume: %+v %+v, want length 4, 0 pending, lag 0, the exited consumer removed", st, g)
	}
	// Nothing left: with --wait 0 it exits at once and prints nothing.
	o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", stream, "--group", "agency")
	if err != nil || o != "" {
		t.Fatalf("second consume = %q, %v\n%s", o, err, s)
	}

	// stats, as JSON and as a table.
	o, s, err = runQueueBinary(t, bin, e.env, "queue", "stats", "--queue", short, "--json")
	if err != nil {
		t.Fatalf("stats: %v\n%s", err, s)
	}
	var all []queue.StreamStats
	if err := json.Unmarshal([]byte(o), &all); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, o)
	}
	if len(all) != 1 || all[0].Stream != stream || all[0].Length != 4 || len(all[0].Groups) != 1 ||
		all[0].Groups[0].Name != "agency" || all[0].Groups[0].Pending != 0 || all[0].DeadLetters != 0 {
		t.Fatalf("stats --json = %+v", all)
	}
	o, s, err = runQueueBinary(t, bin, e.env, "queue", "stats", "--queue", short)
	if err != nil {
		t.Fatalf("stats: %v\n%s", err, s)
	}
	if !strings.Contains(o, "HÀNG ĐỢI") || !strings.Contains(o, stream) || !strings.Contains(o, "agency") {
		t.Fatalf("stats table:\n%s", o)
	}

	// trim removes what every group acknowledged, here all four.
	o, s, err = runQueueBinary(t, bin, e.env, "queue", "trim", "--queue", short)
	if err != nil || o != stream+": đã xoá 4 tin mọi nhóm đã xác nhận\n" {
		t.Fatalf("trim = %q, %v\n%s", o, err, s)
	}
	if st, g := queueGroupStats(t, e.q, stream, "agency"); st.Length != 0 || g.Pending != 0 {
		t.Fatalf("after trim: %+v", st)
	}
}

func testConsumeClaimsAndDeadLetters(t *testing.T, bin string, e queueEngine, short, stream string) {
	ctx := context.Background()
	if err := e.q.CreateGroup(ctx, stream, "agency"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.q.Publish(ctx, stream, queueTestEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	// A consumer takes both and dies.
	got, err := e.q.Read(ctx, stream, "agency", "crashed", 2, 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("read = %d, %v", len(got), err)
	}
	// Another crashing consumer claims both (2 deliveries each) and
	// handles only entry 0.
	c, err := e.q.Claim(ctx, stream, "agency", "crashed-2", 0, 2)
	if err != nil || len(c) != 2 || c[1].Deliveries != 2 {
		t.Fatalf("claim = %+v, %v", c, err)
	}
	if _, err := e.q.Ack(ctx, stream, "agency", c[0].StreamID); err != nil {
		t.Fatal(err)
	}
	// Three more crashes raise entry 1's count to 5.
	for d := int64(3); d <= 5; d++ {
		c, err := e.q.Claim(ctx, stream, "agency", "crashed-2", 0, 2)
		if err != nil || len(c) != 1 || c[0].Deliveries != d {
			t.Fatalf("claim = %+v, %v; want entry 1 with %d deliveries", c, err, d)
		}
	}
	if _, err := e.q.Publish(ctx, stream, queueTestEntry(2)); err != nil {
		t.Fatal(err)
	}
	e.q.Read(ctx, stream, "agency", "crashed", 1, 0) // entry 2: delivered once, never acked
	// The consumer claims both (--claim-idle 0): entry 2 is printed with 2
	// deliveries; entry 1 (6th delivery > 5) goes to the dead-letter stream.
	o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency",
		"--consumer", "cli", "--claim-idle", "0s", "--max-deliveries", "5")
	if err != nil {
		t.Fatalf("consume: %v\n%s", err, s)
	}
	lines := consumedQueueLines(t, o)
	if len(lines) != 1 {
		t.Fatalf("consume printed %d lines, want 1:\n%s", len(lines), o)
	}
	checkConsumedLine(t, lines[0], 2, 2)
	if !strings.Contains(s, queue.DeadLetterStream(stream)) || !strings.Contains(s, "sub-1") {
		t.Fatalf("stderr does not report the dead-letter move:\n%s", s)
	}
	st, g := queueGroupStats(t, e.q, stream, "agency")
	if g.Pending != 0 || st.DeadLetters != 1 {
		t.Fatalf("after consume: %+v, want 0 pending, 1 dead letter", st)
	}
	// The dead-letter stream is a queue like the others.
	o, s, err = runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short+":dead", "--group", "review")
	if err != nil {
		t.Fatalf("consume dead: %v\n%s", err, s)
	}
	var dead map[string]any
	if err := json.Unmarshal([]byte(o), &dead); err != nil {
		t.Fatalf("dead line %q: %v", o, err)
	}
	if dead["id"] != "sub-1" || dead["dead_group"] != "agency" || dead["dead_deliveries"] != float64(6) ||
		dead["dead_reason"] != queue.ReasonMaxDeliveries {
		t.Fatalf("dead line = %v", dead)
	}
}

// testConsumeDeadLettersUnknownKinds: an entry whose kind the portal does
// not route, written into a queue by someone else, is not printed as if it
// were a tip: consume moves it to the dead-letter stream with
// dead_reason "unknown_kind: <kind>", and the real entries around it are
// printed.
func testConsumeDeadLettersUnknownKinds(t *testing.T, bin string, e queueEngine, short, stream string) {
	ctx := context.Background()
	forged := queueTestEntry(1)
	forged.ID, forged.Kind = "forged", "payment"
	for _, en := range []queue.Entry{queueTestEntry(0), forged, queueTestEntry(2)} {
		if _, err := e.q.Publish(ctx, stream, en); err != nil {
			t.Fatal(err)
		}
	}
	o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency", "--consumer", "cli")
	if err != nil {
		t.Fatalf("consume: %v\n%s", err, s)
	}
	lines := consumedQueueLines(t, o)
	if len(lines) != 2 {
		t.Fatalf("consume printed %d lines, want the 2 real entries:\n%s", len(lines), o)
	}
	checkConsumedLine(t, lines[0], 0, 1)
	checkConsumedLine(t, lines[1], 2, 1)
	if !strings.Contains(s, "forged") || !strings.Contains(s, `"payment"`) {
		t.Fatalf("stderr does not report the forged entry:\n%s", s)
	}
	o, s, err = runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short+":dead", "--group", "review")
	if err != nil {
		t.Fatalf("consume dead: %v\n%s", err, s)
	}
	var dead map[string]any
	if err := json.Unmarshal([]byte(o), &dead); err != nil {
		t.Fatalf("dead line %q: %v", o, err)
	}
	if dead["id"] != "forged" || dead["kind"] != "payment" || dead["dead_reason"] != "unknown_kind: payment" {
		t.Fatalf("dead line = %v", dead)
	}
}

// testTwoConsumerProcesses runs two consumer processes of one group at the
// same time: together they print every entry exactly once and leave
// nothing pending.
func testTwoConsumerProcesses(t *testing.T, bin string, e queueEngine, short, stream string) {
	const n = 40
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if _, err := e.q.Publish(ctx, stream, queueTestEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	outs := make(chan string, 2)
	for _, name := range []string{"one", "two"} {
		go func() {
			o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency",
				"--consumer", name, "--wait", "1s")
			if err != nil {
				t.Errorf("consumer %s: %v\n%s", name, err, s)
			}
			outs <- o
		}()
	}
	seen := map[string]int{}
	for i := 0; i < 2; i++ {
		for _, m := range consumedQueueLines(t, <-outs) {
			seen[m["id"].(string)]++
		}
	}
	for i := 0; i < n; i++ {
		if id := queueTestEntry(i).ID; seen[id] != 1 {
			t.Errorf("%s printed %d times, want once", id, seen[id])
		}
	}
	if st, g := queueGroupStats(t, e.q, stream, "agency"); g.Pending != 0 || g.Lag != 0 || st.Length != n {
		t.Fatalf("after two consumers: %+v", st)
	}
}

// testConsumeExec: "consume --exec CMD" hands each message to CMD as JSON
// on its stdin and acknowledges only those CMD took (exit 0); the others
// stay pending and a later run gets exactly those again.
func testConsumeExec(t *testing.T, bin string, e queueEngine, short, stream string) {
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if _, err := e.q.Publish(ctx, stream, queueTestEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	// The command fails for sub-1, sub-3 and sub-5 and keeps the others.
	first, again := t.TempDir(), t.TempDir()
	failSome := `case "$PORTAL_MESSAGE_ID" in sub-1|sub-3|sub-5) echo "không xử lý được $PORTAL_MESSAGE_ID" >&2; exit 3;; esac; cat > "` + first + `/$PORTAL_MESSAGE_ID.json"`
	o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency", "--exec", failSome)
	if err == nil || !strings.Contains(s, "sẽ được giao lại") || !strings.Contains(s, "không xử lý được sub-3") {
		t.Fatalf("consume --exec with failures: %v\nstdout %s\nstderr %s", err, o, s)
	}
	if got := fileNames(t, first); got != "sub-0 sub-2 sub-4 sub-6 sub-7 sub-8 sub-9" {
		t.Errorf("taken by the command: %s", got)
	}
	b, _ := os.ReadFile(first + "/sub-4.json")
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["id"] != "sub-4" || m["deliveries"] != float64(1) {
		t.Errorf("stdin of the command: %q", b)
	}
	if _, g := queueGroupStats(t, e.q, stream, "agency"); g.Pending != 3 {
		t.Errorf("pending after the first run: %d, want the 3 failed", g.Pending)
	}
	// A second run (claiming at once) gets exactly those three again.
	takeAll := `cat > "` + again + `/$PORTAL_MESSAGE_ID.json"`
	if o, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "agency",
		"--claim-idle", "0", "--exec", takeAll); err != nil {
		t.Fatalf("second run: %v\n%s\n%s", err, o, s)
	}
	if got := fileNames(t, again); got != "sub-1 sub-3 sub-5" {
		t.Errorf("delivered again: %s, want exactly sub-1 sub-3 sub-5", got)
	}
	b, _ = os.ReadFile(again + "/sub-3.json")
	if json.Unmarshal(b, &m); m["deliveries"] != float64(2) {
		t.Errorf("second delivery of sub-3: %q", b)
	}
	if _, g := queueGroupStats(t, e.q, stream, "agency"); g.Pending != 0 || g.Lag != 0 {
		t.Errorf("group after both runs: %+v", g)
	}
	// The group "desk" is the portal's own.
	if _, s, err := runQueueBinary(t, bin, e.env, "queue", "consume", "--any-stream", "--queue", short, "--group", "desk"); err == nil || !strings.Contains(s, "nhóm của chính cổng thông tin") {
		t.Errorf("consume --group desk: %v %s", err, s)
	}
}

// fileNames lists the base names (without .json) of the files in dir.
func fileNames(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
