package search

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// openMemBleve returns a Bleve index holding docs, on disk in a test
// directory: the on-disk engine (scorch) is the one the portal runs, and the
// one whose postings the top-k evaluation reads (the in-memory engine lacks
// them and is searched by Bleve's searchers alone).
func openMemBleve(t *testing.T, docs ...Doc) *Bleve {
	t.Helper()
	b, err := OpenBleve(t.TempDir() + "/bleve")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if err := b.Put(context.Background(), docs...); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBleveTyposOnlyForUnknownWords: a word the index holds is searched as
// typed, even when few documents have it; only a word found nowhere in the
// dictionary forgives one typo, and then only that word does.
func TestBleveTyposOnlyForUnknownWords(t *testing.T) {
	b := openMemBleve(t,
		Doc{Slug: "a", Title: "Điều trị thay thế bằng Methadone", Type: "Bài viết"},
		Doc{Slug: "b", Title: "Methadona trong nghiên cứu dược học", Type: "Bài viết"},
		Doc{Slug: "c", Title: "Phòng chống tác hại", Type: "Bài viết"},
	)
	ctx := context.Background()
	cases := []struct {
		q       string
		want    []string
		partial bool // no document has every word: some of them
	}{
		{"methadone", []string{"a"}, false},            // known word: no near words
		{"methadonx", []string{"a", "b"}, false},       // unknown: both one edit away
		{"methadone nghiên", []string{"a", "b"}, true}, // known words only, nothing has both
		{"methadonx nghien", []string{"b"}, false},     // the typo forgiven, the other word as typed
		{"phong chongg", []string{"c"}, false},         // a short word as typed, a long one forgiven
		{"tacc hai", []string{"c"}, true},              // a short word is never fuzzy
		{"xyzzy plugh", nil, false},                    // nothing at all
	}
	for _, c := range cases {
		r, err := b.Search(ctx, Query{Text: c.q})
		if err != nil {
			t.Fatal(err)
		}
		if got := slugs(r); !sameSet(got, c.want) || r.Partial != c.partial {
			t.Errorf("%q: got %v partial %v, want %v partial %v", c.q, got, r.Partial, c.want, c.partial)
		}
	}
}

// TestBleveFacetsUncountedAboveLimit: up to the limit the facets are counted
// over every match; above it they list the index's values uncounted and
// say so, and the filters still narrow the results.
func TestBleveFacetsUncountedAboveLimit(t *testing.T) {
	b := openMemBleve(t,
		Doc{Slug: "k1", Title: "Kế hoạch phòng chống ma túy", Type: "Kế hoạch", Year: 2017, Issuer: "Ủy ban nhân dân tỉnh"},
		Doc{Slug: "k2", Title: "Kế hoạch tuyên truyền ma túy", Type: "Kế hoạch", Year: 2018, Issuer: "Ủy ban nhân dân tỉnh"},
		Doc{Slug: "q1", Title: "Quyết định về ma túy", Type: "Quyết định", Year: 2017, Issuer: "Thủ tướng Chính phủ"},
		Doc{Slug: "x", Title: "Hội nghị khác", Type: "Thông báo", Year: 2010, Issuer: "Bộ Công an"},
	)
	b.facetLimit = 3
	ctx := context.Background()
	r, err := b.Search(ctx, Query{Text: "ma tuy"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 3 || r.FacetsUncounted {
		t.Fatalf("3 matches at limit 3: total %d, uncounted %v", r.Total, r.FacetsUncounted)
	}
	if facetCount(r, "type", "Kế hoạch") != 2 || facetCount(r, "year", "2017") != 2 || facetCount(r, "issuer", "Thủ tướng Chính phủ") != 1 {
		t.Errorf("counted facets: %v", r.Facets)
	}
	if len(r.Facets["type"]) != 2 {
		t.Errorf("counted facets list only matching values: %v", r.Facets["type"])
	}
	b.facetLimit = 2
	b.results.invalidate() // the setting changes the result of the same query
	r, err = b.Search(ctx, Query{Text: "ma tuy"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Total != 3 || !r.FacetsUncounted || len(r.Hits) != 3 {
		t.Fatalf("3 matches at limit 2: total %d, hits %d, uncounted %v", r.Total, len(r.Hits), r.FacetsUncounted)
	}
	want := map[string][]string{
		"type":   {"Kế hoạch", "Quyết định", "Thông báo"},
		"year":   {"2018", "2017", "2010"},
		"issuer": {"Bộ Công an", "Thủ tướng Chính phủ", "Ủy ban nhân dân tỉnh"},
	}
	for name, values := range want {
		var got []string
		for _, v := range r.Facets[name] {
			if v.Count != 0 {
				t.Errorf("uncounted %s %q has count %d", name, v.Value, v.Count)
			}
			got = append(got, v.Value)
		}
		if len(got) != len(values) {
			t.Errorf("uncounted %s: %v, want %v", name, got, values)
			continue
		}
		for i := range got {
			if got[i] != values[i] {
				t.Errorf("uncounted %s: %v, want %v", name, got, values)
				break
			}
		}
	}
	r, err = b.Search(ctx, Query{Text: "ma tuy", Type: "Kế hoạch"})
	if err != nil {
		t.Fatal(err)
	}
	if got := slugs(r); !sameSet(got, []string{"k1", "k2"}) {
		t.Errorf("filter above the limit: %v", got)
	}
}

// TestNumberPrefixes: the shorter keys indexed for a number, which a query
// naming only its start ("25/CT") matches.
func TestNumberPrefixes(t *testing.T) {
	cases := map[string][]string{
		"25-ct-ttg":       {"25-ct"},
		"245-kh-ubqg-bca": {"245-kh", "245-kh-ubqg"},
		"94-2010-nd-cp":   {"94-2010", "94-2010-nd"}, // with its year: "94/2010" (issue 15 point 7)
		"95-kl-tw":        {"95-kl"},
		"12-kh":           nil,
		"":                nil,
	}
	for key, want := range cases {
		if got := numberPrefixes(key); !slices.Equal(got, want) {
			t.Errorf("numberPrefixes(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestSynonymList: the shipped list parses, and a query word that is a
// member becomes a group whose alternatives are the other members.
func TestSynonymList(t *testing.T) {
	l := loadSynonyms()
	if len(l.classes) < 5 {
		t.Fatalf("synonym classes: %d", len(l.classes))
	}
	p := Parse("điều trị metadon")
	if len(p.Terms) != 2 || len(p.Synonyms) != 1 {
		t.Fatalf("Parse: %+v", p)
	}
	var alts []string
	for _, a := range p.Synonyms[0].Alts {
		alts = append(alts, foldsText(a))
	}
	if alts[0] != "metadon" || !slices.Contains(alts, "methadone") || !slices.Contains(alts, "me ta don") {
		t.Errorf("alternatives %v", alts)
	}
	// Longest member first; parts of numbers are never synonyms.
	if p := Parse("ma túy đá"); len(p.Synonyms) != 1 || len(p.Synonyms[0].Alts[0]) != 3 || len(p.Terms) != 0 {
		t.Errorf("ma túy đá: %+v", p)
	}
	if m := meiliSynonyms(); !slices.Contains(m["metadon"], "methadone") || !slices.Contains(m["methadone"], "me ta don") {
		t.Errorf("meilisearch synonyms: %v", m)
	}
}

// FuzzBleveSearch: any query text and filter gives an answer, never an
// error or a panic, with hits within the page and a consistent total.
func FuzzBleveSearch(f *testing.F) {
	for _, s := range []string{"cai nghiện", "25/CT", "metadon xyzzy", `"giảm tác hại" ma`, "methadonx nghien",
		"\xff", "ma túy đá", `title:x +y -z ^2 \"`, "quyết định số 424", strings.Repeat("ma ", 40)} {
		f.Add(s, "")
		f.Add(s, "Bài viết")
	}
	b, err := OpenBleve(f.TempDir() + "/bleve")
	if err != nil {
		f.Fatal(err)
	}
	defer b.Close()
	if err := b.Put(context.Background(), append(fixtures(), catalogue()...)...); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, typ string) {
		r, err := b.Search(context.Background(), Query{Text: text, Type: typ, PerPage: 5})
		if err != nil {
			t.Fatalf("Search(%q, %q): %v", text, typ, err)
		}
		if len(r.Hits) > 5 || len(r.Hits) > r.Total {
			t.Fatalf("Search(%q): %d hits, total %d", text, len(r.Hits), r.Total)
		}
		if r.Partial && r.Total == 0 {
			t.Fatalf("partial without results")
		}
	})
}
