package handlers

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// testClock is the injected clock of the press tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// pressEnv is the real application over a real SQLite store and a real
// Bleve index in a temporary directory, with an injected clock.
type pressEnv struct {
	t      testing.TB
	dir    string      // the data directory (database, index, media)
	logs   *syncBuffer // everything the app and the office logged
	app    *fiber.App
	db     *store.DB
	idx    *search.Bleve
	office *press.Office
	clk    *testClock
}

const (
	pressPassword = "Tuyên truyền phòng chống 2026"
	adminPassword = "Quản trị cổng thông tin 2026"
)

// newPressEnv builds the environment; opts may change the Deps first.
func newPressEnv(t testing.TB, opts ...func(*Deps)) *pressEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	idx, err := search.OpenBleve(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	lib, err := content.Load(content.Corpus, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Date(2026, 6, 20, 1, 0, 0, 0, time.UTC)} // 08:00 in Vietnam
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	office, err := press.New(press.Config{DB: db, Index: idx, Limiter: ratelimit.NewMemory(), Now: clk.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role, pw string }{
		{"lan", press.RolePress, pressPassword},
		{"hung", press.RolePolice, pressPassword},
		{"quantri", press.RoleAdmin, adminPassword},
	} {
		if _, err := office.AddStaff(ctx, press.ActorCLI, u.name, u.role, u.pw); err != nil {
			t.Fatal(err)
		}
	}
	deps := Deps{Library: lib, Index: idx, Store: db, Now: clk.Now, Secret: []byte("test-secret-0123456789abcdef"),
		DataDir: dir, Press: office, Logger: logger}
	for _, o := range opts {
		o(&deps)
	}
	app, err := New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return &pressEnv{t: t, dir: dir, logs: logs, app: app, db: db, idx: idx, office: office, clk: clk}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// browser is one client: its cookie jar and the CSRF token of the last form
// page it saw.
type browser struct {
	env     *pressEnv
	cookies map[string]string
	csrf    string
}

func (e *pressEnv) browser() *browser { return &browser{env: e, cookies: map[string]string{}} }

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.env.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.env.app.Test(req, -1)
	if err != nil {
		b.env.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body)); err == nil {
		if tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
			b.csrf = tok
		}
	}
	return resp, string(body)
}

func (b *browser) get(target string) (*http.Response, string) {
	return b.do(httptest.NewRequest(http.MethodGet, target, nil))
}

