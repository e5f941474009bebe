package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
)

// privateRedis is a redis-server of the test's own, without persistence,
// on a port of its own, that the test may kill with SIGKILL and start
// again empty.
type privateRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
	c    *redis.Client
}

func newPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	r := &privateRedis{t: t, port: freePort(t)}
	r.c = redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(r.port)})
	t.Cleanup(func() { r.c.Close() })
	r.start()
	t.Cleanup(func() {
		if r.cmd != nil {
			r.cmd.Process.Kill()
			r.cmd.Wait()
		}
	})
	return r
}

func (r *privateRedis) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir())
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waitFor(r.t, 10*time.Second, "redis-server to answer", func() bool { return r.c.Ping(context.Background()).Err() == nil })
}

// kill9 kills the server with SIGKILL: everything it held is gone.
func (r *privateRedis) kill9() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// casesDB opens the portal's SQLite file in the data dir for counting
// (the portal may be running: WAL and a busy timeout let both work).
func casesDB(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "portal.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// deskPending is the number of entries the desk group has delivered but
// not acknowledged on stream (0 when the group does not exist yet).
func deskPending(c *redis.Client, stream string) int64 {
	p, err := c.XPending(context.Background(), stream, "desk").Result()
	if err != nil {
		return 0
	}
	return p.Count
}

// TestDeskConsumerSurvivesKill9: the portal is killed with SIGKILL while
// its desk consumer is taking 500 entries (200 committed, a batch read and
// not committed); after the restart there are exactly 500 cases, none lost
// and none twice, and nothing is pending.
func TestDeskConsumerSurvivesKill9(t *testing.T) {
	r := newPrivateRedis(t)
	ctx := context.Background()
	cat, err := intake.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	stream := cat.Routes[intake.KindTip].Queue
	q := queue.NewRedis(r.c)
	const n = 500
	for i := 0; i < n; i++ {
		tip, fe := cat.ValidateTip(intake.TipInput{Category: "mua-ban", Area: "vu-thu",
			Description: fmt.Sprintf("Tin báo thử số %03d: có người mua bán ma túy ở khu chợ.", i)})
		if fe != nil {
			t.Fatal(fe)
		}
		b, _ := json.Marshal(tip)
		if _, err := q.Publish(ctx, stream, queue.Entry{ID: fmt.Sprintf("kill9-%03d", i), Kind: intake.KindTip,
			ReceivedAt: time.Now().UTC().Truncate(time.Minute), Data: b}); err != nil {
			t.Fatal(err)
		}
	}
	dataDir := t.TempDir()
	env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + r.url(), "PORTAL_DESK_CLAIM_IDLE=2s",
		"PORTAL_SECRET=desk-kill-test-secret-0123456789"}
	// Make the moment of the kill certain, whatever the machine's speed:
	// the database takes the first 200 cases, then refuses to commit more
	// (a trigger, standing for a slow or failing commit), so the consumer
	// is holding a batch it has read and not committed when it dies.
	runPortalOK(t, env, "", "user", "list") // creates and migrates portal.db
	db := casesDB(t, dataDir)
	if _, err := db.Exec(`CREATE TRIGGER stall_desk BEFORE INSERT ON cases
		WHEN (SELECT count(*) FROM cases) >= 200
		BEGIN SELECT RAISE(ABORT, 'test: commit refused'); END`); err != nil {
		t.Fatal(err)
	}
	p := startPortal(t, env...)
	waitFor(t, 60*time.Second, "200 cases and a batch in flight", func() bool {
		return countRows(t, db, `SELECT count(*) FROM cases`) == 200 && deskPending(r.c, stream) > 0
	})
	p.kill9(t)
	t.Logf("killed with %d entries pending in the desk group and %d of %d cases committed",
		deskPending(r.c, stream), countRows(t, db, `SELECT count(*) FROM cases`), n)
	if _, err := db.Exec(`DROP TRIGGER stall_desk`); err != nil {
		t.Fatal(err)
	}

	p = startPortal(t, env...)
	defer p.stop(t)
	waitFor(t, 120*time.Second, "500 cases and nothing pending", func() bool {
		return countRows(t, db, `SELECT count(*) FROM cases`) >= n && deskPending(r.c, stream) == 0
	})
	time.Sleep(500 * time.Millisecond) // a late duplicate would show now
	if got := countRows(t, db, `SELECT count(*) FROM cases`); got != n {
		t.Errorf("%d cases, want exactly %d", got, n)
	}
	if got := countRows(t, db, `SELECT count(DISTINCT submission_id) FROM cases`); got != n {
		t.Errorf("%d distinct submissions, want %d", got, n)
	}
	if got := countRows(t, db, `SELECT count(*) FROM case_events WHERE type = 'received'`); got != n {
		t.Errorf("%d 'received' history lines, want %d (one per case)", got, n)
	}
	if st, _ := q.Stats(ctx, stream); st.DeadLetters != 0 {
		t.Errorf("%d entries dead-lettered", st.DeadLetters)
	}
}

