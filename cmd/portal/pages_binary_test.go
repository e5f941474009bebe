package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/brotli"
)

// rawGet sends one request to the running binary without the client's
// own decompression, and returns the response and the raw body.
func rawGet(t *testing.T, method, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestPagesBinary runs the real binary: reading pages come compressed as
// negotiated (decoding to the identity bytes) with validators and the
// right Cache-Control; HEAD has no body; forms give every visitor their
// own token and are no-store; and a campaign the press officer publishes
// or unpublishes through the real forms is reflected at once in the
// campaign list, the feed, the sitemap and the home page, all cached just
// before.
func TestPagesBinary(t *testing.T) {
	dataDir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PORTAL_DATA_DIR=" + dataDir}
	const pw = "Báo chí tuyên truyền 2026"
	if out, errOut, err := runPortal(t, pw+"\n", env, "user", "add", "--username", "lan", "--role", "press", "--password-stdin"); err != nil {
		t.Fatalf("user add: %v\n%s%s", err, out, errOut)
	}
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir)
	defer p.stop(t)

	// Compression, validators, HEAD.
	for _, path := range []string{"/", "/van-ban/53-kh-ubnd-2017"} {
		resp, identity := rawGet(t, "GET", p.URL+path, "Accept-Encoding", "identity")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Cache-Control") != "public, max-age=60, stale-while-revalidate=600" {
			t.Fatalf("%s identity: %d %v", path, resp.StatusCode, resp.Header)
		}
		for _, ae := range []string{"br", "gzip", "deflate"} {
			resp, body := rawGet(t, "GET", p.URL+path, "Accept-Encoding", ae)
			enc := resp.Header.Get("Content-Encoding")
			want := ae
			if ae == "deflate" {
				want = ""
			}
			if enc != want || resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s %s: Content-Encoding %q, Vary %q", path, ae, enc, resp.Header.Get("Vary"))
				continue
			}
			var r io.Reader = bytes.NewReader(body)
			switch enc {
			case "gzip":
				if r, _ = gzip.NewReader(r); r == nil {
					t.Fatalf("%s: not gzip", path)
				}
			case "br":
				r = brotli.NewReader(r)
			}
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, identity) {
				t.Errorf("%s %s: does not decode to the identity bytes (%v)", path, ae, err)
			}
			etag := resp.Header.Get("ETag")
			if cond, b := rawGet(t, "GET", p.URL+path, "Accept-Encoding", ae, "If-None-Match", etag); cond.StatusCode != 304 || len(b) != 0 {
				t.Errorf("%s %s: If-None-Match %s gave %d with %d bytes", path, ae, etag, cond.StatusCode, len(b))
			}
			if cond, _ := rawGet(t, "GET", p.URL+path, "Accept-Encoding", ae, "If-Modified-Since", resp.Header.Get("Last-Modified")); cond.StatusCode != 304 {
				t.Errorf("%s %s: If-Modified-Since gave %d", path, ae, cond.StatusCode)
			}
			head, hb := rawGet(t, "HEAD", p.URL+path, "Accept-Encoding", ae)
			if head.StatusCode != 200 || len(hb) != 0 || head.Header.Get("Content-Length") != strconv.Itoa(len(body)) || head.Header.Get("ETag") != etag {
				t.Errorf("HEAD %s %s: %d, %d bytes, Content-Length %s (GET %d), ETag %s", path, ae, head.StatusCode, len(hb), head.Header.Get("Content-Length"), len(body), head.Header.Get("ETag"))
			}
		}
	}
	_, home := rawGet(t, "GET", p.URL+"/")
	css := regexp.MustCompile(`/static/app\.[0-9a-f]+\.css`).FindString(string(home))
	if resp, _ := rawGet(t, "GET", p.URL+css, "Accept-Encoding", "br"); resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || resp.Header.Get("Content-Encoding") != "br" {
		t.Errorf("asset %s: %v", css, resp.Header)
	}

	// Forms: no-store, a token per visitor.
	tokens := map[string]bool{}
	for _, path := range []string{"/tin-bao", "/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"} {
		resp, body := rawGet(t, "GET", p.URL+path)
		tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || tok == nil {
			t.Fatalf("%s: %d, Cache-Control %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if tokens[string(tok[1])] {
			t.Errorf("%s: a token served twice", path)
		}
		tokens[string(tok[1])] = true
	}

	// Publish and unpublish through the staff forms.
	anon := newWebClient(t, p.URL)
	const page = "/chien-dich/ngay-quoc-te-phong-chong-ma-tuy-26-6"
	shows := func() map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, path := range []string{"/chien-dich", "/feed.xml", "/sitemap.xml", "/"} {
			resp, body := anon.get(path)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			out[path] = strings.Contains(body, page)
		}
		return out
	}
	for path, ok := range shows() {
		if ok {
			t.Fatalf("%s shows the campaign before it exists", path)
		}
	}
	w := newWebClient(t, p.URL)
	w.get("/quan-tri/dang-nhap")
	if resp, body := w.postForm("/quan-tri/dang-nhap", url.Values{"username": {"lan"}, "password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := w.get("/quan-tri/chien-dich"); resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("staff page: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	w.get("/quan-tri/chien-dich/moi")
	if resp, body := w.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Ngày quốc tế phòng, chống ma túy 26/6"}, "summary": {"Mít tinh tại quảng trường."},
		"body": {"Mời nhân dân **tham dự**."}, "status": {"published"},
	}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	for path, ok := range shows() {
		if !ok {
			t.Errorf("published: %s does not show the campaign at once", path)
		}
	}
	_, list := w.get("/quan-tri/chien-dich")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	form := doc.Find(`form[action$="/go-xuong"]`).First()
	action, _ := form.Attr("action")
	version, _ := form.Find(`input[name="version"]`).Attr("value")
	if resp, _ := w.postForm(action, url.Values{"version": {version}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish %s: %d", action, resp.StatusCode)
	}
	for path, ok := range shows() {
		if ok {
			t.Errorf("unpublished: %s still shows the campaign", path)
		}
	}
	if resp, _ := anon.get(page); resp.StatusCode != 404 {
		t.Errorf("unpublished page: %d", resp.StatusCode)
	}
}