// post sends a urlencoded form, with the browser's CSRF token unless the
// form sets _csrf itself.
func (b *browser) post(target string, form url.Values) (*http.Response, string) {
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postMultipart sends the campaign editor's form with an optional cover.
func (b *browser) postMultipart(target string, form url.Values, cover []byte) (*http.Response, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	form.Set("_csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	if cover != nil {
		fw, _ := w.CreateFormFile("cover", "anh-bia.jpg")
		fw.Write(cover)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, target, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func (b *browser) login(user, pw string) {
	b.env.t.Helper()
	b.get(loginPath)
	resp, body := b.post(loginPath, url.Values{"username": {user}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther || b.cookies[sessionCookie] == "" {
		b.env.t.Fatalf("login %s: status %d\n%s", user, resp.StatusCode, body)
	}
}

// browserFormValues collects what a browser would submit from form: inputs
// (checked ones only for radios and checkboxes; not files or buttons),
// textareas and selected options.
func browserFormValues(form *goquery.Selection) url.Values {
	v := url.Values{}
	form.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ, _ := in.Attr("type")
		val, _ := in.Attr("value")
		switch typ {
		case "file", "submit", "button":
			return
		case "radio", "checkbox":
			if _, ok := in.Attr("checked"); !ok {
				return
			}
		}
		v.Add(name, val)
	})
	form.Find("textarea[name]").Each(func(_ int, ta *goquery.Selection) {
		name, _ := ta.Attr("name")
		v.Add(name, strings.TrimPrefix(ta.Text(), "\n"))
	})
	form.Find("select[name]").Each(func(_ int, sel *goquery.Selection) {
		name, _ := sel.Attr("name")
		if val, ok := sel.Find("option[selected]").Attr("value"); ok {
			v.Add(name, val)
		}
	})
	return v
}

func parseHTML(t testing.TB, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// gpsPhoto is a JPEG carrying an Exif block with a GPS position, as phones write.
func gpsPhoto(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := []byte("Exif\x00\x00MM\x00\x2aGPSLatitude=20.4463N;GPSLongitude=106.3366E")
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	b := buf.Bytes()
	return append(append(append(append([]byte{}, b[:2]...), seg...), payload...), b[2:]...)
}

// atomFeed is the part of an Atom document the tests read.
type atomFeed struct {
	Entries []struct {
		Title string `xml:"title"`
		ID    string `xml:"id"`
		Link  struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Content string `xml:"content"`
	} `xml:"entry"`
}

func (b *browser) feed() atomFeed {
	b.env.t.Helper()
	resp, body := b.get("/feed.xml")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		b.env.t.Fatalf("/feed.xml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var f atomFeed
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		b.env.t.Fatalf("/feed.xml does not parse: %v", err)
	}
	return f
}

func (b *browser) sitemap() []string {
	b.env.t.Helper()
	resp, body := b.get("/sitemap.xml")
	if resp.StatusCode != http.StatusOK {
		b.env.t.Fatalf("/sitemap.xml: %d", resp.StatusCode)
	}
	var s struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(body), &s); err != nil {
		b.env.t.Fatalf("/sitemap.xml does not parse: %v", err)
	}
	var locs []string
	for _, u := range s.URLs {
		locs = append(locs, u.Loc)
	}
	return locs
}

func (e *pressEnv) searchURLs(q string) []string {
	e.t.Helper()
	res, err := e.idx.Search(context.Background(), search.Query{Text: q})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.URL)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s || strings.HasSuffix(x, s) {
			return true
		}
	}
	return false
}

func (f atomFeed) has(suffix string) (title, content string, ok bool) {
	for _, e := range f.Entries {
		if strings.HasSuffix(e.Link.Href, suffix) {
			return e.Title, e.Content, true
		}
	}
	return "", "", false
}

const xssBody = "# Mở đầu\n\nNgày **26/6** là Ngày quốc tế phòng, chống ma túy.\n\n" +
	"<script>alert('xss')</script>\n\n" +
	"Ảnh: <img src=x onerror=alert(1)>\n\n" +
	"[bấm vào đây](javascript:alert(1)) và [Kế hoạch 53](/van-ban/53-kh-ubnd-2017).\n\n" +
	"- Tuyên truyền tại trường học\n- Ra quân bóc gỡ quảng cáo ma túy"

// TestPressEndToEnd runs the press office through the real HTTP forms of
// the real app: refusals of anonymous requests, login, publishing a
// Markdown campaign with XSS payloads, the page, list, home, feed, sitemap
// and search updated at once, editing, unpublishing, roles, audit and the
// login throttle.
func TestPressEndToEnd(t *testing.T) {
	e := newPressEnv(t)
	ctx := context.Background()
	const slug = "thang-hanh-dong-phong-chong-ma-tuy-2026"
	const page = "/chien-dich/" + slug

	// Anonymous: admin pages redirect to the login page, and every POST is
	// refused (no CSRF token: 403; a token but no session: 401) and
	// changes nothing.
	anon := e.browser()
	resp, _ := anon.get("/quan-tri/chien-dich")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), loginPath) {
		t.Fatalf("anonymous GET admin: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{"title": {"Tháng hành động phòng, chống ma túy 2026"}, "body": {"x"}, "status": {"published"}}
	resp, _ = anon.post("/quan-tri/chien-dich", url.Values{"title": form["title"], "body": {"x"}, "status": {"published"}, "_csrf": {""}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("anonymous POST without CSRF: %d, want 403", resp.StatusCode)
	}
	anon.get(loginPath) // a real CSRF token, still no session
	for _, target := range []string{"/quan-tri/chien-dich", "/quan-tri/chien-dich/1", "/quan-tri/chien-dich/1/dang-ngay", "/quan-tri/chien-dich/1/go-xuong"} {
		resp, body := anon.postMultipart(target, url.Values{"title": form["title"], "body": {"x"}, "status": {"published"}}, nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "đăng nhập") {
			t.Fatalf("anonymous POST %s: %d, want 401 with a Vietnamese message", target, resp.StatusCode)
		}
	}
	if list, _ := e.db.ListCampaigns(ctx); len(list) != 0 {
		t.Fatalf("a refused request created %d campaigns", len(list))
	}

	// Log in as the press officer.
	b := e.browser()
	b.get(loginPath)
	resp, _ = b.post(loginPath, url.Values{"username": {"lan"}, "password": {pressPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != campaignsPath {
		t.Fatalf("login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != adminPrefix || sc.Secure || len(sc.Value) != 43 {
		t.Fatalf("session cookie %+v", sc)
	}
	firstToken := sc.Value
	// Logging in again rotates the session: the old token is dead.
	b.get(loginPath)
	b.post(loginPath, url.Values{"username": {"lan"}, "password": {pressPassword}})
	if b.cookies[sessionCookie] == firstToken {
		t.Fatal("session not rotated at login")
	}
	if _, err := e.office.Authenticate(ctx, firstToken); err == nil {
		t.Fatal("old session still valid after a new login")
	}

	// Publish a Markdown campaign carrying XSS payloads, with a cover photo.
	b.get("/quan-tri/chien-dich/moi")
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title":   {"Tháng hành động phòng, chống ma túy 2026"},
		"summary": {"Hưởng ứng Ngày quốc tế phòng, chống ma túy 26/6."},
		"body":    {xssBody},
		"status":  {"published"},
		"kind":    {"campaign"},
		"action":  {"save"},
	}, gpsPhoto(t))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	cp, err := e.db.CampaignBySlug(ctx, slug)
	if err != nil {
		t.Fatalf("campaign not saved under its slug: %v", err)
	}

	// The page: Markdown rendered, payloads gone, Open Graph tags.
	resp, body = anon.get(page)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", page, resp.StatusCode)
	}
	doc := parseHTML(t, body)
	art := doc.Find("article")
	if got := art.Find("h1").First().Text(); got != "Tháng hành động phòng, chống ma túy 2026" {
		t.Errorf("h1 = %q", got)
	}
	// The body's "# Mở đầu" is an h2: the campaign's title is the page's one h1.
	if art.Find(".doc-body h2").Text() != "Mở đầu" || doc.Find("h1").Length() != 1 || art.Find(".doc-body strong").Text() != "26/6" || art.Find(".doc-body li").Length() != 2 {
		t.Errorf("Markdown not rendered:\n%s", body)
	}
	if art.Find(`a[href="/van-ban/53-kh-ubnd-2017"]`).Length() != 1 || !strings.Contains(art.Text(), "bấm vào đây") {
		t.Errorf("safe link or link text lost")
	}
	if n := art.Find("script").Length(); n != 0 {
		t.Errorf("%d script elements in the campaign", n)
	}
	// The only scripts on the page are the site's own assets, never inline.
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") || strings.TrimSpace(s.Text()) != "" {
			t.Errorf("foreign or inline script on the page: src=%q %q", src, s.Text())
		}
	})
	art.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("dangerous attribute %s=%q survived", a.Key, a.Val)
			}
		}
	})
	if strings.Contains(body, "alert(") || strings.Contains(body, "onerror") {
		t.Errorf("payload text in the page")
	}
	meta := func(attr, name string) string {
		v, _ := doc.Find(`meta[` + attr + `="` + name + `"]`).Attr("content")
		return v
	}
	if meta("property", "og:title") != "Tháng hành động phòng, chống ma túy 2026" ||
		meta("property", "og:description") != "Hưởng ứng Ngày quốc tế phòng, chống ma túy 26/6." ||
		meta("property", "og:type") != "article" ||
		meta("name", "twitter:card") != "summary_large_image" ||
		!strings.HasPrefix(meta("property", "og:image"), "http") || !strings.Contains(meta("property", "og:image"), "/media/"+cp.Cover) {
		t.Errorf("Open Graph / Twitter tags wrong: og:image=%q", meta("property", "og:image"))
	}

	// The cover: re-encoded, no GPS, fixed type.
	resp, img := anon.get("/media/" + cp.Cover)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || strings.Contains(img, "GPS") || strings.Contains(img, "Exif") {
		t.Errorf("cover: %d %s, metadata kept %v", resp.StatusCode, resp.Header.Get("Content-Type"), strings.Contains(img, "GPS"))
	}

	// At once: list, home, feed, sitemap, search.
	_, body = anon.get("/chien-dich")
	if parseHTML(t, body).Find(`a[href="`+page+`"]`).Length() == 0 {
		t.Error("campaign missing from /chien-dich")
	}
	_, body = anon.get("/")
	if parseHTML(t, body).Find(`#chien-dich ~ ul a[href="`+page+`"], a[href="`+page+`"]`).Length() == 0 {
		t.Error("campaign missing from the home page")
	}
	title, content, ok := anon.feed().has(page)
	if !ok || title != "Tháng hành động phòng, chống ma túy 2026" {
		t.Errorf("campaign missing from the feed")
	}
	if !strings.Contains(content, "<strong>26/6</strong>") || strings.Contains(content, "script") || strings.Contains(content, "onerror") || strings.Contains(content, "javascript:") {
		t.Errorf("feed content not the sanitised HTML: %s", content)
	}
	locs := anon.sitemap()
	if !contains(locs, page) || !contains(locs, "/van-ban/53-kh-ubnd-2017") || !contains(locs, "/chien-dich") || !contains(locs, "/bai-viet") {
		t.Errorf("sitemap lacks pages: %v", locs)
	}
	// Every page the sitemap lists exists (the intake pages answer 503 in
	// this test, which wires no intake service, but are routes).
	for _, loc := range locs {
		u, err := url.Parse(loc)
		if err != nil || u.Host == "" {
			t.Errorf("sitemap loc %q is not absolute", loc)
			continue
		}
		if resp, _ := anon.get(u.Path); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("sitemap lists %s, which answers %d", u.Path, resp.StatusCode)
		}
	}
	if urls := e.searchURLs("thang hanh dong phong chong ma tuy 2026"); !contains(urls, page) {
		t.Errorf("search does not find the campaign: %v", urls)
	}
	resp, body = anon.get("/api/v1/search?q=" + url.QueryEscape("hưởng ứng ngày quốc tế"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, page) {
		t.Errorf("search API: %d, campaign missing:\n%s", resp.StatusCode, body)
	}

	// Edit, 20 minutes later, through the editor as the browser shows it
	// (every field pre-filled): new title and a new word, at once everywhere.
	e.clk.Add(20 * time.Minute)
	_, body = b.get("/quan-tri/chien-dich/" + strconv.FormatInt(cp.ID, 10))
	edit := browserFormValues(parseHTML(t, body).Find(`form[enctype="multipart/form-data"]`))
	if edit.Get("title") != cp.Title || edit.Get("status") != "published" || edit.Get("version") != "1" || edit.Get("publish_at") == "" {
		t.Fatalf("editor not pre-filled: %v", edit)
	}
	edit.Set("title", "Tháng hành động 2026: ra quân toàn tỉnh")
	edit.Set("summary", "Lễ ra quân tại huyện Kiến Xương.")
	edit.Set("body", edit.Get("body")+"\n\nLễ ra quân tại Kiến Xương.")
	edit.Set("action", "save")
	resp, body = b.postMultipart("/quan-tri/chien-dich/"+strconv.FormatInt(cp.ID, 10), edit, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", resp.StatusCode, body)
	}
	if _, body = anon.get(page); !strings.Contains(body, "Tháng hành động 2026: ra quân toàn tỉnh") {
		t.Error("page not updated")
	}
	if title, _, _ := anon.feed().has(page); title != "Tháng hành động 2026: ra quân toàn tỉnh" {
		t.Errorf("feed not updated: %q", title)
	}
	if urls := e.searchURLs("kien xuong"); !contains(urls, page) {
		t.Errorf("search not updated: %v", urls)
	}
	// A stale edit (the old version) is refused with 409 and changes nothing.
	resp, _ = b.postMultipart("/quan-tri/chien-dich/"+strconv.FormatInt(cp.ID, 10), url.Values{
		"title": {"Bản cũ"}, "body": {"x"}, "status": {"published"}, "version": {strconv.FormatInt(cp.Version, 10)}}, nil)
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("stale edit: %d, want 409", resp.StatusCode)
	}
	// Bad input: a Vietnamese message per field, what was typed kept.
	resp, body = b.postMultipart("/quan-tri/chien-dich", url.Values{"title": {""}, "summary": {"Tóm tắt giữ lại"}, "body": {""}, "status": {"published"}, "publish_at": {"ngày mai"}}, nil)
	fdoc := parseHTML(t, body)
	if resp.StatusCode != http.StatusUnprocessableEntity || fdoc.Find("#loi-title").Text() != "Vui lòng nhập tiêu đề." ||
		!strings.Contains(fdoc.Find("#loi-publish_at").Text(), "Thời điểm đăng không hợp lệ") || fdoc.Find("#summary").Text() != "Tóm tắt giữ lại" {
		t.Errorf("bad input: %d\n%s", resp.StatusCode, body)
	}

	// Other roles: police may not touch campaigns; only admins read the audit log.
	police := e.browser()
	police.login("hung", pressPassword)
	if resp, _ := police.get("/quan-tri/chien-dich"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("police GET campaigns: %d, want 403", resp.StatusCode)
	}
	police.get(loginPath)
	cur, _ := e.db.CampaignBySlug(ctx, slug)
	if resp, _ := police.post("/quan-tri/chien-dich/"+strconv.FormatInt(cp.ID, 10)+"/go-xuong", url.Values{"version": {strconv.FormatInt(cur.Version, 10)}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("police unpublish: %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.get("/quan-tri/nhat-ky"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("press GET audit: %d, want 403", resp.StatusCode)
	}
	if after, _ := e.db.CampaignBySlug(ctx, slug); after.Version != cur.Version || !after.Public(e.clk.Now()) {
		t.Fatal("a refused request changed the campaign")
	}

	// Unpublish: gone from the page, list, feed, sitemap and search at once.
	b.get("/quan-tri/chien-dich")
	resp, _ = b.post("/quan-tri/chien-dich/"+strconv.FormatInt(cp.ID, 10)+"/go-xuong", url.Values{"version": {strconv.FormatInt(cur.Version, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", resp.StatusCode)
	}
	if resp, _ := anon.get(page); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unpublished page: %d, want 404", resp.StatusCode)
	}
	if _, body := anon.get("/chien-dich"); strings.Contains(body, page) {
		t.Error("unpublished campaign still listed")
	}
	if _, _, ok := anon.feed().has(page); ok {
		t.Error("unpublished campaign still in the feed")
	}
	if contains(anon.sitemap(), page) {
		t.Error("unpublished campaign still in the sitemap")
	}
	if urls := e.searchURLs("kien xuong"); contains(urls, page) {
		t.Error("unpublished campaign still found by search")
	}

	// The audit log: admins see who did what; no password anywhere.
	adm := e.browser()
	adm.login("quantri", adminPassword)
	resp, body = adm.get("/quan-tri/nhat-ky")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin GET audit: %d", resp.StatusCode)
	}
	for _, want := range []string{"Đăng bài", "Sửa bài", "Gỡ bài", "Đăng nhập", "chien-dich/" + slug, "lan"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	if strings.Contains(body, pressPassword) || strings.Contains(body, adminPassword) {
		t.Error("a password in the audit page")
	}

	// Logout ends the session.
	b.get("/quan-tri/chien-dich")
	token := b.cookies[sessionCookie]
	if resp, _ := b.post(logoutPath, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if _, err := e.office.Authenticate(ctx, token); err == nil {
		t.Error("session alive after logout")
	}

	// Idle expiry: 31 minutes without a request end the admin's session.
	e.clk.Add(31 * time.Minute)
	resp, _ = adm.get("/quan-tri/nhat-ky")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), loginPath) || adm.cookies[sessionCookie] != "" {
		t.Errorf("idle session: %d %s, cookie %q", resp.StatusCode, resp.Header.Get("Location"), adm.cookies[sessionCookie])
	}
}

// TestLoginThrottledHTTP: twelve wrong passwords in a row; the 11th and
// 12th get 429 with Retry-After and a Vietnamese message, and then even the
// right password is refused for a while.
func TestLoginThrottledHTTP(t *testing.T) {
	e := newPressEnv(t)
	b := e.browser()
	for i := 1; i <= 12; i++ {
		b.get(loginPath)
		resp, body := b.post(loginPath, url.Values{"username": {"lan"}, "password": {"sai mật khẩu lần " + strconv.Itoa(i)}})
		want := http.StatusUnauthorized
		if i > press.DefaultAccountLimit.Rate {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("attempt %d: %d, want %d", i, resp.StatusCode, want)
		}
		msg := parseHTML(t, body).Find("#loi-dang-nhap").Text()
		if want == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" || !strings.HasPrefix(msg, "Đăng nhập không thành công quá nhiều lần.") {
				t.Fatalf("attempt %d: Retry-After %q, message %q", i, resp.Header.Get("Retry-After"), msg)
			}
		} else if msg != "Tên đăng nhập hoặc mật khẩu không đúng." {
			t.Fatalf("attempt %d: message %q", i, msg)
		}
		if v, _ := parseHTML(t, body).Find("#username").Attr("value"); v != "lan" {
			t.Fatalf("typed username not kept: %q", v)
		}
	}
	b.get(loginPath)
	if resp, _ := b.post(loginPath, url.Values{"username": {"lan"}, "password": {pressPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", resp.StatusCode)
	}
	if b.cookies[sessionCookie] != "" {
		t.Fatal("session issued while throttled")
	}
}

// TestRightPasswordsFromManyAddressesHTTP: eleven right passwords for one
// account from eleven client addresses (behind a trusted proxy) all log
// in: successful logins do not spend the failed-login budget. Failures
// are still throttled afterwards, with the accurate message.
func TestRightPasswordsFromManyAddressesHTTP(t *testing.T) {
	e := newPressEnv(t, func(d *Deps) { d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} })
	post := func(b *browser, addr, pw string) (*http.Response, string) {
		b.get(loginPath)
		form := url.Values{"username": {"lan"}, "password": {pw}, "_csrf": {b.csrf}}
		req := httptest.NewRequest(http.MethodPost, loginPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", addr)
		return b.do(req)
	}
	for i := 1; i <= press.DefaultAccountLimit.Rate+1; i++ {
		b := e.browser()
		if resp, body := post(b, "203.0.113."+strconv.Itoa(i), pressPassword); resp.StatusCode != http.StatusSeeOther || b.cookies[sessionCookie] == "" {
			t.Fatalf("right password %d: %d\n%s", i, resp.StatusCode, body)
		}
	}
	b := e.browser()
	for i := 1; i <= press.DefaultAccountLimit.Rate+1; i++ {
		resp, body := post(b, "198.51.100."+strconv.Itoa(i), "sai mật khẩu "+strconv.Itoa(i))
		want := http.StatusUnauthorized
		if i > press.DefaultAccountLimit.Rate {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("wrong password %d: %d, want %d", i, resp.StatusCode, want)
		}
		if want == http.StatusTooManyRequests {
			if msg := parseHTML(t, body).Find("#loi-dang-nhap").Text(); !strings.HasPrefix(msg, "Đăng nhập không thành công quá nhiều lần. Vui lòng thử lại sau ") {
				t.Fatalf("429 message %q", msg)
			}
		}
	}
}

// TestScheduledCampaignAppears: a campaign scheduled for later is nowhere
// until its time; when the injected clock passes it, the page, list, feed
// and sitemap show it at once, and one scheduler tick puts it in search.
func TestScheduledCampaignAppears(t *testing.T) {
	e := newPressEnv(t)
	ctx := context.Background()
	b := e.browser()
	b.login("lan", pressPassword)
	b.get("/quan-tri/chien-dich/moi")
	// Now is 08:00 on 20/6/2026 in Vietnam; schedule for 10:30 the same day.
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Lễ ra quân hưởng ứng Ngày 26/6"}, "summary": {"Ra quân đồng loạt."}, "body": {"Lễ ra quân **đồng loạt** ở mọi xã."},
		"status": {"published"}, "publish_at": {"2026-06-20T10:30"},
	}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d\n%s", resp.StatusCode, body)
	}
	const page = "/chien-dich/le-ra-quan-huong-ung-ngay-26-6"
	_, body = b.get("/quan-tri/chien-dich")
	if !strings.Contains(body, "Đã hẹn giờ đăng") || !strings.Contains(body, "10:30 20/6/2026") {
		t.Errorf("admin list does not show the schedule")
	}

	ticks := make(chan time.Time)
	passes := make(chan int)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go e.office.RunScheduler(runCtx, ticks, func(n int, err error) {
		if err != nil {
			t.Errorf("scheduler pass: %v", err)
		}
		passes <- n
	})
	if n := <-passes; n != 0 {
		t.Fatalf("first pass changed %d campaigns before their time", n)
	}

	anon := e.browser()
	check := func(wantPublic bool) {
		t.Helper()
		resp, _ := anon.get(page)
		if (resp.StatusCode == http.StatusOK) != wantPublic {
			t.Errorf("page: %d (public %v)", resp.StatusCode, wantPublic)
		}
		if _, body := anon.get("/chien-dich"); strings.Contains(body, page) != wantPublic {
			t.Errorf("list (public %v)", wantPublic)
		}
		if _, _, ok := anon.feed().has(page); ok != wantPublic {
			t.Errorf("feed (public %v)", wantPublic)
		}
		if contains(anon.sitemap(), page) != wantPublic {
			t.Errorf("sitemap (public %v)", wantPublic)
		}
	}
	check(false)
	e.clk.Add(2 * time.Hour) // 10:00: not yet
	ticks <- e.clk.Now()
	if n := <-passes; n != 0 {
		t.Fatalf("pass at 10:00 changed %d campaigns", n)
	}
	check(false)
	if urls := e.searchURLs("le ra quan"); contains(urls, page) {
		t.Fatal("in search before its time")
	}

	e.clk.Add(31 * time.Minute) // 10:31: its time has come
	check(true)
	ticks <- e.clk.Now()
	if n := <-passes; n != 1 {
		t.Fatalf("pass at 10:31 changed %d campaigns, want 1", n)
	}
	if urls := e.searchURLs("le ra quan"); !contains(urls, page) {
		t.Errorf("not in search after the scheduler tick: %v", urls)
	}
	audit, _ := e.office.Audit(ctx, 0, 1)
	if len(audit) != 1 || audit[0].Action != "campaign.go_live" || audit[0].Actor != press.ActorSystem {
		t.Errorf("go-live not audited: %+v", audit)
	}
	// A restart's Reindex puts it again without a second go-live entry.
	if n, err := e.office.Reindex(ctx); err != nil || n != 1 {
		t.Fatalf("Reindex = %d, %v", n, err)
	}
	if audit, _ := e.office.Audit(ctx, 0, 2); len(audit) != 2 || audit[1].Action == "campaign.go_live" {
		t.Errorf("Reindex audited a second go-live: %+v", audit)
	}
	if urls := e.searchURLs("le ra quan"); !contains(urls, page) {
		t.Errorf("not in search after Reindex: %v", urls)
	}
}

