package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/search"
)

// newSearchApp builds the real app over the shipped corpus with a real
// Bleve index on disk, brought up to date by Sync as the portal does on
// start; tweaks adjust the dependencies first (a limiter, say).
func newSearchApp(t testing.TB, tweaks ...func(*Deps)) *fiber.App {
	t.Helper()
	lib, err := content.Load(content.Corpus, t.TempDir())
	if err != nil {
		t.Fatalf("load corpus: %v", err)
	}
	idx, err := search.OpenBleve(t.TempDir() + "/bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if _, err := search.Sync(context.Background(), idx, SearchDocs(lib)); err != nil {
		t.Fatal(err)
	}
	d := Deps{Library: lib, Index: idx, Secret: []byte("test-secret-0123456789abcdef")}
	for _, tweak := range tweaks {
		tweak(&d)
	}
	app, err := New(d)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return app
}

type searchJSON struct {
	Query  string `json:"query"`
	Total  int    `json:"total"`
	TookMS *int64 `json:"took_ms"`
	Hits   []struct {
		Slug        string `json:"slug"`
		Type        string `json:"type"`
		Number      string `json:"number"`
		Title       string `json:"title"`
		URL         string `json:"url"`
		SnippetHTML string `json:"snippet_html"`
	} `json:"hits"`
	Facets map[string][]struct {
		Value string `json:"value"`
		Count int    `json:"count"`
	} `json:"facets"`
	Error  string            `json:"error"`
	Errors map[string]string `json:"errors"`
}

func apiSearchGet(t *testing.T, app *fiber.App, params url.Values, wantStatus int) searchJSON {
	t.Helper()
	resp, body := get(t, app, "/api/v1/search?"+params.Encode())
	if resp.StatusCode != wantStatus {
		t.Fatalf("search %v: status %d, want %d\n%s", params, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q", ct)
	}
	var out searchJSON
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return out
}

func hitSlugs(r searchJSON) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Slug)
	}
	return out
}

// TestSearchAPIRelevance runs the kinds of query people type against the
// real corpus through the JSON API.
func TestSearchAPIRelevance(t *testing.T) {
	app := newSearchApp(t)
	cases := []struct {
		q     string
		first []string // results begin with these
		has   string   // and include this
	}{
		{q: "cai nghien", has: "53-kh-ubnd-2017"},
		{q: "cai nghiện tự nguyện", has: "53-kh-ubnd-2017"},
		{q: "424/QĐ-TTg", first: []string{"424-qd-ttg-2017"}, has: "53-kh-ubnd-2017"},
		{q: "424/QD-TTg", first: []string{"424-qd-ttg-2017"}},
		{q: "424 qd ttg", first: []string{"424-qd-ttg-2017"}},
		{q: "quyet dinh 424", first: []string{"424-qd-ttg-2017"}},
		{q: "25/CT-TTg", first: []string{"25-ct-ttg-2017", "53-kh-ubnd-2017"}},
		{q: "Metadone", has: "53-kh-ubnd-2017"},
		{q: "methadon", has: "bai-viet/cac-hinh-thuc-cai-nghien"},
		{q: "hoà nhập", has: "53-kh-ubnd-2017"},
		{q: "ma tuý", has: "53-kh-ubnd-2017"},
		{q: `"giảm tác hại"`, has: "53-kh-ubnd-2017"},
		{q: "phong chong", has: "53-kh-ubnd-2017"},
		// A citation with its date, written as the pages print it or with
		// leading zeros: its own document first.
		{q: "53/KH-UBND ngày 14/9/2017", first: []string{"53-kh-ubnd-2017"}},
		{q: "14/9/2017", has: "53-kh-ubnd-2017"},
		{q: "25/CT-TTg ngày 5/6/2017", first: []string{"25-ct-ttg-2017"}},
		{q: "Chỉ thị 25/CT-TTg ngày 05/06/2017", first: []string{"25-ct-ttg-2017"}},
	}
	for _, c := range cases {
		r := apiSearchGet(t, app, url.Values{"q": {c.q}, "per_page": {"50"}}, http.StatusOK)
		got := hitSlugs(r)
		for i, s := range c.first {
			if i >= len(got) || got[i] != s {
				t.Errorf("%q: results %v do not begin with %v", c.q, got, c.first)
				break
			}
		}
		if c.has != "" && !slices.Contains(got, c.has) {
			t.Errorf("%q: %s not in %v", c.q, c.has, got)
		}
	}
	// "hoà nhập" and "hòa nhập" are the same query.
	a := hitSlugs(apiSearchGet(t, app, url.Values{"q": {"hoà nhập"}}, http.StatusOK))
	b := hitSlugs(apiSearchGet(t, app, url.Values{"q": {"hòa nhập"}}, http.StatusOK))
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("hoà nhập %v ≠ hòa nhập %v", a, b)
	}
}

