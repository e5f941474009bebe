package search

import (
	"context"
	"math"
	"sort"
	"strings"

	blevesearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
)

// The engine's own evaluation of a query that is one quoted phrase
// ("giảm tác hại"), with Bleve's scores (phraseAnyQ). Bleve's phrase
// searchers, one per field, each walk every document that has all the
// phrase's words in that field and read their positions, whether or not
// the document can be a result: 120 ms of CPU for a three-word phrase at
// 50,000 documents. Here the candidates are the documents holding every
// pair of neighbouring words (fPairs: one bitmap AND), the positions are
// read only in the folded fields, and only for those candidates, to decide
// whether the phrase is there (an exact-accent phrase implies the folded
// one at the same place, so the folded fields decide the match and the
// total); the exact-accent fields and the whole-subject clause are read
// only for the documents whose upper bound can still make the page
// (MaxScore on the remaining clauses).
//
// A phrase of two or three words needs no positions in the folded fields:
// its shingle ("giam tac hai") is in a field's shingles (fShinglesT/M/B)
// exactly when the phrase is in that folded text, so the matches and the
// total are the union of three postings bitmaps, and the folded words'
// postings are read for their frequency and norm only (the clause's score),
// only for documents whose bound, every clause of a field that holds the
// phrase at its BM25 limit, can make the page. Positions of the exact-accent
// words are read only when the bound with the folded scores read, and each
// exact clause at most what its folded twin's frequency and norm give
// (phraseClause.boundBy), can still make the page: 44 → 12 ms for
// "nghiện ma túy" (42,466 matches) at 50,000 documents.

// topkPhraseEligible reports whether p is one quoted phrase and nothing
// else (filters aside).
func topkPhraseEligible(p Parsed) bool {
	return len(p.Phrases) == 1 && len(p.Phrases[0]) <= 12 && len(p.Terms) == 0 && len(p.Synonyms) == 0 && len(p.NumberYears) == 0 &&
		len(p.Numbers) == 0 && len(p.Written) == 0 && len(p.TypeNumbers) == 0 && len(p.Words) >= 2
}

// phraseClause is one of phraseAnyQ's six phrase queries: the phrase's
// terms in one field, each a term clause with the phrase's boost.
type phraseClause struct {
	exact  bool
	terms  []*topkLeaf // in phrase order
	order  []int       // summing order: by count, as Bleve's conjunction sorts
	count  uint64      // Σ counts (Bleve's Count of the phrase searcher)
	ub     float64
	absent bool // a term is in no document's field: never matches
}

