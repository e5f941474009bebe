package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/RoaringBitmap/roaring/v2"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// This file is the engine's own top-k evaluation of free-word queries over
// Bleve's index reader (its postings with frequencies and norms;
// topkphrase.go does one-phrase queries). Bleve's searchers match and
// BM25-score every document that has every word before its collector keeps
// the best ten, with no early termination: at 50,000 documents a two-word
// query matching 18,000 of them cost 15–23 ms of CPU, ≈1 µs per match. The
// same score is computed here, clause for clause, with MaxScore pruning
// (Turtle and Flood, "Query evaluation: strategies and optimizations",
// 1995): every term clause has an upper bound of what it can add to a
// document's score; once the page is full, the clauses whose bounds
// together cannot lift a document above the page's lowest score are
// "non-essential": documents are enumerated only from the essential
// clauses' postings (usually the title's, whose idf and boost dwarf the
// body's), and the non-essential postings are only probed, best bound
// first, for a candidate that can still make the page. (WAND, which picks
// a pivot document from the sorted cursors, needs the same bounds; with a
// handful of clauses per word and every word required, MaxScore's split is
// simpler and prunes as much.) The total is counted without scoring, from
// the postings' bitmaps (Bleve's unadorned disjunction and conjunction).
//
// The score is exactly Bleve's for the same query (bleveQuery): per word a
// disjunction of six term clauses (title, catalogue facts and body, exact
// and folded; two fuzzy clauses more for a word searched with a typo
// forgiven) whose sum is multiplied by the fraction of clauses that matched
// (Bleve's coord), the words summed, plus the whole-subject clause
// (boostSubject) when it matches; each clause's weight is boost × idf ×
// the query norm 1/√Σ(boost × idf)² over every clause, Bleve's BM25 with
// tf = √freq; sums are taken in Bleve's order, so the scores agree to the
// last bit (TestTopKMatchesBleve). Ties are broken as Bleve breaks them,
// by the order of the documents in the index, so the page is the same page.

// topkMaxWordClauses is the number of clauses of one free word searched
// as typed (wordQ) or of one phrase (phraseAnyQ): title, meta and body,
// exact and folded.
const topkMaxWordClauses = 6

// errTopkUnsupported says the index reader lacks what the top-k
// evaluation needs (BM25 field statistics); the caller uses Bleve's
// searchers instead.
var errTopkUnsupported = errors.New("search: top-k evaluation unsupported by this index reader")

// topkEligible reports whether the engine's own top-k evaluation
// (evalTopK) answers p: words, each searched as typed or as a part of a
// document number the query names, with the numbers' should clauses (no
// phrase, synonym group, number with year, or type and number). A word
// searched with one typo forgiven (Term.Typo) is evaluated with its fuzzy
// clauses. Other queries go to Bleve's searchers unchanged.
func topkEligible(p Parsed) bool {
	// Above twelve children Go's sort.Sort, which Bleve uses to order a
	// conjunction's words, is no longer an insertion sort: the order of
	// equal counts, and so the last bit of a sum, could differ.
	if len(p.Terms) == 0 || len(p.Terms) > 12 || len(p.Phrases) > 0 || len(p.Synonyms) > 0 || len(p.NumberYears) > 0 ||
		len(p.TypeNumbers) > 0 {
		return false
	}
	for _, t := range p.Terms {
		if t.InNumberYear {
			return false
		}
	}
	return true
}

// topkLeaf is one term clause: the postings of a term in a field, the
// clause's BM25 parameters and its cursor.
type topkLeaf struct {
	word        int // index of the word it belongs to; -1 for the subject clause
	field, term string
	// slot is the clause's place in Bleve's disjunction of its word,
	// whose children are sorted by their number of documents: scores are
	// summed in that order, so that the sum is Bleve's to the last bit.
	slot  int
	sub   int // its place among the words of a fuzzy clause (topkChild)
	child int // its child's number in the plan
	idx   int // its number in the plan
	tfr   index.TermFieldReader
	doc   index.TermFieldDoc // the current posting
	cur   uint64             // the current document number; math.MaxUint64 when exhausted
	idf   float64
	avg   float64 // average field length; 0 means TF-IDF (an empty field)
	qw    float64 // boost × idf × query norm
	ub    float64 // upper bound of the clause's score in any document
	count uint64
	// essential says documents are enumerated from this clause's postings
	// (MaxScore); the others are only probed.
	essential bool
	// hot holds the postings decoded (hotpostings.go), walked at pos in
	// place of tfr; nil when they are read through tfr.
	hot *hotList
	pos int
}

// score is Bleve's TermQueryScorer score of the current posting.
func (l *topkLeaf) score() float64 { return l.scoreOf(l.doc.Freq, l.doc.Norm) }

// scoreOf is the clause's score in a document where its term occurs freq
// times in a field of norm 1/√length: Bleve's TermQueryScorer, which grows
// with freq.
func (l *topkLeaf) scoreOf(freq uint64, norm float64) float64 {
	var tf float64
	if freq < uint64(len(sqrtTable)) {
		tf = sqrtTable[freq]
	} else {
		tf = math.Sqrt(float64(freq))
	}
	var s float64
	if l.avg > 0 {
		fieldLength := 1 / (norm * norm)
		s = l.idf * (tf * blevesearch.BM25_k1) /
			(tf + blevesearch.BM25_k1*(1-blevesearch.BM25_b+(blevesearch.BM25_b*fieldLength/l.avg)))
	} else {
		s = tf * norm * l.idf
	}
	if l.qw != 1.0 {
		s *= l.qw
	}
	return s
}

// sqrtTable holds √n for small n, as Bleve's SqrtCache does (the same
// values: math.Sqrt).
var sqrtTable = func() []float64 {
	t := make([]float64, 64)
	for i := range t {
		t[i] = math.Sqrt(float64(i))
	}
	return t
}()

