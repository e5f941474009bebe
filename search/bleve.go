package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Names of the Bleve analysis components registered by this package.
const (
	bleveTokenizer   = "vi_word"      // Tokens: runs of letters and digits
	bleveExactFilter = "vi_exact"     // Exact: lower-case, one tone placement
	bleveFoldFilter  = "vi_fold"      // Fold: no diacritics, đ → d
	bleveExact       = "vi_exact"     // analyzer: vi_word + vi_exact
	bleveFold        = "vi_fold"      // analyzer: vi_word + vi_fold
	bleveBigramF     = "vi_pair"      // filter: each two neighbouring words, "phong chong"
	bleveBigram      = "vi_pair"      // analyzer: vi_word + vi_fold + vi_pair
	bleveShingleF    = "vi_shingle"   // filter: each two and three neighbouring words
	bleveShingle     = "vi_shingle"   // analyzer: vi_word + vi_fold + vi_shingle
	bleveShingleX    = "vi_shingle_x" // analyzer: vi_word + vi_exact + vi_shingle
)

// Bleve field names.
const (
	fSlug       = "slug"
	fType       = "type"        // keyword, as written: filter and facet
	fIssuer     = "issuer"      // keyword, as written: filter and facet
	fYear       = "year"        // keyword "2017": filter and facet
	fTypeFold   = "type_fold"   // keyword "quyet dinh"
	fNumberKey  = "number_key"  // keyword "424-qd-ttg"
	fNumberNum  = "number_num"  // keyword "424"
	fNumberPre  = "number_pre"  // keywords "25-ct" of "25-ct-ttg"
	fNumberCode = "number_code" // keyword "qd-ttg" of "424-qd-ttg": near numbers
	fRefs       = "refs"        // keywords: every number in the text
	fTitleRefs  = "title_refs"  // keywords: numbers in the title
	fTitleX     = "title_x"     // number + title, exact analyzer
	fTitleF     = "title_f"     // number + title, fold analyzer
	fMetaX      = "meta_x"      // type, issuer, summary, exact analyzer
	fMetaF      = "meta_f"      // type, issuer, summary, fold analyzer
	fBodyX      = "body_x"      // sections, exact analyzer
	fBodyF      = "body_f"      // sections, fold analyzer
	fSrc        = "src"         // stored JSON of the prepared Doc
	fHash       = "hash"        // stored fingerprint
	fFacets     = "facets"      // keywords "type\x1fKế hoạch", "issuer\x1f…", "year\x1f2017", "in_force\x1fexpired"
	fInForce    = "in_force"    // keyword "in_force", "expired"…: filter
	fTitleKey   = "title_key"   // keywords: the whole title folded (doc.go TitleKeys)
	fPairs      = "pairs"       // neighbouring folded words of every text, "phong chong"
	// Two and three neighbouring folded words of one text ("phong chong",
	// "phong chong ma"): a two- or three-word phrase is in the folded
	// title, catalogue facts or body exactly when its shingle is in the
	// field's shingles (topkphrase.go), no positions read.
	fShinglesT = "shingles_title"
	fShinglesM = "shingles_meta"
	fShinglesB = "shingles_body"
	// The same of the exact words: the exact-accent phrase is there
	// exactly when its shingle is.
	fShinglesTX = "shingles_title_x"
	fShinglesMX = "shingles_meta_x"
	fShinglesBX = "shingles_body_x"
)

// internalVersionKey is where the index records the AnalysisVersion and
// mapping it was built with.
var internalVersionKey = []byte("portal-analysis-version")

// bleveSchema changes whenever the mapping below changes.
const bleveSchema = "bleve-schema-9+title_key+pairs+number_code+shingles+shingles_x"

// tokenizer is the Bleve face of Tokens: it emits the words as they appear
// in the text; the filters below turn them into keys. Input is NFC because
// Put prepares every Doc and queries are built from Parse output.
type tokenizer struct{}

func (tokenizer) Tokenize(input []byte) analysis.TokenStream {
	text := string(input)
	spans := wordSpans(text)
	out := make(analysis.TokenStream, len(spans))
	for i, sp := range spans {
		out[i] = &analysis.Token{
			Term: []byte(cutWord(text[sp[0]:sp[1]])), Start: sp[0], End: sp[1],
			Position: i + 1, Type: analysis.AlphaNumeric,
		}
	}
	return out
}

// keyFilter replaces each term with one of its keys.
type keyFilter func(string) string

func (f keyFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		t.Term = []byte(f(string(t.Term)))
	}
	return in
}

// pairFilter turns a stream of folded words into the pairs of neighbouring
// words: one term "a b" per two words that stand together, so that a
// two-word query finds the documents where its words are adjacent with one
// term look-up instead of a phrase query's positions.
type pairFilter struct{}

func (pairFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	if len(in) < 2 {
		return nil
	}
	out := make(analysis.TokenStream, 0, len(in)-1)
	for i := 0; i+1 < len(in); i++ {
		a, b := in[i], in[i+1]
		term := make([]byte, 0, len(a.Term)+1+len(b.Term))
		term = append(append(append(term, a.Term...), ' '), b.Term...)
		out = append(out, &analysis.Token{Term: term, Start: a.Start, End: b.End, Position: i + 1, Type: analysis.AlphaNumeric})
	}
	return out
}

// shingleFilter turns a stream of folded words into the terms of every two
// and every three neighbouring words ("a b", "a b c"), each one term.
type shingleFilter struct{}