// TestSearchAPIShape checks the JSON body, the section anchor in the URL,
// the type filter as written and the facets.
func TestSearchAPIShape(t *testing.T) {
	app := newSearchApp(t)
	r := apiSearchGet(t, app, url.Values{"q": {"Methadone"}}, http.StatusOK)
	if r.Query != "Methadone" || r.Total == 0 || r.TookMS == nil || len(r.Hits) == 0 {
		t.Fatalf("body %+v", r)
	}
	var plan bool
	for _, h := range r.Hits {
		if h.Slug == "53-kh-ubnd-2017" {
			plan = true
			if !strings.HasPrefix(h.URL, "/van-ban/53-kh-ubnd-2017#muc-") || h.Number != "53/KH-UBND" || h.Type != "Kế hoạch" {
				t.Errorf("plan hit %+v", h)
			}
			if !strings.Contains(h.SnippetHTML, "<mark>Methadone</mark>") {
				t.Errorf("snippet %q", h.SnippetHTML)
			}
		}
	}
	if !plan {
		t.Errorf("plan not found: %v", hitSlugs(r))
	}
	if len(r.Facets["type"]) == 0 || len(r.Facets["year"]) == 0 {
		t.Errorf("facets %+v", r.Facets)
	}

	r = apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "type": {"Quyết định"}, "per_page": {"50"}}, http.StatusOK)
	if len(r.Hits) == 0 {
		t.Fatal("no Quyết định")
	}
	for _, h := range r.Hits {
		if h.Type != "Quyết định" {
			t.Errorf("type filter let through %s (%s)", h.Slug, h.Type)
		}
	}
	if len(r.Facets["type"]) != 1 || r.Facets["type"][0].Value != "Quyết định" || r.Facets["type"][0].Count != r.Total {
		t.Errorf("type facet under filter %+v, total %d", r.Facets["type"], r.Total)
	}
	// Paging: per_page 2, page 2 continues page 1.
	p1 := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "per_page": {"2"}}, http.StatusOK)
	p2 := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "per_page": {"2"}, "page": {"2"}}, http.StatusOK)
	all := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "per_page": {"4"}}, http.StatusOK)
	if got := append(hitSlugs(p1), hitSlugs(p2)...); strings.Join(got, ",") != strings.Join(hitSlugs(all), ",") {
		t.Errorf("pages %v, whole %v", got, hitSlugs(all))
	}
	if r := apiSearchGet(t, app, url.Values{"q": {"xyzzy"}}, http.StatusOK); r.Total != 0 || r.Hits == nil {
		t.Errorf("no match: %+v (hits must be [] not null)", r)
	}
}

// TestSearchBadInput: a long query, invalid UTF-8 and bad numbers get a
// Vietnamese 400 naming the field; hostile text is harmless.
func TestSearchBadInput(t *testing.T) {
	app := newSearchApp(t)
	long := strings.Repeat("ma túy ", 40)
	r := apiSearchGet(t, app, url.Values{"q": {long}}, http.StatusBadRequest)
	if !strings.Contains(r.Error, "Từ khóa") || !strings.Contains(r.Errors["q"], "200 ký tự") {
		t.Errorf("long query: %+v", r)
	}
	resp, body := get(t, app, "/tim-kiem?"+url.Values{"q": {long}}.Encode())
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Từ khóa quá dài") {
		t.Errorf("long query page: %d", resp.StatusCode)
	}
	// Invalid UTF-8 is refused (400, a Vietnamese message) before any
	// handler runs (checkUTF8), or by parseSearchParams if it gets there.
	for _, target := range []string{"/tim-kiem?q=ma%FFtuy", "/api/v1/search?q=%C3%28", "/tim-kiem?q=a&type=%FF"} {
		if resp, body := get(t, app, target); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "không") {
			t.Errorf("%s: %d %s", target, resp.StatusCode, body)
		}
	}
	if r := apiSearchGet(t, app, url.Values{"q": {"ma\xfftuy"}}, http.StatusBadRequest); r.Error == "" {
		t.Errorf("invalid UTF-8 in the API: no message")
	}
	for _, c := range []struct{ params, field string }{
		{"q=ma&page=abc", "page"}, {"q=ma&page=0", "page"}, {"q=ma&per_page=500", "per_page"}, {"q=ma&year=20x7", "year"},
	} {
		resp, body := get(t, app, "/api/v1/search?"+c.params)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"`+c.field+`"`) {
			t.Errorf("%s: %d %s", c.params, resp.StatusCode, body)
		}
	}
	// Engine syntax and markup in q are just text.
	for _, q := range []string{`title:ma`, `+ma -tuy`, `ma^5`, `*`, `"`, `\`, `(ma OR tuy)`, `/`, "\x00"} {
		for _, path := range []string{"/tim-kiem", "/api/v1/search"} {
			if resp, _ := get(t, app, path+"?"+url.Values{"q": {q}}.Encode()); resp.StatusCode != http.StatusOK {
				t.Errorf("%s q=%q: %d", path, q, resp.StatusCode)
			}
		}
	}
}

