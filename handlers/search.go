package handlers

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/search"
)

// registerSearch registers the results page /tim-kiem and the JSON API
// /api/v1/search. Neither sets a cookie nor takes a form post, so neither
// needs CSRF.
func (s *Server) registerSearch(app *fiber.App) {
	app.Get("/tim-kiem", s.searchPage)
	app.Get("/api/v1/search", s.searchAPI)
}

// Vietnamese messages of the search (field "Từ khóa" is the q parameter).
const (
	msgQueryTooLong   = "Từ khóa quá dài: tối đa 200 ký tự. Hãy rút gọn từ khóa rồi tìm lại."
	msgQueryBadUTF8   = "Từ khóa không phải văn bản UTF-8 hợp lệ."
	msgPageInvalid    = "Số trang phải là một số nguyên dương."
	msgPerPageInvalid = "Số kết quả mỗi trang phải là một số từ 1 đến 50."
	msgYearInvalid    = "Năm phải là một số có bốn chữ số."
	msgInForceInvalid = "Bộ lọc hiệu lực không hợp lệ: chọn còn hiệu lực, hết hiệu lực một phần, hết hiệu lực, bị thay thế hoặc chưa rõ."
	msgSearchDown     = "Tìm kiếm đang tạm thời gián đoạn. Vui lòng thử lại sau ít phút."
)

// searchParams are the validated parameters of a search request.
type searchParams struct {
	Q       string // NFC, trimmed, at most search.MaxQueryRunes characters
	Type    string
	Issuer  string
	Year    int
	InForce string // legal status code (content.Statuses), "" for any
	Page    int    // ≥ 1; may be past the last page (searchPage then shows the last)
	PerPage int
}

// parseSearchParams reads and validates q, type, issuer, year, in_force
// (a legal status code: in_force, partly_expired, expired, replaced,
// unknown), page and per_page. Every string is copied out of Fiber's buffers. The first
// invalid parameter gives a 400 Problem naming the field in Vietnamese;
// the params are returned filled as far as they are usable either way (a
// too-long q cut at search.MaxQueryRunes, invalid bytes replaced), so the
// results page can show the form again with what was typed. A page number
// too large to represent is a page past the end, not an error.
func parseSearchParams(c *fiber.Ctx) (searchParams, error) {
	var p searchParams
	var first error
	fail := func(field, msg string) {
		if first == nil {
			first = &Problem{Status: fiber.StatusBadRequest, Message: msg, Fields: map[string]string{field: msg}}
		}
	}
	raw := strings.Clone(c.Query("q"))
	if err := search.CheckQuery(raw); err != nil {
		msg := msgQueryTooLong
		if errors.Is(err, search.ErrQueryInvalidUTF8) {
			msg = msgQueryBadUTF8
		}
		fail("q", msg)
	}
	p.Q = cutQuery(raw)
	for _, f := range []struct {
		name string
		dst  *string
	}{{"type", &p.Type}, {"issuer", &p.Issuer}} {
		v := strings.Clone(c.Query(f.name))
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 200 {
			fail(f.name, "Bộ lọc không hợp lệ.")
			continue
		}
		*f.dst = strings.TrimSpace(search.NFC(v))
	}
	if v := strings.TrimSpace(c.Query("in_force")); v != "" {
		if content.StatusLabel(v) == "" {
			fail("in_force", msgInForceInvalid)
		} else {
			p.InForce = strings.Clone(v)
		}
	}
	var err error
	if p.Year, err = intParam(c, "year", 0, 1900, 2100); err != nil {
		p.Year = 0
		fail("year", msgYearInvalid)
	}
	if p.Page, err = pageParam(c); err != nil {
		p.Page = 1
		fail("page", msgPageInvalid)
	}
	if p.PerPage, err = intParam(c, "per_page", search.DefaultPerPage, 1, search.MaxPerPage); err != nil {
		p.PerPage = search.DefaultPerPage
		fail("per_page", msgPerPageInvalid)
	}
	return p, first
}

