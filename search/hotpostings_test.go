package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	index "github.com/blevesearch/bleve_index_api"
)

// reader returns b's current snapshot, closed at the end of the test.
func reader(t *testing.T, b *Bleve) index.IndexReader {
	t.Helper()
	ix, err := b.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ix.Reader()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// Every decoded list holds what Bleve's reader gives, posting for
// posting; seeking lands where the reader's Advance lands; a list's bound
// is the largest score of a clause over its postings.
func TestHotListsMatchReader(t *testing.T) {
	b := openMemBleve(t, corpus(t)...)
	b.endWarm()
	ctx := context.Background()
	r := reader(t, b)
	c := &hotCache{minCount: 1}
	if err := c.warm(ctx, r); err != nil {
		t.Fatal(err)
	}
	perField := map[string]int{}
	for k := range c.lists {
		perField[k.field]++
	}
	for _, f := range hotFields {
		if perField[f] < 5 {
			t.Errorf("field %s: %d lists decoded, want its dictionary's", f, perField[f])
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make(index.IndexInternalID, 8)
	checked := 0
	for k, l := range c.lists {
		tfr, err := r.TermFieldReader(ctx, []byte(k.term), k.field, true, true, false)
		if err != nil {
			t.Fatal(err)
		}
		var d index.TermFieldDoc
		i := 0
		for {
			next, err := tfr.Next(&d)
			if err != nil {
				t.Fatal(err)
			}
			if next == nil {
				break
			}
			if i >= len(l.docs) {
				t.Fatalf("%v: more postings than decoded", k)
			}
			if freq, norm := l.at(i); uint64(l.docs[i]) != docNum(next.ID) || freq != next.Freq || norm != next.Norm {
				t.Fatalf("%v posting %d: decoded differs from the reader's (doc %d freq %d norm %v)", k, i, docNum(next.ID), next.Freq, next.Norm)
			}
			i++
		}
		if i != len(l.docs) {
			t.Fatalf("%v: %d postings decoded, the reader has %d", k, len(l.docs), i)
		}
		if !slices.Equal(l.bm.ToArray(), l.docs) {
			t.Fatalf("%v: the bitmap holds %d documents, the list %d", k, l.bm.GetCardinality(), len(l.docs))
		}
		// Seek from a random position to a random document, against a
		// fresh reader's Advance.
		last := uint64(l.docs[len(l.docs)-1])
		for range 5 {
			from := rng.IntN(len(l.docs))
			n := uint64(l.docs[from]) + uint64(rng.IntN(int(last-uint64(l.docs[from])+2)))
			at, err := r.TermFieldReader(ctx, []byte(k.term), k.field, false, false, false)
			if err != nil {
				t.Fatal(err)
			}
			adv, err := at.Advance(index.NewIndexInternalID(buf, n), &d)
			if err != nil {
				t.Fatal(err)
			}
			want := uint64(math.MaxUint64)
			if adv != nil {
				want = docNum(adv.ID)
			}
			got := uint64(math.MaxUint64)
			if p := l.seek(from, n); p < len(l.docs) {
				got = uint64(l.docs[p])
			}
			if got != want {
				t.Fatalf("%v: seek(%d, %d) lands on %d, Advance on %d", k, from, n, got, want)
			}
			_ = at.Close()
		}
		_ = tfr.Close()
		leaf := &topkLeaf{idf: 1.7, avg: 40, qw: 0.3}
		best := 0.0
		for i := range l.docs {
			best = max(best, leaf.scoreOf(l.at(i)))
		}
		if got := l.bound(leaf); got != best {
			t.Fatalf("%v: bound %v, largest score %v", k, got, best)
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("%d lists checked", checked)
	}
}

// After a Put the decoded lists of the old snapshot are dropped: the next
// search reads the new document, and its page is Bleve's.
func TestHotListsFollowTheSnapshot(t *testing.T) {
	docs := corpus(t)
	b := openMemBleve(t, docs...)
	b.endWarm()
	b.hot = &hotCache{minCount: 1}
	b.SetResultCache(0)
	ctx := context.Background()
	q := Query{Text: "phòng chống ma túy"}
	before, err := b.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.hot.lists) == 0 {
		t.Fatal("no list decoded")
	}
	old := b.hot.snap
	added := Doc{Slug: "zz-hot-new", Type: "Bài viết", Year: 2024, URL: "/bai-viet/zz-hot-new",
		Title:    "Phòng chống ma túy phòng chống ma túy",
		Sections: []Section{{Heading: "Phòng chống ma túy", Text: "Phòng chống ma túy trong trường học."}}}
	if err := b.Put(ctx, added); err != nil {
		t.Fatal(err)
	}
	served := b.topkServed.Load()
	got, err := b.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if b.topkServed.Load() == served {
		t.Fatal("the top-k evaluation did not answer")
	}
	if b.hot.snap == old {
		t.Error("the cache still holds the old snapshot's lists")
	}
	if got.Total != before.Total+1 || len(got.Hits) == 0 || got.Hits[0].Slug != added.Slug {
		t.Fatalf("after the Put: total %d (before %d), first %v; want the new document first", got.Total, before.Total, hitsDesc(got))
	}
	b.topk = false
	want, err := b.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want.Took, got.Took = 0, 0
	if hitsDesc(got)[0] != hitsDesc(want)[0] || got.Total != want.Total {
		t.Errorf("top-k %v, Bleve %v", hitsDesc(got), hitsDesc(want))
	}
}

// The facet table counts what Bleve's doc values count, for every
// document and for a subset.
func TestHotFacetsMatchDocValues(t *testing.T) {
	docs := append(corpus(t), fixtures15()...)
	b := openMemBleve(t, docs...)
	b.endWarm()
	ctx := context.Background()
	r := reader(t, b)
	n, err := r.DocCount()
	if err != nil {
		t.Fatal(err)
	}
	var all, some []uint64
	for d := range n {
		all = append(all, d)
		if d%3 == 1 {
			some = append(some, d)
		}
	}
	c := &hotCache{minCount: hotMinCount}
	for _, ds := range [][]uint64{all, some} {
		want, err := countFacets(ctx, r, nil, ds)
		if err != nil {
			t.Fatal(err)
		}
		got, err := countFacets(ctx, r, c, ds)
		if err != nil {
			t.Fatal(err)
		}
		if c.facetTab == nil {
			t.Fatal("no facet table read")
		}
		if len(want["type"]) < 3 || !reflect.DeepEqual(got, want) {
			t.Errorf("%d documents: table %v, doc values %v", len(ds), got, want)
		}
	}
}

// Searches running while documents are put meet new snapshots: the cache
// is renewed under them without a wrong answer (and, under -race, without
// a race), and at the end the page is Bleve's.
func TestHotListsUnderConcurrentPuts(t *testing.T) {
	docs := corpus(t)
	b := openMemBleve(t, docs...)
	b.endWarm()
	b.hot = &hotCache{minCount: 1}
	b.SetResultCache(0)
	ctx := context.Background()
	qs := []Query{{Text: "phòng chống ma túy"}, {Text: "cai nghien"}, {Text: `"ma túy"`}, {Text: "chỉ thị 25/CT-TTg"}}
	done := make(chan struct{})
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				r, err := b.Search(ctx, qs[(g+i)%len(qs)])
				if err != nil {
					errs <- err
					return
				}
				if r.Total == 0 {
					errs <- fmt.Errorf("%q: no match", qs[(g+i)%len(qs)].Text)
					return
				}
			}
		}()
	}
	for i := range 20 {
		d := Doc{Slug: fmt.Sprintf("zz-conc-%d", i), Type: "Bài viết", Year: 2024, URL: fmt.Sprintf("/bai-viet/zz-conc-%d", i),
			Title:    fmt.Sprintf("Phòng chống ma túy, bài %d", i),
			Sections: []Section{{Heading: "Cai nghiện", Text: "Cai nghiện ma túy tại gia đình và cộng đồng."}}}
		if err := b.Put(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b.hot.snaps < 2 {
		t.Errorf("the cache held %d snapshots, want it renewed", b.hot.snaps)
	}
	for _, q := range qs {
		b.topk = true
		got, err := b.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b.topk = false
		want, err := b.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != want.Total || !slices.Equal(hitsDesc(got), hitsDesc(want)) {
			t.Errorf("%q: top-k %d %v, Bleve %d %v", q.Text, got.Total, hitsDesc(got), want.Total, hitsDesc(want))
		}
	}
}
