package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/desk"
	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
	"github.com/thaibinh-pcmt/portal/press"
)

// sendTipWithPhotos sends the tip form with files as a browser does and
// returns the receipt shown.
func sendTipWithPhotos(t *testing.T, b *browser, description string, files []file) string {
	t.Helper()
	b.get("/tin-bao")
	fields := url.Values{"category": {"mua-ban"}, "area": {"vu-thu"}, "description": {description},
		"_nonce": {mustNonce(t)}, "_csrf": {b.csrf}}
	ct, body := multipartBody(t, fields, files)
	req := httptest.NewRequest(http.MethodPost, "/tin-bao", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	resp, out := b.do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tip with photos: %d\n%s", resp.StatusCode, out)
	}
	r := receiptRe.FindString(doc(t, out).Find(".receipt").Text())
	if r == "" {
		t.Fatalf("no receipt on %s", out)
	}
	return r
}

// nearColour reports whether c is within a JPEG's error of want.
func nearColour(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v > -40 && v < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// checkDeskPhoto checks a photo as the desk receives it: a download,
// nosniff, no-store, a JPEG of w×h whose top-left quadrant is topLeft (the
// orientation applied), and none of the metadata of the file sent.
func checkDeskPhoto(t *testing.T, resp *http.Response, body string, w, h int, topLeft color.RGBA) {
	t.Helper()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("photo: %d %v", resp.StatusCode, resp.Header)
	}
	img, err := jpeg.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("photo does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("photo is %v, want %d×%d", b, w, h)
	}
	if c := img.At(w/4, h/4); !nearColour(c, topLeft) {
		t.Errorf("top left is %v, want %v (orientation)", c, topLeft)
	}
	for _, needle := range []string{pt.Marker, "Exif", "http://ns.adobe.com", "ICC_PROFILE", "Photoshop", "2026:11:20"} {
		if strings.Contains(body, needle) {
			t.Errorf("photo holds %q", needle)
		}
	}
}