func (shingleFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	if len(in) < 2 {
		return nil
	}
	out := make(analysis.TokenStream, 0, 2*len(in)-3)
	for i := 0; i+1 < len(in); i++ {
		a, b := in[i], in[i+1]
		term := make([]byte, 0, len(a.Term)+1+len(b.Term))
		term = append(append(append(term, a.Term...), ' '), b.Term...)
		out = append(out, &analysis.Token{Term: term, Start: a.Start, End: b.End, Position: len(out) + 1, Type: analysis.AlphaNumeric})
		if i+2 < len(in) {
			c := in[i+2]
			term3 := make([]byte, 0, len(term)+1+len(c.Term))
			term3 = append(append(append(term3, term...), ' '), c.Term...)
			out = append(out, &analysis.Token{Term: term3, Start: a.Start, End: c.End, Position: len(out) + 1, Type: analysis.AlphaNumeric})
		}
	}
	return out
}

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenizer(bleveTokenizer, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return tokenizer{}, nil
	}))
	must(registry.RegisterTokenFilter(bleveExactFilter, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return keyFilter(exactKey), nil
	}))
	must(registry.RegisterTokenFilter(bleveFoldFilter, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return keyFilter(foldKey), nil
	}))
	must(registry.RegisterTokenFilter(bleveBigramF, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return pairFilter{}, nil
	}))
	must(registry.RegisterTokenFilter(bleveShingleF, func(map[string]any, *registry.Cache) (analysis.TokenFilter, error) {
		return shingleFilter{}, nil
	}))
	// Every analyzer is the portal's tokenizer followed by named filters.
	for name, filters := range map[string][]string{
		bleveExact:    {bleveExactFilter},
		bleveFold:     {bleveFoldFilter},
		bleveBigram:   {bleveFoldFilter, bleveBigramF},
		bleveShingle:  {bleveFoldFilter, bleveShingleF},
		bleveShingleX: {bleveExactFilter, bleveShingleF},
	} {
		must(registry.RegisterAnalyzer(name, func(_ map[string]any, c *registry.Cache) (analysis.Analyzer, error) {
			tok, err := c.TokenizerNamed(bleveTokenizer)
			if err != nil {
				return nil, err
			}
			a := &analysis.DefaultAnalyzer{Tokenizer: tok}
			for _, f := range filters {
				tf, err := c.TokenFilterNamed(f)
				if err != nil {
					return nil, err
				}
				a.TokenFilters = append(a.TokenFilters, tf)
			}
			return a, nil
		}))
	}
}

// Bleve is the embedded engine: a Bleve index on disk (or in memory). It is
// safe for concurrent use.
type Bleve struct {
	idx bleve.Index
	dir string
	// facetLimit is FacetCountLimit; tests lower it.
	facetLimit int
	// views keeps the analysed documents shown recently (snippets).
	views *viewCache
	// results keeps the results of recent queries (ResultCacheSize).
	results *resultCache
	// topk says free-word queries are answered by the engine's own top-k
	// evaluation (searchTopK) rather than Bleve's searchers; on by
	// default, off only where tests compare the two.
	topk bool
	// topkServed counts the queries searchTopK answered (tests).
	topkServed atomic.Int64
	// gen is the index generation: it advances after every Put and Delete,
	// and the result cache and the facet list (facetValues) follow it.
	gen atomic.Uint64
	// facetList is the list of every facet value (facetValues) as of
	// generation facetGen: reading the facet dictionary cost 0.5 ms per
	// broad query at 50,000 documents.
	facetMu   sync.Mutex
	facetList map[string][]FacetValue
	facetGen  uint64
	// hot keeps the current snapshot's long posting lists decoded for
	// the top-k evaluation (hotpostings.go); warming says a goroutine
	// fills it (warmHot), which Close stops (stopWarm) and waits for.
	hot      *hotCache
	warming  atomic.Bool
	warmMu   sync.Mutex // orders startWarm's Add before Close's Wait
	warmWG   sync.WaitGroup
	warmCtx  context.Context
	stopWarm context.CancelFunc
}

// SetResultCache sets how many query results b keeps (ResultCacheSize by
// default; 0 turns the cache off, as the benchmarks of the engine itself
// do). Call it before searching.
func (b *Bleve) SetResultCache(n int) { b.results = newResultCache(n, &b.gen) }

var _ Index = (*Bleve)(nil)

// OpenBleve opens the Bleve index in dir, creating it (and its parents) when
// missing. An index built by another AnalysisVersion or schema, or whose
// metadata is missing or corrupt, is removed and created afresh (run Sync
// afterwards to fill it); any other error opening it is returned and
// nothing is deleted. An empty
// dir gives an in-memory index (for tests and benchmarks).
func OpenBleve(dir string) (*Bleve, error) {
	m, err := bleveMapping()
	if err != nil {
		return nil, fmt.Errorf("search: bleve mapping: %w", err)
	}
	want := []byte(AnalysisVersion + "/" + bleveSchema)
	if dir == "" {
		idx, err := bleve.NewMemOnly(m)
		if err != nil {
			return nil, fmt.Errorf("search: create in-memory bleve index: %w", err)
		}
		return newBleve(idx, ""), nil
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("search: bleve index path %s is a file, not a directory", dir)
	}
	idx, err := bleve.Open(dir)
	switch {
	case err == nil:
		v, verr := idx.GetInternal(internalVersionKey)
		if verr == nil && string(v) == string(want) {
			return newBleve(idx, dir), nil
		}
		_ = idx.Close() // built by another analyser or mapping: rebuild
	case errors.Is(err, bleve.ErrorIndexPathDoesNotExist), errors.Is(err, bleve.ErrorIndexMetaMissing),
		errors.Is(err, bleve.ErrorIndexMetaCorrupt):
		// Missing, or left half-written by a crash: rebuild.
	default:
		// Anything else (permissions, a full disk…) is not a reason to
		// delete what is there.
		return nil, fmt.Errorf("search: open bleve index %s: %w", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("search: remove outdated bleve index %s: %w", dir, err)
	}
	idx, err = bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("search: create bleve index %s: %w", dir, err)
	}
	if err := idx.SetInternal(internalVersionKey, want); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: record analysis version: %w", err)
	}
	return newBleve(idx, dir), nil
}