// matchAt reports whether the clause's terms stand in phrase order in
// document n, leaving every term positioned at or after n.
func (c *phraseClause) matchAt(n uint64, buf index.IndexInternalID) (bool, error) {
	if c.absent {
		return false, nil
	}
	for _, l := range c.terms {
		if err := l.advance(n, buf); err != nil {
			return false, err
		}
		if l.cur != n {
			return false, nil
		}
	}
	// A start position p of the first term with p+i for the i-th term.
	for _, v := range c.terms[0].doc.Vectors {
		ok := true
		for i := 1; i < len(c.terms) && ok; i++ {
			ok = false
			for _, w := range c.terms[i].doc.Vectors {
				if w.Pos == v.Pos+uint64(i) {
					ok = true
					break
				}
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// boundBy is the most exact clause c can score in the document where its
// folded twin (the same field folded) is positioned: an exact word occurs
// at most as often as its folded key in the same text, and the field's
// length and average are the twin's, so each term scores at most its
// BM25 with the folded term's frequency and norm. Much tighter than ub
// (the BM25 limit), so that only documents that can make the page have
// their exact positions read.
func (c *phraseClause) boundBy(folded *phraseClause) float64 {
	b := 0.0
	for j, l := range c.terms {
		if l.avg == 0 {
			return math.Inf(1)
		}
		f := folded.terms[j]
		b += l.scoreOf(f.doc.Freq, f.doc.Norm)
	}
	return b
}

// score is the phrase clause's score in the current document (Bleve's
// conjunction of its term clauses).
func (c *phraseClause) score() float64 {
	s := 0.0
	for _, i := range c.order {
		s += c.terms[i].score()
	}
	return s
}

// searchPhrase answers a one-phrase query (topkPhraseEligible): page, total
// and facets as Bleve's searchers give them (TestTopKMatchesBleve).
// It also returns the matching documents while there are at most
// facetLimit of them (for counting the facets), nil above.
func (b *Bleve) searchPhrase(ctx context.Context, r index.IndexReader, q Query, p Parsed, page, per int) (hits []topkHit, total uint64, all []uint64, err error) {
	bm, ok := r.(index.BM25Reader)
	if !ok {
		return nil, 0, nil, errTopkUnsupported
	}
	docTotal, err := r.DocCount()
	if err != nil {
		return nil, 0, nil, err
	}
	var opened []index.TermFieldReader
	defer func() {
		for _, t := range opened {
			_ = t.Close()
		}
	}()
	ph := p.Phrases[0]
	// A phrase of two or three words is decided in each folded field by
	// its shingle (fShinglesT/M/B): the folded terms are read for their
	// frequencies and norms only (scores), never for positions.
	shingled := len(ph) == 2 || len(ph) == 3
	open := func(field, term string, boost float64, positions bool) (*topkLeaf, error) {
		tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, positions)
		if err != nil {
			return nil, err
		}
		opened = append(opened, tfr)
		card, err := bm.FieldCardinality(field)
		if err != nil {
			return nil, err
		}
		l := &topkLeaf{tfr: tfr, count: tfr.Count(), qw: boost, pos: -1}
		if !positions {
			// Decoded lists (hotpostings.go) have no positions.
			if l.hot, err = b.hot.get(ctx, r, field, term, l.count); err != nil {
				return nil, err
			}
		}
		if docTotal != 0 || card != 0 {
			l.avg = math.Ceil(float64(card) / float64(docTotal))
		}
		if l.avg > 0 {
			l.idf = math.Log(1 + (float64(docTotal)-float64(l.count)+0.5)/(float64(l.count)+0.5))
		} else {
			l.idf = 1.0 + math.Log(float64(docTotal)/float64(l.count+1.0))
		}
		return l, nil
	}
	var clauses []*phraseClause
	for _, f := range []struct {
		field string
		exact bool
		boost float64
	}{
		{fTitleX, true, boostPhraseX * 2}, {fTitleF, false, boostPhraseF * 2},
		{fMetaX, true, boostPhraseX}, {fMetaF, false, boostPhraseF},
		{fBodyX, true, boostPhraseX}, {fBodyF, false, boostPhraseF},
	} {
		c := &phraseClause{exact: f.exact}
		for _, t := range ph {
			term := t.Fold
			if f.exact {
				term = t.Exact
			}
			l, err := open(f.field, term, f.boost, !shingled)
			if err != nil {
				return nil, 0, nil, err
			}
			c.terms = append(c.terms, l)
			c.count += l.count
			c.absent = c.absent || l.count == 0
		}
		c.order = make([]int, len(c.terms))
		for i := range c.order {
			c.order[i] = i
		}
		sort.SliceStable(c.order, func(i, j int) bool { return c.terms[c.order[i]].count < c.terms[c.order[j]].count })
		clauses = append(clauses, c)
	}
	subject, err := open(fTitleKey, joinWords(p.Words), boostSubject, false)
	if err != nil {
		return nil, 0, nil, err
	}
	// The disjunction sums its clauses sorted by count.
	disj := append([]*phraseClause(nil), clauses...)
	sort.SliceStable(disj, func(i, j int) bool { return disj[i].count < disj[j].count })
	// Query norm, summed as Bleve sums Weight(): the phrase disjunction
	// (each phrase its terms in order), the zero-boost pair clauses, then
	// the subject clause.
	weight := func(l *topkLeaf) float64 { w := l.qw * l.idf; return w * w }
	disjW := 0.0
	for _, c := range disj {
		cw := 0.0
		for _, i := range c.order {
			cw += weight(c.terms[i])
		}
		disjW += cw
	}
	norm := 1.0 / math.Sqrt(0.0+(0.0+disjW)+weight(subject))
	for _, c := range clauses {
		c.ub = 0
		for _, l := range c.terms {
			l.qw = l.qw * l.idf * norm
			l.ub = l.idf * blevesearch.BM25_k1 * l.qw * 1.0000001 // BM25 k1 bound (see topkLeaf.ub)
			switch {
			case l.hot != nil:
				l.ub = l.hot.bound(l) // exact
			case l.avg == 0:
				l.ub = math.Inf(1)
			}
			c.ub += l.ub
		}
	}
	subject.qw = subject.qw * subject.idf * norm
	subject.ub = subject.idf * blevesearch.BM25_k1 * subject.qw * 1.0000001
	switch {
	case subject.count == 0:
		subject.ub = 0 // no document has this subject
	case subject.avg == 0:
		subject.ub = math.Inf(1)
	}
	// Candidates: every pair of neighbouring words, and the filters; or,
	// shingled, the documents with the phrase's shingle in a folded field
	// (exactly the matches), and the filters.
	var required []index.TermFieldReader
	// shingles[i] says whether folded clause i holds the phrase (nil for
	// the exact clauses), shinglesX[i] whether exact clause i does (nil for
	// the folded ones).
	shingles := make([]*topkGate, len(clauses))
	shinglesX := make([]*topkGate, len(clauses))
	if shingled {
		sh, shX := make([]string, len(ph)), make([]string, len(ph))
		for i, t := range ph {
			sh[i], shX[i] = t.Fold, t.Exact
		}
		term := strings.Join(sh, " ")
		termX := strings.Join(shX, " ")
		for i, field := range []string{fShinglesTX, fShinglesMX, fShinglesBX} {
			tfr, err := r.TermFieldReader(ctx, []byte(termX), field, false, false, false)
			if err != nil {
				return nil, 0, nil, err
			}
			opened = append(opened, tfr)
			shinglesX[2*i] = &topkGate{tfr: tfr}
		}
		var union []index.TermFieldReader
		for i, field := range []string{fShinglesT, fShinglesM, fShinglesB} {
			for _, f := range []string{field, ""} {
				// One reader for the union, one to ask per document.
				tfr, err := r.TermFieldReader(ctx, []byte(term), field, false, false, false)
				if err != nil {
					return nil, 0, nil, err
				}
				opened = append(opened, tfr)
				if tfr.Count() == 0 {
					continue
				}
				if f != "" {
					union = append(union, tfr)
				} else {
					shingles[2*i+1] = &topkGate{tfr: tfr}
				}
			}
		}
		switch len(union) {
		case 0:
			return nil, 0, nil, nil
		case 1:
			required = append(required, union[0])
		default:
			u, err := optimized(ctx, "disjunction:unadorned", union)
			if err != nil {
				return nil, 0, nil, err
			}
			opened = append(opened, u)
			required = append(required, u)
		}
	}
	for i := 0; i+1 < len(ph) && !shingled; i++ {
		tfr, err := r.TermFieldReader(ctx, []byte(ph[i].Fold+" "+ph[i+1].Fold), fPairs, false, false, false)
		if err != nil {
			return nil, 0, nil, err
		}
		opened = append(opened, tfr)
		required = append(required, tfr)
	}
	for _, f := range filterTerms(q) {
		tfr, err := r.TermFieldReader(ctx, []byte(f[1]), f[0], false, false, false)
		if err != nil {
			return nil, 0, nil, err
		}
		opened = append(opened, tfr)
		required = append(required, tfr)
	}
	cands := required[0]
	if len(required) > 1 {
		if cands, err = optimized(ctx, "conjunction:unadorned", required); err != nil {
			return nil, 0, nil, err
		}
		opened = append(opened, cands)
	}
	for _, c := range clauses {
		for _, l := range c.terms {
			l.cur = 0
			if !c.absent {
				if err := l.next(); err != nil {
					return nil, 0, nil, err
				}
			}
		}
	}
	if err := subject.next(); err != nil {
		return nil, 0, nil, err
	}
	k := page * per
	heap := make(topkHeap, 0, k)
	threshold := math.Inf(-1)
	buf := make(index.IndexInternalID, 8)
	matched := make([]bool, len(clauses))
	var cd index.TermFieldDoc
	for steps := 0; ; steps++ {
		if steps&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, 0, nil, err
			}
		}
		next, err := cands.Next(&cd)
		if err != nil {
			return nil, 0, nil, err
		}
		if next == nil {
			break
		}
		n := docNum(next.ID)
		// The folded fields decide whether the phrase is there.
		m, bound := 0, 0.0
		if shingled {
			// Which folded fields hold it, from the shingles; then,
			// unless even every clause at its bound cannot make the page,
			// their scores.
			ub, mx := 0.0, 0
			for i, c := range clauses {
				matched[i] = false
				if g := shingles[i]; g != nil {
					ok, err := g.admits(n, buf)
					if err != nil {
						return nil, 0, nil, err
					}
					matched[i] = ok
				}
				if matched[i] {
					m++
					mx++
					ub += c.ub
					if x := clauses[i-1]; !x.absent {
						ub += x.ub
						mx++
					}
				}
			}
			if m == 0 {
				continue // not reached: every candidate holds a shingle
			}
			total++
			if total <= uint64(b.facetLimit) {
				all = append(all, n)
			} else {
				all = nil
			}
			if len(heap) == k && (ub*float64(mx)/topkMaxWordClauses+subject.ub)*(1+1e-9) <= threshold {
				continue
			}
			for i, c := range clauses {
				if !matched[i] {
					continue
				}
				for _, l := range c.terms {
					if err := l.advance(n, buf); err != nil {
						return nil, 0, nil, err
					}
					if l.cur != n {
						// The shingle without its words: an index this
						// code did not build; Bleve's searchers decide.
						return nil, 0, nil, errTopkUnsupported
					}
				}
				bound += c.score()
			}
		} else {
			for i, c := range clauses {
				matched[i] = false
				if c.exact {
					continue
				}
				ok, err := c.matchAt(n, buf)
				if err != nil {
					return nil, 0, nil, err
				}
				if ok {
					matched[i] = true
					m++
					bound += c.score()
				}
			}
			if m == 0 {
				continue
			}
			total++
			if total <= uint64(b.facetLimit) {
				all = append(all, n)
			} else {
				all = nil
			}
		}
		// Upper bound: every exact clause whose folded twin matched, at
		// its bound in this document, and the subject clause.
		mx := m
		for i, c := range clauses {
			if c.exact && matched[i+1] && !c.absent {
				bound += c.boundBy(clauses[i+1])
				mx++
			}
		}
		if len(heap) == k && (bound*float64(mx)/topkMaxWordClauses+subject.ub)*(1+1e-9) <= threshold {
			continue
		}
		for i, c := range clauses {
			if !c.exact || !matched[i+1] {
				continue
			}
			if !shingled {
				ok, err := c.matchAt(n, buf)
				if err != nil {
					return nil, 0, nil, err
				}
				matched[i] = ok
				continue
			}
			// The exact shingle decides; the terms give the score.
			ok, err := shinglesX[i].admits(n, buf)
			if err != nil {
				return nil, 0, nil, err
			}
			matched[i] = ok && !c.absent
			for _, l := range c.terms {
				if !matched[i] {
					break
				}
				if err := l.advance(n, buf); err != nil {
					return nil, 0, nil, err
				}
				if l.cur != n {
					return nil, 0, nil, errTopkUnsupported // as for the folded shingles
				}
			}
		}
		score := 0.0
		m = 0
		for _, c := range disj {
			for i := range clauses {
				if clauses[i] == c && matched[i] {
					score += c.score()
					m++
				}
			}
		}
		score = score * (float64(m) / float64(topkMaxWordClauses))
		score = 0.0 + score // the conjunctions around it add zeros
		if err := subject.advance(n, buf); err != nil {
			return nil, 0, nil, err
		}
		if subject.cur == n {
			score = 0.0 + score + subject.score()*(1.0/1.0)
		}
		heap.offer(topkHit{num: n, score: score}, k)
		if len(heap) == k {
			threshold = heap[0].score
		}
	}
	out := []topkHit(heap)
	sort.Slice(out, func(i, j int) bool { return worse(out[j], out[i]) })
	from := (page - 1) * per
	if total > uint64(b.facetLimit) {
		all = nil
	}
	if from >= len(out) {
		return nil, total, all, nil
	}
	return out[from:min(len(out), from+per)], total, all, nil
}

// countFacets counts the facet values of the documents docs as Bleve's
// terms facet does (fFacets doc values; the 3×facetSize+100 most frequent
// values, by count then value), grouped by facet name. The values are read
// from hot's table of the snapshot's facets (hotFacets) when it has one;
// hot may be nil.
func countFacets(ctx context.Context, r index.IndexReader, hot *hotCache, docs []uint64) (map[string][]FacetValue, error) {
	tab, err := hot.facets(ctx, r)
	if err != nil {
		return nil, err
	}
	if tab != nil {
		return shapeFacets(tab.count(docs)), nil
	}
	dvr, err := r.DocValueReader([]string{fFacets})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	buf := make(index.IndexInternalID, 8)
	for _, n := range docs {
		err := dvr.VisitDocValues(index.NewIndexInternalID(buf, n), func(field string, term []byte) {
			if field == fFacets {
				counts[string(term)]++
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return shapeFacets(counts), nil
}

// shapeFacets keeps the 3×facetSize+100 most frequent of the facet values
// counted (by count, then value), as Bleve's terms facet does, and groups
// them by facet name, at most facetSize each.
func shapeFacets(counts map[string]int) map[string][]FacetValue {
	type tc struct {
		term  string
		count int
	}
	terms := make([]tc, 0, len(counts))
	for t, c := range counts {
		terms = append(terms, tc{t, c})
	}
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].count != terms[j].count {
			return terms[i].count > terms[j].count
		}
		return terms[i].term < terms[j].term
	})
	if len(terms) > 3*facetSize+100 {
		terms = terms[:3*facetSize+100]
	}
	out := map[string][]FacetValue{}
	for _, t := range terms {
		name, value, ok := strings.Cut(t.term, facetSep)
		if ok && len(out[name]) < facetSize {
			out[name] = append(out[name], FacetValue{Value: value, Count: t.count})
		}
	}
	return out
}