// TestDeskPhotos: photos sent with a tip reach the police desk with the
// case: shown on the case page, listed by the desk API with a URL each,
// served to that desk only (404 to another desk, 401/redirect without a
// login or token), as downloads, at the size and orientation of the
// picture and with none of its metadata.
func TestDeskPhotos(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	// 320×240 stored, EXIF orientation 6 (turn 90° clockwise): the
	// picture is 240×320 with the stored bottom-left (blue) at top left.
	sendTipWithPhotos(t, e.browser(), "Ảnh chụp ruộng anh túc phía sau nhà văn hóa thôn.",
		[]file{{"IMG_20261120_213455.jpg", pt.PhoneJPEG(t, 320, 240, 6)}, {"Screenshot.png", pt.PhonePNG(t, 90, 160, 1)}})
	e.deliver(t)

	police := e.browser()
	police.login("tuan", deskPassword)
	_, body := police.get(inboxPath)
	ids := caseIDs(doc(t, body))
	if len(ids) != 1 {
		t.Fatalf("inbox lists %v", ids)
	}
	resp, body := police.get(inboxPath + "/" + ids[0])
	page := doc(t, body)
	imgs := page.Find("ul.photos img")
	if resp.StatusCode != 200 || imgs.Length() != 2 || !strings.Contains(page.Find("#anh").Text(), "Ảnh đính kèm (2)") {
		t.Fatalf("case page: %d, %d photos", resp.StatusCode, imgs.Length())
	}
	src0, _ := imgs.Eq(0).Attr("src")
	src1, _ := imgs.Eq(1).Attr("src")
	if !strings.HasPrefix(src0, inboxPath+"/"+ids[0]+"/anh/") {
		t.Fatalf("photo URL %q", src0)
	}
	resp, first := police.get(src0)
	checkDeskPhoto(t, resp, first, 240, 320, pt.Blue)
	resp, second := police.get(src1)
	checkDeskPhoto(t, resp, second, 90, 160, pt.Red)

	// Another desk: 404; no session: not the photo.
	social := e.browser()
	social.login("mai", deskPassword)
	if resp, body := social.get(src0); resp.StatusCode != 404 || !strings.Contains(body, desk.ErrNotFound.Error()) {
		t.Errorf("other desk: %d %q, want 404 and %q", resp.StatusCode, body, desk.ErrNotFound.Error())
	}
	if resp, _ := e.browser().get(src0); resp.StatusCode == 200 {
		t.Errorf("no session: %d", resp.StatusCode)
	}
	// An administrator manages accounts and reads no case: 403.
	adm := e.browser()
	adm.login("quantri", adminPassword)
	if resp, _ := adm.get(src0); resp.StatusCode != 403 {
		t.Errorf("administrator: %d, want 403", resp.StatusCode)
	}
	// A photo id of another case of the same desk: 404.
	// A photo id the case lacks: 404 that names the photo, not the case.
	if resp, body := police.get(inboxPath + "/" + ids[0] + "/anh/999999"); resp.StatusCode != 404 || !strings.Contains(body, desk.ErrPhotoNotFound.Error()) {
		t.Errorf("unknown photo: %d %q, want 404 and %q", resp.StatusCode, body, desk.ErrPhotoNotFound.Error())
	}

	// The desk API lists them with a URL each; the URL serves the same
	// bytes to that desk's token only.
	token, _, err := e.desk.CreateToken(ctx, press.ActorCLI, "police", "he-thong-pc04")
	if err != nil {
		t.Fatal(err)
	}
	social2, _, _ := e.desk.CreateToken(ctx, press.ActorCLI, "social-affairs", "he-thong-xh")
	get := func(path, tok string) (*http.Response, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		return e.browser().do(req)
	}
	resp, raw := get("/api/v1/desk/cases/"+ids[0], token)
	var m struct {
		Attachments []apiAttachment `json:"attachments"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil || resp.StatusCode != 200 || len(m.Attachments) != 2 {
		t.Fatalf("API case: %d %v %s", resp.StatusCode, err, raw)
	}
	a := m.Attachments[0]
	if a.From != "submission" || a.Index != 0 || a.Width != 240 || a.Height != 320 || a.Bytes != len(first) ||
		a.URL != fmt.Sprintf("/api/v1/desk/cases/%s/attachments/%d", ids[0], a.ID) {
		t.Errorf("attachment = %+v", a)
	}
	resp, got := get(a.URL, token)
	checkDeskPhoto(t, resp, got, 240, 320, pt.Blue)
	if got != first {
		t.Error("the API serves other bytes than the case page")
	}
	if resp, _ := get(a.URL, social2); resp.StatusCode != 404 {
		t.Errorf("other desk's token: %d", resp.StatusCode)
	}
	if resp, _ := get(a.URL, ""); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
}

// postReply sends the /tra-cuu reply form of receipt with body and files,
// as a browser does after looking the receipt up.
func postReply(t *testing.T, b *browser, receipt, body string, files []file) (*http.Response, string) {
	t.Helper()
	page := lookUp(t, b, receipt)
	form := page.Find(`form[action="/tra-cuu/tin-nhan"]`)
	if enc, _ := form.Attr("enctype"); enc != "multipart/form-data" || form.Find(`input[type="file"][name="attachments"]`).Length() != 1 {
		t.Fatalf("the reply form takes no photos")
	}
	fields := browserFormValues(form)
	fields.Set("body", body)
	ct, raw := multipartBody(t, fields, files)
	req := httptest.NewRequest(http.MethodPost, "/tra-cuu/tin-nhan", bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	return b.do(req)
}

// TestReplyPhotos: the sender's answer through the receipt carries photos
// as a tip does, by the form and by POST /api/v1/messages: the desk gets
// them sanitised with the message; a refused file keeps what was typed and
// stores nothing.
func TestReplyPhotos(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	sender := e.browser()
	receipt := sendTip(t, sender, "Có người bán ma túy ở ngõ 5, thường tối thứ Bảy.")
	e.deliver(t)

	// A text file named .jpg: 422, the text kept, the photos asked again,
	// nothing stored.
	typed := "Tôi gửi thêm ảnh chụp chiếc xe máy biển số 17B1-234.56."
	resp, body := postReply(t, sender, receipt, typed, []file{{"bien-so.jpg", []byte("không phải ảnh")}})
	d := doc(t, body)
	if resp.StatusCode != 422 || !strings.Contains(d.Find("#attachments-error").Text(), "“bien-so.jpg”") ||
		d.Find("#f-body").Text() != typed || d.Find("#attachments-again").Length() != 1 {
		t.Fatalf("refused reply photo: %d %q", resp.StatusCode, d.Find("#attachments-error").Text())
	}
	// An 11 MB photo: 413, the text kept.
	resp, body = postReply(t, sender, receipt, typed, []file{{"lon.jpg", pt.Padded(pt.PhoneJPEG(t, 64, 48, 1), 11<<20)}})
	if d := doc(t, body); resp.StatusCode != 413 || d.Find("#f-body").Text() != typed {
		t.Fatalf("11 MB reply photo: %d", resp.StatusCode)
	}
	police := e.browser()
	police.login("tuan", deskPassword)
	_, body = police.get(inboxPath)
	id := caseIDs(doc(t, body))[0]
	token, _, err := e.desk.CreateToken(ctx, press.ActorCLI, "police", "he-thong-pc04")
	if err != nil {
		t.Fatal(err)
	}
	apiCase := func() []apiAttachment {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/desk/cases/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		_, raw := e.browser().do(req)
		var m struct {
			Attachments []apiAttachment `json:"attachments"`
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		return m.Attachments
	}
	if a := apiCase(); len(a) != 0 {
		t.Fatalf("refused photos were stored: %+v", a)
	}

	// Accepted, by the form.
	resp, body = postReply(t, sender, receipt, typed, []file{{"IMG_1.jpg", pt.PhoneJPEG(t, 320, 240, 6)}})
	if resp.StatusCode != 200 || !strings.Contains(body, msgReplySent) {
		t.Fatalf("reply with a photo: %d %s", resp.StatusCode, doc(t, body).Find(".error").Text())
	}
	// And by the API, as multipart.
	ct, raw := multipartBody(t, url.Values{"receipt": {receipt}, "body": {"Thêm một ảnh nữa."}}, []file{{"b.webp", pt.PhoneWebP(t, 30, 20, 1)}})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/messages", bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	if resp, out := e.browser().do(req); resp.StatusCode != 202 || !strings.Contains(out, `"photos":1`) {
		t.Fatalf("API reply with a photo: %d %s", resp.StatusCode, out)
	}
	// A field the API does not take, in multipart: 422 naming it.
	ct, raw = multipartBody(t, url.Values{"receipt": {receipt}, "body": {"x"}, "gps": {"20.4"}}, nil)
	req = httptest.NewRequest(http.MethodPost, "/api/v1/messages", bytes.NewReader(raw))
	req.Header.Set("Content-Type", ct)
	if resp, out := e.browser().do(req); resp.StatusCode != 422 || !strings.Contains(out, `"gps"`) {
		t.Errorf("unknown multipart field: %d %s", resp.StatusCode, out)
	}

	atts := apiCase()
	if len(atts) != 2 || atts[0].From != "message" || atts[1].From != "message" {
		t.Fatalf("attachments = %+v", atts)
	}
	// The sender is told, under each of their messages, that a photo went
	// with it and who can see it; the photo itself is not on the page.
	page := lookUp(t, sender, receipt)
	var told []string
	page.Find("ol.conversation li").Each(func(_ int, li *goquery.Selection) {
		told = append(told, strings.Join(strings.Fields(li.Find("p").First().Text()), " "))
	})
	if len(told) != 2 || page.Find("ol.conversation img").Length() != 0 {
		t.Fatalf("the sender's conversation: %q", told)
	}
	for _, line := range told {
		if !strings.HasPrefix(line, "Bạn · ") || !strings.HasSuffix(line, " · kèm 1 ảnh (chỉ cán bộ tiếp nhận xem được)") {
			t.Errorf("sender's message line = %q", line)
		}
	}

	// The case page shows each under its message.
	_, body = police.get(inboxPath + "/" + id)
	imgs := doc(t, body).Find("ol.conversation ul.photos img")
	if imgs.Length() != 2 {
		t.Fatalf("case page shows %d message photos", imgs.Length())
	}
	src, _ := imgs.Eq(0).Attr("src")
	resp, first := police.get(src)
	checkDeskPhoto(t, resp, first, 240, 320, pt.Blue)
	resp, second := police.get(inboxPath + "/" + id + "/anh/" + fmt.Sprint(atts[1].ID))
	checkDeskPhoto(t, resp, second, 30, 20, pt.Red)
}
