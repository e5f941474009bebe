package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestUnsealedBlobs(t *testing.T) { storetest.ForEach(t, testUnsealedBlobs) }

// testUnsealedBlobs: the blobs of a desk's cases that do not start with
// the sealed prefix are listed (submission, photo, message, note; not the
// other desk's, not an event without text, not what is sealed), read, and
// replaced once; a case records a submitter key once.
func testUnsealedBlobs(t *testing.T, db *store.DB) {
	ctx := context.Background()
	prefix := []byte("age-encryption.org/v1\n")
	sealed := func(s string) []byte { return append(append([]byte{}, prefix...), s...) }
	plainCase := newCase(1, "police", caseT0)
	plainCase.Attachments = [][]byte{[]byte(`{"photo":1}`)}
	sealedCase := newCase(2, "police", caseT0)
	sealedCase.Content, sealedCase.SubmitterKey = sealed("c2"), "age1sealedcase"
	sealedCase.Attachments = [][]byte{sealed("p2")}
	res, err := db.CreateCases(ctx, []store.NewCase{plainCase, sealedCase, newCase(3, "social-affairs", caseT0)}, caseT0)
	if err != nil || len(res) != 3 {
		t.Fatalf("CreateCases = %v, %v", res, err)
	}
	id := res[0].ID
	at := caseT0.Add(time.Hour)
	for _, c := range []store.CaseChange{
		{Type: store.EventMessageOut, Body: []byte(`{"body":"hỏi"}`)},
		{Type: store.EventNote, Body: []byte(`{"body":"ghi chú"}`)},
		{Type: store.EventAssign, Assignee: "hung"},
	} {
		c.Desk, c.CaseID, c.Actor, c.At = "police", id, "hung", at
		c.Audit = store.AuditEntry{At: at, Actor: "hung", Action: "case." + c.Type}
		if _, err := db.UpdateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := db.UnsealedBlobs(ctx, "police", prefix)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range refs {
		got = append(got, fmt.Sprintf("%s/%s/%q", r.Table, r.EventType, r.SubmitterKey))
	}
	slices.Sort(got) // UNION ALL promises no order
	want := `[case_attachments//"" case_contents//"" case_events/message_out/"" case_events/note/""]`
	if fmt.Sprint(got) != want {
		t.Fatalf("unsealed = %v, want %s", got, want)
	}
	i := slices.IndexFunc(refs, func(r store.BlobRef) bool { return r.EventType == store.EventMessageOut })
	if b, err := db.Blob(ctx, refs[i]); err != nil || string(b) != `{"body":"hỏi"}` {
		t.Errorf("Blob(message) = %q, %v", b, err)
	}
	for _, r := range refs {
		if ok, err := db.ReplaceUnsealedBlob(ctx, r, prefix, sealed("x")); !ok || err != nil {
			t.Errorf("replace %+v = %v, %v", r, ok, err)
		}
		// Once sealed, it is not replaced again.
		if ok, err := db.ReplaceUnsealedBlob(ctx, r, prefix, sealed("y")); ok || err != nil {
			t.Errorf("replace %+v again = %v, %v", r, ok, err)
		}
		if b, _ := db.Blob(ctx, r); string(b) != string(sealed("x")) {
			t.Errorf("%+v holds %q", r, b)
		}
	}
	if refs, err := db.UnsealedBlobs(ctx, "police", prefix); len(refs) != 0 || err != nil {
		t.Errorf("after sealing: %+v, %v", refs, err)
	}
	if refs, _ := db.UnsealedBlobs(ctx, "social-affairs", prefix); len(refs) != 1 || refs[0].Table != store.BlobCaseContent {
		t.Errorf("social-affairs: %+v", refs)
	}
	if _, err := db.Blob(ctx, store.BlobRef{Table: store.BlobCaseEvent, ID: 1 << 40}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Blob of no row: %v", err)
	}
	// The submitter key is recorded once, and never over a sealed case's.
	if ok, err := db.SetCaseSubmitterKey(ctx, id, "age1first"); !ok || err != nil {
		t.Errorf("SetCaseSubmitterKey = %v, %v", ok, err)
	}
	if ok, _ := db.SetCaseSubmitterKey(ctx, id, "age1second"); ok {
		t.Error("a recorded submitter key was replaced")
	}
	if ok, _ := db.SetCaseSubmitterKey(ctx, res[1].ID, "age1other"); ok {
		t.Error("a sealed case's submitter key was replaced")
	}
	if k, _ := db.CaseSubmitterKey(ctx, id); k != "age1first" {
		t.Errorf("submitter key = %q", k)
	}
}
