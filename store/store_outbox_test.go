package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func testSubmission(i int, at time.Time) store.Submission {
	return store.Submission{
		ID:          fmt.Sprintf("sub-%04d", i),
		Kind:        "tip",
		ReceivedAt:  at,
		Data:        []byte(fmt.Sprintf(`{"n":%d}`, i)),
		ReceiptHash: fmt.Sprintf("hash-%04d", i),
		ReceivedOn:  at.Format("2006-01-02"),
	}
}

func TestOutboxLifecycle(t *testing.T) { storetest.ForEach(t, testOutboxLifecycle) }

func testOutboxLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 29, 1, 2, 3, 456789000, time.FixedZone("ICT", 7*3600))

	var subs []store.Submission
	for i := 0; i < 3; i++ {
		subs = append(subs, testSubmission(i, at.Add(time.Duration(i)*time.Second)))
	}
	subs[2].Kind = "rehab_enquiry"
	if err := db.InsertSubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountPendingSubmissions(ctx)
	if err != nil || n != 3 {
		t.Fatalf("CountPendingSubmissions = %d, %v; want 3", n, err)
	}

	pending, err := db.PendingSubmissions(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].ID != "sub-0000" || pending[1].ID != "sub-0001" {
		t.Fatalf("PendingSubmissions(2) = %+v", pending)
	}
	if !pending[0].ReceivedAt.Equal(at) || pending[0].ReceivedAt.Location() != time.UTC {
		t.Errorf("ReceivedAt = %v, want %v in UTC", pending[0].ReceivedAt, at)
	}
	if string(pending[1].Data) != `{"n":1}` || pending[1].Kind != "tip" {
		t.Errorf("entry 1 = %+v", pending[1])
	}

	st, err := db.StatusByReceiptHash(ctx, "hash-0002")
	if err != nil {
		t.Fatal(err)
	}
	if st != (store.SubmissionStatus{SubmissionID: "sub-0002", Kind: "rehab_enquiry", Status: store.StatusReceived, ReceivedOn: "2026-11-29"}) {
		t.Errorf("status = %+v", st)
	}

	sent := store.SentEntry{ID: "sub-0000", StreamID: "1700000000000-0", Epoch: "e1", At: at}
	if n, err := db.MarkSent(ctx, sent); err != nil || n != 1 {
		t.Fatalf("MarkSent = %d, %v; want 1", n, err)
	}
	if n, err := db.MarkSent(ctx, store.SentEntry{ID: "no-such-id", Epoch: "e1", At: at}); err != nil || n != 0 {
		t.Errorf("MarkSent of an unknown id = %d, %v; want 0, nil", n, err)
	}
	st, err = db.StatusByReceiptHash(ctx, "hash-0000")
	if err != nil || st.Status != store.StatusForwarded || st.Kind != "tip" || st.SubmissionID != "sub-0000" {
		t.Errorf("status after forwarding = %+v, %v", st, err)
	}
	pending, err = db.PendingSubmissions(ctx, 10)
	if err != nil || len(pending) != 2 || pending[0].ID != "sub-0001" {
		t.Fatalf("pending after forwarding = %+v, %v", pending, err)
	}
	// Sent is not gone: the row waits in the outbox until a desk has it.
	stats, err := db.OutboxStats(ctx)
	if err != nil || stats.Unsent != 2 || stats.Sent != 1 || !stats.OldestSent.Equal(at.Truncate(time.Minute)) {
		t.Errorf("OutboxStats = %+v, %v; want 2 unsent, 1 sent at %v", stats, err, at.Truncate(time.Minute))
	}

	if _, err := db.StatusByReceiptHash(ctx, "no-such-hash"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown receipt: %v, want store.ErrNotFound", err)
	}
}

func TestInsertSubmissionsIsAtomic(t *testing.T) { storetest.ForEach(t, testInsertSubmissionsIsAtomic) }

