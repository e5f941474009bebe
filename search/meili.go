package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Meili is the Meilisearch engine, chosen when MEILI_URL is set. Documents
// are analysed by this package before they are sent (exact and folded forms
// of every text, number keys), so Meilisearch sees the same words as Bleve.
// Whole document numbers are matched through filterable keyword attributes
// (number_key, refs, type_fold + number_num), so a number never loses to a
// document that shares only its parts. It is safe for concurrent use.
type Meili struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	name   string
}

var _ Index = (*Meili)(nil)

// meiliTaskPoll is how often a task's status is polled while waiting.
const meiliTaskPoll = 50 * time.Millisecond

// meiliTimeout bounds opening the index and applying its settings.
const meiliTimeout = 2 * time.Minute

// OpenMeili connects to Meilisearch at url (apiKey may be empty), creates
// the index indexName when missing, applies its settings and waits for every
// task. Errors say which step failed.
func OpenMeili(url, apiKey, indexName string) (*Meili, error) {
	var opts []meilisearch.Option
	if apiKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(apiKey))
	}
	client := meilisearch.New(url, opts...)
	m := &Meili{client: client, index: client.Index(indexName), name: indexName}
	ctx, cancel := context.WithTimeout(context.Background(), meiliTimeout)
	defer cancel()
	if _, err := client.Health(ctx); err != nil {
		client.Close()
		return nil, fmt.Errorf("search: meilisearch at %s does not answer: %w", url, err)
	}
	if _, err := client.GetIndex(ctx, indexName); err != nil {
		task, err := client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: indexName, PrimaryKey: "id"})
		if err != nil {
			client.Close()
			return nil, fmt.Errorf("search: meilisearch: create index %s: %w", indexName, err)
		}
		if err := m.wait(ctx, task); err != nil {
			client.Close()
			return nil, fmt.Errorf("search: meilisearch: create index %s: %w", indexName, err)
		}
	}
	task, err := m.index.UpdateSettings(ctx, meiliSettings())
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("search: meilisearch: update settings: %w", err)
	}
	if err := m.wait(ctx, task); err != nil {
		client.Close()
		return nil, fmt.Errorf("search: meilisearch: apply settings: %w", err)
	}
	return m, nil
}

// meiliSettings are the index settings applied on every start.
func meiliSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		// Attribute order is ranking order: title before body, exact forms
		// before folded ones.
		SearchableAttributes: []string{"title_x", "title_f", "all_x", "all_f"},
		FilterableAttributes: []string{"type", "issuer", "year", "number_key", "number_pre", "refs", "type_fold", "number_num", "slug", "in_force"},
		SortableAttributes:   []string{"year", "slug"},
		Synonyms:             meiliSynonyms(),
		DisplayedAttributes:  []string{"slug", "src", "hash"},
		RankingRules:         []string{"words", "typo", "proximity", "attribute", "exactness", "sort", "slug:asc"},
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled: true,
			// One typo from FuzzyMinRunes letters; never two.
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: FuzzyMinRunes, TwoTypos: 255},
			DisableOnNumbers:    true,
			// Empty, not null: Meilisearch refuses null here.
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
		// Keep "/" and "-" as separators: the analysed text already splits
		// numbers into parts, and whole numbers are matched by filter.
		SeparatorTokens: []string{"/", "-"},
		Pagination:      &meilisearch.Pagination{MaxTotalHits: int64(maxPage * MaxPerPage)},
		Faceting: &meilisearch.Faceting{MaxValuesPerFacet: facetSize,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount}},
	}
}

// wait waits for a task and turns a failed task into an error.
func (m *Meili) wait(ctx context.Context, ti *meilisearch.TaskInfo) error {
	task, err := m.client.WaitForTask(ctx, ti.TaskUID, meiliTaskPoll)
	if err != nil {
		return err
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return fmt.Errorf("task %d %s: %s", task.UID, task.Status, task.Error.Message)
	}
	return nil
}

// meiliID is the Meilisearch primary key of a slug: slugs may hold "/",
// which Meilisearch ids may not.
func meiliID(slug string) string { return "s" + hex.EncodeToString([]byte(slug)) }

