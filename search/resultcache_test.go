package search

import (
	"context"
	"testing"
)

// TestBleveResultCacheFollowsChanges: a cached query is answered from
// memory only while the index is unchanged: a document put or deleted is
// in (or out of) the very next answer, and a caller editing its hits does
// not edit what the next caller gets.
func TestBleveResultCacheFollowsChanges(t *testing.T) {
	ctx := context.Background()
	b := openMemBleve(t, Doc{Slug: "a", Title: "Cai nghiện ma túy tại gia đình", Type: "Bài viết"})
	search := func() Result {
		t.Helper()
		r, err := b.Search(ctx, Query{Text: "cai nghien"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := search(); r.Total != 1 || r.Hits[0].Slug != "a" {
		t.Fatalf("first: %+v", r)
	}
	r := search()
	if r.Total != 1 {
		t.Fatalf("cached: %+v", r)
	}
	r.Hits[0].Heading = "edited by a caller"
	if r := search(); r.Hits[0].Heading != "" {
		t.Fatalf("a caller's edit reached the cache: %q", r.Hits[0].Heading)
	}
	if err := b.Put(ctx, Doc{Slug: "b", Title: "Cai nghiện tự nguyện", Type: "Bài viết"}); err != nil {
		t.Fatal(err)
	}
	if r := search(); r.Total != 2 {
		t.Fatalf("after Put: total %d, want 2", r.Total)
	}
	if err := b.Put(ctx, Doc{Slug: "a", Title: "Phòng ngừa tái nghiện", Type: "Bài viết"}); err != nil {
		t.Fatal(err)
	}
	if r := search(); r.Total != 1 || r.Hits[0].Slug != "b" {
		t.Fatalf("after changing a: %+v", r)
	}
	if err := b.Delete(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	// a has one of the words only: the partial fallback, without b.
	if r := search(); !r.Partial || r.Total != 1 || r.Hits[0].Slug != "a" {
		t.Fatalf("after Delete: %+v", r)
	}
}
