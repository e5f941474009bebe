package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// sendAll is a publish callback that "sends" every claimed row, recording
// their ids.
func sendAll(got *[]string) func(context.Context, []store.OutboxEntry) ([]store.SentEntry, error) {
	return func(_ context.Context, rows []store.OutboxEntry) ([]store.SentEntry, error) {
		var sent []store.SentEntry
		for _, r := range rows {
			*got = append(*got, r.ID)
			sent = append(sent, store.SentEntry{ID: r.ID, StreamID: "1700000040000-0", Epoch: "e1", At: time.Now()})
		}
		return sent, nil
	}
}

func TestForwardClaimed(t *testing.T) { storetest.ForEach(t, testForwardClaimed) }

// testForwardClaimed: a claim hands the oldest due rows to publish and
// marks what it reports sent; a publish that fails half-way marks the half
// it sent and leaves the rest due; marked rows are never claimed again.
func testForwardClaimed(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 29, 1, 2, 0, 0, time.UTC)
	var subs []store.Submission
	for i := 0; i < 5; i++ {
		subs = append(subs, testSubmission(i, at))
	}
	if err := db.InsertSubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("queue down")
	claimed, marked, err := db.ForwardClaimed(ctx, 3, func(_ context.Context, rows []store.OutboxEntry) ([]store.SentEntry, error) {
		if len(rows) != 3 || rows[0].ID != "sub-0000" || rows[2].ID != "sub-0002" || string(rows[1].Data) != `{"n":1}` || !rows[0].ReceivedAt.Equal(at) {
			t.Errorf("claimed %+v", rows)
		}
		return []store.SentEntry{{ID: rows[0].ID, StreamID: "1700000040000-0", Epoch: "e1", At: time.Now()}}, boom
	})
	if !errors.Is(err, boom) || claimed != 3 || marked != 1 {
		t.Fatalf("ForwardClaimed = %d, %d, %v; want 3, 1, %v", claimed, marked, err, boom)
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0000"); st.Status != store.StatusForwarded {
		t.Errorf("status of the sent row = %q", st.Status)
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0001"); st.Status != store.StatusReceived {
		t.Errorf("status of a row not sent = %q", st.Status)
	}
	var got []string
	claimed, marked, err = db.ForwardClaimed(ctx, 10, sendAll(&got))
	if err != nil || claimed != 4 || marked != 4 || fmt.Sprint(got) != "[sub-0001 sub-0002 sub-0003 sub-0004]" {
		t.Fatalf("second claim = %d, %d, %v, %v", claimed, marked, err, got)
	}
	got = nil
	if claimed, marked, err = db.ForwardClaimed(ctx, 10, sendAll(&got)); err != nil || claimed != 0 || marked != 0 || got != nil {
		t.Fatalf("claim with nothing due = %d, %d, %v, %v", claimed, marked, err, got)
	}
	// A row sent under another epoch is due again and claimed once more.
	if n, err := db.ResendOutbox(ctx, "e2"); err != nil || n != 5 {
		t.Fatalf("ResendOutbox = %d, %v", n, err)
	}
	if claimed, _, err = db.ForwardClaimed(ctx, 10, sendAll(&got)); err != nil || claimed != 5 {
		t.Fatalf("claim after the resend = %d, %v", claimed, err)
	}
	// publish may not report a row it was not given.
	db.InsertSubmissions(ctx, []store.Submission{testSubmission(9, at)})
	_, _, err = db.ForwardClaimed(ctx, 10, func(context.Context, []store.OutboxEntry) ([]store.SentEntry, error) {
		return []store.SentEntry{{ID: "sub-0001", StreamID: "1-0", Epoch: "e1", At: time.Now()}}, nil
	})
	if err == nil {
		t.Error("a sent row that was not claimed was accepted")
	}
	if n, _ := db.CountPendingSubmissions(ctx); n != 1 {
		t.Errorf("%d rows due after the refused claim, want 1", n)
	}
}

// openInstance opens the store on the schema of dsn as a separate instance
// (its own connection pool) named app in pg_stat_activity.
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

