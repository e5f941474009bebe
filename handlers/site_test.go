package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
)

// newSiteApp builds the real app over the real shipped corpus, with no
// search engine, queue or store.
func newSiteApp(t *testing.T) *fiber.App {
	t.Helper()
	lib, err := content.Load(content.Corpus, t.TempDir())
	if err != nil {
		t.Fatalf("load corpus: %v", err)
	}
	app, err := New(Deps{Library: lib, Secret: []byte("test-secret-0123456789abcdef")})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return app
}

func get(t *testing.T, app *fiber.App, target string) (*http.Response, string) {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest(http.MethodGet, target, nil), -1)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func getDoc(t *testing.T, app *fiber.App, target string, wantStatus int) *goquery.Document {
	t.Helper()
	resp, body := get(t, app, target)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d\n%s", target, resp.StatusCode, wantStatus, body)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse %s: %v", target, err)
	}
	return doc
}

// The ten texts that Plan 53/KH-UBND cites, by slug, with their dates.
var planCites = map[string]string{
	"25-ct-ttg-2017":       "2017-06-05",
	"95-kl-tw-2014":        "2014-04-02",
	"21-ct-tw-2008":        "2008-03-26",
	"98-nq-cp-2014":        "2014-12-26",
	"424-qd-ttg-2017":      "2017-04-07",
	"30-nq-cp-2017":        "2017-03-07",
	"43-tb-vpcp-2017":      "2017-01-25",
	"245-kh-ubqg-bca-2017": "2017-08-18",
	"2596-qd-ttg-2013":     "2013-12-27",
	"12-kh-ubnd-2015":      "2015-03-09",
}

func TestPlanPage(t *testing.T) {
	app := newSiteApp(t)
	doc := getDoc(t, app, "/van-ban/53-kh-ubnd-2017", http.StatusOK)

	if n := doc.Find("h1").Length(); n != 1 {
		t.Errorf("h1 count = %d, want 1", n)
	}
	if h1 := doc.Find("h1").Text(); !strings.Contains(h1, "53/KH-UBND") {
		t.Errorf("h1 = %q, want the number 53/KH-UBND", h1)
	}
	meta := map[string]string{}
	doc.Find("dl.meta dt").Each(func(_ int, dt *goquery.Selection) {
		meta[strings.TrimSpace(dt.Text())] = strings.TrimSpace(dt.Next().Text())
	})
	if meta["Số hiệu"] != "53/KH-UBND" {
		t.Errorf("Số hiệu = %q", meta["Số hiệu"])
	}
	if !strings.Contains(meta["Cơ quan ban hành"], "Thái Bình") {
		t.Errorf("Cơ quan ban hành = %q, want it to name Thái Bình", meta["Cơ quan ban hành"])
	}
	if dt, _ := doc.Find("dl.meta time").Attr("datetime"); dt != "2017-09-14" {
		t.Errorf("issued datetime = %q, want 2017-09-14", dt)
	}
	links := map[string]bool{}
	doc.Find("section[aria-labelledby=dan-chieu] a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		links[strings.TrimPrefix(href, "/van-ban/")] = true
	})
	if len(links) != len(planCites) {
		t.Errorf("cited links = %d (%v), want exactly %d", len(links), links, len(planCites))
	}
	for slug := range planCites {
		if !links[slug] {
			t.Errorf("plan does not link cited text %s", slug)
		}
	}
	for _, anchor := range []string{"muc-i", "muc-ii", "muc-iii", "muc-iv"} {
		if doc.Find("section#"+anchor).Length() != 1 {
			t.Errorf("section anchor #%s missing", anchor)
		}
	}
	body := doc.Find("article.doc-body").Text()
	if !strings.Contains(body, "Ủy ban nhân dân tỉnh ban hành Kế hoạch triển khai thực hiện như sau") {
		t.Error("the preamble before part I is missing")
	}
	if sig := doc.Find("p.signature").Text(); sig != "KT. CHỦ TỊCH" {
		t.Errorf("signature = %q", sig)
	}
	for _, debris := range []string{"Ý kiến bạn đọc", "micro", "10 giây"} {
		if strings.Contains(body, debris) {
			t.Errorf("page debris %q shown in the document body", debris)
		}
	}
	if doc.Find(`a[href="/phan-cong"]`).Length() == 0 {
		t.Error("plan page does not link /phan-cong")
	}
}

