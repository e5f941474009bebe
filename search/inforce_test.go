package search

import (
	"context"
	"testing"
)

// TestInForceFilter: every engine filters on the legal status and counts
// it as a facet; articles (no status) never match a status filter.
func TestInForceFilter(t *testing.T) {
	docs := []Doc{
		{Slug: "23-2000-qh10", Type: "Luật", Number: "23/2000/QH10", Year: 2000, Title: "Phòng, chống ma túy", InForce: "replaced", URL: "/van-ban/23-2000-qh10"},
		{Slug: "73-2021-qh14", Type: "Luật", Number: "73/2021/QH14", Year: 2021, Title: "Phòng, chống ma túy", InForce: "in_force", URL: "/van-ban/73-2021-qh14"},
		{Slug: "424-qd-ttg-2017", Type: "Quyết định", Number: "424/QĐ-TTg", Year: 2017, Title: "Chương trình phòng, chống ma túy đến năm 2020", InForce: "expired", URL: "/van-ban/424-qd-ttg-2017"},
		{Slug: "25-ct-ttg-2017", Type: "Chỉ thị", Number: "25/CT-TTg", Year: 2017, Title: "Tăng cường công tác phòng, chống và cai nghiện ma túy", InForce: "unknown", URL: "/van-ban/25-ct-ttg-2017"},
		{Slug: "bai-viet/cai-nghien", Type: "Bài viết", Year: 2026, Title: "Các hình thức cai nghiện ma túy", URL: "/bai-viet/cai-nghien"},
	}
	for _, e := range engines() {
		t.Run(e.name, func(t *testing.T) {
			idx := e.open(t)
			if err := idx.Put(context.Background(), docs...); err != nil {
				t.Fatal(err)
			}
			all := search(t, idx, Query{Text: "ma tuy"})
			if all.Total != 5 {
				t.Fatalf("ma tuy: %d hits %v", all.Total, slugs(all))
			}
			for status, n := range map[string]int{"replaced": 1, "in_force": 1, "expired": 1, "unknown": 1} {
				if got := facetCount(all, "in_force", status); got != n {
					t.Errorf("facet in_force=%s: %d, want %d (%v)", status, got, n, all.Facets["in_force"])
				}
			}
			for status, want := range map[string][]string{
				"in_force":       {"73-2021-qh14"},
				"replaced":       {"23-2000-qh10"},
				"expired":        {"424-qd-ttg-2017"},
				"unknown":        {"25-ct-ttg-2017"},
				"partly_expired": nil,
			} {
				r := search(t, idx, Query{Text: "ma tuy", InForce: status})
				if got := slugs(r); !sameSet(got, want) || r.Total != len(want) {
					t.Errorf("in_force=%s: %v (total %d), want %v", status, got, r.Total, want)
				}
			}
			// The filter alone, and with another filter.
			r := search(t, idx, Query{InForce: "in_force", Type: "Luật"})
			if got := slugs(r); !sameSet(got, []string{"73-2021-qh14"}) {
				t.Errorf("in_force + type without words: %v", got)
			}
			r = search(t, idx, Query{Text: "phong chong ma tuy", InForce: "replaced"})
			if len(r.Hits) != 1 || r.Hits[0].Slug != "23-2000-qh10" {
				t.Errorf("replaced law: %v", slugs(r))
			}
		})
	}
}