// cutQuery returns raw as the search form shows it again: invalid bytes
// replaced, NFC, trimmed, cut at search.MaxQueryRunes characters.
func cutQuery(raw string) string {
	q := strings.TrimSpace(search.NFC(strings.ToValidUTF8(raw, "\uFFFD")))
	if utf8.RuneCountInString(q) > search.MaxQueryRunes {
		q = strings.TrimSpace(string([]rune(q)[:search.MaxQueryRunes]))
	}
	return q
}

// errOutOfRange marks an integer parameter outside its bounds.
var errOutOfRange = errors.New("out of range")

// intParam parses an optional integer query parameter within [lo, hi];
// empty gives def.
func intParam(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, err
	}
	if n < lo || n > hi {
		return 0, errOutOfRange
	}
	return n, nil
}

// pageParam parses the optional page parameter: a positive integer, 1 when
// absent. Digits beyond what an int holds (page=99999999999999999999) are
// a page past the end: math.MaxInt.
func pageParam(c *fiber.Ctx) (int, error) {
	v := strings.TrimSpace(c.Query("page"))
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if errors.Is(err, strconv.ErrRange) && strings.Trim(strings.TrimPrefix(v, "+"), "0123456789") == "" {
		return math.MaxInt, nil
	}
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, errOutOfRange
	}
	return n, nil
}

// maxSearchPage is the deepest page offered (engines cap paging there).
const maxSearchPage = 100

// lastPage is the last page of total matches at per hits a page (at least
// 1, at most maxSearchPage).
func lastPage(total, per int) int {
	n := (total + per - 1) / per
	return max(1, min(n, maxSearchPage))
}

// runSearch searches for p; a page past the last one is answered with the
// last page, and p.Page says which page the result is.
func (s *Server) runSearch(c *fiber.Ctx, p *searchParams) (search.Result, error) {
	p.Page = min(p.Page, maxSearchPage)
	res, err := s.Index.Search(c.UserContext(), p.query())
	if err != nil {
		return res, err
	}
	if last := lastPage(res.Total, p.PerPage); p.Page > last {
		p.Page = last
		res, err = s.Index.Search(c.UserContext(), p.query())
	}
	return res, err
}

// filtered reports whether any filter is set.
func (p searchParams) filtered() bool {
	return p.Type != "" || p.Issuer != "" || p.Year > 0 || p.InForce != ""
}

// clearFilters removes every filter.
func clearFilters(q *searchParams) { q.Type, q.Issuer, q.Year, q.InForce = "", "", 0, "" }

func (p searchParams) query() search.Query {
	return search.Query{Text: p.Q, Type: p.Type, Issuer: p.Issuer, Year: p.Year, InForce: p.InForce, Page: p.Page, PerPage: p.PerPage}
}

