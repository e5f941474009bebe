package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// TestPhotosFollowTheCase: a submission's photos are written with its
// outbox row; the case's commit stores them (sealed, as given) with the
// case and removes them from the outbox, once even when the entry comes
// twice; a sender's message stores its own; the desk reads only its own
// case's; deleting the case deletes them.
func TestPhotosFollowTheCase(t *testing.T) { storetest.ForEach(t, testPhotosFollowTheCase) }

func testPhotosFollowTheCase(t *testing.T, db *store.DB) {
	ctx := context.Background()
	sub := store.Submission{ID: "sub-photos", Kind: "tip", ReceivedAt: caseT0, Data: []byte(`{"attachments":[{"index":0},{"index":1}]}`),
		ReceiptHash: "rh-photos", ReceivedOn: "2026-11-02", Attachments: [][]byte{[]byte("jpeg-0"), []byte("jpeg-1")}}
	if err := db.InsertSubmissions(ctx, []store.Submission{sub}); err != nil {
		t.Fatal(err)
	}
	got, err := db.OutboxAttachments(ctx, sub.ID)
	if err != nil || len(got) != 2 || string(got[0]) != "jpeg-0" || string(got[1]) != "jpeg-1" {
		t.Fatalf("outbox photos = %q, %v", got, err)
	}
	bad := sub
	bad.ID, bad.ReceiptHash, bad.Attachments = "sub-empty", "rh-empty", [][]byte{nil}
	if err := db.InsertSubmissions(ctx, []store.Submission{bad}); err == nil {
		t.Error("an empty photo was accepted")
	}
	nc := newCase(1, "police", caseT0)
	nc.SubmissionID, nc.Attachments = sub.ID, [][]byte{[]byte("sealed-0"), []byte("sealed-1")}
	for range 2 { // the entry delivered twice: one case, its photos once
		if _, err := db.CreateCases(ctx, []store.NewCase{nc}, caseT0); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := db.OutboxAttachments(ctx, sub.ID); len(got) != 0 {
		t.Errorf("outbox still holds %d photos", len(got))
	}
	c, err := db.CaseBySubmission(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddSubmitterMessage(ctx, sub.ID, []byte(`{"body":"thêm ảnh"}`), "", caseT0.Add(time.Hour), []byte("sealed-m0")); err != nil {
		t.Fatal(err)
	}
	list, err := db.CaseAttachments(ctx, "police", c.ID)
	if err != nil || len(list) != 3 || list[0].EventID != 0 || list[1].Index != 1 || list[2].EventID == 0 || list[2].Index != 0 {
		t.Fatalf("CaseAttachments = %+v, %v", list, err)
	}
	for i, want := range []string{"sealed-0", "sealed-1", "sealed-m0"} {
		a, err := db.CaseAttachment(ctx, "police", c.ID, list[i].ID)
		if err != nil || !bytes.Equal(a.Content, []byte(want)) {
			t.Errorf("photo %d = %q, %v", i, a.Content, err)
		}
	}
	if _, err := db.CaseAttachment(ctx, "social-affairs", c.ID, list[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another desk reads the photo: %v", err)
	}
	if _, err := db.CaseAttachment(ctx, "police", c.ID+1, list[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("photo through another case: %v", err)
	}
	if l, _ := db.CaseAttachments(ctx, "social-affairs", c.ID); len(l) != 0 {
		t.Errorf("another desk lists %d photos", len(l))
	}
	// Retention deletes the case: its photos go with it.
	del := `DELETE FROM cases WHERE id = ?`
	if db.Engine() == "postgres" {
		del = `DELETE FROM cases WHERE id = $1`
	}
	if _, err := db.SQL().ExecContext(ctx, del, c.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM case_attachments`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d photos outlive their case (%v)", n, err)
	}
}
