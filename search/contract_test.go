package search

import (
	"bufio"
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// engine is one Index implementation the contract suite runs against.
type engine struct {
	name string
	open func(t testing.TB) Index
}

// engines returns Bleve always, and Meilisearch when MEILI_URL is set
// (MEILI_API_KEY optional). Each test gets its own index.
func engines() []engine {
	es := []engine{{"bleve", func(t testing.TB) Index {
		b, err := OpenBleve(t.TempDir() + "/bleve")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}}}
	if url := os.Getenv("MEILI_URL"); url != "" {
		es = append(es, engine{"meili", func(t testing.TB) Index {
			name := "portal_test_" + randomSuffix()
			m, err := OpenMeili(url, os.Getenv("MEILI_API_KEY"), name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = m.Drop(context.Background())
				m.Close()
			})
			return m
		}})
	}
	return es
}

// loaded opens each engine filled with the test corpus.
func forEachLoaded(t *testing.T, f func(t *testing.T, idx Index)) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			idx := e.open(t)
			if _, err := Sync(context.Background(), idx, corpus(t)); err != nil {
				t.Fatal(err)
			}
			f(t, idx)
		})
	}
}

func slugs(r Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Slug)
	}
	return out
}

func search(t *testing.T, idx Index, q Query) Result {
	t.Helper()
	if q.PerPage == 0 {
		q.PerPage = MaxPerPage
	}
	r, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

type relCase struct {
	line  int
	mode  string
	query string
	slugs []string
}

func readRelevance(t *testing.T) []relCase { return readRelevanceFile(t, "testdata/relevance.txt") }

// readRelevanceFile reads the relevance cases of the file at path.
func readRelevanceFile(t *testing.T, path string) []relCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []relCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		ln := sc.Text()
		if strings.TrimSpace(ln) == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		parts := strings.Split(ln, "\t")
		if len(parts) < 2 {
			t.Fatalf("relevance.txt:%d: want mode<TAB>query<TAB>slugs", n)
		}
		c := relCase{line: n, mode: parts[0], query: parts[1]}
		if len(parts) > 2 && parts[2] != "" {
			c.slugs = strings.Split(parts[2], ",")
		}
		out = append(out, c)
	}
	return out
}

// TestRelevance runs testdata/relevance.txt against every engine.
func TestRelevance(t *testing.T) {
	cases := readRelevance(t)
	forEachLoaded(t, func(t *testing.T, idx Index) { runRelevance(t, idx, cases) })
}

// runRelevance checks each case against idx.
func runRelevance(t *testing.T, idx Index, cases []relCase) {
	t.Helper()
	{
		for _, c := range cases {
			got := slugs(search(t, idx, Query{Text: c.query}))
			fail := func(why string) {
				t.Errorf("relevance.txt:%d %s %q: %s\n want %v\n got  %v", c.line, c.mode, c.query, why, c.slugs, got)
			}
			switch c.mode {
			case "first":
				if len(got) < len(c.slugs) || !slices.Equal(got[:len(c.slugs)], c.slugs) {
					fail("results do not begin with")
				}
			case "exact":
				if !slices.Equal(got, c.slugs) {
					fail("results differ")
				}
			case "has":
				for _, s := range c.slugs {
					if !slices.Contains(got, s) {
						fail("missing " + s)
					}
				}
			case "order":
				last := -1
				for _, s := range c.slugs {
					i := slices.Index(got, s)
					if i < 0 || i < last {
						fail("out of order or missing " + s)
						break
					}
					last = i
				}
			case "lacks":
				for _, s := range c.slugs {
					if slices.Contains(got, s) {
						fail("unexpected " + s)
					}
				}
			case "none":
				if len(got) != 0 {
					fail("want no result")
				}
			default:
				t.Fatalf("relevance.txt:%d: unknown mode %q", c.line, c.mode)
			}
		}
	}
}

