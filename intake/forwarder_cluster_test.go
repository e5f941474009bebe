package intake

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// openInstance opens the store on dsn's schema as one instance (its own
// pool), named app in pg_stat_activity.
func openInstance(t *testing.T, dsn, app string) *store.DB {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	db, err := store.OpenPostgres(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestForwardersOnOneOutboxPostgres: two instances, each with its intake
// service and its forwarder, on one PostgreSQL schema and one Redis. 200
// tips submitted alternately to both while both forwarders run reach the
// stream exactly once each, and each row records its own entry's stream
// id. Then every mark is lost (as if each forward had been interrupted
// between the XADD and the mark): forwarding again appends nothing and
// records the same stream ids.
func TestForwardersOnOneOutboxPostgres(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresURL(t)
	rdb := testRedis(t)
	dbs := []*store.DB{openInstance(t, dsn, "fwd-a"), openInstance(t, dsn, "fwd-b")}
	cat := mustCatalog(t)
	withTestStreams(t, cat, rdb)
	stream := cat.Routes[KindTip].Queue
	var svcs []*Service
	var fwds []*Forwarder
	for _, db := range dbs {
		svc, err := NewService(Config{DB: db, Catalog: cat, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Close)
		svcs = append(svcs, svc)
		fwds = append(fwds, &Forwarder{DB: db, Marker: svc, Publisher: queue.NewRedis(rdb), Catalog: cat, Wake: svc.Wake(), Batch: 7})
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, f := range fwds {
		wg.Add(1)
		go func() { defer wg.Done(); f.Run(runCtx) }()
	}
	var subWG sync.WaitGroup
	for i := 0; i < 200; i++ {
		subWG.Add(1)
		go func() {
			defer subWG.Done()
			in := validTip()
			in.Description = fmt.Sprintf("Tin báo số %03d gửi luân phiên hai máy chủ.", i)
			tip, fe := cat.ValidateTip(in)
			if fe != nil {
				t.Error(fe)
				return
			}
			if _, err := svcs[i%2].SubmitTip(ctx, tip); err != nil {
				t.Error(err)
			}
		}()
	}
	subWG.Wait()
	waitUntil(t, "the outbox forwarded", func() bool {
		n, _ := dbs[0].CountPendingSubmissions(ctx)
		return n == 0
	})
	cancel()
	wg.Wait()

	check := func(when string) map[string]string {
		msgs, err := rdb.XRange(ctx, stream, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]string{}
		for _, m := range msgs {
			byID[m.Values["id"].(string)] = m.ID
		}
		if len(msgs) != 200 || len(byID) != 200 {
			t.Fatalf("%s: %d entries, %d distinct submissions; want 200 and 200", when, len(msgs), len(byID))
		}
		rows, err := dbs[1].SQL().QueryContext(ctx, `SELECT id, stream_id FROM intake_outbox WHERE sent_at IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, sid string
			rows.Scan(&id, &sid)
			if byID[id] != sid {
				t.Errorf("%s: row %s records stream id %s, its entry is %s", when, id, sid, byID[id])
			}
			n++
		}
		if n != 200 {
			t.Errorf("%s: %d rows marked sent, want 200", when, n)
		}
		return byID
	}
	first := check("after forwarding")

	if _, err := dbs[0].SQL().ExecContext(ctx, `UPDATE intake_outbox SET sent_at = NULL, stream_id = NULL`); err != nil {
		t.Fatal(err)
	}
	var total int
	var mu sync.Mutex
	for _, f := range fwds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := f.ForwardPending(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 200 {
		t.Errorf("the two forwarders marked %d rows between them, want 200", total)
	}
	again := check("after forwarding every row again")
	for id, sid := range first {
		if again[id] != sid {
			t.Errorf("%s moved from %s to %s", id, sid, again[id])
		}
	}
}

// waitUntil polls cond every 10 ms for up to 30 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
