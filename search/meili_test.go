package search

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// These check what the Meilisearch engine sends, without a server; the
// contract suite runs the engine itself when MEILI_URL is set.

func TestMeiliSettingsHaveNoNulls(t *testing.T) {
	b, err := json.Marshal(meiliSettings())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "null") {
		t.Errorf("settings hold a null Meilisearch refuses: %s", b)
	}
	for _, want := range []string{`"oneTypo":5`, `"filterableAttributes":["type","issuer","year"`, `"searchableAttributes":["title_x","title_f","all_x","all_f"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("settings lack %s: %s", want, b)
		}
	}
}

func TestMeiliDocAndQuery(t *testing.T) {
	d, _ := prepare(Doc{Slug: "chien-dich/thang-hanh-dong", Type: "Chiến dịch", Number: "", Title: "Tháng hành động phòng, chống ma tuý",
		Sections: []Section{{Anchor: "a", Text: "Theo Chỉ thị 25/CT-TTg."}}})
	md, err := meiliDoc(d)
	if err != nil {
		t.Fatal(err)
	}
	if id := md["id"].(string); !regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`).MatchString(id) {
		t.Errorf("id %q is not a valid Meilisearch id", id)
	}
	if md["title_x"] != "tháng hành động phòng chống ma túy" || md["title_f"] != "thang hanh dong phong chong ma tuy" {
		t.Errorf("title keys %q / %q", md["title_x"], md["title_f"])
	}
	if refs := md["refs"].([]string); len(refs) != 1 || refs[0] != "25-ct-ttg" {
		t.Errorf("refs %v", refs)
	}
	if got := meiliText(Parse(`cai nghiện "giảm tác hại" title:x`)); got != `cai nghien title x "giam tac hai"` {
		t.Errorf("meiliText %q", got)
	}
	// Meilisearch unescapes only \" inside quotes: a backslash cannot be
	// written, so a filter holding one matches nothing.
	if got, ok := meiliQuote(`Bộ "A"`); !ok || got != `"Bộ \"A\""` {
		t.Errorf("meiliQuote %q %v", got, ok)
	}
	if got, ok := meiliQuote(`a\b`); ok {
		t.Errorf("meiliQuote of a backslash: %q, want not expressible", got)
	}
	if _, ok := meiliFilters(Query{Issuer: `x\" OR type = "Luật`}); ok {
		t.Error("filter with a backslash accepted")
	}
	if got := numberFilter(Parse("quyết định 424")); got != `(type_fold = "quyet dinh" AND number_num = "424")` {
		t.Errorf("numberFilter %q", got)
	}
	if got := numberFilter(Parse("424/QĐ-TTg")); !strings.HasPrefix(got, `number_key = "424-qd-ttg"`) {
		t.Errorf("numberFilter %q", got)
	}
	if got, ok := meiliFilters(Query{Type: "Quyết định", Year: 2017}); !ok || strings.Join(got, " AND ") != `type = "Quyết định" AND year = "2017"` {
		t.Errorf("filters %v", got)
	}
	// Pages by page and hitsPerPage: Meilisearch then counts totalHits
	// exhaustively (offset and limit give only estimatedTotalHits).
	b, err := json.Marshal(meiliRequest(Parse("ma tuy"), nil, 3, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"page":3`, `"hitsPerPage":10`, `"matchingStrategy":"all"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("request lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), `"offset"`) || strings.Contains(string(b), `"filter"`) {
		t.Errorf("request has offset or an empty filter: %s", b)
	}
}
