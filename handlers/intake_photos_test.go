package handlers

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/intake"
	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// file is one file part of a multipart body.
type file struct {
	name string
	data []byte
}

// multipartBody writes fields and files (as "attachments") the way a
// browser sends the tip form: text fields first, then the files.
func multipartBody(t testing.TB, fields url.Values, files []file) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="attachments"; filename="`+f.name+`"`)
		h.Set("Content-Type", "image/jpeg") // browsers guess from the name
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(f.data)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

// postTipMultipart posts the tip form as a browser does, with a valid CSRF
// token.
func (e *intakeEnv) postTipMultipart(t *testing.T, fields url.Values, files []file) (*http.Response, *goquery.Document, string) {
	t.Helper()
	cookie, token := e.formSession(t, "/tin-bao")
	fields.Set("_csrf", token)
	ct, body := multipartBody(t, fields, files)
	req := httptest.NewRequest(http.MethodPost, "/tin-bao", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.AddCookie(cookie)
	resp, out := e.do(t, req)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(out))
	return resp, doc, out
}

// typedTip is a valid tip as a person types it.
func typedTip() url.Values {
	return url.Values{
		"category": {"mua-ban"}, "area": {"tien-hai"},
		"description":     {"Tối nào cũng có xe máy biển 17B1-234.56 dừng ở đầu ngõ 5 để bán ma túy đá."},
		"occurred_at":     {"khoảng 21 giờ các tối"},
		"location_detail": {"Ngõ 5, thôn Đông, gần quán nước"},
	}
}

// checkTyped asserts that the re-shown form holds what was typed.
func checkTyped(t *testing.T, doc *goquery.Document, v url.Values) {
	t.Helper()
	if got := doc.Find("#f-description").Text(); got != v.Get("description") {
		t.Errorf("typed description lost: %q", got)
	}
	if got, _ := doc.Find("#f-occurred_at").Attr("value"); got != v.Get("occurred_at") {
		t.Errorf("typed time lost: %q", got)
	}
	if got := doc.Find("#f-location_detail").Text(); got != v.Get("location_detail") {
		t.Errorf("typed place lost: %q", got)
	}
	if _, ok := doc.Find(`input[name="category"][value="` + v.Get("category") + `"]`).Attr("checked"); !ok {
		t.Error("chosen category lost")
	}
	if _, ok := doc.Find(`#f-area option[value="` + v.Get("area") + `"]`).Attr("selected"); !ok {
		t.Error("chosen area lost")
	}
}

// onDisk fails the test if any file under the dirs holds needle.
func onDisk(t *testing.T, needle []byte, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, needle) {
				t.Errorf("%s holds %q", p, needle)
			}
			return nil
		})
	}
}

func zipOf(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, _ := zw.Create("danh-sach.txt")
	f.Write([]byte("không phải ảnh"))
	zw.Close()
	return buf.Bytes()
}

