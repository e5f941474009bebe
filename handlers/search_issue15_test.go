package handlers

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// issue15JSON is the part of GET /api/v1/search that issue 15 adds.
type issue15JSON struct {
	Total int `json:"total"`
	Hits  []struct {
		Slug        string `json:"slug"`
		Number      string `json:"number"`
		Type        string `json:"type"`
		SnippetHTML string `json:"snippet_html"`
	} `json:"hits"`
	Partial       bool     `json:"partial"`
	NumberMissing []string `json:"number_missing"`
	SearchedAs    string   `json:"searched_as"`
	Message       string   `json:"message"`
}

func apiIssue15(t *testing.T, app *fiber.App, q string) issue15JSON {
	t.Helper()
	resp, body := get(t, app, "/api/v1/search?q="+url.QueryEscape(q))
	if resp.StatusCode != 200 {
		t.Fatalf("%q: status %d %s", q, resp.StatusCode, body)
	}
	var out issue15JSON
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	return out
}

// TestSearchIssue15 runs the search points of issue 15 over HTTP on the
// shipped corpus: a number with its year and no code (7), a law's whole
// name first (8), a number no document has (9), Telex and VNI left-overs
// (10).
func TestSearchIssue15(t *testing.T) {
	app := newSearchApp(t)
	first := func(q string, want ...string) issue15JSON {
		t.Helper()
		r := apiIssue15(t, app, q)
		var got []string
		for _, h := range r.Hits {
			got = append(got, h.Slug)
		}
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("%q: results begin with %v, want %v", q, got, want)
		}
		return r
	}
	// 7. Number with year.
	first("116/2021", "116-2021-nd-cp")
	first("Nghị định 116/2021", "116-2021-nd-cp")
	first("73/2021", "73-2021-qh14")
	// 8. The whole name of a law: the two laws of that name, before the
	// texts that cite it.
	r := apiIssue15(t, app, "Luật Phòng, chống ma túy")
	if len(r.Hits) < 2 || r.Hits[0].Type != "Luật" || r.Hits[1].Type != "Luật" {
		t.Errorf("Luật Phòng, chống ma túy: %+v", r.Hits)
	}
	// 9. A well-formed number no document has.
	r = apiIssue15(t, app, "9876/QĐ-TTg")
	if !slices.Equal(r.NumberMissing, []string{"9876/QĐ-TTg"}) || !strings.HasPrefix(r.Message, "Không có văn bản nào mang số hiệu 9876/QĐ-TTg.") {
		t.Errorf("9876/QĐ-TTg: number_missing %v, message %q", r.NumberMissing, r.Message)
	}
	if len(r.Hits) == 0 || !strings.HasSuffix(r.Hits[0].Number, "/QĐ-TTg") {
		t.Errorf("9876/QĐ-TTg: near ones %+v", r.Hits)
	}
	if r := apiIssue15(t, app, "424/QĐ-TTg"); len(r.NumberMissing) != 0 || r.Message != "" {
		t.Errorf("424/QĐ-TTg exists: %+v", r)
	}
	// 10. Telex and VNI left-overs.
	for _, q := range []string{"tooij phamj", "to65i pha5m", "toi65 pham5"} {
		r := apiIssue15(t, app, q)
		if r.SearchedAs != "tội phạm" || r.Total == 0 || !strings.Contains(r.Hits[0].SnippetHTML, "<mark>tội phạm</mark>") && !strings.Contains(strings.ToLower(r.Hits[0].SnippetHTML), "<mark>tội</mark> <mark>phạm</mark>") {
			t.Errorf("%q: searched as %q, %d hits, first %+v", q, r.SearchedAs, r.Total, r.Hits)
		}
		if !strings.Contains(r.Message, "Đã tìm “tội phạm”") {
			t.Errorf("%q: message %q", q, r.Message)
		}
	}
	// The results page says the same, in Vietnamese.
	resp, body := get(t, app, "/tim-kiem?q="+url.QueryEscape("9876/QĐ-TTg"))
	if resp.StatusCode != 200 || !strings.Contains(body, "Không có văn bản nào mang số hiệu 9876/QĐ-TTg.") || strings.Contains(body, "chứa một phần các từ") {
		t.Errorf("results page lacks the missing-number answer")
	}
}