// TestReceiptedSubmissionsSurviveRedisRestartedEmpty is issue 10, point 3:
// a Redis without persistence is killed with SIGKILL after 200 receipted
// submissions and started again empty; all 200 become cases, none twice.
// First with no desk consumer running (every submission is only on the
// stream when Redis dies, and must be sent again, once), then with the
// desk consumer working while Redis dies.
func TestReceiptedSubmissionsSurviveRedisRestartedEmpty(t *testing.T) {
	r := newPrivateRedis(t)
	ctx := context.Background()
	dataDir := t.TempDir()
	base := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + r.url(), "PORTAL_SECRET=redis-restart-test-secret-0123456789",
		"PORTAL_LIMIT_TIPS=10000/h", "PORTAL_LIMIT_STATUS=10000/h"}
	const stream = queue.StreamPolice
	submit := func(p *portalProc, from, to int) []string {
		receipts := make([]string, to-from)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := from; i < to; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				st, m := apiPost(t, p.URL, "/api/v1/tips", fmt.Sprintf(`{"category":"mua-ban","area":"vu-thu","description":"Tin báo số %03d gửi khi Redis sắp bị tắt đột ngột."}`, i), nil)
				if st != 202 {
					t.Errorf("tip %d: %d %v", i, st, m)
					return
				}
				receipts[i-from] = m["receipt"].(string)
			}(i)
		}
		wg.Wait()
		return receipts
	}
	xlen := func() int64 { n, _ := r.c.XLen(ctx, stream).Result(); return n }

	// Phase 1: no desk consumer. 200 receipts, all forwarded to Redis.
	p := startPortal(t, append(base, "PORTAL_DESK_CONSUMER=off")...)
	first := submit(p, 0, 200)
	waitFor(t, 60*time.Second, "200 entries on the stream", func() bool { return xlen() == 200 })
	r.kill9()
	r.start()
	if xlen() != 0 {
		t.Fatal("Redis came back with data: the test proves nothing")
	}
	// The forwarder sees a new epoch and sends the 200 again, once.
	waitFor(t, 60*time.Second, "the 200 sent again", func() bool { return xlen() == 200 })
	time.Sleep(6 * time.Second) // more than a forwarder poll: nothing is sent a third time
	if got := xlen(); got != 200 {
		t.Errorf("stream holds %d entries after the resend, want 200", got)
	}
	p.stop(t)
	// A portal with the desk consumer takes them: 200 cases.
	p = startPortal(t, base...)
	defer p.stop(t)
	db := casesDB(t, dataDir)
	waitFor(t, 60*time.Second, "200 cases", func() bool { return countRows(t, db, `SELECT count(*) FROM cases`) == 200 })

	// Phase 2: the desk consumer works while Redis dies right after the
	// 200th receipt.
	second := submit(p, 200, 400)
	r.kill9()
	atKill := countRows(t, db, `SELECT count(*) FROM cases`)
	r.start()
	t.Logf("Redis killed with %d of 400 cases committed", atKill)
	waitFor(t, 120*time.Second, "400 cases", func() bool { return countRows(t, db, `SELECT count(*) FROM cases`) >= 400 })
	time.Sleep(6 * time.Second)
	if got := countRows(t, db, `SELECT count(*) FROM cases`); got != 400 {
		t.Errorf("%d cases, want exactly 400", got)
	}
	if got := countRows(t, db, `SELECT count(DISTINCT submission_id) FROM cases`); got != 400 {
		t.Errorf("%d distinct submissions, want 400", got)
	}
	if got := countRows(t, db, `SELECT count(*) FROM intake_outbox`); got != 0 {
		t.Errorf("outbox still holds %d submissions a desk has", got)
	}
	// Every receipt shows its case.
	for _, rc := range append(first, second...) {
		st, m := apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+rc+`"}`, nil)
		if st != 200 || m["status"] != "new" || m["status_label"] != "Mới tiếp nhận" {
			t.Fatalf("status of %s: %d %v", rc, st, m)
		}
	}
}