// TestSearchPage checks the results page by selector: highlighted and
// escaped snippets, deep links, filters with counts, paging, the help shown
// when nothing is found and the search box on every page.
func TestSearchPage(t *testing.T) {
	app := newSearchApp(t)
	doc := getDoc(t, app, "/tim-kiem?q=Metadone", http.StatusOK)
	if v, _ := doc.Find("#q-main").Attr("value"); v != "Metadone" {
		t.Errorf("query not kept in the form: %q", v)
	}
	if n := doc.Find("#q-top").Length(); n != 0 {
		t.Errorf("/tim-kiem has the header search box too (%d)", n)
	}
	var planLink string
	doc.Find("ol.hits li.hit h3 a").Each(func(_ int, a *goquery.Selection) {
		if href, _ := a.Attr("href"); strings.HasPrefix(href, "/van-ban/53-kh-ubnd-2017#muc-") {
			planLink = href
		}
	})
	if planLink == "" {
		t.Errorf("no deep link to a section of the plan")
	}
	if meta := doc.Find("ol.hits li.hit .meta").Text(); !strings.Contains(meta, "Mục II.6") {
		t.Errorf("matched section not named: %q", meta)
	}
	if n := doc.Find(".snippet mark").Length(); n == 0 {
		t.Error("no <mark> in snippets")
	}
	if doc.Find(".facets h3").Length() == 0 || !strings.Contains(doc.Find(".facets").Text(), "Kế hoạch") {
		t.Errorf("facets: %q", doc.Find(".facets").Text())
	}

	// Markup in the query is escaped everywhere it is shown.
	resp, body := get(t, app, "/tim-kiem?"+url.Values{"q": {`<script>alert(1)</script>`}}.Encode())
	if resp.StatusCode != http.StatusOK || strings.Contains(body, "<script>alert") {
		t.Errorf("query not escaped (status %d)", resp.StatusCode)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped query not shown")
	}

	// Nothing found: help.
	doc = getDoc(t, app, "/tim-kiem?q=xyzzy+plugh", http.StatusOK)
	help := doc.Find(".help").Text()
	if !strings.Contains(help, "không dấu") || !strings.Contains(help, "ít từ hơn") {
		t.Errorf("help %q", help)
	}

	// Filters: the type link filters and shows its count.
	doc = getDoc(t, app, "/tim-kiem?q=ma+tuy", http.StatusOK)
	var typeURL string
	doc.Find(".facets a").Each(func(_ int, a *goquery.Selection) {
		if a.Text() == "Quyết định" {
			typeURL, _ = a.Attr("href")
		}
	})
	if typeURL == "" {
		t.Fatal("no Quyết định filter")
	}
	doc = getDoc(t, app, typeURL, http.StatusOK)
	doc.Find("ol.hits li.hit .meta").Each(func(_ int, s *goquery.Selection) {
		if !strings.HasPrefix(s.Text(), "Quyết định") {
			t.Errorf("filtered result %q", s.Text())
		}
	})
	if doc.Find(".facets a.selected").Length() != 1 {
		t.Error("selected filter not marked")
	}

	// Paging links keep the query.
	doc = getDoc(t, app, "/tim-kiem?q=ma+tuy&page=1&per_page=3", http.StatusOK)
	if next, ok := doc.Find(`.pager a[rel=next]`).Attr("href"); !ok || !strings.Contains(next, "page=2") || !strings.Contains(next, "q=ma+tuy") {
		t.Errorf("next link %q", next)
	}

	// The search box, with its voice button and script, is on every page
	// but /tim-kiem, whose own form is then the only one.
	for _, path := range []string{"/", "/van-ban", "/van-ban/53-kh-ubnd-2017", "/bai-viet", "/tim-kiem"} {
		d := getDoc(t, app, path, http.StatusOK)
		form := d.Find(`header form[action="/tim-kiem"][method=get]`)
		if path == "/tim-kiem" {
			form = d.Find(`main form[action="/tim-kiem"][method=get]`)
		}
		if form.Find(`input[name=q]`).Length() != 1 || form.Find("button[data-mic][hidden]").Length() != 1 {
			t.Errorf("%s: search box incomplete", path)
		}
		if d.Find(`script[src^="/static/"]`).Length() == 0 && d.Find(`script[src*="search"]`).Length() == 0 {
			t.Errorf("%s: no search script", path)
		}
	}
}
