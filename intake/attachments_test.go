package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"image/jpeg"
	"reflect"
	"strings"
	"testing"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

func upload(name string, data []byte) Upload {
	return Upload{Name: name, Data: data, Size: int64(len(data))}
}

func TestCheckUploads(t *testing.T) {
	jpg := pt.PhoneJPEG(t, 32, 24, 6)
	big := Upload{Name: "to.jpg", Size: 11 << 20} // over the limit: its bytes were not kept
	nine := upload("chín.jpg", append(append([]byte{}, jpg...), make([]byte, 0)...))
	nine.Size = 9 << 20 // as if 9 MiB: the total counts sizes

	for _, c := range []struct {
		name     string
		ups      []Upload
		want     []string // one message fragment per refusal, in order
		tooLarge bool
	}{
		{"fine", []Upload{upload("a.jpg", jpg), upload("b.jpg", jpg)}, nil, false},
		{"sixth", []Upload{upload("1.jpg", jpg), upload("2.jpg", jpg), upload("3.jpg", jpg), upload("4.jpg", jpg), upload("5.jpg", jpg), upload("6.jpg", jpg)},
			[]string{"Mỗi tin báo chỉ gửi được tối đa 5 ảnh; tệp “6.jpg” là tệp thứ 6 nên chưa được nhận."}, false},
		{"11 MB", []Upload{upload("a.jpg", jpg), big}, []string{"Ảnh “to.jpg” nặng 11 MB, quá mức 10 MB cho mỗi ảnh."}, true},
		{"total", []Upload{nine, nine, nine}, []string{"Tổng dung lượng ảnh vượt mức 25 MB: tính đến ảnh “chín.jpg” đã là 27 MB."}, true},
		{"not an image", []Upload{upload("ghi chú.jpg", []byte("chỉ là chữ"))}, []string{"Tệp “ghi chú.jpg” không phải là ảnh"}, false},
		{"zip appended", []Upload{upload("x.jpg", append(append([]byte{}, jpg...), "PK\x03\x04zip"...))}, []string{"Ảnh “x.jpg” có dữ liệu khác gắn kèm"}, false},
	} {
		ae := CheckUploads(c.ups)
		if len(ae) != len(c.want) {
			t.Errorf("%s: %d refusals (%v), want %d", c.name, len(ae), ae, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(ae[i].Message, w) {
				t.Errorf("%s: message %q lacks %q", c.name, ae[i].Message, w)
			}
		}
		if ae.TooLarge() != c.tooLarge {
			t.Errorf("%s: TooLarge = %v", c.name, ae.TooLarge())
		}
	}
}

func TestSanitiseUploads(t *testing.T) {
	ups := []Upload{upload("IMG_20261120_213455.jpg", pt.PhoneJPEG(t, 64, 48, 6)), upload("s.png", pt.PhonePNG(t, 20, 10, 1))}
	atts, ae, err := SanitiseUploads(context.Background(), ups)
	if err != nil || ae != nil || len(atts) != 2 {
		t.Fatalf("SanitiseUploads = %d, %v, %v", len(atts), ae, err)
	}
	if a := atts[0]; a.ContentType != "image/jpeg" || a.Width != 48 || a.Height != 64 {
		t.Errorf("first = %s %d×%d", a.ContentType, a.Width, a.Height)
	}
	for _, a := range atts {
		if bytes.Contains(a.Data, []byte(pt.Marker)) || bytes.Contains(a.Data, []byte("20261120")) {
			t.Error("metadata or file name survived")
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(a.Data)); err != nil || cfg.Width != a.Width {
			t.Errorf("attachment does not decode: %v", err)
		}
	}
	// One broken file: nothing is returned, its refusal names it.
	ups = append(ups, upload("hỏng.jpg", pt.PhoneJPEG(t, 64, 48, 1)[:400]))
	atts, ae, err = SanitiseUploads(context.Background(), ups)
	if err != nil || atts != nil || len(ae) != 1 || ae[0].Index != 2 || !strings.Contains(ae[0].Message, "“hỏng.jpg”") {
		t.Errorf("broken file: %v, %v, %v", atts, ae, err)
	}
}

// TestSubmitTipWithAttachments: the photos are written beside the outbox
// row in the same commit; the JSON of the row (what the queue entry
// carries) refers to them by index and size, and does not hold them.
func TestSubmitTipWithAttachments(t *testing.T) {
	svc, db, _ := newTestService(t)
	ctx := context.Background()
	ups := []Upload{upload("a.jpg", pt.PhoneJPEG(t, 64, 48, 6)), upload("b.png", pt.PhonePNG(t, 30, 20, 1))}
	atts, ae, err := SanitiseUploads(ctx, ups)
	if err != nil || ae != nil {
		t.Fatal(err, ae)
	}
	in := validTip()
	in.Attachments = atts
	tip, fe := svc.Catalog().ValidateTip(in)
	if fe != nil {
		t.Fatal(fe)
	}
	if _, err := svc.SubmitTip(ctx, tip); err != nil {
		t.Fatalf("SubmitTip = %v", err)
	}
	pending, err := db.PendingSubmissions(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("outbox: %d, %v", len(pending), err)
	}
	var got Tip
	if err := json.Unmarshal(pending[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	want := []AttachmentRef{
		{Index: 0, ContentType: "image/jpeg", Width: 48, Height: 64, Bytes: len(atts[0].Data)},
		{Index: 1, ContentType: "image/jpeg", Width: 30, Height: 20, Bytes: len(atts[1].Data)},
	}
	if !reflect.DeepEqual(got.AttachmentRefs, want) {
		t.Errorf("refs = %+v, want %+v", got.AttachmentRefs, want)
	}
	if len(pending[0].Data) > 4096 || bytes.Contains(pending[0].Data, atts[0].Data[:64]) {
		t.Errorf("the entry carries the photo: %d bytes", len(pending[0].Data))
	}
	photos, err := db.OutboxAttachments(ctx, pending[0].ID)
	if err != nil || len(photos) != 2 || !bytes.Equal(photos[0], atts[0].Data) || !bytes.Equal(photos[1], atts[1].Data) {
		t.Fatalf("stored photos: %d, %v", len(photos), err)
	}
}
