package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/intake"
)

func TestReadMultipartKeepsWhatTheRulesCouldAccept(t *testing.T) {
	files := []file{{"a.jpg", make([]byte, 9<<20)}, {"b.jpg", make([]byte, 11<<20)}, {"c.jpg", make([]byte, 9<<20)},
		{"d.jpg", make([]byte, 9<<20)}, {"e.jpg", []byte("x")}, {"f.jpg", []byte("y")}, {"", nil}}
	ct, body := multipartBody(t, url.Values{"description": {"Có người bán"}, "_csrf": {"t"}}, files)
	boundary := ct[strings.Index(ct, "boundary=")+len("boundary="):]
	fields, ups, err := readMultipart(body, boundary, intakeFormBodyLimit)
	if err != nil {
		t.Fatal(err)
	}
	if fields.Get("description") != "Có người bán" || fields.Get("_csrf") != "t" {
		t.Errorf("fields %v", fields)
	}
	// The empty part (a file input left empty) is skipped; b is over 10
	// MiB, d over 25 MiB in all, f the sixth: only their sizes are kept.
	want := []struct {
		name string
		size int64
		kept bool
	}{{"a.jpg", 9 << 20, true}, {"b.jpg", 11 << 20, false}, {"c.jpg", 9 << 20, true}, {"d.jpg", 9 << 20, false}, {"e.jpg", 1, true}, {"f.jpg", 1, false}}
	if len(ups) != len(want) {
		t.Fatalf("%d uploads, want %d", len(ups), len(want))
	}
	for i, w := range want {
		if u := ups[i]; u.Name != w.name || u.Size != w.size || (u.Data != nil) != w.kept {
			t.Errorf("upload %d: %s %d kept %v, want %+v", i, u.Name, u.Size, u.Data != nil, w)
		}
	}
	if _, _, err := readMultipart(body, boundary, 10); err != errFieldsTooLarge {
		t.Errorf("text over the limit: %v", err)
	}
}

// FuzzReadMultipart: any body, never a panic; what is kept stays within
// the rules.
func FuzzReadMultipart(f *testing.F) {
	_, body := multipartBody(f, url.Values{"description": {"Có người bán ma túy"}}, []file{{"a.jpg", []byte("\xff\xd8\xff")}})
	f.Add(body, "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"x\"\r\n\r\nabc\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=C3=A1\r\n--b--"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		fields, ups, err := readMultipart(body, boundary, 1024)
		if err != nil {
			return
		}
		text := 0
		for k, vs := range fields {
			for _, v := range vs {
				text += len(v)
			}
			_ = k
		}
		if text > 1024 {
			t.Fatalf("%d bytes of text kept", text)
		}
		var kept int64
		for i, u := range ups {
			if u.Data == nil {
				continue
			}
			kept += int64(len(u.Data))
			if i >= intake.MaxAttachments || len(u.Data) > intake.MaxAttachmentBytes || int64(len(u.Data)) != u.Size {
				t.Fatalf("upload %d kept: %d bytes of %d", i, len(u.Data), u.Size)
			}
		}
		if kept > intake.MaxAttachmentsTotal {
			t.Fatalf("%d bytes kept", kept)
		}
	})
}

func TestBodyLimitFor(t *testing.T) {
	for _, c := range []struct {
		method, uri, ctype string
		photo              bool
	}{
		{"POST", "/tin-bao", "multipart/form-data; boundary=x", true},
		{"POST", "/TIN-BAO/?a=1", "multipart/form-data; boundary=x", true},
		{"POST", "/api/v1/tips", "multipart/form-data; boundary=x", true},
		{"POST", "/tin-bao", "application/x-www-form-urlencoded", false},
		{"POST", "/api/v1/tips", "application/json", false},
		{"GET", "/tin-bao", "multipart/form-data; boundary=x", false},
		{"POST", "/cai-nghien/dang-ky", "multipart/form-data; boundary=x", false},
		{"POST", "/quan-tri/chien-dich", "multipart/form-data; boundary=x", false},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(c.method)
		h.SetRequestURI(c.uri)
		h.SetContentType(c.ctype)
		got := bodyLimitFor(&h)
		if photo := got.MaxRequestBodySize == photoBodyLimit && got.ReadTimeout == photoReadTimeout; photo != c.photo || !c.photo && got != (fasthttp.RequestConfig{}) {
			t.Errorf("%s %s %s: %+v", c.method, c.uri, c.ctype, got)
		}
	}
}
