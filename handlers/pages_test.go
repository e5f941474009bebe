package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/static"
)

// fetch sends one request to app with the given header fields (name,
// value, ...) and returns the response and its raw body (not decoded).
func fetch(t testing.TB, app *fiber.App, method, target string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

func decode(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("gzip body: %v", err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unexpected Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", enc, err)
	}
	return out
}

// readingPages are cached pages of the site app (no press office: the
// feed and sitemap list the library only).
var readingPages = []string{"/", "/van-ban", "/van-ban/53-kh-ubnd-2017", "/van-ban/25-ct-ttg-2017", "/phan-cong",
	"/bai-viet", "/bai-viet/cac-hinh-thuc-cai-nghien", "/gioi-thieu", "/feed.xml", "/sitemap.xml", "/robots.txt",
	"/api/v1/documents", "/api/v1/documents/53-kh-ubnd-2017"}

// Every reading page: brotli or gzip as negotiated, each decoding to the
// identity bytes; identity for a client that accepts neither; Vary, a
// strong ETag per coding, Last-Modified, the reading Cache-Control and the
// security headers, on the first request (built) and the second (served
// from memory before the router).
func TestReadingPagesNegotiateCoding(t *testing.T) {
	app := newSiteApp(t)
	for _, path := range readingPages {
		for round := 1; round <= 2; round++ {
			resp, identity := fetch(t, app, "GET", path, "Accept-Encoding", "identity")
			if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" {
				t.Fatalf("%s identity: %d %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			}
			tags := map[string]string{"": resp.Header.Get("ETag")}
			for _, tc := range []struct{ ae, want string }{
				{"gzip", "gzip"},
				{"br", "br"},
				{"gzip, deflate, br, zstd", "br"}, // what browsers send
				{"br;q=0.5, gzip;q=0.9", "gzip"},
				{"deflate", ""},          // neither: identity
				{"", ""},                 // no Accept-Encoding: identity
				{"gzip;q=0, br;q=0", ""}, // both refused
			} {
				if path == "/robots.txt" && tc.want != "" {
					tc.want = "" // too small to gain from compression
				}
				hdr := []string{}
				if tc.ae != "" {
					hdr = []string{"Accept-Encoding", tc.ae}
				}
				resp, body := fetch(t, app, "GET", path, hdr...)
				enc := resp.Header.Get("Content-Encoding")
				if resp.StatusCode != 200 || enc != tc.want {
					t.Errorf("%s (round %d) Accept-Encoding %q: %d, Content-Encoding %q, want %q", path, round, tc.ae, resp.StatusCode, enc, tc.want)
					continue
				}
				if got := decode(t, enc, body); !bytes.Equal(got, identity) {
					t.Errorf("%s %q: body does not decode to the identity bytes (%d vs %d bytes)", path, tc.ae, len(got), len(identity))
				}
				if enc != "" && len(body) >= len(identity)/2 {
					t.Errorf("%s %s: %d bytes of %d: hardly compressed", path, enc, len(body), len(identity))
				}
				if resp.Header.Get("Vary") != "Accept-Encoding" {
					t.Errorf("%s: Vary %q", path, resp.Header.Get("Vary"))
				}
				tag := resp.Header.Get("ETag")
				if !regexp.MustCompile(`^"[A-Za-z0-9_-]{24}(-gz|-br)?"$`).MatchString(tag) {
					t.Errorf("%s: ETag %q is not a strong tag", path, tag)
				}
				if prev, ok := tags[enc]; ok && prev != tag {
					t.Errorf("%s %s: ETag %s then %s for the same bytes", path, enc, prev, tag)
				}
				tags[enc] = tag
				if _, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil {
					t.Errorf("%s: Last-Modified %q", path, resp.Header.Get("Last-Modified"))
				}
				if cc := resp.Header.Get("Cache-Control"); cc != cacheReading {
					t.Errorf("%s: Cache-Control %q", path, cc)
				}
				for _, f := range securityHeaderFields {
					if resp.Header.Get(f[0]) != f[1] {
						t.Errorf("%s (round %d): %s = %q, want %q", path, round, f[0], resp.Header.Get(f[0]), f[1])
					}
				}
				if len(resp.Cookies()) != 0 {
					t.Errorf("%s: a cached page sets a cookie", path)
				}
			}
			if path != "/robots.txt" && (tags["gzip"] == tags[""] || tags["br"] == tags[""] || tags["br"] == tags["gzip"]) {
				t.Errorf("%s: codings share an ETag: %v", path, tags)
			}
		}
	}
}

// ETag then 304 (weak comparison for If-None-Match), Last-Modified then
// 304 by date, and a 200 for anything else; HEAD answers with the GET's
// fields and no body.
func TestValidatorsAndHEAD(t *testing.T) {
	app := newSiteApp(t)
	const path = "/van-ban/53-kh-ubnd-2017"
	resp, body := fetch(t, app, "GET", path, "Accept-Encoding", "gzip")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	for _, tc := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"same ETag", []string{"Accept-Encoding", "gzip", "If-None-Match", etag}, 304},
		{"weak form of the ETag", []string{"Accept-Encoding", "gzip", "If-None-Match", "W/" + etag}, 304},
		{"ETag in a list", []string{"Accept-Encoding", "gzip", "If-None-Match", `"abc", ` + etag}, 304},
		{"star", []string{"Accept-Encoding", "gzip", "If-None-Match", "*"}, 304},
		{"the gzip ETag asking for brotli", []string{"Accept-Encoding", "br", "If-None-Match", etag}, 200},
		{"another ETag", []string{"Accept-Encoding", "gzip", "If-None-Match", `"abc"`}, 200},
		{"same date", []string{"Accept-Encoding", "gzip", "If-Modified-Since", lm}, 304},
		{"a later date", []string{"If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, 304},
		{"an earlier date", []string{"If-Modified-Since", "Thu, 14 Sep 2017 00:00:00 GMT"}, 200},
		{"a date that is not one", []string{"If-Modified-Since", "hôm qua"}, 200},
		{"If-None-Match wins over the date", []string{"If-None-Match", `"abc"`, "If-Modified-Since", lm}, 200},
	} {
		resp, b := fetch(t, app, "GET", path, tc.hdr...)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
			continue
		}
		if tc.want == 304 {
			if len(b) != 0 || resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: 304 with a body (%d bytes) or Content-Encoding", tc.name, len(b))
			}
			if resp.Header.Get("Cache-Control") != cacheReading || resp.Header.Get("Vary") != "Accept-Encoding" || resp.Header.Get("ETag") == "" {
				t.Errorf("%s: 304 lacks Cache-Control, Vary or ETag: %v", tc.name, resp.Header)
			}
		}
	}
	// POST is not answered from the cache.
	if resp, _ := fetch(t, app, "POST", path, "If-None-Match", etag); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: %d, want 405", path, resp.StatusCode)
	}

	for _, p := range []string{path, "/", "/feed.xml", static.URL("app.css")} {
		for _, ae := range []string{"br", "identity"} {
			get, gb := fetch(t, app, "GET", p, "Accept-Encoding", ae)
			head, hb := fetch(t, app, "HEAD", p, "Accept-Encoding", ae)
			if head.StatusCode != 200 || len(hb) != 0 {
				t.Errorf("HEAD %s: %d with %d bytes of body", p, head.StatusCode, len(hb))
			}
			if head.Header.Get("Content-Length") != strconv.Itoa(len(gb)) {
				t.Errorf("HEAD %s %s: Content-Length %q, GET sent %d bytes", p, ae, head.Header.Get("Content-Length"), len(gb))
			}
			for _, f := range []string{"Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control", "Vary", "Content-Security-Policy"} {
				if head.Header.Get(f) != get.Header.Get(f) {
					t.Errorf("HEAD %s: %s %q, GET %q", p, f, head.Header.Get(f), get.Header.Get(f))
				}
			}
		}
	}
	_ = body
}