func docNum(id index.IndexInternalID) uint64 { return binary.BigEndian.Uint64(id) }

// next moves l to its next posting.
func (l *topkLeaf) next() error {
	if l.hot != nil {
		l.landHot(l.pos + 1)
		return nil
	}
	d, err := l.tfr.Next(&l.doc)
	return l.land(d, err)
}

// landHot moves l to position i of its decoded postings.
func (l *topkLeaf) landHot(i int) {
	l.pos = i
	if i >= len(l.hot.docs) {
		l.cur = math.MaxUint64
		return
	}
	l.cur = uint64(l.hot.docs[i])
	l.doc.Freq, l.doc.Norm = l.hot.at(i)
}

// land records where a move of l's postings ended: document d, or past
// the end (math.MaxUint64) when d is nil.
func (l *topkLeaf) land(d *index.TermFieldDoc, err error) error {
	if err != nil {
		return err
	}
	if d == nil {
		l.cur = math.MaxUint64
		return nil
	}
	l.cur = docNum(d.ID)
	return nil
}

// advance moves l to its first posting at or after document n.
func (l *topkLeaf) advance(n uint64, buf index.IndexInternalID) error {
	if l.cur >= n {
		return nil
	}
	if l.hot != nil {
		l.landHot(l.hot.seek(l.pos+1, n))
		return nil
	}
	return l.land(l.tfr.Advance(index.NewIndexInternalID(buf, n), &l.doc))
}

// topkChild is one child of a word's disjunction: a term clause, or the
// fuzzy clause of a word searched with a typo forgiven (Term.Typo): a
// disjunction of the dictionary's words one edit away, each a term clause
// of its own, with its own coord.
type topkChild struct {
	leaves []*topkLeaf // one, or a fuzzy clause's words sorted by count
	fuzzy  bool
	count  uint64 // Σ counts: Bleve's Count of the child
}

// topkGate is a posting list a document must be in (a filter, the pair of
// the together tier) or must not be in (the apart tier); it takes no part
// in the score.
type topkGate struct {
	tfr         index.TermFieldReader
	field, term string
	doc         index.TermFieldDoc
	cur         uint64
	started     bool // cur is valid
	exclude     bool
}

// admits reports whether document n passes the gate. Documents are asked
// in increasing order.
func (g *topkGate) admits(n uint64, buf index.IndexInternalID) (bool, error) {
	if !g.started || g.cur < n {
		g.started = true
		d, err := g.tfr.Advance(index.NewIndexInternalID(buf, n), &g.doc)
		if err != nil {
			return false, err
		}
		if d == nil {
			g.cur = math.MaxUint64
		} else {
			g.cur = docNum(d.ID)
		}
	}
	return (g.cur == n) != g.exclude, nil
}

// topkHit is a scored document: its number in the index reader and score.
type topkHit struct {
	num   uint64
	score float64
}

// topkHeap keeps the best k hits, worst on top: lower score, or equal
// score and later in the index (Bleve's HitNumber order).
type topkHeap []topkHit

func worse(a, b topkHit) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.num > b.num
}