// TestForwardClaimedAcrossInstancesPostgres: two instances on one schema.
// While A holds a claim (publishing), B's claim skips A's rows instead of
// waiting and gets the others; no row is handed to both. When A's session
// ends between its publish and its mark (its process killed), A's commit
// fails, its rows are due again, and B's next claim gets exactly them.
func TestForwardClaimedAcrossInstancesPostgres(t *testing.T) {
	dsn := storetest.PostgresURL(t)
	a := openInstance(t, dsn, "claim-test-a")
	b := openInstance(t, dsn, "claim-test-b")
	ctx := context.Background()
	if !a.SharedOutbox() {
		t.Fatal("SharedOutbox is false on PostgreSQL")
	}
	at := time.Date(2026, 11, 29, 1, 2, 0, 0, time.UTC)
	var subs []store.Submission
	for i := 0; i < 10; i++ {
		subs = append(subs, testSubmission(i, at))
	}
	if err := a.InsertSubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}

	inPublish := make(chan []string)
	release := make(chan struct{})
	type result struct {
		claimed, marked int
		err             error
	}
	aDone := make(chan result)
	go func() {
		c, m, err := a.ForwardClaimed(ctx, 4, func(_ context.Context, rows []store.OutboxEntry) ([]store.SentEntry, error) {
			var ids []string
			var sent []store.SentEntry
			for _, r := range rows {
				ids = append(ids, r.ID)
				sent = append(sent, store.SentEntry{ID: r.ID, StreamID: "1700000040000-0", Epoch: "e1", At: time.Now()})
			}
			inPublish <- ids
			<-release
			return sent, nil
		})
		aDone <- result{c, m, err}
	}()
	aIDs := <-inPublish
	if fmt.Sprint(aIDs) != "[sub-0000 sub-0001 sub-0002 sub-0003]" {
		t.Fatalf("A claimed %v", aIDs)
	}
	var bIDs []string
	start := time.Now()
	claimed, marked, err := b.ForwardClaimed(ctx, 10, sendAll(&bIDs))
	if err != nil || claimed != 6 || marked != 6 {
		t.Fatalf("B's claim while A holds 4 = %d, %d, %v", claimed, marked, err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("B waited %v for A's rows instead of skipping them", waited)
	}
	if fmt.Sprint(bIDs) != "[sub-0004 sub-0005 sub-0006 sub-0007 sub-0008 sub-0009]" {
		t.Fatalf("B claimed %v", bIDs)
	}

	// A's process dies after publishing, before its mark commits: the
	// server ends its session (here: pg_terminate_backend, which is what
	// the server does on its own when the client's socket closes).
	var pid int
	if err := b.SQL().QueryRowContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE application_name = 'claim-test-a' AND state = 'idle in transaction'`).Scan(&pid); err != nil {
		t.Fatalf("find A's claim: %v", err)
	}
	var killed bool
	if err := b.SQL().QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("terminate A's claim: %v, %v", killed, err)
	}
	// pg_terminate_backend only signals: the backend releases A's row
	// locks when it has exited (CI once claimed before that and found
	// every row still locked). A real forwarder's next pass finds them.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var alive int
		if err := b.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if alive == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A's backend %d still there 10 s after pg_terminate_backend", pid)
		}
	}
	close(release)
	r := <-aDone
	if r.err == nil || r.marked != 0 {
		t.Fatalf("A's claim after its session ended = %+v; want an error and nothing marked", r)
	}
	bIDs = nil
	claimed, _, err = b.ForwardClaimed(ctx, 10, sendAll(&bIDs))
	sort.Strings(bIDs)
	if err != nil || claimed != 4 || fmt.Sprint(bIDs) != fmt.Sprint(aIDs) {
		t.Fatalf("B's claim after A died = %d, %v, %v; want A's rows %v", claimed, err, bIDs, aIDs)
	}
	if n, _ := a.CountPendingSubmissions(ctx); n != 0 {
		t.Errorf("%d rows still due", n)
	}
}