// newBleve wraps an open index (dir "" for the in-memory one).
func newBleve(idx bleve.Index, dir string) *Bleve {
	b := &Bleve{idx: idx, dir: dir, facetLimit: FacetCountLimit, views: newViewCache(viewCacheSize), topk: true,
		hot: &hotCache{minCount: hotMinCount}}
	b.results = newResultCache(ResultCacheSize, &b.gen)
	b.warmCtx, b.stopWarm = context.WithCancel(context.Background())
	b.hot.renewed = b.startWarm
	b.startWarm()
	return b
}

// startWarm fills the decoded-postings cache in the background
// (warmHot), unless a goroutine already does.
func (b *Bleve) startWarm() {
	if !b.warming.CompareAndSwap(false, true) {
		return
	}
	b.warmMu.Lock()
	defer b.warmMu.Unlock()
	if b.warmCtx.Err() != nil {
		b.warming.Store(false)
		return
	}
	b.warmWG.Add(1)
	go func() {
		defer b.warmWG.Done()
		defer b.warming.Store(false)
		// An error leaves the lists to be decoded by the searches that
		// meet them; the index's own errors reach those searches.
		_ = b.warmHot(b.warmCtx)
	}()
}

// warmHot decodes the current snapshot's longest posting lists into the
// cache the top-k evaluation reads (hotCache.warm); lists already decoded
// are kept.
func (b *Bleve) warmHot(ctx context.Context) error {
	if b.hot == nil {
		return nil
	}
	ix, err := b.idx.Advanced()
	if err != nil {
		return err
	}
	r, err := ix.Reader()
	if err != nil {
		return err
	}
	defer r.Close()
	if _, ok := r.(index.BM25Reader); !ok {
		return nil // no top-k evaluation on this reader
	}
	return b.hot.warm(ctx, r)
}

// bleveMapping is the index mapping: keyword fields for filters, facets,
// numbers and sorting; each text field twice (exact and folded).
func bleveMapping() (*mapping.IndexMappingImpl, error) {
	kw := func(docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues
		return f
	}
	text := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // phrases need positions
		f.DocValues = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = keyword.Name
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fSlug, kw(true))
	dm.AddFieldMappingsAt(fType, kw(false))
	dm.AddFieldMappingsAt(fIssuer, kw(false))
	dm.AddFieldMappingsAt(fYear, kw(true))
	dm.AddFieldMappingsAt(fInForce, kw(false))
	dm.AddFieldMappingsAt(fTypeFold, kw(false))
	dm.AddFieldMappingsAt(fNumberKey, kw(false))
	dm.AddFieldMappingsAt(fNumberNum, kw(false))
	dm.AddFieldMappingsAt(fNumberPre, kw(false))
	dm.AddFieldMappingsAt(fNumberCode, kw(false))
	dm.AddFieldMappingsAt(fRefs, kw(false))
	dm.AddFieldMappingsAt(fTitleRefs, kw(false))
	dm.AddFieldMappingsAt(fTitleX, text(bleveExact))
	dm.AddFieldMappingsAt(fTitleF, text(bleveFold))
	dm.AddFieldMappingsAt(fMetaX, text(bleveExact))
	dm.AddFieldMappingsAt(fMetaF, text(bleveFold))
	dm.AddFieldMappingsAt(fBodyX, text(bleveExact))
	dm.AddFieldMappingsAt(fBodyF, text(bleveFold))
	dm.AddFieldMappingsAt(fFacets, kw(true))
	dm.AddFieldMappingsAt(fTitleKey, kw(false))
	pairs := text(bleveBigram)
	pairs.IncludeTermVectors = false // one term per pair: no positions needed
	dm.AddFieldMappingsAt(fPairs, pairs)
	for _, f := range []string{fShinglesT, fShinglesM, fShinglesB, fShinglesTX, fShinglesMX, fShinglesBX} {
		analyzer := bleveShingle
		if f == fShinglesTX || f == fShinglesMX || f == fShinglesBX {
			analyzer = bleveShingleX
		}
		sh := text(analyzer)
		sh.IncludeTermVectors = false // membership only: no positions
		dm.AddFieldMappingsAt(f, sh)
	}
	dm.AddFieldMappingsAt(fSrc, stored())
	dm.AddFieldMappingsAt(fHash, stored())

	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = keyword.Name
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	// BM25 saturates term frequency instead of dividing by the square root
	// of the field length: the plan, which says "cai nghiện" eighty times,
	// is not outranked by a one-line catalogue entry.
	im.ScoringModel = "bm25"
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// bleveDoc is the document Bleve indexes for one prepared Doc.
func bleveDoc(d Doc) (map[string]any, error) {
	src, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	f := fieldsOf(d)
	m := map[string]any{
		fSlug: d.Slug, fTitleX: f.TitleText, fTitleF: f.TitleText,
		fMetaX: f.MetaText, fMetaF: f.MetaText, fBodyX: f.BodyText, fBodyF: f.BodyText, fSrc: string(src), fHash: fingerprint(d),
		fShinglesT: f.TitleText, fShinglesM: f.MetaText, fShinglesB: f.BodyText,
		fShinglesTX: f.TitleText, fShinglesMX: f.MetaText, fShinglesBX: f.BodyText,
	}
	if d.Type != "" {
		m[fType] = d.Type
		m[fTypeFold] = f.TypeFold
	}
	if d.Issuer != "" {
		m[fIssuer] = d.Issuer
	}
	if f.Year != "" {
		m[fYear] = f.Year
	}
	if d.InForce != "" {
		m[fInForce] = d.InForce
	}
	if f.NumberKey != "" {
		m[fNumberKey] = f.NumberKey
		m[fNumberNum] = f.NumberNum
		if f.NumberCode != "" {
			m[fNumberCode] = f.NumberCode
		}
		if len(f.NumberPrefixes) > 0 {
			m[fNumberPre] = f.NumberPrefixes
		}
	}
	if len(f.Refs) > 0 {
		m[fRefs] = f.Refs
	}
	if len(f.TitleRefs) > 0 {
		m[fTitleRefs] = f.TitleRefs
	}
	if len(f.TitleKeys) > 0 {
		m[fTitleKey] = f.TitleKeys
	}
	m[fPairs] = f.AllText
	var facets []string
	for _, kv := range [][2]string{{"type", d.Type}, {"issuer", d.Issuer}, {"year", f.Year}, {"in_force", d.InForce}} {
		if kv[1] != "" {
			facets = append(facets, kv[0]+facetSep+kv[1])
		}
	}
	m[fFacets] = facets
	return m, nil
}