func TestCitedTextPages(t *testing.T) {
	app := newSiteApp(t)
	for slug, date := range planCites {
		t.Run(slug, func(t *testing.T) {
			doc := getDoc(t, app, "/van-ban/"+slug, http.StatusOK)
			if dt, _ := doc.Find("dl.meta time").Attr("datetime"); dt != date {
				t.Errorf("date = %q, want %s", dt, date)
			}
			back := doc.Find(`section[aria-labelledby=duoc-dan-chieu] a[href="/van-ban/53-kh-ubnd-2017"]`)
			if back.Length() != 1 {
				t.Errorf("no link back to the plan")
			}
			if !strings.Contains(doc.Find(".callout").Text(), "chưa có toàn văn") {
				t.Errorf("page does not say plainly that the full text is not held")
			}
		})
	}
}

func TestAssignmentsPage(t *testing.T) {
	app := newSiteApp(t)
	doc := getDoc(t, app, "/phan-cong", http.StatusOK)
	agencies := doc.Find("main section h2")
	if agencies.Length() != 13 {
		t.Fatalf("agencies = %d, want 13", agencies.Length())
	}
	first := strings.TrimSpace(agencies.First().Text())
	last := strings.TrimSpace(agencies.Last().Text())
	if first != "1. Sở Lao động Thương binh và Xã hội" || last != "13. Ủy ban nhân dân các huyện, thành phố" {
		t.Errorf("first/last agency = %q / %q", first, last)
	}
	if n := doc.Find("section#co-quan-2 li").Length(); n != 6 {
		t.Errorf("Công an tỉnh tasks = %d, want 6", n)
	}
	if doc.Find(`a[href^="/van-ban/53-kh-ubnd-2017#"]`).Length() != 14 {
		t.Errorf("want a link to the plan text for each agency plus the lead")
	}
}

func TestDocumentsAPI(t *testing.T) {
	app := newSiteApp(t)
	resp, body := get(t, app, "/api/v1/documents/53-kh-ubnd-2017")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var d struct {
		Slug, Type, Number, Issuer, Place, Title string
		IssuedOn                                 string   `json:"issued_on"`
		Cites                                    []string `json:"cites"`
		CitedBy                                  []string `json:"cited_by"`
		HasFullText                              bool     `json:"has_full_text"`
		Sections                                 []struct {
			Anchor string `json:"anchor"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Slug != "53-kh-ubnd-2017" || d.Number != "53/KH-UBND" || d.Type != "Kế hoạch" ||
		d.IssuedOn != "2017-09-14" || d.Place != "Thái Bình" || !d.HasFullText || len(d.Sections) != 4 {
		t.Errorf("unexpected document: %+v", d)
	}
	if len(d.Cites) != 10 {
		t.Errorf("cites = %v, want 10", d.Cites)
	}

	resp, body = get(t, app, "/api/v1/documents/25-ct-ttg-2017")
	if resp.StatusCode != 200 || !strings.Contains(body, `"cited_by":["53-kh-ubnd-2017"]`) || !strings.Contains(body, `"has_full_text":false`) {
		t.Errorf("cited text: %d %s", resp.StatusCode, body)
	}

	resp, body = get(t, app, "/api/v1/documents/khong-co")
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown slug: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	resp, body = get(t, app, "/api/v1/documents")
	var list struct {
		Documents []struct{ Slug string } `json:"documents"`
		Total     int                     `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %v", resp.StatusCode, err)
	}
	if list.Total != 17 || len(list.Documents) != 17 {
		t.Errorf("documents = %d, want the plan, its ten cited texts and the six laws and decrees of the catalogue", list.Total)
	}
}

func TestNotFoundAndBadInput(t *testing.T) {
	app := newSiteApp(t)
	for _, target := range []string{
		"/khong-co-trang-nay", "/van-ban/khong-co", "/bai-viet/khong-co", "/van-ban/%2e%2e%2f%2e%2e",
		"/static/khong-co.css", "/van-ban/" + strings.Repeat("a", 3000),
	} {
		resp, body := get(t, app, target)
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", target, resp.StatusCode)
		}
		if !strings.Contains(body, "Không tìm thấy") {
			t.Errorf("GET %s: no Vietnamese message", target)
		}
		// An error page is nobody's canonical page and is not indexed.
		if strings.HasPrefix(target, "/static/") {
			continue
		}
		if strings.Contains(body, `rel="canonical"`) || strings.Contains(body, `property="og:url"`) || !strings.Contains(body, `<meta name="robots" content="noindex">`) {
			t.Errorf("GET %s: canonical or og:url on the error page, or no noindex", target)
		}
	}
	// A page still names itself.
	if _, body := get(t, app, "/van-ban"); !strings.Contains(body, `<link rel="canonical" href="http`) || strings.Contains(body, "noindex") {
		t.Errorf("/van-ban: no canonical link, or noindex")
	}
	resp, _ := get(t, app, "/van-ban?x=%ff%fe")
	if resp.StatusCode != 400 {
		t.Errorf("invalid UTF-8 query: %d, want 400", resp.StatusCode)
	}
}