// keysText is the text of the exact or folded keys of text's words, one
// space apart: what Meilisearch indexes.
func keysText(text string, exact bool) string {
	toks := Tokens(text)
	parts := make([]string, len(toks))
	for i, t := range toks {
		if exact {
			parts[i] = t.Exact
		} else {
			parts[i] = t.Fold
		}
	}
	return strings.Join(parts, " ")
}

// meiliDoc is the document Meilisearch indexes for one prepared Doc.
func meiliDoc(d Doc) (map[string]any, error) {
	src, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	f := fieldsOf(d)
	doc := map[string]any{
		"id": meiliID(d.Slug), "slug": d.Slug, "src": string(src), "hash": fingerprint(d),
		"type": d.Type, "issuer": d.Issuer, "year": f.Year, "in_force": d.InForce, "type_fold": f.TypeFold,
		"number_key": f.NumberKey, "number_pre": f.NumberPrefixes, "number_num": f.NumberNum, "refs": f.Refs,
		"title_x": keysText(f.TitleText, true), "title_f": keysText(f.TitleText, false),
		"all_x": keysText(f.AllText, true), "all_f": keysText(f.AllText, false),
	}
	return doc, nil
}

// Put adds or replaces documents by Slug and waits until they are searchable.
func (m *Meili) Put(ctx context.Context, docs ...Doc) error {
	if len(docs) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(docs))
	for _, d := range docs {
		p, err := prepare(d)
		if err != nil {
			return err
		}
		md, err := meiliDoc(p)
		if err != nil {
			return fmt.Errorf("search: meilisearch: encode %s: %w", p.Slug, err)
		}
		out = append(out, md)
	}
	pk := "id"
	task, err := m.index.AddDocuments(ctx, out, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return fmt.Errorf("search: meilisearch: add documents: %w", err)
	}
	if err := m.wait(ctx, task); err != nil {
		return fmt.Errorf("search: meilisearch: add documents: %w", err)
	}
	return nil
}

// Delete removes documents by Slug and waits; unknown slugs are ignored.
func (m *Meili) Delete(ctx context.Context, slugs ...string) error {
	if len(slugs) == 0 {
		return nil
	}
	ids := make([]string, len(slugs))
	for i, s := range slugs {
		ids[i] = meiliID(NFC(s))
	}
	task, err := m.index.DeleteDocuments(ctx, ids, nil)
	if err != nil {
		return fmt.Errorf("search: meilisearch: delete: %w", err)
	}
	if err := m.wait(ctx, task); err != nil {
		return fmt.Errorf("search: meilisearch: delete: %w", err)
	}
	return nil
}

// Fingerprints returns slug → fingerprint for every stored document.
func (m *Meili) Fingerprints(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	const page = 1000
	for offset := int64(0); ; offset += page {
		var res meilisearch.DocumentsResult
		err := m.index.GetDocuments(ctx, &meilisearch.DocumentsQuery{Offset: offset, Limit: page, Fields: []string{"slug", "hash"}}, &res)
		if err != nil {
			return nil, fmt.Errorf("search: meilisearch: list documents: %w", err)
		}
		for _, h := range res.Results {
			var slug, hash string
			_ = json.Unmarshal(h["slug"], &slug)
			_ = json.Unmarshal(h["hash"], &hash)
			out[slug] = hash
		}
		if len(res.Results) < page {
			return out, nil
		}
	}
}

// Ping reports whether Meilisearch answers.
func (m *Meili) Ping(ctx context.Context) error {
	_, err := m.client.Health(ctx)
	return err
}

// Close releases the client's connections.
func (m *Meili) Close() error {
	m.client.Close()
	return nil
}

// Drop deletes the whole index and waits; the contract tests use it to
// clean up.
func (m *Meili) Drop(ctx context.Context) error {
	task, err := m.client.DeleteIndex(ctx, m.name)
	if err != nil {
		return err
	}
	return m.wait(ctx, task)
}

