package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
	if st != (store.SubmissionStatus{Kind: "rehab_enquiry", Status: store.StatusReceived, ReceivedOn: "2026-11-29"}) {
		t.Errorf("status = %+v", st)
	}

	if n, err := db.MarkForwarded(ctx, "sub-0000"); err != nil || n != 1 {
		t.Fatalf("MarkForwarded = %d, %v; want 1", n, err)
	}
	if n, err := db.MarkForwarded(ctx, "sub-0000", "no-such-id"); err != nil || n != 0 {
		t.Errorf("second MarkForwarded = %d, %v; want 0, nil", n, err)
	}
	st, err = db.StatusByReceiptHash(ctx, "hash-0000")
	if err != nil || st.Status != store.StatusForwarded || st.Kind != "tip" {
		t.Errorf("status after forwarding = %+v, %v", st, err)
	}
	pending, err = db.PendingSubmissions(ctx, 10)
	if err != nil || len(pending) != 2 || pending[0].ID != "sub-0001" {
		t.Fatalf("pending after forwarding = %+v, %v", pending, err)
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
	n, err := db.WriteOutbox(ctx, []store.Submission{testSubmission(3, at)}, []string{"sub-0001"})
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
	if _, err := db.WriteOutbox(ctx, []store.Submission{testSubmission(2, at)}, []string{"sub-0003"}); err == nil {
		t.Fatal("duplicate accepted")
	}
	if st, _ := db.StatusByReceiptHash(ctx, "hash-0003"); st.Status != store.StatusReceived {
		t.Errorf("status of sub-0003 after rollback = %+v", st)
	}
}