func (h topkHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// offer keeps h among the best k hits: added while there are fewer than
// k, else in place of the worst when better than it.
func (h *topkHeap) offer(hit topkHit, k int) {
	if len(*h) < k {
		*h = append(*h, hit)
		h.up(len(*h) - 1)
	} else if worse((*h)[0], hit) {
		(*h)[0] = hit
		h.down(0)
	}
}

func (h topkHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && worse(h[r], h[l]) {
			m = r
		}
		if !worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// topkPlan is a free-word query prepared for evaluation on one index
// reader: its term clauses, weighted, and its gates.
type topkPlan struct {
	r      index.IndexReader
	words  int
	leaves []*topkLeaf
	// byWord[w] are the clauses of word w with postings.
	byWord [][]*topkLeaf
	// children[w] are the children of word w's disjunction, in Bleve's
	// order; nchild and nleaf count the children and clauses of the plan.
	children      [][]*topkChild
	nchild, nleaf int
	// wordOrder is the order in which Bleve's conjunction sums the words
	// (its children sorted by their number of documents).
	wordOrder []int
	// should are the should clauses with postings (bleveQuery's: the
	// numbers', the codes' and the whole subject's), in the order Bleve's
	// disjunction sums them; nshould counts every should clause, those
	// without postings included (the disjunction's coord).
	should  []*topkLeaf
	nshould int
	filters []*topkGate
	hot     *hotCache // where long lists are decoded; nil for none
	closed  bool
}

// close releases every postings reader of pl, once: a reader closed twice
// counts twice in the index's statistics, and would be handed to two later
// users at once if Bleve's recycling of readers were turned on (scorch's
// fieldTFRCacheThreshold, 0 since MB-64604).
func (pl *topkPlan) close() {
	if pl.closed {
		return
	}
	pl.closed = true
	for _, l := range pl.leaves {
		_ = l.tfr.Close()
	}
	for _, l := range pl.should {
		_ = l.tfr.Close()
	}
	for _, g := range pl.filters {
		_ = g.tfr.Close()
	}
}

// newTopkPlan opens the postings of p's clauses on r, with the same fields,
// terms and boosts as bleveQuery, and weighs them as Bleve's searchers do.
// The caller closes the plan.
//
// Long posting lists are walked decoded from hot, which may be nil.
func newTopkPlan(ctx context.Context, r index.IndexReader, p Parsed, q Query, hot *hotCache) (*topkPlan, error) {
	bm, ok := r.(index.BM25Reader)
	if !ok {
		return nil, errTopkUnsupported
	}
	docTotal, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	avgOf := map[string]float64{}
	avg := func(field string) (float64, error) {
		if a, ok := avgOf[field]; ok {
			return a, nil
		}
		card, err := bm.FieldCardinality(field)
		if err != nil {
			return 0, err
		}
		a := 0.0
		if docTotal != 0 || card != 0 {
			a = math.Ceil(float64(card) / float64(docTotal))
		}
		avgOf[field] = a
		return a, nil
	}
	pl := &topkPlan{r: r, words: len(p.Terms), byWord: make([][]*topkLeaf, len(p.Terms)), hot: hot}
	open := func(word int, field, term string, boost float64) (*topkLeaf, error) {
		tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
		if err != nil {
			return nil, err
		}
		a, err := avg(field)
		if err != nil {
			_ = tfr.Close()
			return nil, err
		}
		l := &topkLeaf{word: word, field: field, term: term, tfr: tfr, avg: a, count: tfr.Count(), pos: -1}
		if l.hot, err = hot.get(ctx, r, field, term, l.count); err != nil {
			_ = tfr.Close()
			return nil, err
		}
		// Bleve's TermQueryScorer.computeIDF.
		if a > 0 {
			l.idf = math.Log(1 + (float64(docTotal)-float64(l.count)+0.5)/(float64(l.count)+0.5))
		} else {
			l.idf = 1.0 + math.Log(float64(docTotal)/float64(l.count+1.0))
		}
		l.qw = boost // × idf × norm, below
		return l, nil
	}
	var all []*topkLeaf
	fail := func(err error) (*topkPlan, error) {
		pl.closeLeaves(all)
		return nil, err
	}
	fuzzyDict, _ := r.(index.IndexReaderFuzzy)
	type clause struct {
		field, term string
		boost       float64
	}
	for w, t := range p.Terms {
		var children []*topkChild
		clauses := []clause{
			{fTitleX, t.Exact, boostTitleExact}, {fTitleF, t.Fold, boostTitleFold},
			{fMetaX, t.Exact, boostMetaExact}, {fMetaF, t.Fold, boostMetaFold},
			{fBodyX, t.Exact, boostBodyExact}, {fBodyF, t.Fold, boostBodyFold},
		}
		if t.InNumber {
			// A part of a number the query names: folded only, at
			// boostNumberPart (bleveQuery).
			clauses = []clause{{fTitleF, t.Fold, boostNumberPart}, {fMetaF, t.Fold, boostNumberPart}, {fBodyF, t.Fold, boostNumberPart}}
		}
		for _, c := range clauses {
			l, err := open(w, c.field, c.term, c.boost)
			if err != nil {
				return fail(err)
			}
			all = append(all, l)
			children = append(children, &topkChild{leaves: []*topkLeaf{l}, count: l.count})
		}
		if t.Typo && !t.InNumber {
			// wordQ's fuzzy clauses: Bleve's fuzzy searcher, a
			// disjunction of the dictionary's words one edit away, each
			// boosted by 1/(edit distance + 1); a plain term clause when
			// there are none, or only the word itself.
			if fuzzyDict == nil {
				return fail(errTopkUnsupported)
			}
			for _, field := range []string{fTitleF, fBodyF} {
				d, _, err := fuzzyDict.FieldDictFuzzyAutomaton(field, t.Fold, 1, "")
				if err != nil {
					return fail(err)
				}
				var terms []string
				var dists []uint8
				for {
					e, err := d.Next()
					if err != nil {
						_ = d.Close()
						return fail(err)
					}
					if e == nil {
						break
					}
					terms, dists = append(terms, e.Term), append(dists, e.EditDistance)
				}
				if err := d.Close(); err != nil {
					return fail(err)
				}
				if len(terms) == 0 || (len(terms) == 1 && terms[0] == t.Fold) {
					l, err := open(w, field, t.Fold, boostFuzzy)
					if err != nil {
						return fail(err)
					}
					all = append(all, l)
					children = append(children, &topkChild{leaves: []*topkLeaf{l}, count: l.count})
					continue
				}
				if len(terms) > searcher.DisjunctionHeapTakeover {
					// Bleve's heap disjunction sums in another order.
					return fail(errTopkUnsupported)
				}
				c := &topkChild{fuzzy: true}
				for i, term := range terms {
					l, err := open(w, field, term, boostFuzzy*(1/float64(dists[i]+1)))
					if err != nil {
						return fail(err)
					}
					all = append(all, l)
					c.leaves = append(c.leaves, l)
					c.count += l.count
				}
				sort.SliceStable(c.leaves, func(i, j int) bool { return c.leaves[i].count < c.leaves[j].count })
				children = append(children, c)
			}
		}
		// Bleve sorts the children of a conjunction or disjunction by
		// their count (sort.Sort: insertion sort, stable, for the ten
		// children or fewer allowed here) and sums their scores in that
		// order.
		sort.SliceStable(children, func(i, j int) bool { return children[i].count < children[j].count })
		pl.children = append(pl.children, children)
	}
	// The should clauses, in bleveQuery's order.
	var should []clause
	for _, k := range p.Numbers {
		should = append(should, clause{fNumberKey, k, boostNumber}, clause{fNumberPre, k, boostNumberPre},
			clause{fRefs, k, boostRef}, clause{fTitleRefs, k, boostTitleRef})
	}
	for _, w := range p.Written {
		if code := numberCode(w.Key); code != "" {
			should = append(should, clause{fNumberCode, code, boostNumberCode})
		}
	}
	if len(p.Words) >= 2 {
		should = append(should, clause{fTitleKey, joinWords(p.Words), boostSubject})
	}
	var shouldLeaves []*topkLeaf
	for _, c := range should {
		l, err := open(-1, c.field, c.term, c.boost)
		if err != nil {
			return fail(err)
		}
		all = append(all, l)
		shouldLeaves = append(shouldLeaves, l)
	}
	pl.nshould = len(shouldLeaves)
	if len(shouldLeaves) <= searcher.DisjunctionHeapTakeover {
		// Bleve's slice disjunction sorts its children by count
		// (sort.Sort: an insertion sort, stable, for ten or fewer) and
		// weighs and sums them in that order. Above ten its heap
		// disjunction weighs them as given and sums a document's matches
		// in the order its heap yields them, which is not reproduced:
		// those sums may differ from Bleve's in the last bits.
		sort.SliceStable(shouldLeaves, func(i, j int) bool { return shouldLeaves[i].count < shouldLeaves[j].count })
	}
	wordCount := make([]uint64, len(p.Terms))
	for w, children := range pl.children {
		for ci, c := range children {
			for si, l := range c.leaves {
				l.slot, l.sub = ci, si
				l.child = pl.nchild
			}
			pl.nchild++
			wordCount[w] += c.count
		}
		pl.wordOrder = append(pl.wordOrder, w)
	}
	sort.SliceStable(pl.wordOrder, func(i, j int) bool { return wordCount[pl.wordOrder[i]] < wordCount[pl.wordOrder[j]] })
	for i, l := range all {
		l.idx = i
	}
	pl.nleaf = len(all)
	// Bleve's query norm: 1/√Σ(boost × idf)² over every term clause, those
	// without postings included, summed as Bleve's searchers sum their
	// Weight(): the conjunction over its words in wordOrder, each word's
	// disjunction over its children in order, then the should clause.
	weight := func(l *topkLeaf) float64 { w := l.qw * l.idf; return w * w }
	must := 0.0
	for _, w := range pl.wordOrder {
		word := 0.0
		for _, c := range pl.children[w] {
			cw := 0.0
			for _, l := range c.leaves {
				cw += weight(l)
			}
			word += cw
		}
		must += word
	}
	sum := 0.0 + must
	if len(shouldLeaves) > 0 {
		sw := 0.0
		for _, l := range shouldLeaves {
			sw += weight(l)
		}
		sum += sw
	}
	norm := 1.0 / math.Sqrt(sum)
	for _, l := range all {
		l.qw = l.qw * l.idf * norm
		switch {
		case l.hot != nil:
			l.ub = l.hot.bound(l) // exact
		case l.avg > 0:
			// tf·k1/(tf + k1·(…)) < k1 for any tf and field length.
			l.ub = l.idf * blevesearch.BM25_k1 * l.qw
		default:
			l.ub = math.Inf(1) // TF-IDF grows with tf: no bound
		}
		if l.word < 0 {
			if l.count == 0 {
				_ = l.tfr.Close()
			}
			continue
		}
		if l.count == 0 {
			_ = l.tfr.Close()
			continue
		}
		pl.leaves = append(pl.leaves, l)
		pl.byWord[l.word] = append(pl.byWord[l.word], l)
	}
	for _, l := range shouldLeaves {
		if l.count > 0 {
			pl.should = append(pl.should, l)
		}
	}
	for _, f := range filterTerms(q) {
		tfr, err := r.TermFieldReader(ctx, []byte(f[1]), f[0], false, false, false)
		if err != nil {
			pl.close()
			return nil, err
		}
		pl.filters = append(pl.filters, &topkGate{tfr: tfr, field: f[0], term: f[1]})
	}
	return pl, nil
}

func (pl *topkPlan) closeLeaves(ls []*topkLeaf) {
	for _, l := range ls {
		_ = l.tfr.Close()
	}
}

func joinWords(ws []string) string {
	n := 0
	for _, w := range ws {
		n += len(w) + 1
	}
	b := make([]byte, 0, n)
	for i, w := range ws {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, w...)
	}
	return string(b)
}

// filterTerms returns the (field, term) pairs of q's filters, as
// filterQuery builds them.
func filterTerms(q Query) [][2]string {
	var fs [][2]string
	if q.Type != "" {
		fs = append(fs, [2]string{fType, NFC(q.Type)})
	}
	if q.Issuer != "" {
		fs = append(fs, [2]string{fIssuer, NFC(q.Issuer)})
	}
	if q.Year > 0 {
		fs = append(fs, [2]string{fYear, fmt.Sprint(q.Year)})
	}
	if q.InForce != "" {
		fs = append(fs, [2]string{fInForce, NFC(q.InForce)})
	}
	return fs
}

// topk returns the best k documents that have every word of pl and pass
// every gate (pl.filters and extra), best first, in Bleve's order (score
// descending, then index order). It reads the plan's postings from the
// start: call it once per plan.
//
// cands, when not nil, are every document that matches the query and its
// filters, in increasing order (the counter's); when they are few against
// the clauses' postings, each is scored by probing every clause
// (scoreEach) instead of enumerating the postings.
func (pl *topkPlan) topk(ctx context.Context, k int, extra *topkGate, cands []uint64) ([]topkHit, error) {
	if k <= 0 || pl.words == 0 {
		return nil, nil
	}
	for _, ls := range pl.byWord {
		if len(ls) == 0 {
			return nil, nil // a word found nowhere: nothing has every word
		}
	}
	gates := pl.filters
	if extra != nil {
		gates = append(append([]*topkGate(nil), gates...), extra)
	}
	scored := append(append([]*topkLeaf(nil), pl.leaves...), pl.should...)
	postings := uint64(0)
	for _, l := range scored {
		l.cur = 0
		l.essential = true
		if err := l.next(); err != nil {
			return nil, err
		}
		postings += l.count
	}
	if cands != nil && uint64(len(cands))*uint64(len(scored))*4 < postings {
		return pl.scoreEach(ctx, k, gates, scored, cands)
	}
	// Clauses by upper bound, lowest first: MaxScore makes a prefix of
	// this order non-essential.
	byBound := append([]*topkLeaf(nil), scored...)
	sort.SliceStable(byBound, func(i, j int) bool { return byBound[i].ub < byBound[j].ub })
	nonEssential := 0 // byBound[:nonEssential] are non-essential

	heap := make(topkHeap, 0, k)
	threshold := math.Inf(-1)
	buf := make(index.IndexInternalID, 8)
	var st topkDocState
	st.reset(pl)
	steps := 0
	for {
		steps++
		if steps&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// The next candidate: the lowest current document of the
		// essential clauses.
		cand := uint64(math.MaxUint64)
		for _, l := range byBound[nonEssential:] {
			if l.cur < cand {
				cand = l.cur
			}
		}
		if cand == math.MaxUint64 {
			break
		}
		st.clear()
		for _, l := range byBound[nonEssential:] {
			if l.cur == cand {
				st.add(l)
			}
		}
		for _, l := range byBound[:nonEssential] {
			st.pending(l)
		}
		ok := st.possible() && st.bound()*(1+1e-9) > threshold
		if ok {
			for _, g := range gates {
				admitted, err := g.admits(cand, buf)
				if err != nil {
					return nil, err
				}
				if !admitted {
					ok = false
					break
				}
			}
		}
		// Probe the non-essential clauses, best bound first, while the
		// document can still make the page.
		for i := nonEssential - 1; ok && i >= 0; i-- {
			l := byBound[i]
			if err := l.advance(cand, buf); err != nil {
				return nil, err
			}
			st.probed(l)
			if l.cur == cand {
				st.add(l)
			}
			ok = st.possible() && st.bound()*(1+1e-9) > threshold
		}
		if ok && st.complete() {
			heap.offer(topkHit{num: cand, score: pl.exactScore(&st)}, k)
			if len(heap) == k && heap[0].score > threshold {
				threshold = heap[0].score
				// MaxScore: grow the non-essential prefix while the
				// documents matching only those clauses stay at or below
				// the threshold.
				for nonEssential < len(byBound) && pl.prefixBound(byBound[:nonEssential+1])*(1+1e-9) <= threshold {
					byBound[nonEssential].essential = false
					nonEssential++
				}
			}
		}
		// Move the essential clauses past the candidate (a clause made
		// non-essential may lag behind: probing advances it).
		for _, l := range byBound[nonEssential:] {
			if l.cur == cand {
				if err := l.next(); err != nil {
					return nil, err
				}
			}
		}
	}
	out := []topkHit(heap)
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i]) })
	return out, nil
}