// url returns the /tim-kiem URL of p with the given changes applied
// (page reset to 1 unless set).
func (p searchParams) url(change func(*searchParams)) string {
	q := p
	q.Page = 1
	if change != nil {
		change(&q)
	}
	v := url.Values{}
	v.Set("q", q.Q)
	if q.Type != "" {
		v.Set("type", q.Type)
	}
	if q.Issuer != "" {
		v.Set("issuer", q.Issuer)
	}
	if q.Year > 0 {
		v.Set("year", strconv.Itoa(q.Year))
	}
	if q.InForce != "" {
		v.Set("in_force", q.InForce)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return "/tim-kiem?" + v.Encode()
}

// facetLink is one value of a filter on the results page.
type facetLink struct {
	Value    string
	Label    string // shown instead of Value when set (status codes)
	Count    int    // 0 when the engine did not count (search.Result.FacetsUncounted)
	URL      string // applies the filter (or removes it when Selected)
	Selected bool
}

// facetGroup is one filter (type, issuer, year) with its values.
type facetGroup struct {
	Name   string // Vietnamese label
	Values []facetLink
}

// pageLink is one link of the pager.
type pageLink struct {
	N       int
	URL     string
	Current bool
}

// searchData is what pages/search.html receives.
type searchData struct {
	Params   searchParams
	Searched bool // a query or a filter was given
	Result   search.Result
	Facets   []facetGroup
	Pages    []pageLink
	Prev     string
	Next     string
	First    int // 1-based rank of the first hit on this page
	Last     int
	Filtered bool
	ClearURL string
	Notice   string // shown instead of results when search is down
	// Missing says that no document has the number the query names, and
	// what the hits are instead (numberMissingMessage); "" otherwise.
	Missing string
	// SearchedAs says how Telex or VNI left-overs were read
	// (searchedAsMessage); "" otherwise.
	SearchedAs string
}

// numberMissingMessage is the Vietnamese answer for a query naming
// document numbers that no document has (search.Result.MissingNumbers),
// with what the hits are instead when there are some; "" when nothing is
// missing.
func numberMissingMessage(res search.Result) string {
	if len(res.MissingNumbers) == 0 {
		return ""
	}
	msg := "Không có văn bản nào mang số hiệu " + strings.Join(res.MissingNumbers, ", ") + "."
	if len(res.Hits) > 0 {
		msg += " Dưới đây là các văn bản có số hiệu gần giống hoặc có các phần của số hiệu đó, không phải văn bản bạn tìm."
	}
	return msg
}

// searchedAsMessage says how the query was read when Telex or VNI
// left-overs were decoded (search.Result.SearchedAs); "" otherwise.
func searchedAsMessage(q string, res search.Result) string {
	if res.SearchedAs == "" {
		return ""
	}
	return "Đã tìm “" + res.SearchedAs + "” (bạn gõ “" + q + "”, có lẽ khi bộ gõ tiếng Việt đang tắt)."
}

// searchPage renders GET /tim-kiem: the form, results with highlighted
// snippets, filters with counts, paging, and help when nothing is found.
func (s *Server) searchPage(c *fiber.Ctx) error {
	p, err := parseSearchParams(c)
	if err != nil {
		return err // the error handler calls searchProblemPage
	}
	data := searchData{Params: p, Searched: p.Q != "" || p.filtered()}
	data.Filtered = p.filtered()
	data.ClearURL = p.url(clearFilters)
	status := fiber.StatusOK
	if data.Searched {
		if s.Index == nil {
			data.Notice, status = msgSearchDown, fiber.StatusServiceUnavailable
		} else if res, err := s.runSearch(c, &p); err != nil {
			s.log.Error("search failed", "err", err)
			data.Notice, status = msgSearchDown, fiber.StatusServiceUnavailable
		} else {
			labelSections(res.Hits)
			data.Params = p
			data.Result = res
			data.Missing = numberMissingMessage(res)
			data.SearchedAs = searchedAsMessage(p.Q, res)
			s.fillSearchNav(&data)
		}
	}
	return s.renderSearch(c, status, data)
}

// searchProblemPage answers a request for /tim-kiem that failed before a
// search ran (an invalid parameter, or the search rate limit's 429): the
// results page with the form holding what was typed (cut to the limit),
// and the problem's message once. The error handler calls it for every
// Problem on /tim-kiem; it returns an error only if rendering fails.
func (s *Server) searchProblemPage(c *fiber.Ctx, prob *Problem) error {
	p, _ := parseSearchParams(c)
	data := searchData{Params: p, Notice: prob.Message}
	data.Filtered = p.filtered()
	data.ClearURL = p.url(clearFilters)
	return s.renderSearch(c, prob.Status, data)
}

// renderSearch renders pages/search.html for data with status.
func (s *Server) renderSearch(c *fiber.Ctx, status int, data searchData) error {
	p := data.Params
	title := "Tìm kiếm"
	if p.Q != "" {
		title = "Kết quả tìm kiếm: " + p.Q
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	body, err := s.execute("search", View{
		Title:       title,
		Description: "Tìm văn bản, bài viết và chiến dịch phòng, chống ma túy, có thể gõ không dấu.",
		Query:       p.Q,
		Path:        "/tim-kiem",
		Data:        data,
	})
	if err != nil {
		return err
	}
	// Compressed per request (the page is 15 KB, a third of it on a slow
	// line): it holds no CSRF token or other secret of the visitor's, so
	// compressing it next to the query the visitor typed leaks nothing
	// (BREACH needs a secret that repeats).
	return sendHTML(c, status, body, true)
}

// facetNames are the Vietnamese labels of the facets, in display order.
var facetNames = []struct{ key, label string }{
	{"type", "Loại văn bản"}, {"issuer", "Cơ quan ban hành"}, {"year", "Năm"}, {"in_force", "Hiệu lực"},
}

// fillSearchNav builds the filter links and the pager of d.
func (s *Server) fillSearchNav(d *searchData) {
	p := d.Params
	for _, f := range facetNames {
		g := facetGroup{Name: f.label}
		for _, v := range d.Result.Facets[f.key] {
			l := facetLink{Value: v.Value, Count: v.Count}
			value := v.Value
			switch f.key {
			case "type":
				l.Selected = p.Type == value
				l.URL = p.url(func(q *searchParams) { q.Type = toggle(q.Type, value) })
			case "issuer":
				l.Selected = p.Issuer == value
				l.URL = p.url(func(q *searchParams) { q.Issuer = toggle(q.Issuer, value) })
			case "in_force":
				l.Label = content.StatusLabel(value)
				l.Selected = p.InForce == value
				l.URL = p.url(func(q *searchParams) { q.InForce = toggle(q.InForce, value) })
			case "year":
				y, _ := strconv.Atoi(value)
				l.Selected = p.Year == y
				l.URL = p.url(func(q *searchParams) {
					if q.Year == y {
						q.Year = 0
					} else {
						q.Year = y
					}
				})
			}
			g.Values = append(g.Values, l)
		}
		if len(g.Values) > 0 {
			d.Facets = append(d.Facets, g)
		}
	}
	total := d.Result.Total
	pages := (total + p.PerPage - 1) / p.PerPage
	if pages > maxSearchPage {
		pages = maxSearchPage
	}
	if len(d.Result.Hits) > 0 {
		d.First = (p.Page-1)*p.PerPage + 1
		d.Last = d.First + len(d.Result.Hits) - 1
	}
	if pages > 1 {
		for n := max(1, p.Page-4); n <= min(pages, p.Page+4); n++ {
			d.Pages = append(d.Pages, pageLink{N: n, URL: p.url(func(q *searchParams) { q.Page = n }), Current: n == p.Page})
		}
		if p.Page > 1 {
			d.Prev = p.url(func(q *searchParams) { q.Page = p.Page - 1 })
		}
		if p.Page < pages {
			d.Next = p.url(func(q *searchParams) { q.Page = p.Page + 1 })
		}
	}
}

func toggle(cur, v string) string {
	if cur == v {
		return ""
	}
	return v
}

// apiHit is one hit of GET /api/v1/search.
type apiHit struct {
	Slug        string `json:"slug"`
	Type        string `json:"type"`
	Number      string `json:"number"`
	Title       string `json:"title"`
	URL         string `json:"url"`
	Heading     string `json:"heading,omitempty"`
	SnippetHTML string `json:"snippet_html"`
	InForce     string `json:"in_force,omitempty"` // legal status code of a legal text
}

// apiFacet is one facet value of GET /api/v1/search.
type apiFacet struct {
	Value string `json:"value"`
	Count int    `json:"count,omitempty"` // absent when facets_uncounted
}

// apiSearch is the body of GET /api/v1/search.
type apiSearch struct {
	Query  string                `json:"query"`
	Total  int                   `json:"total"`
	TookMS int64                 `json:"took_ms"`
	Page   int                   `json:"page"`
	Hits   []apiHit              `json:"hits"`
	Facets map[string][]apiFacet `json:"facets"`
	// FacetsUncounted: too many matches to count (search.FacetCountLimit);
	// facets list the values the index holds, without counts.
	FacetsUncounted bool `json:"facets_uncounted,omitempty"`
	// Partial: no document had every word; the hits have some of them.
	Partial bool `json:"partial,omitempty"`
	// NumberMissing: the document numbers written in the query (as typed)
	// that no document has; the hits are then near ones, not the document
	// asked for. Message says so in Vietnamese.
	NumberMissing []string `json:"number_missing,omitempty"`
	// SearchedAs: the query as searched when Telex or VNI left-overs were
	// decoded ("tooij phamj" → "tội phạm").
	SearchedAs string `json:"searched_as,omitempty"`
	// Message: what a person should be told about these results
	// (Vietnamese): a number no document has, or how the query was read.
	Message string `json:"message,omitempty"`
}

// searchAPI answers GET /api/v1/search?q=&type=&issuer=&year=&in_force=&page=&per_page=
// with {query, total, took_ms, page, hits: [{slug, type, number, title, url,
// heading, snippet_html, in_force}], facets: {type|issuer|year|in_force: [{value, count}]},
// facets_uncounted, partial, number_missing, searched_as, message}: count absent and facets_uncounted true above
// search.FacetCountLimit matches; partial true when no document had every
// word and the hits have some of them.
// A hit's url carries the matched section's anchor.
func (s *Server) searchAPI(c *fiber.Ctx) error {
	p, err := parseSearchParams(c)
	if err != nil {
		return err
	}
	out := apiSearch{Query: p.Q, Page: p.Page, Hits: []apiHit{}, Facets: map[string][]apiFacet{}}
	if s.Index == nil {
		return &Problem{Status: fiber.StatusServiceUnavailable, Message: msgSearchDown}
	}
	res, err := s.runSearch(c, &p)
	if err != nil {
		s.log.Error("search failed", "err", err)
		return &Problem{Status: fiber.StatusServiceUnavailable, Message: msgSearchDown}
	}
	out.Page, out.Partial = p.Page, res.Partial
	out.NumberMissing, out.SearchedAs = res.MissingNumbers, res.SearchedAs
	out.Message = strings.TrimSpace(numberMissingMessage(res) + " " + searchedAsMessage(p.Q, res))
	out.Total, out.TookMS, out.FacetsUncounted = res.Total, res.Took.Milliseconds(), res.FacetsUncounted
	labelSections(res.Hits)
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, apiHit{Slug: h.Slug, Type: h.Type, Number: h.Number, Title: h.Title,
			URL: hitURL(h), Heading: h.Heading, SnippetHTML: h.SnippetHTML, InForce: h.InForce})
	}
	for k, vs := range res.Facets {
		for _, v := range vs {
			out.Facets[k] = append(out.Facets[k], apiFacet{Value: v.Value, Count: v.Count})
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

// labelSections names the matched section of hits that have an anchor but
// no heading (numbered items of a plan are often a paragraph without a
// title): "muc-ii-6" → "Mục II.6", "muc-iii-13-2" → "Mục III.13", the way
// the articles cite them.
func labelSections(hits []search.Hit) {
	for i := range hits {
		if hits[i].Heading != "" || !strings.HasPrefix(hits[i].Anchor, "muc-") {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(hits[i].Anchor, "muc-"), "-")
		label := "Mục " + strings.ToUpper(parts[0])
		if len(parts) > 1 {
			label += "." + parts[1]
		}
		hits[i].Heading = label
	}
}

// hitURL is the link of a hit: the page, plus the matched section's anchor.
func hitURL(h search.Hit) string {
	if h.Anchor == "" {
		return h.URL
	}
	return h.URL + "#" + url.PathEscape(h.Anchor)
}

// noVoicePaths are the informant pages, where the voice-search button is
// not shown: in Chrome the Web Speech API sends the audio to Google, and a
// person reporting drug crime must not be recorded by a third party.
var noVoicePaths = []string{"/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"}

// voiceSearchAllowed reports whether the page at path may show the voice
// search button (template function voiceSearch).
func voiceSearchAllowed(path string) bool {
	for _, p := range noVoicePaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return false
		}
	}
	return true
}