// Put adds or replaces documents by Slug, in one batch.
func (b *Bleve) Put(ctx context.Context, docs ...Doc) error {
	batch := b.idx.NewBatch()
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := prepare(d)
		if err != nil {
			return err
		}
		bd, err := bleveDoc(p)
		if err != nil {
			return fmt.Errorf("search: bleve: encode %s: %w", p.Slug, err)
		}
		if err := batch.Index(p.Slug, bd); err != nil {
			return fmt.Errorf("search: bleve: index %s: %w", p.Slug, err)
		}
	}
	err := b.idx.Batch(batch)
	b.gen.Add(1) // stale: cached results and the facet list
	if err != nil {
		return fmt.Errorf("search: bleve: write batch: %w", err)
	}
	return nil
}

// Delete removes documents by Slug; unknown slugs are ignored.
func (b *Bleve) Delete(ctx context.Context, slugs ...string) error {
	batch := b.idx.NewBatch()
	for _, s := range slugs {
		batch.Delete(NFC(s))
	}
	err := b.idx.Batch(batch)
	b.gen.Add(1) // stale: cached results and the facet list
	if err != nil {
		return fmt.Errorf("search: bleve: delete: %w", err)
	}
	return nil
}

// Fingerprints returns slug → fingerprint for every stored document.
func (b *Bleve) Fingerprints(ctx context.Context) (map[string]string, error) {
	n, err := b.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: bleve: count: %w", err)
	}
	out := make(map[string]string, n)
	if n == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), int(n), 0, false)
	req.Fields = []string{fHash}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: bleve: list documents: %w", err)
	}
	for _, h := range res.Hits {
		s, _ := h.Fields[fHash].(string)
		out[h.ID] = s
	}
	return out, nil
}

// Ping reports whether the index answers.
func (b *Bleve) Ping(ctx context.Context) error {
	_, err := b.idx.DocCount()
	return err
}

// Close closes the index.
func (b *Bleve) Close() error {
	b.endWarm()
	return b.idx.Close()
}

// endWarm stops filling the decoded-postings cache in the background
// and waits for the goroutine to finish; searches still decode the lists
// they meet.
func (b *Bleve) endWarm() {
	b.warmMu.Lock()
	b.stopWarm()
	b.warmMu.Unlock()
	b.warmWG.Wait()
}

// Boosts of the query parts (see bleveQuery). Exact-accent matches score
// above folded ones; the title above the catalogue facts and the body; a
// whole document number above all.
const (
	boostTitleExact = 4
	boostTitleFold  = 2
	boostMetaExact  = 1.5
	boostMetaFold   = 0.75
	boostBodyExact  = 2
	boostBodyFold   = 1
	boostFuzzy      = 0.4
	boostPhraseX    = 3
	boostPhraseF    = 1.5
	boostNumber     = 60
	boostNumberPre  = 50 // the query is the start of the number: "25/CT" of 25/CT-TTg
	boostRef        = 30
	boostTitleRef   = 20 // the number is in the title: "Thực hiện Chỉ thị số 25/CT-TTg…"
	boostTypeNumber = 40
	boostNumberPart = 0.05
	// boostSubject: the query is a document's whole subject ("luật phòng,
	// chống ma túy"): first, above texts that merely mention it.
	boostSubject = 80
	// boostNumberCode: the document's number has the code of the query's
	// number ("…/QĐ-TTg"): a near number, above texts sharing only parts.
	boostNumberCode = 5
	// boostPair: two neighbouring query words stand together in the text.
	boostPair = 4
	// maxPairs bounds the pair clauses of one query.
	maxPairs = 3
)