// scoreEach is topk over the documents cands only: each is probed in
// every clause and scored exactly. The page is topk's: the same scores,
// and ties broken by document order.
func (pl *topkPlan) scoreEach(ctx context.Context, k int, gates []*topkGate, scored []*topkLeaf, cands []uint64) ([]topkHit, error) {
	heap := make(topkHeap, 0, k)
	buf := make(index.IndexInternalID, 8)
	var st topkDocState
	st.reset(pl)
next:
	for i, n := range cands {
		if i&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for _, g := range gates {
			admitted, err := g.admits(n, buf)
			if err != nil {
				return nil, err
			}
			if !admitted {
				continue next
			}
		}
		st.clear()
		for _, l := range scored {
			if err := l.advance(n, buf); err != nil {
				return nil, err
			}
			if l.cur == n {
				st.add(l)
			}
		}
		if st.complete() {
			heap.offer(topkHit{num: n, score: pl.exactScore(&st)}, k)
		}
	}
	out := []topkHit(heap)
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i]) })
	return out, nil
}

// topkDocState is what is known of one candidate document: its clause
// scores found, the children of each word that matched, and the bounds of
// the clauses not yet probed.
type topkDocState struct {
	pl        *topkPlan
	score     []float64 // by clause (topkLeaf.idx)
	has       []bool    // by clause
	childHit  []bool    // by child (topkLeaf.child)
	childLeft []int     // clauses not yet probed, by child
	sums      []float64 // running sum of clause scores found, per word
	matched   []int     // children matched, per word
	restBound []float64 // bounds of the clauses not yet probed, per word
	// restCount is, per word, the children not matched that have a
	// clause not yet probed: a fuzzy child of many words counts once in
	// the coord, as in Bleve's.
	restCount []int
	// The should clauses: the sum of the scores found and how many, the
	// sum of the bounds of those not yet probed and how many.
	shouldSum, shouldRest     float64
	shouldMatched, shouldLeft int
}

