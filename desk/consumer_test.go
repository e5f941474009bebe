package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// consumerCase runs the desk consumer over q until the desk has want
// cases in total, or fails after a minute.
func runConsumer(t *testing.T, e *env, q queue.Queue, name string) (stop func()) {
	t.Helper()
	c := &desk.Consumer{Queue: q, Service: e.svc, Name: name, ClaimIdle: 200 * time.Millisecond,
		Block: 50 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond, MaxDeliveries: 3}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitCases(t *testing.T, db *store.DB, d string, want int) {
	t.Helper()
	for i := 0; ; i++ {
		p, err := db.ListCases(context.Background(), store.CaseFilter{Desk: d, Limit: 1})
		if err == nil && p.Total == want {
			return
		}
		if i > 1200 {
			t.Fatalf("desk %s has %d cases, want %d (%v)", d, p.Total, want, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testConsumer: tips and enquiries published to their queues (some twice,
// some not ours) become exactly one case each on their desk; what can
// never be a case goes to the dead-letter stream; nothing stays pending.
func testConsumer(t *testing.T, e *env, q queue.Queue) {
	ctx := context.Background()
	police, social := e.cat.Routes[intake.KindTip].Queue, e.cat.Routes[intake.KindRehabEnquiry].Queue
	for i := 0; i < 20; i++ {
		en := e.tipEntry(t, i, t0)
		if _, err := q.Publish(ctx, police, en); err != nil {
			t.Fatal(err)
		}
		// Published twice (a forwarder crash before its mark): the embedded
		// queue appends a second entry; Redis's idempotent publish appends
		// nothing (queue.PublishedTTL), so there this checks the marker.
		if i%5 == 0 {
			q.Publish(ctx, police, en)
		}
	}
	for i := 0; i < 5; i++ {
		q.Publish(ctx, social, e.enquiryEntry(t, i, t0))
	}
	// An enquiry on the police queue and data that is no submission.
	q.Publish(ctx, police, e.enquiryEntry(t, 99, t0))
	bad := e.tipEntry(t, 98, t0)
	bad.Data = []byte(`{"category":1}`)
	q.Publish(ctx, police, bad)

	stop := runConsumer(t, e, q, "portal-test-1")
	defer stop()
	waitCases(t, e.db, "police", 20)
	waitCases(t, e.db, "social-affairs", 5)
	for i := 0; ; i++ {
		st, err := q.Stats(ctx, police)
		if err != nil {
			t.Fatal(err)
		}
		var pending int64 = -1
		for _, g := range st.Groups {
			if g.Name == desk.Group {
				pending = g.Pending
			}
		}
		if pending == 0 && st.DeadLetters == 2 {
			break
		}
		if i > 400 {
			t.Fatalf("police queue: %+v", st)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestConsumerEmbeddedQueue(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite"), "")
	q, err := queue.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	testConsumer(t, e, q)
}

func TestConsumerRedis(t *testing.T) {
	rdb, prefix := testRedis(t)
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, prefix+db.Engine()+"-")
		testConsumer(t, e, queue.NewRedis(rdb))
	})
}

// TestConsumerClaimsWhatADeadConsumerLeft: entries read by a consumer that
// died before acknowledging are claimed after the idle time and become
// cases once (alone when delivered often); an entry delivered far too
// often is dead-lettered; a group the
// queue lost (the stream deleted, as by a Redis restarted empty) is made
// again and new entries flow.
func TestConsumerClaimsWhatADeadConsumerLeft(t *testing.T) {
	rdb, prefix := testRedis(t)
	e := newEnv(t, storetest.Open(t, "sqlite"), prefix)
	q := queue.NewRedis(rdb)
	ctx := context.Background()
	stream := e.cat.Routes[intake.KindTip].Queue
	if err := q.CreateGroup(ctx, stream, desk.Group); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ {
		q.Publish(ctx, stream, e.tipEntry(t, i, t0))
	}
	// A consumer reads all six and dies; crashing consumers claimed them
	// twice more (3 deliveries each), and entry 0 three times more (6).
	if got, err := q.Read(ctx, stream, desk.Group, "dead", 6, 0); err != nil || len(got) != 6 {
		t.Fatalf("Read = %d, %v", len(got), err)
	}
	for i := 0; i < 2; i++ {
		q.Claim(ctx, stream, desk.Group, "dead", 0, 6)
	}
	for i := 0; i < 3; i++ {
		q.Claim(ctx, stream, desk.Group, "dead", 0, 1) // the oldest: entry 0
	}
	for i := 6; i < 8; i++ {
		q.Publish(ctx, stream, e.tipEntry(t, i, t0))
	}
	q.Read(ctx, stream, desk.Group, "dead", 2, 0)
	// With MaxDeliveries 3: entry 0 (7th delivery) is dead-lettered,
	// entries 1–5 (4th) are committed one by one, 6 and 7 (2nd) together.
	stop := runConsumer(t, e, q, "portal-test-2")
	waitCases(t, e.db, "police", 7)
	for i := 0; ; i++ {
		st, _ := q.Stats(ctx, stream)
		if len(st.Groups) == 1 && st.Groups[0].Pending == 0 && st.DeadLetters == 1 {
			break
		}
		if i > 400 {
			t.Fatalf("stream %+v", st)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if _, err := e.db.CaseBySubmission(ctx, "tip-0000"); err == nil {
		t.Error("the entry delivered 7 times became a case")
	}
	stop()

	// The queue forgets the stream and its group.
	rdb.Del(ctx, stream)
	stop = runConsumer(t, e, q, "portal-test-3")
	defer stop()
	time.Sleep(100 * time.Millisecond)
	for i := 8; i < 11; i++ {
		if _, err := q.Publish(ctx, stream, e.tipEntry(t, i, t0)); err != nil {
			t.Fatal(err)
		}
	}
	waitCases(t, e.db, "police", 10)
}

// TestConsumerWaitsOutADatabaseOutage: while the database refuses new
// cases (a trigger stands for an outage), the consumer retries the same
// entries in place; when it answers again they become cases with their
// first delivery count, nothing is dead-lettered, nothing stays pending.
func TestConsumerWaitsOutADatabaseOutage(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	e := newEnv(t, db, "")
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE outage (x INTEGER);
		INSERT INTO outage VALUES (1);
		CREATE TRIGGER refuse BEFORE INSERT ON cases WHEN EXISTS (SELECT 1 FROM outage)
		BEGIN SELECT RAISE(ABORT, 'database unavailable'); END;`); err != nil {
		t.Fatal(err)
	}
	q, err := queue.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	stream := e.cat.Routes[intake.KindTip].Queue
	for i := 0; i < 5; i++ {
		q.Publish(ctx, stream, e.tipEntry(t, i, t0))
	}
	stop := runConsumer(t, e, q, "portal-outage")
	defer stop()
	// Well past ClaimIdle (200 ms) × MaxDeliveries (3) × 2: claims would
	// have dead-lettered them by now.
	time.Sleep(2 * time.Second)
	if p, _ := db.ListCases(ctx, store.CaseFilter{Desk: "police"}); p.Total != 0 {
		t.Fatalf("%d cases during the outage", p.Total)
	}
	db.SQL().ExecContext(ctx, `DELETE FROM outage`)
	waitCases(t, db, "police", 5)
	st, err := q.Stats(ctx, stream)
	if err != nil || st.DeadLetters != 0 || len(st.Groups) != 1 || st.Groups[0].Pending != 0 {
		t.Errorf("after the outage: %+v, %v", st, err)
	}
}