func prefixQ(field, prefix string, boost float64) query.Query {
	q := bleve.NewPrefixQuery(prefix)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

// numberYearQ matches what a number with its year names: the number
// 144/2021/… (its start indexed in number_pre), a text numbered 144 and
// issued in 2021, a text citing 144/2021/…, or the two written together.
func numberYearQ(ny NumberYear) query.Query {
	key := ny.Digits + "-" + ny.Year
	return bleve.NewDisjunctionQuery(
		termQ(fNumberPre, key, boostNumber),
		bleve.NewConjunctionQuery(termQ(fNumberNum, ny.Digits, boostTypeNumber), termQ(fYear, ny.Year, boostTypeNumber)),
		prefixQ(fRefs, key+"-", boostRef),
		phraseQ(fTitleF, []string{ny.Digits, ny.Year}, boostPhraseF*2),
		phraseQ(fBodyF, []string{ny.Digits, ny.Year}, boostPhraseF),
	)
}

func termQ(field, term string, boost float64) query.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func fuzzyQ(field, term string, boost float64) query.Query {
	q := bleve.NewFuzzyQuery(term)
	q.SetField(field)
	q.SetFuzziness(1)
	q.SetBoost(boost)
	return q
}

func phraseQ(field string, terms []string, boost float64) query.Query {
	q := bleve.NewPhraseQuery(terms, field)
	q.SetBoost(boost)
	return q
}

// wordQ matches one free word: exact or folded, in the title, the
// catalogue facts or the body; one typo forgiven when t.Typo.
func wordQ(t Term) query.Query {
	alts := []query.Query{
		termQ(fTitleX, t.Exact, boostTitleExact),
		termQ(fTitleF, t.Fold, boostTitleFold),
		termQ(fMetaX, t.Exact, boostMetaExact),
		termQ(fMetaF, t.Fold, boostMetaFold),
		termQ(fBodyX, t.Exact, boostBodyExact),
		termQ(fBodyF, t.Fold, boostBodyFold),
	}
	if t.Typo {
		alts = append(alts, fuzzyQ(fTitleF, t.Fold, boostFuzzy), fuzzyQ(fBodyF, t.Fold, boostFuzzy))
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// phraseAnyQ matches the words of ph standing together, exact or folded,
// in any text field.
func phraseAnyQ(ph []Term) query.Query {
	ex, fo := make([]string, len(ph)), make([]string, len(ph))
	for i, t := range ph {
		ex[i], fo[i] = t.Exact, t.Fold
	}
	phrases := bleve.NewDisjunctionQuery(
		phraseQ(fTitleX, ex, boostPhraseX*2), phraseQ(fTitleF, fo, boostPhraseF*2),
		phraseQ(fMetaX, ex, boostPhraseX), phraseQ(fMetaF, fo, boostPhraseF),
		phraseQ(fBodyX, ex, boostPhraseX), phraseQ(fBodyF, fo, boostPhraseF))
	// The pairs of neighbouring words (fPairs, one term each) are a cheap
	// filter in front of the positions: a document lacking "giam tac" or
	// "tac hai" cannot hold "giảm tác hại", and the conjunction lets the
	// rarest pair lead, so the phrase searchers read the positions of
	// those documents only (a 3-word phrase at 50,000 documents cost
	// 150 ms of CPU without it).
	parts := make([]query.Query, 0, len(fo))
	for i := 0; i+1 < len(fo); i++ {
		parts = append(parts, termQ(fPairs, fo[i]+" "+fo[i+1], 0))
	}
	return bleve.NewConjunctionQuery(append(parts, phrases)...)
}

// bleveQuery builds the engine query for p: every word required (exact or
// folded, in the title, the catalogue facts or the body; one typo forgiven
// in the words marked Term.Typo, which the index does not hold), every
// quoted phrase required, and optional boosts for whole document numbers
// and type-and-number references. (A proximity boost for the words
// standing together was measured at 2–4× the cost of the whole query on a
// 10,000-document corpus and left out: quote the words to ask for them
// together.)
//
// With anyWord set, the same parts are optional and one of them must match:
// the fallback when requiring every word found nothing.
func bleveQuery(p Parsed, anyWord bool) *query.BooleanQuery {
	var must []query.Query
	for _, ny := range p.NumberYears {
		must = append(must, numberYearQ(ny))
	}
	for _, t := range p.Terms {
		if t.InNumberYear {
			continue // required through numberYearQ
		}
		if t.InNumber {
			// Part of a whole number the query names: required, but the
			// number itself (boostNumber, boostRef) does the ranking, so a
			// text that only shares parts ("424" somewhere, another QĐ-TTg)
			// never outranks the text that has or cites the number.
			must = append(must, bleve.NewDisjunctionQuery(
				termQ(fTitleF, t.Fold, boostNumberPart), termQ(fMetaF, t.Fold, boostNumberPart), termQ(fBodyF, t.Fold, boostNumberPart)))
			continue
		}
		must = append(must, wordQ(t))
	}
	for _, g := range p.Synonyms {
		var alts []query.Query
		for _, alt := range g.Alts {
			if len(alt) == 1 {
				alts = append(alts, wordQ(alt[0]))
			} else {
				alts = append(alts, phraseAnyQ(alt))
			}
		}
		must = append(must, bleve.NewDisjunctionQuery(alts...))
	}
	for _, ph := range p.Phrases {
		must = append(must, phraseAnyQ(ph))
	}
	var should []query.Query
	for _, k := range p.Numbers {
		should = append(should, termQ(fNumberKey, k, boostNumber), termQ(fNumberPre, k, boostNumberPre),
			termQ(fRefs, k, boostRef), termQ(fTitleRefs, k, boostTitleRef))
	}
	for _, w := range p.Written {
		// Near numbers: same code ("…/QĐ-TTg"), for when no document has
		// the number itself (Result.MissingNumbers).
		if code := numberCode(w.Key); code != "" {
			should = append(should, termQ(fNumberCode, code, boostNumberCode))
		}
	}
	if len(p.Words) >= 2 {
		should = append(should, termQ(fTitleKey, strings.Join(p.Words, " "), boostSubject))
	}
	for _, tn := range p.TypeNumbers {
		// Bleve ignores a conjunction's own boost: boost its terms.
		should = append(should, bleve.NewConjunctionQuery(
			termQ(fTypeFold, tn.TypeFold, boostTypeNumber), termQ(fNumberNum, tn.Digits, boostTypeNumber)))
	}
	bq := bleve.NewBooleanQuery()
	if anyWord {
		bq.AddShould(append(must, should...)...)
		bq.SetMinShould(1)
		return bq
	}
	bq.AddMust(must...)
	if len(should) > 0 {
		bq.AddShould(should...)
		bq.SetMinShould(0)
	}
	return bq
}

// numberCode is the code of a written number's key without its leading
// digits ("ct-ttg" of "25-ct-ttg"), or "" when it has none.
func numberCode(key string) string {
	return strings.TrimPrefix(key[len(leadingDigits(key)):], "-")
}

// filterQuery returns the non-scoring filter for q's type, issuer, year
// and legal status, or nil when q has none.
func filterQuery(q Query) query.Query {
	var fs []query.Query
	if q.Type != "" {
		fs = append(fs, termQ(fType, NFC(q.Type), 1))
	}
	if q.Issuer != "" {
		fs = append(fs, termQ(fIssuer, NFC(q.Issuer), 1))
	}
	if q.Year > 0 {
		fs = append(fs, termQ(fYear, strconv.Itoa(q.Year), 1))
	}
	if q.InForce != "" {
		fs = append(fs, termQ(fInForce, NFC(q.InForce), 1))
	}
	if len(fs) == 0 {
		return nil
	}
	return bleve.NewConjunctionQuery(fs...)
}

// facetSize bounds the values returned per facet.
const facetSize = 30

// facetSep joins a facet's name and value in the one facet field: one
// doc-value lookup per hit instead of three (measured ~2.5 ms saved per
// query at 10,000 documents).
const facetSep = "\x1f"

// FacetCountLimit is the most matches whose facet values Bleve counts.
// Counting reads the facet doc values of every match (≈1 µs each, 45 % of
// a broad query's CPU in a profile at 10,000 documents); above this many
// matches the facets list every value the index holds, uncounted
// (Result.FacetsUncounted), and the filters still narrow the results.
const FacetCountLimit = 2000

// root returns the Bleve query for p and filter (see bleveQuery for
// anyWord).
func root(p Parsed, filter query.Query, anyWord bool) query.Query {
	if p.Empty() {
		return filter
	}
	bq := bleveQuery(p, anyWord)
	if filter != nil {
		bq.AddFilter(filter)
	}
	return bq
}

// plan looks the query's words up in the term dictionary (one index
// reader for all lookups) and marks the free words of FuzzyMinRunes
// letters or more that no folded text field holds (Term.Typo): only those
// are searched with one typo forgiven. A lookup costs microseconds; a fuzzy
// term reads every word one edit away and matches whatever they match, so
// forgiving typos in words the index holds made broad queries slower and
// less precise. It returns an upper bound of the matches (the fewest
// documents any required word is in), or math.MaxUint64 when unknown.
func (b *Bleve) plan(p *Parsed) (bound uint64, missing []string, err error) {
	ix, err := b.idx.Advanced()
	if err != nil {
		return 0, nil, err
	}
	r, err := ix.Reader()
	if err != nil {
		return 0, nil, err
	}
	defer r.Close()
	count := func(fold string) (uint64, error) {
		var n uint64
		for _, f := range []string{fTitleF, fMetaF, fBodyF} {
			c, err := dictCount(r, f, fold)
			if err != nil {
				return 0, err
			}
			n += c
		}
		return n, nil
	}
	bound = uint64(math.MaxUint64)
	for i, t := range p.Terms {
		n, err := count(t.Fold)
		if err != nil {
			return 0, nil, err
		}
		if n == 0 && t.Keyboard != "" {
			// A Telex or VNI left-over ("tooij"): search the syllable
			// meant when the index holds it.
			k := Term{Exact: exactKey(t.Keyboard), Fold: foldKey(t.Keyboard)}
			kn, err := count(k.Fold)
			if err != nil {
				return 0, nil, err
			}
			if kn > 0 {
				p.Terms[i], n, p.Decoded = k, kn, true
				for j, w := range p.Words {
					if w == t.Fold {
						p.Words[j] = k.Fold
					}
				}
				bound = min(bound, n)
				continue
			}
		}
		if t.InNumberYear {
			continue // required through the number, not the word
		}
		if n == 0 && !t.InNumber && t.Fuzzy() {
			p.Terms[i].Typo = true
			p.Typos = true
			continue // matches what its neighbours match: no bound
		}
		bound = min(bound, n)
	}
	for _, w := range p.Written {
		var n uint64
		for _, f := range []string{fNumberKey, fNumberPre} {
			c, err := dictCount(r, f, w.Key)
			if err != nil {
				return 0, nil, err
			}
			n += c
		}
		if n == 0 {
			missing = append(missing, w.Text)
		}
	}
	return bound, missing, nil
}

// dictCount returns the number of documents whose field holds term.
func dictCount(r index.IndexReader, field, term string) (uint64, error) {
	d, err := r.FieldDictRange(field, []byte(term), []byte(term))
	if err != nil {
		return 0, err
	}
	e, err := d.Next()
	cerr := d.Close()
	if err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, cerr
	}
	if e != nil && e.Term == term {
		return e.Count, nil
	}
	return 0, nil
}

// facetValues lists every value of the facet field the index holds, with
// Count 0 (uncounted). The list is read from the dictionary once per index
// generation; callers get their own copy.
func (b *Bleve) facetValues() (map[string][]FacetValue, error) {
	gen := b.gen.Load()
	b.facetMu.Lock()
	list, ok := b.facetList, b.facetList != nil && b.facetGen == gen
	b.facetMu.Unlock()
	if !ok {
		var err error
		if list, err = b.readFacetValues(); err != nil {
			return nil, err
		}
		b.facetMu.Lock()
		if b.gen.Load() == gen {
			b.facetList, b.facetGen = list, gen
		}
		b.facetMu.Unlock()
	}
	out := make(map[string][]FacetValue, len(list))
	for name, vs := range list {
		out[name] = append([]FacetValue(nil), vs...)
	}
	return out, nil
}

// readFacetValues reads every value of the facet field from the index's
// dictionary, with Count 0.
func (b *Bleve) readFacetValues() (map[string][]FacetValue, error) {
	d, err := b.idx.FieldDict(fFacets)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	out := map[string][]FacetValue{}
	for {
		e, err := d.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			return out, nil
		}
		name, value, ok := strings.Cut(e.Term, facetSep)
		if ok && len(out[name]) < facetSize {
			out[name] = append(out[name], FacetValue{Value: value})
		}
	}
}

// facetCounts counts the facet values over every match of rq (a second,
// unscored request that returns no hits).
func (b *Bleve) facetCounts(ctx context.Context, rq query.Query) (map[string][]FacetValue, error) {
	req := bleve.NewSearchRequestOptions(rq, 0, 0, false)
	req.Score = "none"
	req.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, 3*facetSize+100))
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	return facetsOf(res), nil
}

