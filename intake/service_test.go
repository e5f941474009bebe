package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
)

var testSecret = []byte("test-secret-0123456789abcdef")

func newTestService(t testing.TB) (*Service, *store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(Config{DB: db, Catalog: mustCatalog(t), Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); db.Close() })
	return svc, db, dir
}

func TestSubmitAndStatus(t *testing.T) {
	ctx := context.Background()
	svc, db, _ := newTestService(t)
	fixed := time.Date(2026, 11, 29, 18, 30, 0, 0, time.UTC) // 01:30 on 30/11 in Vietnam
	// Received 41.5 s past the minute; stored and queued to the minute.
	svc.now = func() time.Time { return fixed.Add(41*time.Second + 500*time.Millisecond) }
	tip, fe := svc.Catalog().ValidateTip(validTip())
	if fe != nil {
		t.Fatal(fe)
	}
	r, err := svc.SubmitTip(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Code) != 16 || r.Status != StatusReceived || !strings.HasPrefix(r.Agency, "Công an tỉnh") {
		t.Errorf("receipt = %+v", r)
	}
	select {
	case <-svc.Wake():
	default:
		t.Error("no wake-up after the commit")
	}
	st, err := svc.Status(ctx, FormatReceipt(r.Code))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{Kind: KindTip, Status: StatusReceived, StatusLabel: "Đã tiếp nhận",
		KindLabel: "Tin báo về tội phạm, tệ nạn ma túy", ReceivedOn: "2026-11-30"}
	rows, err := db.PendingSubmissions(ctx, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox = %+v, %v", rows, err)
	}
	want.SubmissionID = rows[0].ID
	if st != want {
		t.Errorf("status = %+v, want %+v", st, want)
	}
	if !rows[0].ReceivedAt.Equal(fixed) || rows[0].Kind != KindTip || len(rows[0].ID) != 32 {
		t.Errorf("outbox row = %+v", rows[0])
	}
	var stored Tip
	if err := json.Unmarshal(rows[0].Data, &stored); err != nil || !reflect.DeepEqual(stored, tip) {
		t.Errorf("stored data = %s (%v), want %+v", rows[0].Data, err, tip)
	}
	if strings.Contains(string(rows[0].Data), r.Code) {
		t.Error("receipt code stored in the outbox")
	}

	if _, err := svc.Status(ctx, "0000 0000 0000 0000"); !errors.Is(err, ErrUnknownReceipt) {
		t.Errorf("unknown receipt: %v", err)
	}
	if _, err := svc.Status(ctx, "12"); !errors.Is(err, ErrReceiptFormat) {
		t.Errorf("short receipt: %v", err)
	}
}

// TestNoReceiptInDatabaseFile checks that the receipt code appears nowhere
// in the data dir: only its keyed hash is kept.
func TestNoReceiptInDatabaseFile(t *testing.T) {
	ctx := context.Background()
	svc, db, dir := newTestService(t)
	e, fe := svc.Catalog().ValidateEnquiry(validEnquiry())
	if fe != nil {
		t.Fatal(fe)
	}
	r, err := svc.SubmitEnquiry(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()
	db.Close()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), r.Code) {
			t.Errorf("%s contains the receipt code", f)
		}
	}
}

func TestGroupCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	svc, db, _ := newTestService(t)
	tip, _ := svc.Catalog().ValidateTip(validTip())
	const n = 64
	var wg sync.WaitGroup
	codes := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := svc.SubmitTip(ctx, tip)
			codes[i], errs[i] = r.Code, err
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		// Every receipt is answerable the moment SubmitTip returned.
		if st, err := svc.Status(ctx, codes[i]); err != nil || st.Status != StatusReceived {
			t.Errorf("receipt %d: %+v, %v", i, st, err)
		}
	}
	if c, _ := db.CountPendingSubmissions(ctx); c != n {
		t.Errorf("outbox holds %d, want %d", c, n)
	}
	svc.Close()
	if _, err := svc.SubmitTip(ctx, tip); !errors.Is(err, ErrClosed) {
		t.Errorf("submit after Close: %v", err)
	}
}

// testRedis connects to the shared Redis on DB 9, or skips when it does not
// answer (CI starts it, so the test runs there).
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(redistest.SharedURLDB(9))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis at %s does not answer: %v", opt.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// withTestStreams points the catalog's routes at streams of a random
// prefix and deletes them at the end.
func withTestStreams(t testing.TB, c *Catalog, rdb *redis.Client) {
	t.Helper()
	id, _ := newID()
	prefix := "portal:queue:test-" + id[:12] + "-"
	for k, r := range c.Routes {
		r.Queue = prefix + strings.TrimPrefix(r.Queue, "portal:queue:")
		c.Routes[k] = r
	}
	t.Cleanup(func() {
		// The streams and the publish markers (queue.PublishedKey).
		redistest.Clean(t, rdb, prefix)
	})
}