// TestEquivalentQueries: spellings people use for the same thing return the
// same documents in the same order.
func TestEquivalentQueries(t *testing.T) {
	groups := [][]string{
		{"hoà nhập", "hòa nhập", "HOÀ NHẬP", "ho\u0300a nhâ\u0323p"},
		{"ma tuý", "ma túy", "MA TÚY", "ma tu\u0301y"},
		{"thuỷ", "thủy"},
		{"424/QĐ-TTg", "424/QD-TTg", "424/qđ-ttg", "424 / QĐ - TTg"},
		{"cai nghiện", "CAI NGHIỆN", "cai nghiện"},
		{"đổi mới", "Đổi mới", "ĐỔI MỚI"},
	}
	// Typed without accents, the same documents come back (exact-accent
	// matches may rank differently).
	sets := [][]string{
		{"cai nghiện", "cai nghien"},
		{"đổi mới", "doi moi"},
		{"hòa nhập", "hoa nhap"},
		{"điều trị thay thế", "dieu tri thay the"},
	}
	forEachLoaded(t, func(t *testing.T, idx Index) {
		for _, g := range groups {
			want := slugs(search(t, idx, Query{Text: g[0]}))
			if len(want) == 0 && g[0] != "thuỷ" {
				t.Errorf("%q: no results", g[0])
			}
			for _, q := range g[1:] {
				if got := slugs(search(t, idx, Query{Text: q})); !slices.Equal(got, want) {
					t.Errorf("%q gave %v, %q gave %v", g[0], want, q, got)
				}
			}
		}
		for _, g := range sets {
			want := slugs(search(t, idx, Query{Text: g[0]}))
			if len(want) == 0 {
				t.Errorf("%q: no results", g[0])
			}
			for _, q := range g[1:] {
				if got := slugs(search(t, idx, Query{Text: q})); !sameSet(got, want) {
					t.Errorf("%q gave %v, %q gave %v", g[0], want, q, got)
				}
			}
		}
	})
}

// TestSectionHits: a hit names the section that matched, with its anchor,
// and marks the matched words in an escaped snippet.
func TestSectionHits(t *testing.T) {
	forEachLoaded(t, func(t *testing.T, idx Index) {
		cases := []struct {
			q, slug, anchor, mark string
		}{
			{"Metadone", "53-kh-ubnd-2017", "muc-ii-6", "<mark>Methadone</mark>"},
			{"bộ đội biên phòng", "53-kh-ubnd-2017", "muc-iii-4", "<mark>Bộ</mark>"},
			{"hoa nhap", "fx-hoa-nhap", "p1", "<mark>hoà</mark> <mark>nhập</mark>"},
			{"thanh thieu nien", "53-kh-ubnd-2017", "muc-iii-6", "<mark>thanh</mark> <mark>thiếu</mark> <mark>niên</mark>"},
			{"424/QD-TTg", "424-qd-ttg-2017", "", "<mark>424/QĐ-TTg</mark>"},
		}
		for _, c := range cases {
			r := search(t, idx, Query{Text: c.q})
			var h *Hit
			for i := range r.Hits {
				if r.Hits[i].Slug == c.slug {
					h = &r.Hits[i]
				}
			}
			if h == nil {
				t.Errorf("%q: %s not found in %v", c.q, c.slug, slugs(r))
				continue
			}
			if h.Anchor != c.anchor {
				t.Errorf("%q: anchor %q, want %q (snippet %s)", c.q, h.Anchor, c.anchor, h.SnippetHTML)
			}
			if !strings.Contains(h.SnippetHTML, c.mark) {
				t.Errorf("%q: snippet %q lacks %q", c.q, h.SnippetHTML, c.mark)
			}
		}
		r := search(t, idx, Query{Text: "script lừa đảo"})
		if len(r.Hits) == 0 || r.Hits[0].Slug != "fx-html" {
			t.Fatalf("script query: %v", slugs(r))
		}
		if s := r.Hits[0].SnippetHTML; strings.Contains(s, "<script>") || strings.Contains(s, "<b>") {
			t.Errorf("snippet not escaped: %s", s)
		}
		r = search(t, idx, Query{Text: "liên kết"})
		if len(r.Hits) == 0 || !strings.Contains(r.Hits[0].SnippetHTML, "&lt;b&gt;<mark>liên</mark> <mark>kết</mark>&lt;/b&gt; &amp;") {
			t.Errorf("liên kết snippet: %+v", r.Hits)
		}
	})
}