// facetsOf returns the counted facet values of res.
func facetsOf(res *bleve.SearchResult) map[string][]FacetValue {
	out := map[string][]FacetValue{}
	if fr := res.Facets[fFacets]; fr != nil {
		for _, tf := range fr.Terms.Terms() {
			name, value, ok := strings.Cut(tf.Term, facetSep)
			if ok && len(out[name]) < facetSize {
				out[name] = append(out[name], FacetValue{Value: value, Count: tf.Count})
			}
		}
	}
	return out
}

// Search runs q; see Index.Search. One scored request fetches the page;
// the facets are counted by a second, unscored request when there are at
// most FacetCountLimit matches, and listed uncounted otherwise.
func (b *Bleve) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	key, gen := cacheKey(q), b.gen.Load()
	if res, ok := b.results.get(key); ok {
		res.Took = time.Since(start)
		return res, nil
	}
	res, err := b.search(ctx, q, start)
	if err == nil {
		b.results.put(key, gen, res)
	}
	return res, err
}

// search runs q on the index (Search without the result cache).
func (b *Bleve) search(ctx context.Context, q Query, start time.Time) (Result, error) {
	page, per := paging(q)
	p := Parse(q.Text)
	filter := filterQuery(q)
	if p.Empty() && filter == nil {
		return Result{Facets: map[string][]FacetValue{}, Took: time.Since(start)}, nil
	}
	bound, missing, err := b.plan(&p)
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve: dictionary: %w", err)
	}
	// Free words and one-phrase queries: the engine's own top-k
	// evaluation over the index's postings (topk.go), with Bleve's scores;
	// everything else, and those it hands back, Bleve's searchers.
	if b.topk {
		out, handled, err := b.searchTopK(ctx, q, p, page, per)
		if err != nil {
			return Result{}, fmt.Errorf("search: bleve: top-k: %w", err)
		}
		if handled {
			b.topkServed.Add(1)
			out.MissingNumbers = missing
			if p.Decoded {
				out.SearchedAs = searchedAs(p)
			}
			for name := range out.Facets {
				sortFacet(name, out.Facets[name])
			}
			out.Took = time.Since(start)
			return out, nil
		}
	}
	rq := root(p, filter, false)
	// When the dictionary shows that few documents can match, the facets
	// are counted in the same request (no second request).
	oneRequest := bound <= uint64(b.facetLimit)
	var res *bleve.SearchResult
	if pair := p.pair(); pair != "" {
		res, err = b.searchTogether(ctx, rq, pair, page, per, oneRequest)
	} else {
		req := bleve.NewSearchRequestOptions(rq, per, (page-1)*per, false)
		req.Fields = []string{fSrc, fHash}
		if p.Empty() {
			req.SortBy([]string{"-" + fYear, fSlug})
		}
		if oneRequest {
			req.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, 3*facetSize+100))
		}
		res, err = b.idx.SearchInContext(ctx, req)
	}
	partial := false
	if err == nil && res.Total == 0 && p.units() >= 2 {
		// No document has every word: show those with some of them, most
		// first (cheap: it runs only when the first search found nothing).
		partial = true
		rq = root(p, filter, true)
		req := bleve.NewSearchRequestOptions(rq, per, (page-1)*per, false)
		req.Fields = []string{fSrc, fHash}
		res, err = b.idx.SearchInContext(ctx, req)
	}
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve: search: %w", err)
	}
	out := Result{Total: int(res.Total), Partial: partial && res.Total > 0, MissingNumbers: missing}
	if p.Decoded {
		out.SearchedAs = searchedAs(p)
	}
	switch {
	case res.Total == 0:
		out.Facets = map[string][]FacetValue{}
	case oneRequest && !partial:
		out.Facets = facetsOf(res)
	case res.Total <= uint64(b.facetLimit):
		out.Facets, err = b.facetCounts(ctx, rq)
	default:
		out.FacetsUncounted = true
		out.Facets, err = b.facetValues()
	}
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve: facets: %w", err)
	}
	for name := range out.Facets {
		sortFacet(name, out.Facets[name])
	}
	for _, h := range res.Hits {
		hash, _ := h.Fields[fHash].(string)
		src, _ := h.Fields[fSrc].(string)
		hit, err := b.hitOfStored(h.ID, hash, src, p, h.Score)
		if err != nil {
			return Result{}, err
		}
		out.Hits = append(out.Hits, hit)
	}
	out.Took = time.Since(start)
	return out, nil
}