func TestForwarderRedis(t *testing.T) {
	ctx := context.Background()
	rdb := testRedis(t)
	svc, db, _ := newTestService(t)
	cat := svc.Catalog()
	withTestStreams(t, cat, rdb)

	tip, _ := cat.ValidateTip(validTip())
	enq, _ := cat.ValidateEnquiry(validEnquiry())
	rt, err := svc.SubmitTip(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	re, err := svc.SubmitEnquiry(ctx, enq)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := db.PendingSubmissions(ctx, 10)
	ids := map[string]string{}
	for _, p := range pending {
		ids[p.Kind] = p.ID
	}

	f := &Forwarder{DB: db, Marker: svc, Publisher: queue.NewRedis(rdb), Catalog: cat}
	n, err := f.ForwardPending(ctx)
	if err != nil || n != 2 {
		t.Fatalf("ForwardPending = %d, %v; want 2", n, err)
	}
	for kind, data := range map[string]any{KindTip: tip, KindRehabEnquiry: enq} {
		stream := cat.Routes[kind].Queue
		msgs, err := rdb.XRange(ctx, stream, "-", "+").Result()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %d entries, %v", stream, len(msgs), err)
		}
		v := msgs[0].Values
		wantData, _ := json.Marshal(data)
		if v["id"] != ids[kind] || v["kind"] != kind || v["data"] != string(wantData) {
			t.Errorf("%s entry = %v", stream, v)
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v["received_at"])); err != nil {
			t.Errorf("received_at %v: %v", v["received_at"], err)
		}
		if len(v) != 4 {
			t.Errorf("entry has fields %v, want exactly id, kind, received_at, data", v)
		}
	}
	if c, _ := db.CountPendingSubmissions(ctx); c != 0 {
		t.Errorf("outbox has %d rows still to send after forwarding", c)
	}
	// Sent, but kept until a desk has them (issue 10, point 3).
	if st, _ := db.OutboxStats(ctx); st.Sent != 2 {
		t.Errorf("outbox after forwarding: %+v, want 2 sent rows kept", st)
	}
	for _, code := range []string{rt.Code, re.Code} {
		st, err := svc.Status(ctx, code)
		if err != nil || st.Status != StatusForwarded || st.StatusLabel != "Đã chuyển đến cơ quan chức năng" {
			t.Errorf("status after forwarding = %+v, %v", st, err)
		}
	}
}

