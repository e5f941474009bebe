package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/search"
)

// newLimitedSearchApp is newSearchApp with the in-process limiter allowing
// rate searches a minute.
func newLimitedSearchApp(t *testing.T, rate int) *fiber.App {
	t.Helper()
	return newSearchApp(t, func(d *Deps) {
		d.Limiter = ratelimit.NewMemory()
		d.Limits = Limits{Search: ratelimit.Limit{Rate: rate, Period: time.Minute}}
	})
}

// TestSearchProblemShowsTheForm: a too-long query and a 429 answer with the
// results page: the form holds what was typed (cut to 200 characters) and
// the message appears once.
func TestSearchProblemShowsTheForm(t *testing.T) {
	app := newSearchApp(t)
	long := strings.Repeat("cai nghiện ", 30) // 330 characters
	want := strings.TrimSpace(string([]rune(long)[:search.MaxQueryRunes]))
	doc := getDoc(t, app, "/tim-kiem?"+url.Values{"q": {long}}.Encode(), http.StatusBadRequest)
	if v, _ := doc.Find("#q-main").Attr("value"); v != want {
		t.Errorf("form value %q, want %q", v, want)
	}
	if n := doc.Find("#q-top").Length(); n != 0 {
		t.Errorf("/tim-kiem has the header search box too (%d)", n)
	}
	if n := strings.Count(doc.Find("main").Text(), "Từ khóa quá dài"); n != 1 {
		t.Errorf("message shown %d times", n)
	}
	if doc.Find(`main [role=alert]`).Length() != 1 {
		t.Error("no single alert")
	}

	limited := newLimitedSearchApp(t, 2)
	for i := 0; i < 2; i++ {
		getDoc(t, limited, "/tim-kiem?q=ma+tuy", http.StatusOK)
	}
	resp, body := get(t, limited, "/tim-kiem?"+url.Values{"q": {"cai nghiện tự nguyện"}}.Encode())
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third search: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, `value="cai nghiện tự nguyện"`) {
		t.Error("429 page lost the query")
	}
	if n := strings.Count(body, "quá nhiều yêu cầu"); n != 1 {
		t.Errorf("429 message shown %d times", n)
	}
	// The JSON API keeps its JSON error.
	r := apiSearchGet(t, limited, url.Values{"q": {"ma"}}, http.StatusTooManyRequests)
	if !strings.Contains(r.Error, "quá nhiều yêu cầu") {
		t.Errorf("API 429: %+v", r)
	}
}

// TestSearchPagePastTheEnd: a page past the last one, however large, shows
// the last page; it is never an error.
func TestSearchPagePastTheEnd(t *testing.T) {
	app := newSearchApp(t)
	all := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "per_page": {"3"}}, http.StatusOK)
	last := (all.Total + 2) / 3
	if last < 2 {
		t.Fatalf("need several pages, total %d", all.Total)
	}
	for _, page := range []string{"2147483647", "99999999999999999999", "101", "+7000"} {
		doc := getDoc(t, app, "/tim-kiem?q=ma+tuy&per_page=3&page="+page, http.StatusOK)
		if doc.Find("ol.hits li.hit").Length() == 0 {
			t.Errorf("page %s: no hits", page)
		}
		if cur := doc.Find(`.pager [aria-current=page]`).Text(); cur != strconv.Itoa(last) {
			t.Errorf("page %s: current page %q, want %d", page, cur, last)
		}
		r := apiSearchGet(t, app, url.Values{"q": {"ma tuy"}, "per_page": {"3"}, "page": {page}}, http.StatusOK)
		if len(r.Hits) == 0 || r.Total != all.Total {
			t.Errorf("API page %s: %d hits, total %d", page, len(r.Hits), r.Total)
		}
	}
	for _, page := range []string{"0", "-1", "abc"} {
		resp, body := get(t, app, "/tim-kiem?q=ma+tuy&page="+page)
		if resp.StatusCode != http.StatusBadRequest || strings.Count(body, msgPageInvalid) != 1 || !strings.Contains(body, `value="ma tuy"`) {
			t.Errorf("page %s: %d", page, resp.StatusCode)
		}
	}
}

// TestSearchPartialMatches: when no document has every word, the page and
// the API show those with some of them and say so.
func TestSearchPartialMatches(t *testing.T) {
	app := newSearchApp(t)
	doc := getDoc(t, app, "/tim-kiem?q=methadone+xyzzy", http.StatusOK)
	if doc.Find("ol.hits li.hit").Length() == 0 || !strings.Contains(doc.Find(".results .notice").Text(), "chứa một phần") {
		t.Errorf("partial results not shown or not explained: %q", doc.Find(".results").Text())
	}
	var r struct {
		Partial bool `json:"partial"`
		Total   int  `json:"total"`
	}
	_, body := get(t, app, "/api/v1/search?q=methadone+xyzzy")
	if err := json.Unmarshal([]byte(body), &r); err != nil || !r.Partial || r.Total == 0 {
		t.Errorf("API: %s", body)
	}
	_, body = get(t, app, "/api/v1/search?q=methadone")
	if strings.Contains(body, `"partial"`) {
		t.Errorf("partial on a full match: %s", body)
	}
}