// TestTipFormPhotoRefusals: each refused file is a clear 422 (or 413 for
// the sizes) naming it, on the form shown again with everything typed;
// nothing is stored, and no byte of the uploads reaches the disk (not even
// a temporary file: TMPDIR is watched).
func TestTipFormPhotoRefusals(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newIntakeEnv(t, intakeOpts{})
	jpg := pt.PhoneJPEG(t, 64, 48, 6)
	eleven := append(append([]byte{}, jpg...), bytes.Repeat([]byte{0x42}, 11<<20)...)
	nine := pt.Padded(jpg, 9<<20)
	six := []file{{"1.jpg", jpg}, {"2.jpg", jpg}, {"3.jpg", jpg}, {"4.jpg", jpg}, {"5.jpg", jpg}, {"6.jpg", jpg}}
	for _, c := range []struct {
		name   string
		files  []file
		status int
		msg    string
	}{
		{"text named .jpg", []file{{"ghi-chu.jpg", []byte("Đây chỉ là một tệp văn bản.\n")}}, 422, "Tệp “ghi-chu.jpg” không phải là ảnh"},
		{"bomb", []file{{"bom.png", pt.SmallBomb(t, 20000, 20000)}}, 422, "Ảnh “bom.png” có kích thước 20.000×20.000 điểm ảnh, quá mức tối đa 40 triệu điểm ảnh"},
		{"zip appended", []file{{"anh-zip.jpg", append(append([]byte{}, jpg...), zipOf(t)...)}}, 422, "Ảnh “anh-zip.jpg” có dữ liệu khác gắn kèm"},
		{"sixth photo", six, 422, "Mỗi tin báo chỉ gửi được tối đa 5 ảnh; tệp “6.jpg” là tệp thứ 6 nên chưa được nhận."},
		{"11 MB photo", []file{{"to.jpg", eleven}}, 413, "Ảnh “to.jpg” nặng 11 MB, quá mức 10 MB cho mỗi ảnh."},
		{"over 25 MB in all", []file{{"a.jpg", nine}, {"b.jpg", nine}, {"c.jpg", nine}}, 413, "Tổng dung lượng ảnh vượt mức 25 MB: tính đến ảnh “c.jpg” đã là 27 MB."},
	} {
		t.Run(c.name, func(t *testing.T) {
			typed := typedTip()
			resp, doc, body := e.postTipMultipart(t, typed, c.files)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", resp.StatusCode, c.status, doc.Find("#loi").Text())
			}
			checkTyped(t, doc, typed)
			var msgs []string
			doc.Find("#attachments-error li").Each(func(_ int, s *goquery.Selection) { msgs = append(msgs, s.Text()) })
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], c.msg) {
				t.Errorf("file messages %q, want one starting %q", msgs, c.msg)
			}
			if got := doc.Find(`#loi a[href="#f-attachments"]`).Text(); !strings.Contains(got, c.msg) {
				t.Errorf("error summary %q lacks the file's message", got)
			}
			if d, _ := doc.Find("#f-attachments").Attr("aria-describedby"); d != "attachments-hint attachments-error attachments-again" {
				t.Errorf("aria-describedby %q", d)
			}
			if doc.Find("#attachments-again").Length() != 1 {
				t.Error("no word that the photos must be chosen again")
			}
			if strings.Contains(body, pt.Marker) {
				t.Error("page holds the photo's metadata")
			}
			if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
				t.Fatalf("outbox holds %d", n)
			}
		})
	}
	onDisk(t, []byte(pt.Marker), e.dataDir, tmp)
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files were written: %v", entries)
	}
}

// TestTipFormPhotos: valid photos pass every check and are stored,
// sanitised, beside the tip in the outbox: the receipt is shown, and
// nothing of the photos' metadata is on disk (data dir, temporary files).
// A form sent with the file input left empty is an ordinary tip.
func TestTipFormPhotos(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := newIntakeEnv(t, intakeOpts{})
	typed := typedTip()
	resp, doc, _ := e.postTipMultipart(t, typed, []file{{"IMG_20261120_213455.jpg", pt.PhoneJPEG(t, 320, 240, 6)}, {"Screenshot.png", pt.PhonePNG(t, 90, 160, 1)}, {"a.webp", pt.PhoneWebP(t, 30, 20, 1)}})
	if resp.StatusCode != http.StatusOK || !receiptRE.MatchString(strings.TrimSpace(doc.Find(".receipt").Text())) {
		t.Fatalf("valid photos: %d %q", resp.StatusCode, doc.Find("#loi").Text())
	}
	pending, _ := e.db.PendingSubmissions(context.Background(), 10)
	if len(pending) != 1 {
		t.Fatalf("outbox holds %d", len(pending))
	}
	if photos, err := e.db.OutboxAttachments(context.Background(), pending[0].ID); err != nil || len(photos) != 3 {
		t.Fatalf("stored photos: %d, %v", len(photos), err)
	}
	onDisk(t, []byte(pt.Marker), e.dataDir, tmp)
	onDisk(t, []byte("IMG_20261120"), e.dataDir, tmp)

	// The file input left empty: browsers send an empty part without a
	// name.
	cookie, token := e.formSession(t, "/tin-bao")
	typed.Set("_csrf", token)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k := range typed {
		w.WriteField(k, typed.Get(k))
	}
	w.CreateFormFile("attachments", "")
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "/tin-bao", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(cookie)
	resp, body := e.do(t, req)
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(body))
	if resp.StatusCode != 200 || !receiptRE.MatchString(strings.TrimSpace(doc.Find(".receipt").Text())) {
		t.Fatalf("tip without photos: %d %q", resp.StatusCode, doc.Find("#loi").Text())
	}
	if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 2 {
		t.Fatalf("outbox holds %d, want 2", n)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files were written: %v", entries)
	}
}

func TestTipFormHasFileInput(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	_, body := e.do(t, httptest.NewRequest(http.MethodGet, "/tin-bao", nil))
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	form := doc.Find(`form[action="/tin-bao"]`)
	if et, _ := form.Attr("enctype"); et != "multipart/form-data" {
		t.Errorf("enctype %q", et)
	}
	in := form.Find(`input[type="file"][name="attachments"]`)
	accept, _ := in.Attr("accept")
	_, multiple := in.Attr("multiple")
	if in.Length() != 1 || !multiple || !strings.Contains(accept, "image/jpeg") || !strings.Contains(accept, "image/webp") {
		t.Errorf("file input: %d, accept %q, multiple %v", in.Length(), accept, multiple)
	}
	if hint := doc.Find("#attachments-hint").Text(); !strings.Contains(hint, "Tối đa 5 ảnh") || !strings.Contains(hint, "10 MB") || !strings.Contains(hint, "25 MB") || !strings.Contains(hint, "GPS") {
		t.Errorf("hint %q", hint)
	}
}