// TestForwarderRetriesWhileRedisDown publishes through a client pointed at a
// port where nothing listens: rows stay, the error is returned; then the
// same rows go out through a working client.
func TestForwarderRetriesWhileRedisDown(t *testing.T) {
	ctx := context.Background()
	rdb := testRedis(t)
	svc, db, _ := newTestService(t)
	cat := svc.Catalog()
	withTestStreams(t, cat, rdb)
	tip, _ := cat.ValidateTip(validTip())
	for i := 0; i < 3; i++ {
		if _, err := svc.SubmitTip(ctx, tip); err != nil {
			t.Fatal(err)
		}
	}
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	f := &Forwarder{DB: db, Publisher: queue.NewRedis(dead), Catalog: cat}
	if n, err := f.ForwardPending(ctx); err == nil || n != 0 {
		t.Fatalf("ForwardPending with Redis down = %d, %v", n, err)
	}
	if c, _ := db.CountPendingSubmissions(ctx); c != 3 {
		t.Fatalf("outbox holds %d, want 3", c)
	}

	// Run with the working client: the wake-up or the first pass sends all.
	f2 := &Forwarder{DB: db, Publisher: queue.NewRedis(rdb), Catalog: cat, Wake: svc.Wake(), PollInterval: 20 * time.Millisecond}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f2.Run(runCtx) }()
	for i := 0; ; i++ {
		if c, _ := db.CountPendingSubmissions(ctx); c == 0 {
			break
		}
		if i > 500 {
			t.Fatal("outbox not drained")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if n, _ := rdb.XLen(ctx, cat.Routes[KindTip].Queue).Result(); n != 3 {
		t.Errorf("stream holds %d entries, want 3", n)
	}
}

func TestForwarderLocalQueue(t *testing.T) {
	ctx := context.Background()
	svc, db, dir := newTestService(t)
	cat := svc.Catalog()
	q, err := queue.OpenLocal(filepath.Join(dir, "q"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	enq, _ := cat.ValidateEnquiry(validEnquiry())
	if _, err := svc.SubmitEnquiry(ctx, enq); err != nil {
		t.Fatal(err)
	}
	f := &Forwarder{DB: db, Publisher: q, Catalog: cat}
	if n, err := f.ForwardPending(ctx); err != nil || n != 1 {
		t.Fatalf("ForwardPending = %d, %v", n, err)
	}
	stream := cat.Routes[KindRehabEnquiry].Queue
	if err := q.CreateGroup(ctx, stream, "test"); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Read(ctx, stream, "test", "c1", 10, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Kind != KindRehabEnquiry {
		t.Fatalf("read %+v, %v", msgs, err)
	}
	var got Enquiry
	if err := json.Unmarshal(msgs[0].Data, &got); err != nil || got.Phone != "+84912345678" {
		t.Errorf("entry data = %s", msgs[0].Data)
	}
}

func TestBackoff(t *testing.T) {
	f := &Forwarder{MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}
	for failures, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 10: 2 * time.Second, 100: 2 * time.Second} {
		for i := 0; i < 50; i++ {
			d := f.backoff(failures)
			if d < max/2 || d > max {
				t.Errorf("backoff(%d) = %v, want in [%v, %v]", failures, d, max/2, max)
			}
		}
	}
}

// TestForwarderRunSurvivesRedisOutage: the forwarder runs against a Redis
// that is not there yet; tips wait in the outbox while it backs off; a
// redis-server then starts on that port and the same running forwarder
// delivers every tip once.
func TestForwarderRunSurvivesRedisOutage(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx := context.Background()
	svc, db, _ := newTestService(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	f := &Forwarder{DB: db, Marker: svc, Publisher: queue.NewRedis(rdb), Catalog: svc.Catalog(), Wake: svc.Wake(),
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, PollInterval: time.Hour}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(runCtx) }()
	defer func() { cancel(); <-done }()

	tip, _ := svc.Catalog().ValidateTip(validTip())
	const n = 5
	for i := 0; i < n; i++ {
		if _, err := svc.SubmitTip(ctx, tip); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := db.CountPendingSubmissions(ctx); c != n {
		t.Fatalf("outbox holds %d while Redis is down, want %d", c, n)
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for i := 0; ; i++ {
		if c, _ := db.CountPendingSubmissions(ctx); c == 0 {
			break
		}
		if i > 1000 {
			t.Fatal("outbox not drained after Redis came back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, _ := rdb.XLen(ctx, "portal:queue:police").Result(); got != n {
		t.Errorf("stream holds %d, want %d", got, n)
	}
}

// TestForwarderResendsWhatTheQueueForgot: issue 10, point 3. Rows stay in
// the outbox after forwarding; when the queue comes back with a new epoch
// (a Redis restarted empty; here a new embedded queue file), every row no
// desk has taken is sent again, once, and a row a desk took is not.
func TestForwarderResendsWhatTheQueueForgot(t *testing.T) {
	ctx := context.Background()
	svc, db, _ := newTestService(t)
	cat := svc.Catalog()
	q1, err := queue.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer q1.Close()
	tip, _ := cat.ValidateTip(validTip())
	for i := 0; i < 3; i++ {
		if _, err := svc.SubmitTip(ctx, tip); err != nil {
			t.Fatal(err)
		}
	}
	f := &Forwarder{DB: db, Marker: svc, Publisher: q1, Catalog: cat}
	if n, err := f.ForwardPending(ctx); err != nil || n != 3 {
		t.Fatalf("ForwardPending = %d, %v; want 3", n, err)
	}
	if n, err := f.ForwardPending(ctx); err != nil || n != 0 {
		t.Fatalf("second ForwardPending = %d, %v; want 0 (nothing due)", n, err)
	}
	// A desk takes the first one.
	st1, _ := q1.Stats(ctx, cat.Routes[KindTip].Queue)
	if st1.Length != 3 {
		t.Fatalf("queue holds %d entries, want 3", st1.Length)
	}
	rows, _ := db.SQL().QueryContext(ctx, `SELECT id FROM intake_outbox ORDER BY seq`)
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	if _, err := db.CreateCases(ctx, []store.NewCase{{SubmissionID: ids[0], Desk: "police", Kind: KindTip, Status: "new",
		ReceivedAt: time.Now(), Content: []byte(`{}`)}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The queue forgets everything: a new queue with a new epoch.
	q2, err := queue.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer q2.Close()
	f.Publisher = q2
	if n, err := f.ForwardPending(ctx); err != nil || n != 2 {
		t.Fatalf("after the queue forgot: ForwardPending = %d, %v; want 2", n, err)
	}
	if n, err := f.ForwardPending(ctx); err != nil || n != 0 {
		t.Fatalf("sent again twice: ForwardPending = %d, %v; want 0", n, err)
	}
	st2, _ := q2.Stats(ctx, cat.Routes[KindTip].Queue)
	if st2.Length != 2 {
		t.Errorf("new queue holds %d entries, want the 2 no desk had", st2.Length)
	}
	// A second forwarder (another instance) that saw the old epoch does
	// not send them a third time.
	f2 := &Forwarder{DB: db, Publisher: q2, Catalog: cat, epoch: "old"}
	if n, err := f2.ForwardPending(ctx); err != nil || n != 0 {
		t.Errorf("second instance: ForwardPending = %d, %v; want 0", n, err)
	}
}
