package desk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// TestIngestPhotos: an entry that refers to photos gets them from the
// outbox, sealed, with its case; a second delivery makes nothing twice;
// an entry whose photos the outbox no longer holds and that has no case
// is rejected (dead-lettered), not retried forever; only the case's desk
// opens them.
func TestIngestPhotos(t *testing.T) { storetest.ForEach(t, testIngestPhotos) }

func testIngestPhotos(t *testing.T, db *store.DB) {
	ctx := context.Background()
	e := newEnv(t, db, "")
	en := e.tipEntry(t, 1, t0)
	jpegs := [][]byte{[]byte("\xff\xd8jpeg-0\xff\xd9"), []byte("\xff\xd8jpeg-1\xff\xd9")}
	var tip intake.Tip
	json.Unmarshal(en.Data, &tip)
	tip.AttachmentRefs = []intake.AttachmentRef{{Index: 0, ContentType: "image/jpeg", Width: 4, Height: 3, Bytes: len(jpegs[0])},
		{Index: 1, ContentType: "image/jpeg", Width: 3, Height: 4, Bytes: len(jpegs[1])}}
	en.Data, _ = json.Marshal(tip)
	if err := db.InsertSubmissions(ctx, []store.Submission{{ID: en.ID, Kind: en.Kind, ReceivedAt: t0, Data: en.Data,
		ReceiptHash: "rh-1", ReceivedOn: "2026-11-02", Attachments: jpegs}}); err != nil {
		t.Fatal(err)
	}
	msg := queue.Message{Entry: en, StreamID: "1-0", Deliveries: 1}
	for range 2 {
		if ack, rej, err := e.svc.Ingest(ctx, "police", []queue.Message{msg}); err != nil || len(rej) != 0 || len(ack) != 1 {
			t.Fatalf("Ingest = %v, %+v, %v", ack, rej, err)
		}
	}
	in, _ := e.svc.List(ctx, police, desk.Query{})
	if in.Total != 1 {
		t.Fatalf("%d cases", in.Total)
	}
	id := in.Rows[0].ID
	v, err := e.svc.Open(ctx, police, id)
	if err != nil || len(v.Photos) != 2 || v.Photos[0].MessageID != 0 || v.Photos[1].Number() != 2 {
		t.Fatalf("photos = %+v, %v", v.Photos, err)
	}
	for i, p := range v.Photos {
		got, err := e.svc.Photo(ctx, police, id, p.ID)
		if err != nil || !bytes.Equal(got.Data, jpegs[i]) || got.ContentType != "image/jpeg" || got.Width != tip.AttachmentRefs[i].Width {
			t.Errorf("photo %d = %+v, %v", i, got, err)
		}
		if _, err := e.svc.Photo(ctx, social, id, p.ID); !errors.Is(err, desk.ErrNotFound) {
			t.Errorf("another desk opens photo %d: %v", i, err)
		}
	}
	if _, err := e.svc.Photos(ctx, social, id); !errors.Is(err, desk.ErrNotFound) {
		t.Errorf("another desk lists the photos: %v", err)
	}

	// Photos the outbox does not hold, no case: rejected.
	lost := e.tipEntry(t, 2, t0)
	lost.Data, _ = json.Marshal(tip)
	_, rej, err := e.svc.Ingest(ctx, "police", []queue.Message{{Entry: lost, StreamID: "2-0", Deliveries: 1}})
	if err != nil || len(rej) != 1 || rej[0].StreamID != "2-0" {
		t.Fatalf("lost photos: %+v, %v", rej, err)
	}
}

// TestSenderReplyPhotos: a sender's reply stores its photos with the
// message, sealed; the desk sees them under that message.
func TestSenderReplyPhotos(t *testing.T) { storetest.ForEach(t, testSenderReplyPhotos) }

func testSenderReplyPhotos(t *testing.T, db *store.DB) {
	ctx := context.Background()
	e := newEnv(t, db, "")
	ids := e.ingest(t, e.tipEntry(t, 1, t0))
	id := ids["tip-0001"]
	photo := intake.Attachment{ContentType: "image/jpeg", Width: 5, Height: 6, Data: []byte("\xff\xd8reply\xff\xd9")}
	if _, err := e.svc.Reply(ctx, "tip-0001", "Tôi gửi thêm ảnh.", "", photo); err != nil {
		t.Fatal(err)
	}
	six := []intake.Attachment{photo, photo, photo, photo, photo, photo}
	if _, err := e.svc.Reply(ctx, "tip-0001", "Sáu ảnh.", "", six...); err == nil {
		t.Error("six photos accepted")
	}
	v, err := e.svc.Open(ctx, police, id)
	if err != nil || len(v.Photos) != 1 || v.Photos[0].MessageID == 0 {
		t.Fatalf("photos = %+v, %v", v.Photos, err)
	}
	var msgEvent int64
	for _, ev := range v.Events {
		if ev.FromSubmitter {
			msgEvent = ev.ID
		}
	}
	if v.Photos[0].MessageID != msgEvent {
		t.Errorf("photo of message %d, want %d", v.Photos[0].MessageID, msgEvent)
	}
	got, err := e.svc.Photo(ctx, police, id, v.Photos[0].ID)
	if err != nil || !bytes.Equal(got.Data, photo.Data) || got.Height != 6 {
		t.Errorf("photo = %+v, %v", got, err)
	}
}