func testInsertSubmissionsIsAtomic(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Now()
	if err := db.InsertSubmissions(ctx, []store.Submission{testSubmission(1, at)}); err != nil {
		t.Fatal(err)
	}
	// The second batch repeats id sub-0001: nothing of it may stay.
	err := db.InsertSubmissions(ctx, []store.Submission{testSubmission(2, at), testSubmission(1, at)})
	if err == nil {
		t.Fatal("duplicate id accepted")
	}
	n, _ := db.CountPendingSubmissions(ctx)
	if n != 1 {
		t.Errorf("outbox holds %d rows after a failed batch, want 1", n)
	}
	if _, err := db.StatusByReceiptHash(ctx, "hash-0002"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("status of the rolled-back submission: %v, want store.ErrNotFound", err)
	}
	bad := testSubmission(3, at)
	bad.ReceiptHash = ""
	if err := db.InsertSubmissions(ctx, []store.Submission{bad}); err == nil {
		t.Error("submission without receipt hash accepted")
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InsertSubmissions(ctx, []store.Submission{testSubmission(7, time.Now())}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pending, err := db.PendingSubmissions(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "sub-0007" {
		t.Fatalf("after reopen: %+v, %v", pending, err)
	}
}

func TestInsertSubmissionsConcurrent(t *testing.T) {
	storetest.ForEach(t, testInsertSubmissionsConcurrent)
}

func testInsertSubmissionsConcurrent(t *testing.T, db *store.DB) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.InsertSubmissions(ctx, []store.Submission{testSubmission(i, time.Now())})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n, _ := db.CountPendingSubmissions(ctx); n != 40 {
		t.Errorf("outbox holds %d, want 40", n)
	}
}

// BenchmarkInsertOne measures one durable (synced) commit per submission,
// on each engine.
func BenchmarkInsertOne(b *testing.B) { benchInsert(b, 1) }

// BenchmarkInsertBatch32 measures group commit: 32 submissions per commit.
func BenchmarkInsertBatch32(b *testing.B) { benchInsert(b, 32) }

func benchInsert(b *testing.B, size int) {
	ctx := context.Background()
	for _, eng := range storetest.Engines {
		b.Run(eng, func(b *testing.B) {
			db := storetest.Open(b, eng)
			at := time.Now()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := make([]store.Submission, size)
				for j := range batch {
					batch[j] = testSubmission(i*size+j, at)
				}
				if err := db.InsertSubmissions(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestWriteOutboxCombines(t *testing.T) { storetest.ForEach(t, testWriteOutboxCombines) }

func testWriteOutboxCombines(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Now()
	if err := db.InsertSubmissions(ctx, []store.Submission{testSubmission(1, at), testSubmission(2, at)}); err != nil {
		t.Fatal(err)
	}
	n, err := db.WriteOutbox(ctx, []store.Submission{testSubmission(3, at)}, []store.SentEntry{{ID: "sub-0001", Epoch: "e", At: at}})
	if err != nil || n != 1 {
		t.Fatalf("WriteOutbox = %d, %v", n, err)
	}
	pending, _ := db.PendingSubmissions(ctx, 10)
	if len(pending) != 2 || pending[0].ID != "sub-0002" || pending[1].ID != "sub-0003" {
		t.Errorf("pending = %+v", pending)
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0001"); st.Status != store.StatusForwarded {
		t.Errorf("status of sub-0001 = %+v", st)
	}
	// A failing insert rolls the forwarded mark back too.
	if _, err := db.WriteOutbox(ctx, []store.Submission{testSubmission(2, at)}, []store.SentEntry{{ID: "sub-0003", Epoch: "e", At: at}}); err == nil {
		t.Fatal("duplicate accepted")
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0003"); st.Status != store.StatusReceived {
		t.Errorf("status of sub-0003 after rollback = %+v", st)
	}
}

// TestOutboxUntilDesk: issue 10, point 3. A sent row stays in the outbox
// until a desk's case commit removes it; a queue that comes back with a new
// epoch makes every row sent under another epoch due again, once.
func TestOutboxUntilDesk(t *testing.T) { storetest.ForEach(t, testOutboxUntilDesk) }

func testOutboxUntilDesk(t *testing.T, db *store.DB) {
	ctx := context.Background()
	at := time.Date(2026, 11, 29, 3, 4, 0, 0, time.UTC)
	var subs []store.Submission
	for i := 0; i < 4; i++ {
		subs = append(subs, testSubmission(i, at))
	}
	if err := db.InsertSubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	// Three sent under epoch A, one not yet sent.
	for i := 0; i < 3; i++ {
		if _, err := db.MarkSent(ctx, store.SentEntry{ID: subs[i].ID, StreamID: fmt.Sprint(i + 1), Epoch: "A", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	// A desk takes sub-0000: its outbox row goes in the case's transaction.
	res, err := db.CreateCases(ctx, []store.NewCase{{SubmissionID: "sub-0000", Desk: "police", Kind: "tip",
		Category: "mua-ban", Area: "vu-thu", Status: "new", ReceivedAt: at, Content: []byte(`{}`)}}, at)
	if err != nil || len(res) != 1 || !res[0].Created {
		t.Fatalf("CreateCases = %+v, %v", res, err)
	}
	if st, _ := db.OutboxStats(ctx); st.Sent != 2 || st.Unsent != 1 {
		t.Fatalf("after the desk took one: %+v, want 2 sent, 1 unsent", st)
	}
	// Same epoch: nothing is due again.
	if n, err := db.ResendOutbox(ctx, "A"); err != nil || n != 0 {
		t.Errorf("ResendOutbox(same epoch) = %d, %v", n, err)
	}
	// The queue forgot everything (epoch B): the two sent rows no desk has
	// are due again; the desk's and the unsent one are untouched.
	if n, err := db.ResendOutbox(ctx, "B"); err != nil || n != 2 {
		t.Fatalf("ResendOutbox(new epoch) = %d, %v; want 2", n, err)
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0001"); st.Status != store.StatusReceived {
		t.Errorf("status of a row due again = %q, want received", st.Status)
	}
	pending, err := db.PendingSubmissions(ctx, 10)
	if err != nil || len(pending) != 3 || pending[0].ID != "sub-0001" || pending[2].ID != "sub-0003" {
		t.Fatalf("pending after resend = %+v, %v", pending, err)
	}
	// Sent again under B: a second look at epoch B changes nothing (once).
	for _, p := range pending {
		if _, err := db.MarkSent(ctx, store.SentEntry{ID: p.ID, StreamID: "x", Epoch: "B", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.ResendOutbox(ctx, "B"); err != nil || n != 0 {
		t.Errorf("second ResendOutbox(B) = %d, %v; want 0", n, err)
	}
	if _, err := db.ResendOutbox(ctx, ""); err == nil {
		t.Error("empty epoch accepted")
	}
}

// A form's nonce is recorded once: a second submission with it fails with
// ErrDuplicateNonce and writes nothing of its batch, whether the first is
// in an earlier commit or the same one; batches larger than one multi-row
// INSERT are written whole.
func TestSubmissionNonces(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sub := func(id, nonce string) store.Submission {
			return store.Submission{ID: id, Kind: "tip", ReceivedAt: t0, Data: []byte(`{"description":"Tin"}`),
				ReceiptHash: "r-" + id, ReceivedOn: "2026-06-26", NonceHash: nonce}
		}
		var big []store.Submission
		for i := range 300 {
			big = append(big, sub(fmt.Sprintf("b%03d", i), fmt.Sprintf("n%03d", i)))
		}
		if err := db.InsertSubmissions(ctx, big); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountPendingSubmissions(ctx); n != 300 {
			t.Fatalf("%d in the outbox, want 300", n)
		}
		err := db.InsertSubmissions(ctx, []store.Submission{sub("x1", "new"), sub("x2", "n150")})
		if !errors.Is(err, store.ErrDuplicateNonce) || !strings.Contains(err.Error(), "x2") {
			t.Fatalf("nonce of an earlier commit: %v", err)
		}
		err = db.InsertSubmissions(ctx, []store.Submission{sub("y1", "twice"), sub("y2", ""), sub("y3", "twice")})
		if !errors.Is(err, store.ErrDuplicateNonce) || !strings.Contains(err.Error(), "y3") {
			t.Fatalf("nonce twice in one batch: %v", err)
		}
		if n, _ := db.CountPendingSubmissions(ctx); n != 300 {
			t.Fatalf("a refused batch left rows: %d", n)
		}
		if err := db.InsertSubmissions(ctx, []store.Submission{sub("z1", "new"), sub("z2", "")}); err != nil {
			t.Fatalf("fresh nonce after the refusals: %v", err)
		}
		if st, err := db.StatusByReceiptHash(ctx, "r-b299"); err != nil || st.Status != store.StatusReceived {
			t.Fatalf("status of the last of the big batch: %+v %v", st, err)
		}
	})
}
