package search

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// This file keeps the long posting lists of the current index snapshot
// decoded in memory for the top-k evaluation (topk.go). At 50,000
// documents a query of two common words walks a dozen lists of 20,000 to
// 45,000 postings, twice for a pair (searchTogether's two tiers); through
// Bleve's reader every posting costs a chunk look-up and three varints
// (≈ 30 ns), which was most of a broad query's time. A decoded list is
// walked from arrays, and its largest possible clause score is known
// exactly (hotList.bound), which lets MaxScore set aside more clauses
// than the general BM25 bound does.
//
// The lists belong to one snapshot: Bleve's document numbers and
// statistics hold only within it. A snapshot is immutable; while the
// cache keeps a pointer to it, Go cannot reuse its address, so pointer
// equality says whether a reader is the snapshot the lists were read from.
// The cache is emptied at the first search on a new snapshot (after a Put,
// a Delete or one of Bleve's merges), which also starts filling it again
// in the background, longest lists first (Bleve.warmHot), as opening the
// index does: a query meets decoded lists from its first run, not after
// paying their decoding itself.

// Sizes of the decoded-postings cache.
const (
	// hotMinCount is the fewest postings a list must have to be decoded:
	// shorter lists cost little to walk through Bleve's reader.
	hotMinCount = 2048
	// hotBudget is the most memory, in bytes, the decoded lists of one
	// snapshot take (8 bytes per posting and a bitmap): about 12 million
	// postings. Lists met when it is spent are walked through Bleve's
	// reader.
	hotBudget = 96 << 20
)

// hotList is one term's postings in one field, decoded: document numbers
// in increasing order with their frequencies and norms, exactly as
// Bleve's TermFieldReader gives them. A norm is a float32 widened, as
// zapx stores it, and a field has few distinct lengths, so each posting
// holds the index of its norm in the list's table of norms.
type hotList struct {
	docs    []uint32
	freqs   []uint16
	normIdx []uint16
	normTab []float32
	// bm holds docs as a bitmap, for counting a query's matches
	// (topkPlan.countByBitmaps).
	bm *roaring.Bitmap
	// frontier holds the (frequency, norm) pairs not dominated by another
	// posting's (both at least as large): a clause's score grows with
	// both, so its largest score is at one of them.
	frontier []hotPair
}

type hotPair struct {
	freq uint16
	norm float32
}

// bytes is the memory l takes, roughly.
func (l *hotList) bytes() int64 {
	return int64(len(l.docs))*8 + int64(len(l.normTab))*4 + int64(l.bm.GetSizeInBytes())
}

// at returns the frequency and norm of posting i.
func (l *hotList) at(i int) (freq uint64, norm float64) {
	return uint64(l.freqs[i]), float64(l.normTab[l.normIdx[i]])
}

// bound is the largest score clause c gives any posting of l: exactly
// c.scoreOf at the best pair of the frontier.
func (l *hotList) bound(c *topkLeaf) float64 {
	b := 0.0
	for _, p := range l.frontier {
		b = max(b, c.scoreOf(uint64(p.freq), float64(p.norm)))
	}
	return b
}

// seek returns the position of the first posting at or after document n,
// searching from position from (galloping, then binary search);
// len(l.docs) when there is none.
func (l *hotList) seek(from int, n uint64) int {
	if n > math.MaxUint32 {
		return len(l.docs)
	}
	target := uint32(n)
	lo, step := from, 1
	hi := from
	for hi < len(l.docs) && l.docs[hi] < target {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(l.docs))
	i, _ := slices.BinarySearch(l.docs[lo:hi], target)
	return lo + i
}

// hotKey names a posting list: a field and a term.
type hotKey struct{ field, term string }

// hotCache holds the decoded lists of one snapshot; safe for concurrent
// use.
type hotCache struct {
	// minCount is the fewest postings of a list decoded: hotMinCount, or
	// fewer in tests, so that small corpora walk decoded lists too.
	minCount uint64
	mu       sync.Mutex
	snap     index.IndexReader // the snapshot the lists were read from
	lists    map[hotKey]*hotList
	bytes    int64
	snaps    int        // the snapshots the cache has held (benchmarks)
	facetTab *hotFacets // the snapshot's facets, once read
	// renewed, when set, is called (under mu, so it must not block) when
	// a search meets a snapshot other than the cache's.
	renewed func()
}