func (st *topkDocState) reset(pl *topkPlan) {
	st.pl = pl
	st.score = make([]float64, pl.nleaf)
	st.has = make([]bool, pl.nleaf)
	st.childHit = make([]bool, pl.nchild)
	st.childLeft = make([]int, pl.nchild)
	st.sums = make([]float64, pl.words)
	st.matched = make([]int, pl.words)
	st.restBound = make([]float64, pl.words)
	st.restCount = make([]int, pl.words)
}

func (st *topkDocState) clear() {
	clear(st.has)
	clear(st.childHit)
	clear(st.childLeft)
	clear(st.sums)
	clear(st.matched)
	clear(st.restBound)
	clear(st.restCount)
	st.shouldSum, st.shouldRest, st.shouldMatched, st.shouldLeft = 0, 0, 0, 0
}

// add records that clause l matches the document.
func (st *topkDocState) add(l *topkLeaf) {
	s := l.score()
	st.score[l.idx] = s
	st.has[l.idx] = true
	if l.word < 0 {
		st.shouldSum += s
		st.shouldMatched++
		return
	}
	st.sums[l.word] += s
	if !st.childHit[l.child] {
		st.childHit[l.child] = true
		st.matched[l.word]++
		if st.childLeft[l.child] > 0 {
			st.restCount[l.word]--
		}
	}
}