// TestFiltersFacetsPaging checks filters, facet counts over all matches and
// paging.
func TestFiltersFacetsPaging(t *testing.T) {
	forEachLoaded(t, func(t *testing.T, idx Index) {
		all := search(t, idx, Query{Text: "ma tuy"})
		if all.Total < 10 || all.Total != len(all.Hits) {
			t.Fatalf("ma tuy: total %d, hits %d", all.Total, len(all.Hits))
		}
		var qd, y2017 int
		for _, h := range all.Hits {
			if h.Type == "Quyết định" {
				qd++
			}
			if h.Year == 2017 {
				y2017++
			}
		}
		if got := facetCount(all, "type", "Quyết định"); got != qd || qd != 2 {
			t.Errorf("type facet Quyết định = %d, hits %d, want 2", got, qd)
		}
		if got := facetCount(all, "year", "2017"); got != y2017 {
			t.Errorf("year facet 2017 = %d, hits %d", got, y2017)
		}
		if got := facetCount(all, "issuer", "Thủ tướng Chính phủ"); got != 3 {
			t.Errorf("issuer facet = %d, want 3 (%v)", got, all.Facets["issuer"])
		}
		r := search(t, idx, Query{Text: "ma tuy", Type: "Quyết định"})
		if got := slugs(r); !sameSet(got, []string{"424-qd-ttg-2017", "2596-qd-ttg-2013"}) || r.Total != 2 {
			t.Errorf("type filter: %v total %d", got, r.Total)
		}
		if got := facetCount(r, "type", "Quyết định"); got != 2 {
			t.Errorf("facets under filter: %v", r.Facets)
		}
		r = search(t, idx, Query{Text: "ma tuy", Year: 2014})
		if got := slugs(r); !sameSet(got, []string{"95-kl-tw-2014", "98-nq-cp-2014"}) {
			t.Errorf("year filter: %v", got)
		}
		r = search(t, idx, Query{Text: "ma tuy", Issuer: "Chính phủ"})
		if got := slugs(r); !sameSet(got, []string{"98-nq-cp-2014"}) {
			t.Errorf("issuer filter: %v", got)
		}
		r = search(t, idx, Query{Type: "Nghị quyết"})
		if got := slugs(r); !sameSet(got, []string{"98-nq-cp-2014", "30-nq-cp-2017"}) {
			t.Errorf("filter without words: %v", got)
		}
		if r := search(t, idx, Query{}); r.Total != 0 || len(r.Hits) != 0 {
			t.Errorf("empty query: %+v", r)
		}
		// Paging walks the same order without repeats.
		var paged []string
		for page := 1; ; page++ {
			r := search(t, idx, Query{Text: "ma tuy", Page: page, PerPage: 3})
			if r.Total != all.Total {
				t.Fatalf("page %d total %d, want %d", page, r.Total, all.Total)
			}
			if len(r.Hits) == 0 {
				break
			}
			if len(r.Hits) > 3 {
				t.Fatalf("page %d has %d hits", page, len(r.Hits))
			}
			paged = append(paged, slugs(r)...)
		}
		if !slices.Equal(paged, slugs(all)) {
			t.Errorf("paged %v\nwhole %v", paged, slugs(all))
		}
		if r := search(t, idx, Query{Text: "ma tuy", PerPage: 1000}); len(r.Hits) > MaxPerPage {
			t.Errorf("per page not capped: %d", len(r.Hits))
		}
	})
}