func TestPagesRender(t *testing.T) {
	app := newSiteApp(t)
	for _, target := range []string{"/", "/van-ban", "/phan-cong", "/bai-viet", "/healthz"} {
		resp, body := get(t, app, target)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", target, resp.StatusCode)
		}
		if strings.Contains(body, "http://") && target != "/healthz" {
			for _, line := range strings.Split(body, "\n") {
				if strings.Contains(line, "http://") && !strings.Contains(line, "canonical") && !strings.Contains(line, "og:url") &&
					!strings.Contains(line, "og:image") && !strings.Contains(line, "twitter:image") {
					t.Errorf("GET %s: absolute URL in page (third-party request?): %s", target, line)
				}
			}
		}
	}
	doc := getDoc(t, app, "/bai-viet", http.StatusOK)
	links := doc.Find(`main a[href^="/bai-viet/"]`)
	if links.Length() < 3 || links.Length() > 5 {
		t.Errorf("articles = %d, want 3 to 5", links.Length())
	}
	links.Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		page := getDoc(t, app, href, http.StatusOK)
		if page.Find("h1").Length() != 1 {
			t.Errorf("%s: want exactly one h1", href)
		}
	})
	// An asset is served under its hashed name with a long cache lifetime.
	home := getDoc(t, app, "/", http.StatusOK)
	css, _ := home.Find(`link[rel=stylesheet]`).Attr("href")
	resp, _ := get(t, app, css)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("asset %s: %d %q", css, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}

func TestResolveClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	a := netip.MustParseAddr
	cases := []struct {
		peer, xff, want string
	}{
		{"203.0.113.9", "", "203.0.113.9"},
		{"203.0.113.9", "1.2.3.4", "203.0.113.9"},                        // untrusted peer: header ignored
		{"127.0.0.1", "198.51.100.7", "198.51.100.7"},                    // one trusted proxy
		{"127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"},           // client-forged left part ignored
		{"127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", "198.51.100.7"}, // two trusted hops
		{"127.0.0.1", "10.1.2.3, 10.2.3.4", "10.1.2.3"},                  // all trusted: left-most known
		{"127.0.0.1", "garbage, 198.51.100.7", "198.51.100.7"},
		{"127.0.0.1", "198.51.100.7, garbage", "127.0.0.1"},
		{"::ffff:127.0.0.1", "2001:db8::1", "2001:db8::1"},
	}
	for _, c := range cases {
		got := resolveClientAddr(a(c.peer).Unmap(), c.xff, trusted)
		if got != a(c.want) {
			t.Errorf("peer %s xff %q: got %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestWrongMethod(t *testing.T) {
	app := newSiteApp(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		resp, err := app.Test(httptest.NewRequest(m, "/van-ban", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(body), "Phương thức không được hỗ trợ") {
			t.Errorf("%s /van-ban: %d %s", m, resp.StatusCode, body)
		}
		if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") {
			t.Errorf("%s /van-ban: Allow = %q", m, allow)
		}
	}
	resp, err := app.Test(httptest.NewRequest(http.MethodDelete, "/api/v1/documents", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 405 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("DELETE /api/v1/documents: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, err = app.Test(httptest.NewRequest(http.MethodHead, "/van-ban", nil), -1)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD /van-ban: %v %v", resp.StatusCode, err)
	}
}