// Hashed assets: immutable, pre-compressed (decoding to the embedded
// bytes), validated; an unknown name is a 404 that is not kept.
func TestAssetsPrecompressedAndImmutable(t *testing.T) {
	app := newSiteApp(t)
	for _, a := range static.All() {
		u := static.URL(a.Name)
		for _, ae := range []string{"br", "gzip", "identity"} {
			resp, body := fetch(t, app, "GET", u, "Accept-Encoding", ae)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheImmutable {
				t.Fatalf("%s: %d, Cache-Control %q", u, resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			if !bytes.Equal(decode(t, resp.Header.Get("Content-Encoding"), body), a.Body) {
				t.Errorf("%s %s: does not decode to the asset", u, ae)
			}
			// Images (PNG, and the icon that holds one) are compressed
			// already: only text is worth pre-compressing.
			compressible := !strings.HasPrefix(a.ContentType, "image/") || a.ContentType == "image/svg+xml"
			if ae == "br" && compressible && len(a.Body) > 1000 && resp.Header.Get("Content-Encoding") != "br" {
				t.Errorf("%s: not served pre-compressed with brotli", u)
			}
			resp, _ = fetch(t, app, "GET", u, "Accept-Encoding", ae, "If-None-Match", resp.Header.Get("ETag"))
			if resp.StatusCode != 304 {
				t.Errorf("%s: If-None-Match gave %d", u, resp.StatusCode)
			}
		}
	}
	if resp, _ := fetch(t, app, "GET", static.Prefix+"app.00000000.css"); resp.StatusCode != 404 || resp.Header.Get("Cache-Control") != cacheNoStore {
		t.Errorf("unknown asset: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// Cached pages never carry the request's Host: a forged Host sent first
// would otherwise be cached and handed to everyone.
func TestCachedPagesIgnoreTheHost(t *testing.T) {
	app := newSiteApp(t)
	for _, path := range []string{"/", "/van-ban/53-kh-ubnd-2017", "/feed.xml", "/sitemap.xml"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Host = "evil.example"
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(b), "evil.example") {
			t.Errorf("%s: the request's Host is in the page", path)
		}
		if _, body := fetch(t, app, "GET", path); strings.Contains(string(body), "evil.example") {
			t.Errorf("%s: the forged Host reached the next visitor", path)
		}
	}
	if got := linkBaseOf("", "0.0.0.0:8080"); got != "http://localhost:8080" {
		t.Errorf("linkBaseOf wildcard = %q", got)
	}
	if got := linkBaseOf("", "[::1]:80"); got != "http://[::1]" {
		t.Errorf("linkBaseOf [::1]:80 = %q", got)
	}
	if got := linkBaseOf("https://phongchongmatuy.example.gov.vn/", "127.0.0.1:8080"); got != "https://phongchongmatuy.example.gov.vn" {
		t.Errorf("linkBaseOf configured = %q", got)
	}
}

// A cached page is answered with no allocation and no template: the
// fasthttp handler the app serves with, on a page already built.
func TestCachedPathAllocatesNothing(t *testing.T) {
	app := newSiteApp(t)
	fetch(t, app, "GET", "/van-ban/53-kh-ubnd-2017") // build it
	h := app.Server().Handler
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("GET")
	ctx.Request.SetRequestURI("/van-ban/53-kh-ubnd-2017")
	ctx.Request.Header.Set("Accept-Encoding", "gzip, deflate, br")
	h(&ctx)
	if ctx.Response.StatusCode() != 200 || string(ctx.Response.Header.Peek("Content-Encoding")) != "br" {
		t.Fatalf("fast path: %d %q", ctx.Response.StatusCode(), ctx.Response.Header.Peek("Content-Encoding"))
	}
	if n := testing.AllocsPerRun(200, func() {
		ctx.Response.Reset()
		h(&ctx)
	}); n != 0 {
		t.Errorf("a cached page costs %v allocations, want 0", n)
	}
}

// Cache-Control by kind: a reading page, an asset, the forms (token and
// nonce), the receipt look-up, a receipt from the API, a staff page.
func TestCacheControlByKind(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	for path, want := range map[string]string{
		"/":                   cacheReading,
		"/cai-nghien":         cacheReading, // the enquiry form's help page: no form, no token
		static.URL("app.css"): cacheImmutable,
		"/tin-bao":            cacheNoStore,
		"/cai-nghien/dang-ky": cacheNoStore,
		"/tra-cuu":            cacheNoStore,
		"/khong-co-trang-nay": cacheNoStore,
	} {
		resp, _ := fetch(t, e.app, "GET", path)
		if got := resp.Header.Get("Cache-Control"); got != want {
			t.Errorf("GET %s: Cache-Control %q, want %q", path, got, want)
		}
		if want == cacheNoStore && resp.Header.Get("ETag") != "" {
			t.Errorf("GET %s: an ETag on a page that is not kept", path)
		}
	}
	resp, m := e.postJSON(t, "/api/v1/tips", `{"category":"ban-tren-mang","area":"thai-thuy","description":"Tài khoản mạng xã hội rao bán ma túy, giao hàng tận nơi."}`)
	if resp.StatusCode != http.StatusAccepted || m["receipt"] == nil {
		t.Fatalf("API tip: %d %v", resp.StatusCode, m)
	}
	if resp.Header.Get("Cache-Control") != cacheNoStore {
		t.Errorf("API receipt: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	v := url.Values{"receipt": {m["receipt"].(string)}}
	resp, _, _ = e.postForm(t, "/tra-cuu", v)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheNoStore {
		t.Errorf("POST /tra-cuu: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, _ = e.postJSON(t, "/api/v1/status", `{"receipt":"`+m["receipt"].(string)+`"}`)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheNoStore {
		t.Errorf("API status: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}

	p := newPressEnv(t)
	b := p.browser()
	b.login("lan", pressPassword)
	for _, path := range []string{"/quan-tri/chien-dich", "/quan-tri/chien-dich/moi", "/quan-tri/nhat-ky"} {
		resp, _ := b.get(path)
		if resp.Header.Get("Cache-Control") != cacheNoStore {
			t.Errorf("staff %s: %d, Cache-Control %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if resp, _ := p.browser().get(loginPath); resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheNoStore {
		t.Errorf("login page: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

// Two visitors of a form page never get the same token or nonce, on the
// first request or any later one: form pages are not kept.
func TestFormTokensArePerVisitor(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	tokenRe := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	nonceRe := regexp.MustCompile(`name="_nonce" value="([^"]+)"`)
	for _, path := range []string{"/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"} {
		seen := map[string]bool{}
		for visitor := 0; visitor < 3; visitor++ {
			resp, body := fetch(t, e.app, "GET", path, "Accept-Encoding", "gzip, br")
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cacheNoStore {
				t.Fatalf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
			page := string(decode(t, resp.Header.Get("Content-Encoding"), body))
			var cookie string
			for _, c := range resp.Cookies() {
				if c.Name == csrfCookie {
					cookie = c.Value
				}
			}
			tok := tokenRe.FindStringSubmatch(page)
			// The token is bound to the cookie (HMAC of its id), not a copy.
			if tok == nil || cookie == "" || tok[1] == cookie {
				t.Fatalf("%s: token field %v, cookie %q", path, tok, cookie)
			}
			values := []string{tok[1], cookie}
			if n := nonceRe.FindStringSubmatch(page); n != nil {
				values = append(values, n[1])
			} else if path != "/tra-cuu" {
				t.Fatalf("%s: no nonce", path)
			}
			for _, v := range values {
				if seen[v] {
					t.Errorf("%s: visitor %d got a token or nonce another visitor had: %s", path, visitor, v)
				}
				seen[v] = true
			}
		}
	}
}

// A campaign published through the press office is on its list, the
// feed, the sitemap and the home page at the very next request, although
// each was cached just before; unpublished, it is gone from all of them
// at once.
func TestPublishAndUnpublishReachCachedPagesAtOnce(t *testing.T) {
	e := newPressEnv(t)
	anon := e.browser()
	const page = "/chien-dich/dem-nhac-sang-khong-ma-tuy"
	has := func() map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, p := range []string{"/chien-dich", "/feed.xml", "/sitemap.xml", "/"} {
			resp, body := anon.get(p)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", p, resp.StatusCode)
			}
			out[p] = strings.Contains(body, page)
		}
		resp, _ := anon.get(page)
		out[page] = resp.StatusCode == 200
		return out
	}
	for p, ok := range has() { // builds and caches every page
		if ok {
			t.Fatalf("%s shows the campaign before it exists", p)
		}
	}
	etagBefore := etagOf(t, e.app, "/chien-dich")

	b := e.browser()
	b.login("lan", pressPassword)
	b.get("/quan-tri/chien-dich/moi")
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Đêm nhạc sáng không ma túy"}, "summary": {"Đêm nhạc tại quảng trường."},
		"body": {"Mời thanh niên **tham gia**."}, "status": {"published"},
	}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	for p, ok := range has() {
		if !ok {
			t.Errorf("just published: %s does not show the campaign", p)
		}
	}
	// A client holding the old list gets the new one, not a 304.
	if resp, _ := fetch(t, e.app, "GET", "/chien-dich", "If-None-Match", etagBefore); resp.StatusCode != 200 {
		t.Errorf("old list's ETag: %d, want 200", resp.StatusCode)
	}

	cp, err := e.db.CampaignBySlug(context.Background(), strings.TrimPrefix(page, "/chien-dich/"))
	if err != nil {
		t.Fatal(err)
	}
	b.get(campaignsPath)
	resp, _ = b.post(campaignsPath+"/"+strconv.FormatInt(cp.ID, 10)+"/go-xuong", url.Values{"version": {strconv.FormatInt(cp.Version, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", resp.StatusCode)
	}
	for p, ok := range has() {
		if ok {
			t.Errorf("just unpublished: %s still shows the campaign", p)
		}
	}
	if etagOf(t, e.app, "/chien-dich") != etagBefore {
		t.Error("the list without the campaign is not the same bytes as before it")
	}
}

func etagOf(t *testing.T, app *fiber.App, path string) string {
	t.Helper()
	resp, _ := fetch(t, app, "GET", path)
	return resp.Header.Get("ETag")
}

// A scheduled campaign is on every cached page from its time on, with no
// scheduler pass and no invalidation: the pages expire at that time.
func TestScheduledCampaignReachesCachedPagesOnTime(t *testing.T) {
	e := newPressEnv(t)
	anon := e.browser()
	b := e.browser()
	b.login("lan", pressPassword)
	b.get("/quan-tri/chien-dich/moi")
	// Now is 08:00 on 20/6/2026 in Vietnam; schedule for 09:15.
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Hẹn giờ: ngày hội 26/6"}, "body": {"Ngày hội."}, "status": {"published"}, "publish_at": {"2026-06-20T09:15"},
	}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d\n%s", resp.StatusCode, body)
	}
	const page = "/chien-dich/hen-gio-ngay-hoi-26-6"
	pages := []string{"/", "/chien-dich", "/feed.xml", "/sitemap.xml"}
	check := func(want bool) {
		t.Helper()
		for _, p := range pages {
			if _, body := anon.get(p); strings.Contains(body, page) != want {
				t.Errorf("%s at %s: shows the campaign %v, want %v", p, e.clk.Now().Format("15:04:05"), !want, want)
			}
		}
	}
	check(false) // cached now, until 09:15
	e.clk.Add(75*time.Minute - time.Second)
	check(false)
	e.clk.Add(time.Second)
	check(true)
}

// The empty forms are copied from a shell around each visitor's token and
// nonce: the bytes are exactly those of a full render with that token and
// nonce.
func TestFormShellEqualsFullRender(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	tokenRe := regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	nonceRe := regexp.MustCompile(`name="_nonce" value="([^"]+)"`)
	for _, tc := range []struct {
		path, page string
		view       func(csrf, nonce string) View
	}{
		{"/tin-bao", "tin-bao", func(csrf, nonce string) View {
			v := e.srv.tipView(nil, nil, nil, "", false)
			v.CSRF, v.Data.(*intakeForm).Nonce = csrf, nonce
			return v
		}},
		{"/cai-nghien/dang-ky", "cai-nghien-dang-ky", func(csrf, nonce string) View {
			v := e.srv.enquiryView(nil, false, nil, "")
			v.CSRF, v.Data.(*intakeForm).Nonce = csrf, nonce
			return v
		}},
		{"/tra-cuu", "tra-cuu", func(csrf, _ string) View {
			return View{Title: statusTitle, Description: statusDescription, Data: statusView{}, CSRF: csrf}
		}},
	} {
		for range 2 { // the first request builds the shell, the second uses it
			resp, body := fetch(t, e.app, "GET", tc.path)
			tok := tokenRe.FindSubmatch(body)
			if resp.StatusCode != 200 || tok == nil {
				t.Fatalf("%s: %d", tc.path, resp.StatusCode)
			}
			nonce := ""
			if n := nonceRe.FindSubmatch(body); n != nil {
				nonce = string(n[1])
				if !intake.ValidNonce(nonce) {
					t.Errorf("%s: nonce %q is not one", tc.path, nonce)
				}
			}
			v := tc.view(string(tok[1]), nonce)
			v.Path = tc.path
			want, err := e.srv.execute(tc.page, v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(body, want) {
				t.Errorf("%s: the shell's page differs from a full render", tc.path)
			}
			if m := formMarkers(); bytes.Contains(body, []byte(m[0])) || bytes.Contains(body, []byte(m[1])) {
				t.Errorf("%s: a marker left in the page", tc.path)
			}
		}
	}
	if _, err := splitShell([]byte("<p>no markers</p>"), false); err == nil {
		t.Error("a page without the CSRF marker made a shell")
	}
	m := formMarkers()
	if _, err := splitShell([]byte("a"+m[slotCSRF]+"b"), true); err == nil {
		t.Error("a form without its nonce marker made a shell")
	}
	sh, err := splitShell([]byte("a"+m[slotNonce]+"b"+m[slotCSRF]+"c"+m[slotCSRF]), true)
	if err != nil || string(sh.fill("T", "N")) != "aNbTcT" {
		t.Errorf("fill = %q, %v", sh.fill("T", "N"), err)
	}
}
