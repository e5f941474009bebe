package desk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"testing"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// TestSealedPhotosFromIntake (issue 11 × 16): with the real intake service
// and keyring on both engines, a tip's photo sent before `desk init` waits
// in the outbox as the plain JPEG and is sealed when the desk takes the
// case; one sent after waits already sealed to the desk's key (no 64-byte
// window of the JPEG in the outbox row) and moves to case_attachments
// byte for byte (not sealed twice). Nobody without the desk's key opens
// either; the desk's key opens both, at the size sent.
func TestSealedPhotosFromIntake(t *testing.T) { storetest.ForEach(t, testSealedPhotosFromIntake) }

func testSealedPhotosFromIntake(t *testing.T, db *store.DB) {
	ctx := context.Background()
	e := newEnv(t, db, "")
	keys := seal.NewKeyring(db, nil)
	sealer := seal.Sealer{Keys: keys}
	data, err := desk.LoadData()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := desk.New(desk.Config{DB: db, Data: data, Catalog: e.cat, Now: e.clk.Now, Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	in, err := intake.NewService(intake.Config{DB: db, Catalog: e.cat, Secret: []byte("desk-test-secret-0123456789"), Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)

	submit := func(w, h int) (intake.Attachment, string) {
		t.Helper()
		atts, ae, err := intake.SanitiseUploads(ctx, []intake.Upload{{Name: "a.jpg", Data: pt.PhoneJPEG(t, w, h, 1), Size: 1}})
		if err != nil || ae != nil {
			t.Fatal(err, ae)
		}
		ti := tipInput(1)
		ti.Attachments = atts
		tip, fe := e.cat.ValidateTip(ti)
		if fe != nil {
			t.Fatal(fe)
		}
		before, _ := db.PendingSubmissions(ctx, 100)
		if _, err := in.SubmitTip(ctx, tip); err != nil {
			t.Fatal(err)
		}
		after, _ := db.PendingSubmissions(ctx, 100)
		if len(after) != len(before)+1 {
			t.Fatalf("outbox: %d rows, then %d", len(before), len(after))
		}
		return atts[0], after[len(after)-1].ID
	}
	plainPhoto, plainID := submit(64, 48)
	if got, _ := db.OutboxAttachments(ctx, plainID); len(got) != 1 || !bytes.Equal(got[0], plainPhoto.Data) {
		t.Fatalf("before desk init the outbox should hold the JPEG as it is")
	}
	rec, err := keys.Init(ctx, "police", "kiểm thử")
	if err != nil {
		t.Fatal(err)
	}
	deskKey, err := keys.FromRecovery(ctx, "police", rec)
	if err != nil {
		t.Fatal(err)
	}
	sealedPhoto, sealedID := submit(40, 30)
	waiting, _ := db.OutboxAttachments(ctx, sealedID)
	if len(waiting) != 1 || !seal.IsSealed(waiting[0]) {
		t.Fatalf("after desk init the outbox holds %d photos, sealed %v", len(waiting), len(waiting) == 1 && seal.IsSealed(waiting[0]))
	}
	for i := 0; i+64 <= len(sealedPhoto.Data); i += 16 {
		if bytes.Contains(waiting[0], sealedPhoto.Data[i:i+64]) {
			t.Fatalf("the sealed outbox photo holds bytes %d–%d of the JPEG", i, i+64)
		}
	}

	pending, _ := db.PendingSubmissions(ctx, 100)
	var msgs []queue.Message
	for i, p := range pending {
		msgs = append(msgs, queue.Message{Entry: queue.Entry{ID: p.ID, Kind: p.Kind, ReceivedAt: p.ReceivedAt, Data: p.Data},
			StreamID: fmt.Sprintf("%d-0", i+1), Deliveries: 1})
	}
	if ack, rej, err := svc.Ingest(ctx, "police", msgs); err != nil || len(rej) != 0 || len(ack) != 2 {
		t.Fatalf("Ingest = %v, %+v, %v", ack, rej, err)
	}
	if left, _ := db.OutboxAttachments(ctx, sealedID); len(left) != 0 {
		t.Errorf("%d photos left in the outbox", len(left))
	}
	reader := seal.WithDeskKey(ctx, "police", deskKey)
	for _, c := range []struct {
		id    string
		photo intake.Attachment
		moved []byte // the outbox blob the case must hold unchanged
	}{{plainID, plainPhoto, nil}, {sealedID, sealedPhoto, waiting[0]}} {
		cs, err := db.CaseBySubmission(ctx, c.id)
		if err != nil {
			t.Fatal(err)
		}
		list, err := svc.Photos(ctx, police, cs.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("photos of %s: %v, %v", c.id, list, err)
		}
		stored, err := db.CaseAttachment(ctx, "police", cs.ID, list[0].ID)
		if err != nil || !seal.IsSealed(stored.Content) {
			t.Fatalf("case photo of %s not sealed: %v", c.id, err)
		}
		if c.moved != nil && !bytes.Equal(stored.Content, c.moved) {
			t.Errorf("%s: the photo intake sealed was changed on its way to the case (sealed twice?)", c.id)
		}
		if _, err := svc.Photo(ctx, police, cs.ID, list[0].ID); !errors.Is(err, desk.ErrSealed) {
			t.Errorf("%s: opened without the desk's key: %v", c.id, err)
		}
		got, err := svc.Photo(reader, police, cs.ID, list[0].ID)
		if err != nil || !bytes.Equal(got.Data, c.photo.Data) || got.Width != c.photo.Width || got.ContentType != "image/jpeg" {
			t.Fatalf("%s: photo = %d bytes %d×%d, %v", c.id, len(got.Data), got.Width, got.Height, err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(got.Data)); err != nil || cfg.Width != c.photo.Width || cfg.Height != c.photo.Height {
			t.Errorf("%s: decodes as %d×%d, %v", c.id, cfg.Width, cfg.Height, err)
		}
	}
}