// hold makes r the cache's snapshot, emptying the cache if it held
// another. c.mu is held.
func (c *hotCache) hold(r index.IndexReader) {
	if c.snap == r {
		return
	}
	c.snap, c.lists, c.bytes, c.facetTab = r, map[hotKey]*hotList{}, 0, nil
	c.snaps++
	if c.renewed != nil {
		c.renewed()
	}
}

// hotFields are the fields whose lists the top-k evaluation walks
// (newTopkPlan): title, catalogue facts and body, exact and folded.
var hotFields = []string{fTitleX, fTitleF, fMetaX, fMetaF, fBodyX, fBodyF}

// get returns the decoded postings of term in field as r has them,
// decoding and keeping them if needed; nil when the list is shorter than
// c.minCount, the budget is spent, or a posting does not fit the compact
// form (then the caller walks Bleve's reader). count is the list's length
// (the reader's Count).
func (c *hotCache) get(ctx context.Context, r index.IndexReader, field, term string, count uint64) (*hotList, error) {
	if c == nil || count < c.minCount || count == 0 {
		return nil, nil
	}
	k := hotKey{field, term}
	c.mu.Lock()
	c.hold(r)
	l, spent := c.lists[k], c.bytes+int64(count)*8 > hotBudget
	c.mu.Unlock()
	if l != nil || spent {
		return l, nil
	}
	l, err := decodeHot(ctx, r, field, term, count)
	if l == nil || err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != r {
		return l, nil // a newer snapshot took the cache: use the list once
	}
	if kept := c.lists[k]; kept != nil {
		return kept, nil // decoded at the same time by another search
	}
	if c.bytes+l.bytes() <= hotBudget {
		c.lists[k] = l
		c.bytes += l.bytes()
	}
	return l, nil
}

// decodeHot reads the postings of term in field from r. It returns nil
// when a document number exceeds 32 bits, a frequency 16 bits, a norm is
// not a float32, or the list has more than 65,536 distinct norms.
func decodeHot(ctx context.Context, r index.IndexReader, field, term string, count uint64) (*hotList, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
	if err != nil {
		return nil, err
	}
	defer tfr.Close()
	l := &hotList{
		docs:    make([]uint32, 0, count),
		freqs:   make([]uint16, 0, count),
		normIdx: make([]uint16, 0, count),
	}
	normAt := map[float32]uint16{}
	var d index.TermFieldDoc
	for i := 0; ; i++ {
		if i&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		next, err := tfr.Next(&d)
		if err != nil {
			return nil, err
		}
		if next == nil {
			break
		}
		n, norm := docNum(next.ID), float32(next.Norm)
		if n > math.MaxUint32 || next.Freq > math.MaxUint16 || float64(norm) != next.Norm {
			return nil, nil
		}
		j, ok := normAt[norm]
		if !ok {
			if len(l.normTab) > math.MaxUint16 {
				return nil, nil
			}
			j = uint16(len(l.normTab))
			normAt[norm] = j
			l.normTab = append(l.normTab, norm)
		}
		l.docs = append(l.docs, uint32(n))
		l.freqs = append(l.freqs, uint16(next.Freq))
		l.normIdx = append(l.normIdx, j)
	}
	l.frontier = l.frontierOf()
	l.bm = roaring.New()
	l.bm.AddMany(l.docs)
	l.bm.RunOptimize()
	return l, nil
}

// frontierOf returns the (frequency, norm) pairs of l's postings that no
// other posting dominates, by decreasing frequency.
func (l *hotList) frontierOf() []hotPair {
	best := map[uint16]float32{} // the largest norm at each frequency
	for i, f := range l.freqs {
		norm := l.normTab[l.normIdx[i]]
		if n, ok := best[f]; !ok || norm > n {
			best[f] = norm
		}
	}
	pairs := make([]hotPair, 0, len(best))
	for f, n := range best {
		pairs = append(pairs, hotPair{f, n})
	}
	slices.SortFunc(pairs, func(a, b hotPair) int { return cmp.Compare(b.freq, a.freq) })
	out := pairs[:0]
	top := float32(math.Inf(-1))
	for _, p := range pairs {
		if p.norm > top {
			out = append(out, p)
			top = p.norm
		}
	}
	return out
}

// hotFacets is the facet values (fFacets) of every document of a
// snapshot, read once from the field's postings: counting the facets of a
// query's matches through Bleve's doc values cost 1.8 ms for 369 matches at
// 50,000 documents (a compressed chunk decoded per document).
type hotFacets struct {
	terms []string // by id
	// The ids of document n's values are ids[off[n]:off[n+1]].
	off []uint32
	ids []uint16
}