// pending records that clause l is not yet probed.
func (st *topkDocState) pending(l *topkLeaf) {
	if l.word < 0 {
		st.shouldRest += l.ub
		st.shouldLeft++
		return
	}
	st.restBound[l.word] += l.ub
	if st.childLeft[l.child] == 0 && !st.childHit[l.child] {
		st.restCount[l.word]++
	}
	st.childLeft[l.child]++
}

// probed records that clause l has been probed.
func (st *topkDocState) probed(l *topkLeaf) {
	if l.word < 0 {
		st.shouldRest -= l.ub
		st.shouldLeft--
		return
	}
	st.restBound[l.word] -= l.ub
	st.childLeft[l.child]--
	if st.childLeft[l.child] == 0 && !st.childHit[l.child] {
		st.restCount[l.word]--
	}
}

// possible reports whether every word can still match.
func (st *topkDocState) possible() bool {
	for w := range st.sums {
		if st.matched[w] == 0 && st.restCount[w] == 0 {
			return false
		}
	}
	return true
}

// complete reports whether every word matched.
func (st *topkDocState) complete() bool {
	for w := range st.sums {
		if st.matched[w] == 0 {
			return false
		}
	}
	return true
}

// coordBound is the largest coord of word w with matched children found
// and rest clauses unprobed.
func (pl *topkPlan) coordBound(w, matched, rest int) float64 {
	n := len(pl.children[w])
	return float64(min(matched+rest, n)) / float64(n)
}

// shouldBound is the most the should clauses can add when matched of
// them matched with scores summing to sum and rest more, whose bounds sum
// to restBound, are not yet probed: their disjunction's coord included.
func (pl *topkPlan) shouldBound(sum, restBound float64, matched, rest int) float64 {
	if pl.nshould == 0 {
		return 0
	}
	return (sum + restBound) * float64(min(matched+rest, pl.nshould)) / float64(pl.nshould)
}

// bound is the most the document can score given what is known: per
// word, every unprobed clause matching at its bound, coord included (a
// fuzzy clause's own coord is at most 1).
func (st *topkDocState) bound() float64 {
	b := st.pl.shouldBound(st.shouldSum, st.shouldRest, st.shouldMatched, st.shouldLeft)
	for w := range st.sums {
		b += (st.sums[w] + st.restBound[w]) * st.pl.coordBound(w, st.matched[w], st.restCount[w])
	}
	return b
}

// prefixBound is the most a document matching only the clauses ls can
// score (coord included).
func (pl *topkPlan) prefixBound(ls []*topkLeaf) float64 {
	sums := make([]float64, pl.words)
	counts := make([]int, pl.words) // distinct children
	seen := make([]bool, pl.nchild)
	should, nshould := 0.0, 0
	for _, l := range ls {
		if l.word < 0 {
			should += l.ub
			nshould++
			continue
		}
		sums[l.word] += l.ub
		if !seen[l.child] {
			seen[l.child] = true
			counts[l.word]++
		}
	}
	b := pl.shouldBound(0, should, 0, nshould)
	for w := range sums {
		b += sums[w] * pl.coordBound(w, 0, counts[w])
	}
	return b
}

// exactScore is Bleve's score of a document from its clause scores, with
// Bleve's order of operations: each word's disjunction sums its matching
// children in order (a fuzzy child: its matching words in order, times
// its coord) and multiplies by its coord (children matched / children);
// the conjunction sums the words in wordOrder; the boolean query adds the
// should disjunction (its matching clauses in order, times its coord) when
// one of them matched.
func (pl *topkPlan) exactScore(st *topkDocState) float64 {
	must := 0.0
	for _, w := range pl.wordOrder {
		sum, m := 0.0, 0
		for _, c := range pl.children[w] {
			if !c.fuzzy {
				if l := c.leaves[0]; st.has[l.idx] {
					sum += st.score[l.idx]
					m++
				}
				continue
			}
			gs, gm := 0.0, 0
			for _, l := range c.leaves {
				if st.has[l.idx] {
					gs += st.score[l.idx]
					gm++
				}
			}
			if gm > 0 {
				sum += gs * (float64(gm) / float64(len(c.leaves)))
				m++
			}
		}
		coord := float64(m) / float64(len(pl.children[w]))
		must += sum * coord
	}
	if pl.nshould == 0 {
		return must
	}
	score := 0.0 + must
	sum, m := 0.0, 0
	for _, l := range pl.should {
		if st.has[l.idx] {
			sum += st.score[l.idx]
			m++
		}
	}
	if m > 0 {
		score += sum * (float64(m) / float64(pl.nshould))
	}
	return score
}

// countByBitmaps counts the documents that have every word of pl's query
// (any of its clauses) and pass its filters from bitmaps of their
// documents: a decoded list's own (hotList.bm), or one made by reading a
// list shorter than the decoded ones. When keep is not nil, the matching
// documents' numbers are appended to *keep while there are at most limit
// of them, and *keep is set to nil above. ok is false when a list is
// long and not decoded: topkCounter counts then.
func (pl *topkPlan) countByBitmaps(ctx context.Context, keep *[]uint64, limit int) (total uint64, ok bool, err error) {
	if pl.hot == nil {
		return 0, false, nil
	}
	read := func(field, term string) (*roaring.Bitmap, error) {
		tfr, err := pl.r.TermFieldReader(ctx, []byte(term), field, false, false, false)
		if err != nil {
			return nil, err
		}
		defer tfr.Close()
		bm := roaring.New()
		var d index.TermFieldDoc
		for {
			next, err := tfr.Next(&d)
			if err != nil || next == nil {
				return bm, err
			}
			n := docNum(next.ID)
			if n > math.MaxUint32 {
				return nil, errTopkUnsupported
			}
			bm.Add(uint32(n))
		}
	}
	for _, ls := range pl.byWord {
		for _, l := range ls {
			if l.hot == nil && l.count >= pl.hot.minCount {
				return 0, false, nil
			}
		}
	}
	var all []*roaring.Bitmap
	for _, ls := range pl.byWord {
		if len(ls) == 0 {
			return 0, true, nil // a word found nowhere
		}
		bms := make([]*roaring.Bitmap, len(ls))
		for i, l := range ls {
			if l.hot != nil {
				bms[i] = l.hot.bm
			} else if bms[i], err = read(l.field, l.term); err != nil {
				return 0, false, err
			}
		}
		all = append(all, roaring.FastOr(bms...))
	}
	for _, g := range pl.filters {
		bm, err := read(g.field, g.term)
		if err != nil {
			return 0, false, err
		}
		all = append(all, bm)
	}
	matches := roaring.FastAnd(all...)
	total = matches.GetCardinality()
	if keep != nil && *keep != nil {
		if total > uint64(limit) {
			*keep = nil
		} else {
			for _, n := range matches.ToArray() {
				*keep = append(*keep, uint64(n))
			}
		}
	}
	return total, true, nil
}