// apiMultipart posts to POST /api/v1/tips as an app does (no Origin).
func (e *intakeEnv) apiMultipart(t *testing.T, fields url.Values, files []file, hdr ...string) (*http.Response, map[string]any) {
	t.Helper()
	ct, body := multipartBody(t, fields, files)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/tips", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, raw := e.do(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("not JSON: %d %q", resp.StatusCode, raw)
	}
	return resp, m
}

func TestAPITipMultipart(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	jpg := pt.PhoneJPEG(t, 64, 48, 6)
	// A refused file: 422 with the file's message, keyed and listed.
	resp, m := e.apiMultipart(t, typedTip(), []file{{"ok.jpg", jpg}, {"ghi-chu.jpg", []byte("chữ")}})
	errs, _ := m["errors"].(map[string]any)
	list, _ := m["attachment_errors"].([]any)
	if resp.StatusCode != 422 || len(list) != 1 || !strings.Contains(errs["attachments"].(string), "“ghi-chu.jpg”") {
		t.Fatalf("refused file: %d %v", resp.StatusCode, m)
	}
	if f := list[0].(map[string]any); f["index"] != 1.0 || f["file"] != "ghi-chu.jpg" || !strings.HasPrefix(f["error"].(string), "Tệp “ghi-chu.jpg” không phải là ảnh") {
		t.Errorf("attachment_errors %v", list)
	}
	// Sizes: 413.
	resp, m = e.apiMultipart(t, typedTip(), []file{{"to.jpg", append(append([]byte{}, jpg...), make([]byte, 11<<20)...)}})
	if resp.StatusCode != 413 || !strings.Contains(m["errors"].(map[string]any)["attachments"].(string), "nặng 11 MB") {
		t.Errorf("11 MB: %d %v", resp.StatusCode, m)
	}
	// A field the API does not take: 422 naming it.
	v := typedTip()
	v.Set("gps", "20.44,106.33")
	resp, m = e.apiMultipart(t, v, nil)
	if errs, _ := m["errors"].(map[string]any); resp.StatusCode != 422 || !strings.HasPrefix(errs["gps"].(string), "gps: trường này không có trong yêu cầu") {
		t.Errorf("unknown field: %d %v", resp.StatusCode, m)
	}
	// A field sent twice: 422 naming it (JSON would keep the last, a form
	// the first).
	v = typedTip()
	v.Add("category", "khac")
	resp, m = e.apiMultipart(t, v, nil)
	if errs, _ := m["errors"].(map[string]any); resp.StatusCode != 422 || !strings.HasPrefix(errs["category"].(string), "Loại hành vi: được gửi nhiều lần") {
		t.Errorf("repeated field: %d %v", resp.StatusCode, m)
	}
	// A browser on another site: refused before anything else.
	resp, m = e.apiMultipart(t, typedTip(), []file{{"ok.jpg", jpg}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != 403 || m["error"] != msgCrossSite {
		t.Errorf("cross-site multipart: %d %v", resp.StatusCode, m)
	}
	if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
		t.Fatalf("outbox holds %d", n)
	}
	// Valid photos: accepted, 202 with a receipt; the photo stored.
	resp, m = e.apiMultipart(t, typedTip(), []file{{"ok.jpg", jpg}})
	if resp.StatusCode != 202 || !receiptRE.MatchString(intake.FormatReceipt(m["receipt"].(string))) {
		t.Fatalf("valid photo: %d %v", resp.StatusCode, m)
	}
	pending, _ := e.db.PendingSubmissions(context.Background(), 10)
	if len(pending) != 1 {
		t.Fatalf("outbox holds %d", len(pending))
	}
	if photos, _ := e.db.OutboxAttachments(context.Background(), pending[0].ID); len(photos) != 1 || bytes.Contains(photos[0], []byte(pt.Marker)) {
		t.Fatalf("stored photos: %d", len(photos))
	}
	// No photos, multipart: an ordinary tip.
	resp, m = e.apiMultipart(t, typedTip(), nil)
	if resp.StatusCode != 202 || !receiptRE.MatchString(intake.FormatReceipt(m["receipt"].(string))) {
		t.Errorf("multipart tip: %d %v", resp.StatusCode, m)
	}
}

// TestJSONRefusesUnknownFields: every JSON submission refuses a field it
// does not take, 422 naming it; photos in JSON are told to use multipart.
func TestJSONRefusesUnknownFields(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	for _, c := range []struct {
		path, body, field, want string
	}{
		{"/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối.","attachments":["/9j/4AAQ"]}`,
			"attachments", "Ảnh đính kèm: không gửi được ảnh trong JSON. Hãy gửi tin báo dạng multipart/form-data"},
		{"/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối.","reporter_phone":"0912345678"}`,
			"reporter_phone", "reporter_phone: trường này không có trong yêu cầu nên không được nhận"},
		{"/api/v1/rehab-enquiries", `{"relationship":"ban-than","consent":true,"email":"a@b.vn"}`, "email", "email: trường này không có"},
		{"/api/v1/status", `{"receipt":"1234 5678 9012 3456","kind":"tip"}`, "kind", "kind: trường này không có trong yêu cầu nên không được nhận; hãy bỏ trường đó rồi gửi lại. Các trường được nhận: receipt."},
	} {
		resp, m := e.postJSON(t, c.path, c.body)
		errs, _ := m["errors"].(map[string]any)
		got, _ := errs[c.field].(string)
		if resp.StatusCode != 422 || !strings.HasPrefix(got, c.want) {
			t.Errorf("%s %s: %d %v", c.path, c.field, resp.StatusCode, m)
		}
	}
	if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
		t.Fatalf("outbox holds %d", n)
	}
}