// count returns how many of docs have each facet value.
func (f *hotFacets) count(docs []uint64) map[string]int {
	n := make([]int, len(f.terms))
	for _, d := range docs {
		if d+1 < uint64(len(f.off)) {
			for _, id := range f.ids[f.off[d]:f.off[d+1]] {
				n[id]++
			}
		}
	}
	out := map[string]int{}
	for id, c := range n {
		if c > 0 {
			out[f.terms[id]] = c
		}
	}
	return out
}

// facets returns the facet table of r, reading it if needed; nil when c is
// nil or the field has more than 65,536 values.
func (c *hotCache) facets(ctx context.Context, r index.IndexReader) (*hotFacets, error) {
	if c == nil {
		return nil, nil
	}
	c.mu.Lock()
	c.hold(r)
	tab := c.facetTab
	c.mu.Unlock()
	if tab != nil {
		return tab, nil
	}
	tab, err := readFacets(ctx, r)
	if tab == nil || err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.snap == r {
		c.facetTab = tab
	}
	c.mu.Unlock()
	return tab, nil
}

// readFacets reads the facet table of r from fFacets' dictionary and
// postings.
func readFacets(ctx context.Context, r index.IndexReader) (*hotFacets, error) {
	d, err := r.FieldDict(fFacets)
	if err != nil {
		return nil, err
	}
	var terms []string
	for {
		e, err := d.Next()
		if err != nil {
			_ = d.Close()
			return nil, err
		}
		if e == nil {
			break
		}
		terms = append(terms, e.Term)
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	if len(terms) > math.MaxUint16+1 {
		return nil, nil
	}
	type posting struct {
		doc uint32
		id  uint16
	}
	var ps []posting
	maxDoc := -1
	var td index.TermFieldDoc
	for id, term := range terms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tfr, err := r.TermFieldReader(ctx, []byte(term), fFacets, false, false, false)
		if err != nil {
			return nil, err
		}
		for {
			next, err := tfr.Next(&td)
			if err != nil {
				_ = tfr.Close()
				return nil, err
			}
			if next == nil {
				break
			}
			n := docNum(next.ID)
			if n >= math.MaxUint32 {
				_ = tfr.Close()
				return nil, nil
			}
			ps = append(ps, posting{uint32(n), uint16(id)})
			maxDoc = max(maxDoc, int(n))
		}
		if err := tfr.Close(); err != nil {
			return nil, err
		}
	}
	// A counting sort by document; each document's ids stay in term
	// order.
	f := &hotFacets{terms: terms, off: make([]uint32, maxDoc+2), ids: make([]uint16, len(ps))}
	for _, p := range ps {
		f.off[p.doc+1]++
	}
	for i := 1; i < len(f.off); i++ {
		f.off[i] += f.off[i-1]
	}
	next := slices.Clone(f.off)
	for _, p := range ps {
		f.ids[next[p.doc]] = p.id
		next[p.doc]++
	}
	return f, nil
}

// warm decodes the lists of r in hotFields that have at least c.minCount
// postings, longest first, until the budget is spent or ctx is done.
func (c *hotCache) warm(ctx context.Context, r index.IndexReader) error {
	type list struct {
		key   hotKey
		count uint64
	}
	var lists []list
	for _, field := range hotFields {
		d, err := r.FieldDict(field)
		if err != nil {
			return err
		}
		for {
			e, err := d.Next()
			if err != nil {
				_ = d.Close()
				return err
			}
			if e == nil {
				break
			}
			if e.Count >= c.minCount && e.Count > 0 {
				lists = append(lists, list{hotKey{field, e.Term}, e.Count})
			}
		}
		if err := d.Close(); err != nil {
			return err
		}
	}
	// The title's and the catalogue facts' lists first, whose clauses
	// weigh most and so are walked (essential, in MaxScore's terms) for
	// most queries; then the body's, whose clauses are mostly probed.
	// Longest first in each.
	body := func(l list) bool { return l.key.field == fBodyX || l.key.field == fBodyF }
	if _, err := c.facets(ctx, r); err != nil {
		return err
	}
	slices.SortStableFunc(lists, func(a, b list) int {
		if body(a) != body(b) {
			if body(a) {
				return 1
			}
			return -1
		}
		return cmp.Compare(b.count, a.count)
	})
	for _, l := range lists {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := c.get(ctx, r, l.key.field, l.key.term, l.count); err != nil {
			return err
		}
		c.mu.Lock()
		spent := c.bytes+int64(c.minCount)*8 > hotBudget
		c.mu.Unlock()
		if spent {
			return nil
		}
	}
	return nil
}