// topkCounter counts the documents that have every word of a query (any
// of its clauses) and pass its filters, without scoring: Bleve's unadorned
// disjunction of each word's postings bitmaps and unadorned conjunction of
// those (roaring bitmap OR and AND per segment), then one walk of the
// result.
type topkCounter struct {
	r        index.IndexReader
	opened   []index.TermFieldReader
	required []index.TermFieldReader // nil: a word is found nowhere
}

// newTopkCounterOf returns the counter of pl's query, on the postings pl has opened (only
// their bitmaps are read: pl can still be evaluated). A word with one
// clause with postings gets its own reader, which counting walks.
func newTopkCounterOf(ctx context.Context, pl *topkPlan) (*topkCounter, error) {
	c := &topkCounter{r: pl.r}
	for _, ls := range pl.byWord {
		switch len(ls) {
		case 0:
			c.required = nil
			return c, nil
		case 1:
			tfr, err := c.open(ctx, ls[0].field, ls[0].term)
			if err != nil {
				c.close()
				return nil, err
			}
			c.required = append(c.required, tfr)
		default:
			alts := make([]index.TermFieldReader, len(ls))
			for i, l := range ls {
				alts[i] = l.tfr
			}
			u, err := optimized(ctx, "disjunction:unadorned", alts)
			if err != nil {
				c.close()
				return nil, err
			}
			c.opened = append(c.opened, u)
			c.required = append(c.required, u)
		}
	}
	for _, g := range pl.filters {
		tfr, err := c.open(ctx, g.field, g.term)
		if err != nil {
			c.close()
			return nil, err
		}
		c.required = append(c.required, tfr)
	}
	return c, nil
}

func (c *topkCounter) open(ctx context.Context, field, term string) (index.TermFieldReader, error) {
	t, err := c.r.TermFieldReader(ctx, []byte(term), field, false, false, false)
	if err != nil {
		return nil, err
	}
	c.opened = append(c.opened, t)
	return t, nil
}

func (c *topkCounter) close() {
	for _, t := range c.opened {
		_ = t.Close()
	}
}

// count returns the number of matching documents. When keep is not nil,
// the matching documents' numbers are appended to *keep while there are at
// most limit of them, and *keep is set to nil above.
func (c *topkCounter) count(ctx context.Context, keep *[]uint64, limit int) (uint64, error) {
	if len(c.required) == 0 {
		return 0, nil
	}
	required := c.required
	all := required[0]
	if len(required) > 1 {
		conj, err := optimized(ctx, "conjunction:unadorned", required)
		if err != nil {
			return 0, err
		}
		c.opened = append(c.opened, conj)
		all = conj
	}
	var n uint64
	var d index.TermFieldDoc
	for i := 0; ; i++ {
		if i&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		next, err := all.Next(&d)
		if err != nil {
			return 0, err
		}
		if next == nil {
			return n, nil
		}
		n++
		if keep != nil && *keep != nil {
			if n <= uint64(limit) {
				*keep = append(*keep, docNum(next.ID))
			} else {
				*keep = nil
			}
		}
	}
}

// optimized combines tfrs with Bleve's optimisation of the given kind
// ("disjunction:unadorned", "conjunction:unadorned"), which reads only the
// postings' bitmaps. It returns errTopkUnsupported when the index reader
// does not offer it.
func optimized(_ context.Context, kind string, tfrs []index.TermFieldReader) (index.TermFieldReader, error) {
	var octx index.OptimizableContext
	for _, t := range tfrs {
		o, ok := t.(index.Optimizable)
		if !ok {
			return nil, errTopkUnsupported
		}
		var err error
		if octx, err = o.Optimize(kind, octx); err != nil {
			return nil, err
		}
		if octx == nil {
			return nil, errTopkUnsupported
		}
	}
	res, err := octx.Finish()
	if err != nil {
		return nil, err
	}
	tfr, ok := res.(index.TermFieldReader)
	if !ok || tfr == nil {
		return nil, errTopkUnsupported
	}
	return tfr, nil
}

