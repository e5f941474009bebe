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
	if got := meiliQuote(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("meiliQuote %q", got)
	}
	if got := numberFilter(Parse("quyết định 424")); got != `(type_fold = "quyet dinh" AND number_num = "424")` {
		t.Errorf("numberFilter %q", got)
	}
	if got := numberFilter(Parse("424/QĐ-TTg")); !strings.HasPrefix(got, `number_key = "424-qd-ttg"`) {
		t.Errorf("numberFilter %q", got)
	}
	if got := meiliFilters(Query{Type: "Quyết định", Year: 2017}); strings.Join(got, " AND ") != `type = "Quyết định" AND year = "2017"` {
		t.Errorf("filters %v", got)
	}
}
