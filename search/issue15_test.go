package search

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestRelevanceBleve runs testdata/relevance-bleve.txt (issue 15) against
// the Bleve engine.
func TestRelevanceBleve(t *testing.T) {
	cases := readRelevanceFile(t, "testdata/relevance-bleve.txt")
	b := openMemBleve(t)
	if _, err := Sync(context.Background(), b, append(corpus(t), fixtures15()...)); err != nil {
		t.Fatal(err)
	}
	runRelevance(t, b, cases)
}

// TestBleveMissingNumber: a well-formed number that no document has is
// said to be missing, and what is shown instead are near ones (partial);
// a number some document has, or only starts, is not missing.
func TestBleveMissingNumber(t *testing.T) {
	b := openMemBleve(t)
	if _, err := Sync(context.Background(), b, append(corpus(t), fixtures15()...)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := b.Search(ctx, Query{Text: "9876/QĐ-TTg"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.MissingNumbers, []string{"9876/QĐ-TTg"}) || !r.Partial || len(r.Hits) == 0 {
		t.Fatalf("9876/QĐ-TTg: missing %v partial %v hits %v", r.MissingNumbers, r.Partial, slugs(r))
	}
	// Near ones: texts numbered …/QĐ-TTg come first.
	for _, h := range r.Hits[:2] {
		if h.Number == "" || NumberKey(h.Number)[len(leadingDigits(NumberKey(h.Number))):] != "-qd-ttg" {
			t.Errorf("near ones begin with %v", slugs(r))
			break
		}
	}
	for _, q := range []string{"424/QĐ-TTg", "25/CT", "quyết định 424", "ma túy", "144/2021"} {
		r, err := b.Search(ctx, Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.MissingNumbers) != 0 || r.Total == 0 {
			t.Errorf("%q: missing %v, total %d", q, r.MissingNumbers, r.Total)
		}
	}
	r, err = b.Search(ctx, Query{Text: "tooij phamj"})
	if err != nil {
		t.Fatal(err)
	}
	if r.SearchedAs != "tội phạm" {
		t.Errorf("tooij phamj searched as %q", r.SearchedAs)
	}
	if r.Total == 0 || !containsMark(r.Hits[0].SnippetHTML, "tội phạm") {
		t.Errorf("tooij phamj: %d hits, first snippet %q", r.Total, r.Hits[0].SnippetHTML)
	}
}

func containsMark(snip, words string) bool {
	for _, t := range Tokens(words) {
		if !strings.Contains(snip, "<mark>"+words[t.Start:t.End]+"</mark>") {
			return false
		}
	}
	return true
}