// hitOfStored builds the Hit of a stored document (its fingerprint and
// JSON), analysing it only when the view cache does not hold it.
func (b *Bleve) hitOfStored(id, hash, src string, p Parsed, score float64) (Hit, error) {
	v, err := b.views.get(hash, func() (Doc, error) {
		var d Doc
		err := json.Unmarshal([]byte(src), &d)
		return d, err
	})
	if err != nil {
		return Hit{}, fmt.Errorf("search: bleve: decode stored %s: %w", id, err)
	}
	return hitOfView(v, p, score), nil
}

// searchTogether answers a two-word query in two tiers: the documents
// where the two words stand together (the pair term of fPairs) first, then
// those where they are apart, each tier in score order (issue 15: for
// two-word queries adjacency ranks above distance). A boost could not do
// it: BM25 on the pair favours short texts over the long plan that has the
// words together eighty times. It returns the page's hits, the total of rq
// (from an unscored request that also counts the facets when withFacets),
// and the facets.
func (b *Bleve) searchTogether(ctx context.Context, rq query.Query, pair string, page, per int, withFacets bool) (*bleve.SearchResult, error) {
	together := termQ(fPairs, pair, 0)
	all := bleve.NewSearchRequestOptions(rq, 0, 0, false)
	all.Score = "none"
	if withFacets {
		all.AddFacet(fFacets, bleve.NewFacetRequest(fFacets, 3*facetSize+100))
	}
	res, err := b.idx.SearchInContext(ctx, all)
	if err != nil || res.Total == 0 {
		return res, err
	}
	offset := (page - 1) * per
	first := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(rq, together), per, offset, false)
	first.Fields = []string{fSrc, fHash}
	r1, err := b.idx.SearchInContext(ctx, first)
	if err != nil {
		return nil, err
	}
	res.Hits = r1.Hits
	if len(res.Hits) < per && res.Total > r1.Total {
		apart := bleve.NewBooleanQuery()
		apart.AddMust(rq)
		apart.AddMustNot(together)
		second := bleve.NewSearchRequestOptions(apart, per-len(res.Hits), max(0, offset-int(r1.Total)), false)
		second.Fields = []string{fSrc, fHash}
		r2, err := b.idx.SearchInContext(ctx, second)
		if err != nil {
			return nil, err
		}
		res.Hits = append(res.Hits, r2.Hits...)
	}
	return res, nil
}