// TestEncodedBodiesRefused: a gzip body would be inflated without bound
// by c.Body(); the intake API refuses it at once.
func TestEncodedBodiesRefused(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write([]byte(`{"description":"`))
	z.Write(bytes.Repeat([]byte("a"), 200<<20)) // 200 MB from about 200 KB
	z.Close()
	if buf.Len() > intakeAPIBodyLimit {
		t.Fatalf("bomb is %d bytes", buf.Len())
	}
	for _, path := range []string{"/api/v1/tips", "/api/v1/rehab-enquiries", "/api/v1/status"} {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(buf.Bytes()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		resp, body := e.do(t, req)
		if resp.StatusCode != 415 || !strings.Contains(body, "dữ liệu nén") {
			t.Errorf("%s gzip: %d %s", path, resp.StatusCode, body)
		}
	}
}

// TestBodyOverTheLimit: a body over the route's limit never reaches a
// handler: fasthttp refuses it before reading it. Over a real socket, the
// client, still sending, reads the 413 and its Vietnamese message (the
// connection closes lingeringly, not with a reset): the tip form, empty,
// saying why, or JSON. Other routes keep the smaller server limit.
func TestBodyOverTheLimit(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(Listener(ln))
	t.Cleanup(func() { e.app.Shutdown() })
	big := bytes.Repeat([]byte("x"), photoBodyLimit+8<<20)
	for _, c := range []struct {
		path, ctype string
		size        int
		want        string
	}{
		{"/tin-bao", "multipart/form-data; boundary=b", len(big), "Tin báo chưa được gửi vì dữ liệu gửi lên quá lớn"},
		{"/api/v1/tips", "multipart/form-data; boundary=b", len(big), `{"error":"` + msgPhotosTooLarge + `"}`},
		{"/cai-nghien/dang-ky", "multipart/form-data; boundary=b", bodyLimit + 1, "Dữ liệu gửi lên quá lớn."},
		{"/tin-bao", "application/x-www-form-urlencoded", bodyLimit + 1, "Tin báo chưa được gửi vì dữ liệu gửi lên quá lớn"},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+c.path, bytes.NewReader(big[:c.size]))
		req.Header.Set("Content-Type", c.ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", c.path, c.ctype, err)
			continue
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 413 || !strings.Contains(string(out), c.want) {
			t.Errorf("%s %s %d bytes: %d %v %.300s", c.path, c.ctype, c.size, resp.StatusCode, err, out)
		}
		if c.path == "/tin-bao" && c.ctype != "application/x-www-form-urlencoded" {
			doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(out))
			if tok, _ := doc.Find(`input[name="_csrf"]`).Attr("value"); tok == "" || doc.Find("#f-description").Length() != 1 {
				t.Error("the 413 is not the tip form with a fresh token")
			}
		}
	}
	// Just under the photo limit on the photo route is read (and then
	// refused as malformed, being no multipart body): the limit is the
	// route's, not the server's 12 MB.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/tips", bytes.NewReader(big[:photoBodyLimit]))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	if resp, body := e.do(t, req); resp.StatusCode != 400 {
		t.Errorf("body at the photo limit: %d %.200s", resp.StatusCode, body)
	}
}
