package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/content"
)

// The legal status of a document in the JSON of /api/v1/documents/{slug}
// (issue 15, point 11): status, since and replaced_by where known, the
// link back (replaces) and where the fact comes from.
func TestDocumentInForceJSON(t *testing.T) {
	app := newSiteApp(t)
	type inForce struct {
		Status     string   `json:"status"`
		Label      string   `json:"label"`
		Since      *string  `json:"since"`
		ReplacedBy string   `json:"replaced_by"`
		Replaces   []string `json:"replaces"`
		Source     string   `json:"source"`
	}
	tests := []struct {
		slug, status, since, replacedBy, replaces, label string
		sourced                                          bool
	}{
		{"94-2010-nd-cp", "replaced", "2022-01-01", "116-2021-nd-cp", "", "Bị thay thế", true},
		{"116-2021-nd-cp", "in_force", "2022-01-01", "", "94-2010-nd-cp", "Còn hiệu lực", true},
		{"23-2000-qh10", "replaced", "2022-01-01", "73-2021-qh14", "", "Bị thay thế", true},
		{"73-2021-qh14", "in_force", "2022-01-01", "", "23-2000-qh10", "Còn hiệu lực", true},
		{"424-qd-ttg-2017", "expired", "2021-01-01", "", "", "Hết hiệu lực", true},
		{"25-ct-ttg-2017", "unknown", "", "", "", "Chưa rõ tình trạng hiệu lực", false},
		{"53-kh-ubnd-2017", "unknown", "", "", "", "Chưa rõ tình trạng hiệu lực", false},
	}
	for _, tt := range tests {
		resp, body := get(t, app, "/api/v1/documents/"+tt.slug)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tt.slug, resp.StatusCode)
		}
		var d struct {
			InForce *inForce `json:"in_force"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil || d.InForce == nil {
			t.Fatalf("%s: no in_force in %s (%v)", tt.slug, body, err)
		}
		f := d.InForce
		since := ""
		if f.Since != nil {
			since = *f.Since
		}
		if f.Status != tt.status || since != tt.since || f.ReplacedBy != tt.replacedBy || strings.Join(f.Replaces, " ") != tt.replaces ||
			f.Label != tt.label || (f.Source != "") != tt.sourced {
			t.Errorf("%s: in_force = %+v (since %q)", tt.slug, *f, since)
		}
		if tt.since == "" && strings.Contains(body, `"since"`) {
			t.Errorf("%s: since given for an unknown date: %s", tt.slug, body)
		}
	}
}

// The document page shows the status, the replacing text both ways, the
// source, and "chưa rõ" where the portal does not know.
func TestDocumentPageInForce(t *testing.T) {
	app := newSiteApp(t)
	dd := func(slug string) *goquery.Selection {
		t.Helper()
		sel := getDoc(t, app, "/van-ban/"+slug, http.StatusOK).Find("dd.in-force")
		if sel.Length() != 1 {
			t.Fatalf("%s: %d dd.in-force", slug, sel.Length())
		}
		return sel
	}
	old := dd("94-2010-nd-cp")
	if s, _ := old.Attr("data-status"); s != "replaced" || !strings.Contains(old.Text(), "Bị thay thế từ ngày 1/1/2022") || !strings.Contains(old.Text(), "Nguồn:") {
		t.Errorf("94/2010: %s %q", s, old.Text())
	}
	if href, _ := old.Find(`a[href="/van-ban/116-2021-nd-cp"]`).Attr("href"); href == "" {
		t.Error("94/2010: no link to the decree replacing it")
	}
	repl := dd("116-2021-nd-cp")
	if !strings.Contains(repl.Text(), "Còn hiệu lực từ ngày 1/1/2022") || !strings.Contains(repl.Text(), "Văn bản này thay thế: Nghị định số 94/2010/NĐ-CP") {
		t.Errorf("116/2021: %q", repl.Text())
	}
	if repl.Find(`a[href="/van-ban/94-2010-nd-cp"]`).Length() != 1 {
		t.Error("116/2021: no link back to 94/2010")
	}
	prog := dd("424-qd-ttg-2017")
	if s, _ := prog.Attr("data-status"); s != "expired" || !strings.Contains(prog.Text(), "Hết hiệu lực từ ngày 1/1/2021") || !strings.Contains(prog.Text(), "đến năm 2020") {
		t.Errorf("424 (programme to 2020): %s %q", s, prog.Text())
	}
	unk := dd("25-ct-ttg-2017")
	if s, _ := unk.Attr("data-status"); s != "unknown" || !strings.HasPrefix(strings.TrimSpace(unk.Text()), "Chưa rõ") || strings.Contains(unk.Text(), "Còn hiệu lực") {
		t.Errorf("25/CT-TTg: %s %q", s, unk.Text())
	}
}

// Each card of the /van-ban list has a status line; a numberless import
// shows as such.
func TestDocumentListInForce(t *testing.T) {
	dir := t.TempDir()
	if _, err := content.ImportFile(filepath.Join("..", "content", "testdata", "kinds", "1-no-number", "thong-bao-so-trong.txt"), dir); err != nil {
		t.Fatal(err)
	}
	lib, err := content.Load(content.Corpus, dir)
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(Deps{Library: lib, Secret: []byte("test-secret-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	page := getDoc(t, app, "/van-ban", http.StatusOK)
	status := map[string]string{}
	page.Find("main li.doc").Each(func(_ int, li *goquery.Selection) {
		href, _ := li.Find("h2 a").First().Attr("href")
		st, _ := li.Find(".in-force").Attr("data-status")
		status[href] = st + "|" + strings.TrimSpace(li.Find(".in-force").Text())
	})
	if len(status) != 19 {
		t.Errorf("%d documents, want 19 (17 shipped, 1 imported, the plan 45/KH-UBND it cites)", len(status))
	}
	for href, want := range map[string]string{
		"/van-ban/424-qd-ttg-2017":      "expired|Hết hiệu lực từ 1/1/2021",
		"/van-ban/245-kh-ubqg-bca-2017": "expired|Hết hiệu lực từ 1/1/2021",
		"/van-ban/94-2010-nd-cp":        "replaced|Bị thay thế từ 1/1/2022",
		"/van-ban/73-2021-qh14":         "in_force|Còn hiệu lực từ 1/1/2022",
		"/van-ban/25-ct-ttg-2017":       "unknown|Chưa rõ",
	} {
		if status[href] != want {
			t.Errorf("%s: %q, want %q", href, status[href], want)
		}
	}
	nn := page.Find(`main a[href="/van-ban/thong-bao-ket-luan-cua-pho-chu-tich-uy-ban-nhan-dan"]`)
	if nn.Text() != "Thông báo (không số)" {
		t.Errorf("numberless import in the list: %q", nn.Text())
	}
	h1 := getDoc(t, app, "/van-ban/thong-bao-ket-luan-cua-pho-chu-tich-uy-ban-nhan-dan", http.StatusOK).Find("h1").Text()
	if h1 != "Thông báo (không số)" {
		t.Errorf("numberless page h1 = %q", h1)
	}
}

// The search filter on the legal status, over HTTP: the API and /tim-kiem
// accept in_force, refuse an unknown code with a Vietnamese message naming
// the field, and offer the status as a facet.
func TestSearchInForceFilter(t *testing.T) {
	app := newSearchApp(t)
	var hits struct {
		Total int `json:"total"`
		Hits  []struct {
			Slug    string `json:"slug"`
			InForce string `json:"in_force"`
		} `json:"hits"`
		Facets map[string][]struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"facets"`
	}
	_, body := get(t, app, "/api/v1/search?"+url.Values{"q": {"ma tuy"}, "in_force": {"expired"}}.Encode())
	if err := json.Unmarshal([]byte(body), &hits); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hits.Hits {
		got = append(got, h.Slug)
		if h.InForce != "expired" {
			t.Errorf("hit %s has in_force %q", h.Slug, h.InForce)
		}
	}
	if hits.Total != 3 || !sameSlugs(got, "2596-qd-ttg-2013", "245-kh-ubqg-bca-2017", "424-qd-ttg-2017") {
		t.Errorf("in_force=expired: %d %v", hits.Total, got)
	}

	out := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}}, http.StatusOK)
	counts := map[string]int{}
	for _, v := range out.Facets["in_force"] {
		counts[v.Value] = v.Count
	}
	if counts["expired"] != 3 || counts["replaced"] != 2 || counts["in_force"] < 2 || counts["unknown"] < 5 {
		t.Errorf("in_force facet: %v", out.Facets["in_force"])
	}

	bad := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "in_force": {"con-hieu-luc"}}, http.StatusBadRequest)
	if !strings.Contains(bad.Errors["in_force"], "Bộ lọc hiệu lực không hợp lệ") {
		t.Errorf("bad in_force: %+v", bad)
	}

	page := getDoc(t, app, "/tim-kiem?"+url.Values{"q": {"ma tuy"}, "in_force": {"replaced"}}.Encode(), http.StatusOK)
	var pageHits []string
	page.Find("ol.hits li.hit h3 a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		pageHits = append(pageHits, strings.TrimPrefix(strings.SplitN(href, "#", 2)[0], "/van-ban/"))
	})
	if !sameSlugs(pageHits, "23-2000-qh10", "94-2010-nd-cp") {
		t.Errorf("/tim-kiem in_force=replaced: %v", pageHits)
	}
	sel := page.Find(`aside.facets a[aria-current="true"]`)
	if sel.Text() != "Bị thay thế" {
		t.Errorf("selected facet: %q", sel.Text())
	}
	if v, _ := page.Find(`form.search-page input[name="in_force"]`).Attr("value"); v != "replaced" {
		t.Errorf("form does not keep the filter: %q", v)
	}
	if !strings.Contains(page.Find("ol.hits").Text(), "Bị thay thế") {
		t.Error("hits do not show their status")
	}
	resp, _ := get(t, app, "/tim-kiem?"+url.Values{"q": {"ma tuy"}, "in_force": {"x"}}.Encode())
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/tim-kiem bad in_force: %d", resp.StatusCode)
	}
}

func sameSlugs(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, s := range got {
		seen[s] = true
	}
	for _, s := range want {
		if !seen[s] {
			return false
		}
	}
	return true
}