// meiliQuote quotes a filter value for Meilisearch's filter syntax, or
// reports false when the value cannot be written in it. Meilisearch's
// filter parser (filter-parser, value.rs: quoted_by and unescape) reads a
// backslash as escaping the next character but only removes the one before
// a quote: `\"` becomes `"`, while `\\` stays two backslashes. So a quote is
// escaped, and a value holding a backslash cannot be expressed exactly (no
// type, issuer, year or number key the portal stores holds one: such a
// filter matches nothing).
func meiliQuote(s string) (string, bool) {
	if strings.ContainsRune(s, '\\') {
		return "", false
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`, true
}

// meiliFilters returns q's filters as AND-ed expressions; ok is false when
// a filter value cannot match any document (see meiliQuote).
func meiliFilters(q Query) (fs []string, ok bool) {
	add := func(attr, value string) {
		v, vok := meiliQuote(value)
		if !vok {
			ok = false
			return
		}
		fs = append(fs, attr+" = "+v)
	}
	ok = true
	if q.Type != "" {
		add("type", NFC(q.Type))
	}
	if q.Issuer != "" {
		add("issuer", NFC(q.Issuer))
	}
	if q.Year > 0 {
		add("year", strconv.Itoa(q.Year))
	}
	if q.InForce != "" {
		add("in_force", NFC(q.InForce))
	}
	return fs, ok
}

// meiliText is the query text sent to Meilisearch: folded words, and each
// phrase in double quotes (Meilisearch's phrase syntax). Nothing else of
// what the person typed reaches the engine.
func meiliText(p Parsed) string {
	var parts []string
	for _, t := range p.Terms {
		parts = append(parts, t.Fold)
	}
	for _, g := range p.Synonyms {
		// The words as typed; Meilisearch's synonyms (meiliSettings, the same
		// list) find the other members.
		parts = append(parts, foldsText(g.Alts[0]))
	}
	for _, ph := range p.Phrases {
		w := make([]string, len(ph))
		for i, t := range ph {
			w[i] = t.Fold
		}
		parts = append(parts, `"`+strings.Join(w, " ")+`"`)
	}
	return strings.Join(parts, " ")
}

// quoteKey quotes a folded key (letters, digits, "-", spaces), which
// meiliQuote always can.
func quoteKey(k string) string {
	v, _ := meiliQuote(k)
	return v
}

// numberFilter selects the documents whose own number the query names, or
// begins with what it names ("25/CT" of 25/CT-TTg), or "" when it names
// none.
func numberFilter(p Parsed) string {
	var ors []string
	for _, k := range p.Numbers {
		ors = append(ors, "number_key = "+quoteKey(k), "number_pre = "+quoteKey(k))
	}
	for _, tn := range p.TypeNumbers {
		ors = append(ors, "(type_fold = "+quoteKey(tn.TypeFold)+" AND number_num = "+quoteKey(tn.Digits)+")")
	}
	return strings.Join(ors, " OR ")
}

// meiliRequest is the main search request for one page: page and
// hitsPerPage (not offset and limit), so that Meilisearch answers with the
// exhaustive totalHits rather than estimatedTotalHits; facets over all
// matches; every word required.
func meiliRequest(p Parsed, filters []string, page, per int) *meilisearch.SearchRequest {
	hpp := int64(per)
	req := &meilisearch.SearchRequest{
		Page: int64(page), HitsPerPage: &hpp,
		AttributesToRetrieve: []string{"src"}, Facets: []string{"type", "issuer", "year", "in_force"},
		MatchingStrategy: meilisearch.All, ShowRankingScore: true,
	}
	if len(filters) > 0 {
		req.Filter = filters
	}
	if p.Empty() {
		req.Sort = []string{"year:desc", "slug:asc"}
	}
	return req
}

// Search runs q; see Index.Search. Documents whose own number the query
// names (or whose number begins with it) come first on page 1; they are
// searched with the same words, so they are among the matches the total
// counts. The rest follow Meilisearch's ranking, with each page re-ordered
// so that exact-accent matches come before folded ones.
func (m *Meili) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	page, per := paging(q)
	p := Parse(q.Text)
	p.Typos = true // Meilisearch's typo tolerance is on (see meiliSettings)
	filters, ok := meiliFilters(q)
	if (p.Empty() && len(filters) == 0) || !ok {
		return Result{Facets: map[string][]FacetValue{}, Took: time.Since(start)}, nil
	}
	text := meiliText(p)
	// Documents named by number, put first on page 1.
	var first []Hit
	seen := map[string]bool{}
	if nf := numberFilter(p); nf != "" && page == 1 {
		res, err := m.index.Search(ctx, text, &meilisearch.SearchRequest{
			Filter: append(append([]string{}, filters...), nf), Limit: int64(per),
			AttributesToRetrieve: []string{"src"}, Sort: []string{"slug:asc"},
			MatchingStrategy: meilisearch.All,
		})
		if err != nil {
			return Result{}, fmt.Errorf("search: meilisearch: number search: %w", err)
		}
		for _, h := range res.Hits {
			d, err := meiliHitDoc(h)
			if err != nil {
				return Result{}, err
			}
			seen[d.Slug] = true
			first = append(first, hitOf(d, p, 0))
		}
	}
	res, err := m.index.Search(ctx, text, meiliRequest(p, filters, page, per))
	partial := false
	if err == nil && res.TotalHits == 0 && len(first) == 0 && p.units() >= 2 {
		// No document has every word: let Meilisearch drop the most
		// frequent words until something matches.
		partial = true
		req := meiliRequest(p, filters, page, per)
		req.MatchingStrategy = meilisearch.Frequency
		res, err = m.index.Search(ctx, text, req)
	}
	if err != nil {
		return Result{}, fmt.Errorf("search: meilisearch: search: %w", err)
	}
	out := Result{Total: int(res.TotalHits), Partial: partial && res.TotalHits > 0, Facets: map[string][]FacetValue{}}
	var rest []Hit
	for _, h := range res.Hits {
		d, err := meiliHitDoc(h)
		if err != nil {
			return Result{}, err
		}
		if seen[d.Slug] {
			continue
		}
		var score float64
		_ = json.Unmarshal(h["_rankingScore"], &score)
		rest = append(rest, hitOf(d, p, score))
	}
	if !p.Empty() {
		exactRerank(rest, p)
	}
	out.Hits = append(first, rest...)
	if len(out.Hits) > per {
		out.Hits = out.Hits[:per]
	}
	var dist map[string]map[string]int
	if len(res.FacetDistribution) > 0 {
		if err := json.Unmarshal(res.FacetDistribution, &dist); err != nil {
			return Result{}, fmt.Errorf("search: meilisearch: decode facets: %w", err)
		}
	}
	for name, vals := range dist {
		for v, n := range vals {
			if v != "" {
				out.Facets[name] = append(out.Facets[name], FacetValue{Value: v, Count: n})
			}
		}
		sortFacet(name, out.Facets[name])
	}
	out.Took = time.Since(start)
	return out, nil
}

// meiliHitDoc decodes the stored Doc of a hit.
func meiliHitDoc(h meilisearch.Hit) (Doc, error) {
	var src string
	if err := json.Unmarshal(h["src"], &src); err != nil {
		return Doc{}, fmt.Errorf("search: meilisearch: hit without stored document: %w", err)
	}
	var d Doc
	if err := json.Unmarshal([]byte(src), &d); err != nil {
		return Doc{}, fmt.Errorf("search: meilisearch: decode stored document: %w", err)
	}
	return d, nil
}

// exactRerank orders hits of one page by how many query words they match
// with the exact accents, keeping the engine's order otherwise.
func exactRerank(hits []Hit, p Parsed) {
	terms := p.AllTerms()
	exact := func(h Hit) int {
		n := 0
		for _, tok := range Tokens(h.Title + " " + h.SnippetHTML) {
			for _, t := range terms {
				if tok.Exact == t.Exact {
					n++
				}
			}
		}
		return n
	}
	counts := make(map[string]int, len(hits))
	for _, h := range hits {
		counts[h.Slug] = exact(h)
	}
	sort.SliceStable(hits, func(i, j int) bool { return counts[hits[i].Slug] > counts[hits[j].Slug] })
}

// randomSuffix returns 8 random hex characters (index names in tests).
func randomSuffix() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("search: no randomness"))
	}
	return hex.EncodeToString(b)
}