// TestSessionCookieUntrustedProto: X-Forwarded-Proto from a peer that is
// not a trusted proxy is ignored, so it cannot decide the cookie's flags.
func TestSessionCookieUntrustedProto(t *testing.T) {
	e := newPressEnv(t)
	b := e.browser()
	b.get(loginPath)
	form := url.Values{"username": {"lan"}, "password": {pressPassword}, "_csrf": {b.csrf}}
	req := httptest.NewRequest(http.MethodPost, loginPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, body := b.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Secure {
			t.Fatal("Secure set on the word of an untrusted X-Forwarded-Proto")
		}
	}
}

// atomDoc is an Atom document as RFC 4287 describes it, for the checks of
// TestFeedIsValidAtomWithPlainTextSummaries.
type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title   struct {
		Type string `xml:"type,attr"`
		Text string `xml:",chardata"`
	} `xml:"title"`
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		Title struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"title"`
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
		Link      struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Summary *struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
		Content *struct {
			Type string `xml:"type,attr"`
			Base string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

// TestFeedIsValidAtomWithPlainTextSummaries: a summary a press officer
// typed with markup in it is plain text in /feed.xml (type="text", the
// characters as typed), the content is the sanitised HTML (type="html", no
// handler, no third-party image), and the document is Atom as RFC 4287
// requires (namespace, id, title, updated, author, self link; RFC 3339
// dates; every entry with id, title, link, updated).
func TestFeedIsValidAtomWithPlainTextSummaries(t *testing.T) {
	e := newPressEnv(t)
	b := e.browser()
	b.login("lan", pressPassword)
	b.get("/quan-tri/chien-dich/moi")
	const summary = "Tóm tắt <img src=x onerror=alert(1)> & <b>đậm</b>"
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title":   {"Ngày hội <không> ma túy"},
		"summary": {summary},
		"body":    {"Nội dung **đậm**.\n\n<img src=x onerror=alert(1)>\n\n![ảnh](http://tracker.example/p.gif) ![bìa](/media/0123456789abcdef0123456789abcdef.jpg)"},
		"status":  {"published"},
		"action":  {"save"},
	}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	resp, raw := b.get("/feed.xml")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("/feed.xml: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(raw, "<?xml") {
		t.Errorf("no XML declaration")
	}
	var f atomDoc
	if err := xml.Unmarshal([]byte(raw), &f); err != nil {
		t.Fatalf("feed does not parse as Atom: %v\n%s", err, raw)
	}
	rfc3339 := func(what, s string) {
		t.Helper()
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			t.Errorf("%s %q is not an RFC 3339 date: %v", what, s, err)
		}
	}
	if f.Lang != "vi" || f.Title.Type != "text" || f.Title.Text == "" || !strings.HasPrefix(f.ID, "http") || f.Author.Name == "" {
		t.Errorf("feed head: lang %q title %+v id %q author %q", f.Lang, f.Title, f.ID, f.Author.Name)
	}
	rfc3339("feed updated", f.Updated)
	self := false
	for _, l := range f.Links {
		self = self || (l.Rel == "self" && strings.HasSuffix(l.Href, "/feed.xml"))
	}
	if !self {
		t.Errorf("no self link: %+v", f.Links)
	}
	found := false
	for _, en := range f.Entries {
		if en.ID == "" || en.Title.Text == "" || en.Title.Type != "text" || !strings.HasPrefix(en.Link.Href, "http") {
			t.Errorf("entry lacks what RFC 4287 requires: %+v", en)
		}
		rfc3339("entry updated", en.Updated)
		if en.Summary != nil && en.Summary.Type != "text" {
			t.Errorf("entry %s: summary type %q, want text", en.ID, en.Summary.Type)
		}
		if en.Content != nil && en.Content.Type != "html" {
			t.Errorf("entry %s: content type %q, want html", en.ID, en.Content.Type)
		}
		if !strings.HasSuffix(en.Link.Href, "/chien-dich/ngay-hoi-khong-ma-tuy") {
			continue
		}
		found = true
		rfc3339("entry published", en.Published)
		if en.Title.Text != "Ngày hội <không> ma túy" {
			t.Errorf("title %q", en.Title.Text)
		}
		if en.Summary == nil || en.Summary.Text != summary {
			t.Errorf("summary %+v, want the plain text %q", en.Summary, summary)
		}
		if en.Content == nil || en.Content.Base != en.Link.Href {
			t.Fatalf("content %+v, want xml:base %q", en.Content, en.Link.Href)
		}
		doc := parseHTML(t, en.Content.Text)
		if doc.Find("strong").Text() != "đậm" || doc.Find(`img[src="/media/0123456789abcdef0123456789abcdef.jpg"]`).Length() != 1 {
			t.Errorf("content lost the Markdown: %s", en.Content.Text)
		}
		if strings.Contains(en.Content.Text, "onerror") || strings.Contains(en.Content.Text, "tracker.example") {
			t.Errorf("content not the sanitised HTML: %s", en.Content.Text)
		}
	}
	if !found {
		t.Fatalf("campaign not in the feed:\n%s", raw)
	}
	// Whatever the markup of the summary, it is character data: there is no
	// element under <summary>.
	if strings.Contains(raw, "<img") || strings.Contains(raw, "<b>") {
		t.Errorf("markup as XML elements in the feed:\n%s", raw)
	}
}

// TestCoverNameOfNoStoredFileHTTP: an editor form whose hidden cover_name
// names no stored media file is refused with 422 and a Vietnamese message
// on the cover field, what was typed kept, nothing saved.
func TestCoverNameOfNoStoredFileHTTP(t *testing.T) {
	e := newPressEnv(t)
	b := e.browser()
	b.login("lan", pressPassword)
	b.get("/quan-tri/chien-dich/moi")
	resp, body := b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Bài có ảnh bìa giả"}, "body": {"Nội dung giữ lại."}, "status": {"draft"}, "action": {"save"},
		"cover_name": {strings.Repeat("0f", 16) + ".jpg"},
	}, nil)
	doc := parseHTML(t, body)
	if resp.StatusCode != http.StatusUnprocessableEntity ||
		doc.Find("#loi-cover").Text() != "Không tìm thấy ảnh bìa đã tải lên (có thể đã quá một ngày). Vui lòng chọn và tải ảnh lên lại." ||
		doc.Find("#body").Text() != "Nội dung giữ lại." {
		t.Fatalf("cover_name of no file: %d\n%s", resp.StatusCode, body)
	}
	if v, _ := doc.Find(`input[name="cover_name"]`).Attr("value"); v != "" || doc.Find(`img[src^="/media/"]`).Length() != 0 {
		t.Errorf("the refused cover name is shown again: cover_name %q", v)
	}
	if list, _ := e.db.ListCampaigns(context.Background()); len(list) != 0 {
		t.Fatalf("%d campaigns saved", len(list))
	}
}

// TestEditorGuardsTheCoverSize: the editor says the cover limit (5 MB),
// accepts only the three image types, and carries the limit for its own
// script (served from this site) that refuses a larger file before the
// form is sent; a cover over 5 MB that does reach the server (up to the
// app's body limit) is refused on its field with everything typed kept.
func TestEditorGuardsTheCoverSize(t *testing.T) {
	e := newPressEnv(t)
	b := e.browser()
	b.login("lan", pressPassword)
	_, body := b.get("/quan-tri/chien-dich/moi")
	doc := parseHTML(t, body)
	in := doc.Find(`input#cover[type="file"]`)
	if accept, _ := in.Attr("accept"); accept != "image/jpeg,image/png,image/webp" {
		t.Errorf("accept = %q", accept)
	}
	if max, _ := in.Attr("data-max-bytes"); max != strconv.Itoa(press.MaxCoverBytes) {
		t.Errorf("data-max-bytes = %q, want %d", max, press.MaxCoverBytes)
	}
	if id, _ := in.Attr("data-error-id"); id == "" || doc.Find("#"+id).Length() != 1 {
		t.Errorf("no element for the script's message (data-error-id %q)", id)
	}
	if hint := doc.Find("#goi-y-cover").Text(); !strings.Contains(hint, "tối đa 5 MB") {
		t.Errorf("hint %q does not state the limit", hint)
	}
	src, ok := doc.Find(`script[src*="admin-editor"]`).Attr("src")
	if !ok || !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
		t.Fatalf("editor script missing or not ours: %q", src)
	}
	resp, js := b.get(src)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(js, "data-max-bytes") || !strings.Contains(js, "ảnh bìa tối đa") {
		t.Fatalf("editor script: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	big := append(gpsPhoto(t), bytes.Repeat([]byte{0}, press.MaxCoverBytes)...)
	resp, body = b.postMultipart("/quan-tri/chien-dich", url.Values{
		"title": {"Bài có ảnh quá nặng"}, "summary": {"Tóm tắt giữ lại"}, "body": {"Nội dung **dài** giữ lại."}, "status": {"draft"}, "action": {"save"},
	}, big)
	doc = parseHTML(t, body)
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find("#loi-cover").Text() != "Ảnh bìa không được lớn quá 5 MB." ||
		doc.Find("#body").Text() != "Nội dung **dài** giữ lại." || doc.Find("#summary").Text() != "Tóm tắt giữ lại" {
		t.Fatalf("cover over 5 MB: %d\n%s", resp.StatusCode, body)
	}
}

// TestPressKeepsNoSecretsOrAddresses: a whole press-office session from a
// client behind a trusted proxy (its address in X-Forwarded-For, a user
// agent, a referrer): failed logins (a wrong password; a password typed
// into the username field), throttling, a login, a campaign, a preview,
// the audit log, logout. Afterwards no password, session token, client
// address, user agent or referrer is in the logs, in any file of the data
// directory (database and WAL included) or in any admin page shown.
func TestPressKeepsNoSecretsOrAddresses(t *testing.T) {
	const (
		addr      = "203.0.113.77"
		agent     = "PortalTestUA/9.9 (Linux; Android 14)"
		referrer  = "http://example.com/trang-truoc/referrer.example" // same origin: a foreign Referer is refused on POST
		wrongPass = "Mật khẩu sai-QX7"
		typedPass = "matkhaunhamcho-zq81"
	)
	e := newPressEnv(t, func(d *Deps) { d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")} })
	var pages strings.Builder
	var tokens []string
	do := func(b *browser, req *http.Request) (*http.Response, string) {
		req.Header.Set("X-Forwarded-For", addr)
		req.Header.Set("User-Agent", agent)
		req.Header.Set("Referer", referrer)
		resp, body := b.do(req)
		pages.WriteString(body)
		if tok := b.cookies[sessionCookie]; tok != "" {
			tokens = append(tokens, tok)
		}
		return resp, body
	}
	get := func(b *browser, target string) (*http.Response, string) {
		return do(b, httptest.NewRequest(http.MethodGet, target, nil))
	}
	post := func(b *browser, target string, form url.Values) (*http.Response, string) {
		form.Set("_csrf", b.csrf)
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(b, req)
	}

	b := e.browser()
	get(b, loginPath)
	if resp, _ := post(b, loginPath, url.Values{"username": {"lan"}, "password": {wrongPass}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	post(b, loginPath, url.Values{"username": {typedPass}, "password": {"x"}})
	for i := 0; i < press.DefaultAccountLimit.Rate; i++ {
		post(b, loginPath, url.Values{"username": {"hung"}, "password": {wrongPass}})
	}
	if resp, body := post(b, loginPath, url.Values{"username": {"lan"}, "password": {pressPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	get(b, "/quan-tri/chien-dich/moi")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"_csrf": b.csrf, "title": "Bài kiểm tra riêng tư", "body": "Nội dung.", "status": "published", "action": "save"} {
		w.WriteField(k, v)
	}
	w.Close()
	req := httptest.NewRequest(http.MethodPost, "/quan-tri/chien-dich", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if resp, body := do(b, req); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, body)
	}
	get(b, "/quan-tri/chien-dich")
	get(b, "/quan-tri/chien-dich/1/xem-truoc")
	adm := e.browser()
	get(adm, loginPath)
	post(adm, loginPath, url.Values{"username": {"quantri"}, "password": {adminPassword}})
	if resp, body := get(adm, "/quan-tri/nhat-ky"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Đăng nhập") {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	get(b, "/quan-tri/chien-dich")
	post(b, logoutPath, url.Values{})
	if len(tokens) < 2 {
		t.Fatalf("saw %d session tokens", len(tokens))
	}

	secrets := map[string]string{"press password": pressPassword, "admin password": adminPassword,
		"wrong password": wrongPass, "password typed as username": typedPass,
		"client address": addr, "user agent": agent, "referrer": "referrer.example"}
	for i, tok := range tokens {
		secrets["session token "+strconv.Itoa(i)] = tok
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The search is meaningful: what was stored can be found in the files.
	found := false
	for _, b := range files {
		found = found || bytes.Contains(b, []byte("Bài kiểm tra riêng tư"))
	}
	if !found {
		t.Fatalf("the campaign title is in none of the %d files of the data directory", len(files))
	}
	logs := e.logs.String()
	for what, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("%s in the logs:\n%s", what, logs)
		}
		// The login form shows back the username typed, to the person who
		// typed it, in that one no-store response; nowhere else.
		if strings.Contains(pages.String(), secret) && what != "password typed as username" {
			t.Errorf("%s in an admin page", what)
		}
		for p, b := range files {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s in %s", what, p)
			}
		}
	}
	// The audit log holds usernames and actions only.
	entries, err := e.office.Audit(context.Background(), 0, 100)
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v", err)
	}
	for _, en := range entries {
		for what, secret := range secrets {
			if strings.Contains(en.Actor+en.Action+en.Target, secret) {
				t.Errorf("%s in audit entry %+v", what, en)
			}
		}
	}
}