// searchTopK answers a free-word query (topkEligible) with the engine's own
// top-k evaluation: the same page, total and facets as the Bleve searchers
// would give (TestTopKMatchesBleve). handled is false when the query is
// left to Bleve's searchers: nothing has every word (so that the fallback
// to some of the words runs there) or the index reader lacks what the
// evaluation needs.
func (b *Bleve) searchTopK(ctx context.Context, q Query, p Parsed, page, per int) (out Result, handled bool, err error) {
	if !topkEligible(p) && !topkPhraseEligible(p) {
		return Result{}, false, nil
	}
	ix, err := b.idx.Advanced()
	if err != nil {
		return Result{}, false, err
	}
	r, err := ix.Reader()
	if err != nil {
		return Result{}, false, err
	}
	defer r.Close()
	if _, ok := r.(index.BM25Reader); !ok {
		return Result{}, false, nil // the in-memory engine: Bleve's searchers
	}
	var hits []topkHit
	if topkPhraseEligible(p) {
		hs, total, all, err := b.searchPhrase(ctx, r, q, p, page, per)
		if errors.Is(err, errTopkUnsupported) {
			return Result{}, false, nil
		}
		if err == nil && total == 0 {
			// One phrase is one unit: no fallback to some of the words.
			return Result{Facets: map[string][]FacetValue{}}, true, nil
		}
		if err != nil {
			return Result{}, false, err
		}
		hits, out = hs, Result{Total: int(total)}
		if total <= uint64(b.facetLimit) {
			out.Facets, err = countFacets(ctx, r, b.hot, all)
		} else {
			out.FacetsUncounted = true
			out.Facets, err = b.facetValues()
		}
		if err != nil {
			return Result{}, false, fmt.Errorf("facets: %w", err)
		}
	} else {
		hits, out, handled, err = b.wordsTopK(ctx, r, q, p, page, per)
		if !handled || err != nil {
			return Result{}, handled, err
		}
	}
	buf := make(index.IndexInternalID, 8)
	for _, h := range hits {
		id, err := r.ExternalID(index.NewIndexInternalID(buf, h.num))
		if err != nil {
			return Result{}, false, err
		}
		doc, err := r.Document(id)
		if err != nil {
			return Result{}, false, err
		}
		if doc == nil {
			return Result{}, false, fmt.Errorf("document %s vanished", id)
		}
		var src, hash string
		doc.VisitFields(func(f index.Field) {
			switch f.Name() {
			case fSrc:
				src = string(f.Value())
			case fHash:
				hash = string(f.Value())
			}
		})
		hit, err := b.hitOfStored(id, hash, src, p, h.score)
		if err != nil {
			return Result{}, false, err
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, true, nil
}

// wordsTopK is searchTopK for free words (topkEligible): the page's hits and
// the result without them.
func (b *Bleve) wordsTopK(ctx context.Context, r index.IndexReader, q Query, p Parsed, page, per int) (hits []topkHit, out Result, handled bool, err error) {
	// The first plan's postings also give the count (their bitmaps), so
	// that each term's postings are opened once.
	first, err := newTopkPlan(ctx, r, p, q, b.hot)
	if errors.Is(err, errTopkUnsupported) {
		return nil, Result{}, false, nil
	}
	if err != nil {
		return nil, Result{}, false, err
	}
	defer first.close()
	matching := make([]uint64, 0, 64) // for the facets, while few
	total, counted, err := first.countByBitmaps(ctx, &matching, b.facetLimit)
	if err == nil && !counted {
		var counter *topkCounter
		counter, err = newTopkCounterOf(ctx, first)
		if errors.Is(err, errTopkUnsupported) {
			return nil, Result{}, false, nil
		}
		if err != nil {
			return nil, Result{}, false, err
		}
		defer counter.close()
		total, err = counter.count(ctx, &matching, b.facetLimit)
	}
	if errors.Is(err, errTopkUnsupported) || (err == nil && total == 0 && p.units() >= 2) {
		// Nothing has every word: the fallback to some of them runs on
		// Bleve's searchers.
		return nil, Result{}, false, nil
	}
	if err == nil && total == 0 {
		return nil, Result{Facets: map[string][]FacetValue{}}, true, nil
	}
	if err != nil {
		return nil, Result{}, false, err
	}
	offset := (page - 1) * per
	run := func(k int, gate *topkGate) ([]topkHit, error) {
		if first != nil {
			pl := first
			first = nil // its postings are read: the next run opens its own
			defer pl.close()
			return pl.topk(ctx, k, gate, matching)
		}
		pl, err := newTopkPlan(ctx, r, p, q, b.hot)
		if err != nil {
			return nil, err
		}
		defer pl.close()
		return pl.topk(ctx, k, gate, matching)
	}
	window := func(hs []topkHit, from, n int) []topkHit {
		if from >= len(hs) {
			return nil
		}
		return hs[from:min(len(hs), from+n)]
	}
	if pair := p.pair(); pair == "" {
		hs, err := run(offset+per, nil)
		if err != nil {
			return nil, Result{}, false, err
		}
		hits = window(hs, offset, per)
	} else {
		// Issue 15: the documents where the two words stand together
		// first, then the others, each tier by score (see
		// searchTogether).
		gate := func(exclude bool) (*topkGate, func(), error) {
			tfr, err := r.TermFieldReader(ctx, []byte(pair), fPairs, false, false, false)
			if err != nil {
				return nil, nil, err
			}
			return &topkGate{tfr: tfr, exclude: exclude}, func() { _ = tfr.Close() }, nil
		}
		// The first tier's best offset+per: when it has fewer, it has
		// them all, so its size is known without counting it.
		g, done, err := gate(false)
		if err != nil {
			return nil, Result{}, false, err
		}
		hs, err := run(offset+per, g)
		done()
		if err != nil {
			return nil, Result{}, false, err
		}
		hits = window(hs, offset, per)
		if together := len(hs); together < offset+per && total > uint64(together) {
			from := max(0, offset-together)
			g, done, err := gate(true)
			if err != nil {
				return nil, Result{}, false, err
			}
			hs, err := run(from+per-len(hits), g)
			done()
			if err != nil {
				return nil, Result{}, false, err
			}
			hits = append(hits, window(hs, from, per-len(hits))...)
		}
	}
	out = Result{Total: int(total)}
	if total <= uint64(b.facetLimit) {
		out.Facets, err = countFacets(ctx, r, b.hot, matching)
	} else {
		out.FacetsUncounted = true
		out.Facets, err = b.facetValues()
	}
	if err != nil {
		return nil, Result{}, false, fmt.Errorf("facets: %w", err)
	}
	return hits, out, true, nil
}