// hitOf builds the Hit for a stored Doc: the best section and its snippet.
func hitOf(d Doc, p Parsed, score float64) Hit { return hitOfView(newDocView(d), p, score) }

// hitOfView is hitOf for an analysed document.
func hitOfView(v *docView, p Parsed, score float64) Hit {
	d := v.doc
	h := Hit{Slug: d.Slug, Type: d.Type, Number: d.Number, Issuer: d.Issuer, Title: d.Title, URL: d.URL, Year: d.Year, Score: score, InForce: d.InForce}
	h.Anchor, h.Heading, h.SnippetHTML = v.describe(p)
	return h
}

// viewCacheSize is how many analysed documents (docView) the Bleve engine
// keeps for snippets: a long plan is analysed once, not on every search
// that shows it.
const viewCacheSize = 1024

// paging returns the 1-based page and page size of q, with defaults and caps.
func paging(q Query) (page, per int) {
	page, per = q.Page, q.PerPage
	if page < 1 {
		page = 1
	}
	if page > maxPage {
		page = maxPage
	}
	if per <= 0 {
		per = DefaultPerPage
	}
	if per > MaxPerPage {
		per = MaxPerPage
	}
	return page, per
}

// maxPage bounds how deep anyone can page (deep pages cost the engine and
// help no reader).
const maxPage = 100

// sortFacet orders facet values: years newest first, others by count then
// value.
func sortFacet(name string, vs []FacetValue) {
	sort.SliceStable(vs, func(i, j int) bool {
		if name == "year" {
			return vs[i].Value > vs[j].Value
		}
		if vs[i].Count != vs[j].Count {
			return vs[i].Count > vs[j].Count
		}
		return vs[i].Value < vs[j].Value
	})
}