func facetCount(r Result, facet, value string) int {
	for _, v := range r.Facets[facet] {
		if v.Value == value {
			return v.Count
		}
	}
	return 0
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestPutDeleteSync: put replaces by slug, delete removes, Sync removes
// stale documents and skips unchanged ones; hostile query text is harmless.
func TestPutDeleteSync(t *testing.T) {
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			idx := e.open(t)
			if err := idx.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			docs := catalogue()
			st, err := Sync(ctx, idx, docs)
			if err != nil || st.Put != len(docs) {
				t.Fatalf("first sync %+v %v", st, err)
			}
			st, err = Sync(ctx, idx, docs)
			if err != nil || st.Put != 0 || st.Unchanged != len(docs) {
				t.Fatalf("second sync %+v %v", st, err)
			}
			changed := slices.Clone(docs[:len(docs)-1])
			changed[0].Title = "Tiêu đề mới về phòng chống thuốc lá"
			st, err = Sync(ctx, idx, changed)
			if err != nil || st.Put != 1 || st.Deleted != 1 {
				t.Fatalf("third sync %+v %v", st, err)
			}
			if got := slugs(search(t, idx, Query{Text: "thuoc la"})); !slices.Equal(got, []string{docs[0].Slug}) {
				t.Errorf("changed doc: %v", got)
			}
			if got := slugs(search(t, idx, Query{Text: "12/KH-UBND"})); slices.Contains(got, "12-kh-ubnd-2015") {
				t.Errorf("stale doc still found: %v", got)
			}
			if err := idx.Delete(ctx, docs[0].Slug, "no-such-slug"); err != nil {
				t.Fatal(err)
			}
			fp, err := idx.Fingerprints(ctx)
			if err != nil || len(fp) != len(docs)-2 {
				t.Fatalf("fingerprints %d %v", len(fp), err)
			}
			if err := idx.Put(ctx, Doc{Title: "no slug"}); err == nil {
				t.Error("put without slug: no error")
			}
			for _, q := range []string{`title:ma`, `+ma -tuy`, `ma^5`, `*`, `?`, `"`, `""`, `\`, `(ma OR tuy)`, "ma\x00tuy", "\xff\xfe", strings.Repeat("ma ", 500), strings.Repeat("a", 5000), `/`, `-`, `424/`} {
				if _, err := idx.Search(ctx, Query{Text: q}); err != nil {
					t.Errorf("query %q: %v", q, err)
				}
			}
		})
	}
}

// TestReopenKeepsIndex: the Bleve index persists on disk and a reopened
// index needs no re-indexing; a changed analysis version rebuilds it.
func TestReopenKeepsIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir() + "/bleve"
	b, err := OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(ctx, b, catalogue()); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Sync(ctx, b, catalogue())
	if err != nil || st.Put != 0 {
		t.Fatalf("reopen sync %+v %v", st, err)
	}
	if err := b.idx.SetInternal(internalVersionKey, []byte("old")); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	fp, _ := b.Fingerprints(ctx)
	if len(fp) != 0 {
		t.Fatalf("outdated index kept %d docs", len(fp))
	}
	if !reflect.DeepEqual(fp, map[string]string{}) {
		t.Fatal(fp)
	}
	b.Close()
	// A crash that left the directory without its metadata: rebuilt.
	if err := os.Remove(dir + "/index_meta.json"); err != nil {
		t.Fatal(err)
	}
	b, err = OpenBleve(dir)
	if err != nil {
		t.Fatalf("reopen without metadata: %v", err)
	}
	b.Close()
	// A file where the directory should be is an error, not a deletion.
	file := t.TempDir() + "/not-a-dir"
	if err := os.WriteFile(file, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenBleve(file); err == nil {
		t.Error("opening a plain file as an index: no error")
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != "keep me" {
		t.Errorf("the file was touched: %q %v", data, err)
	}
}
