package search

import (
	"container/list"
	"sync"
	"unicode/utf8"
)

// docView is a prepared Doc analysed once for highlighting: each text's
// words as byte ranges and ids into the document's vocabulary of folded
// keys, and the document numbers printed in it. Matching a query against it
// looks up only the query's words (and, for typos, scans the vocabulary,
// not the text); the exact-accent key is computed only for words whose
// folded key matched. A docView is read-only after newDocView and safe for
// concurrent use.
type docView struct {
	doc     Doc
	vocab   []string         // id → folded key
	ids     map[string]int32 // folded key → id
	secs    []textView       // per section: heading (unless the text starts with it) and text
	meta    textView         // metaText(doc)
	summary textView         // doc.Summary
}

// textView is one analysed text of a docView.
type textView struct {
	text  string
	spans [][2]int32 // byte range of each word (see Tokens)
	ids   []int32    // folded key id of each word
	nums  []numSpan  // document numbers printed in the text
}

// numSpan is one document number printed in a text: its key (NumberKey)
// and byte range.
type numSpan struct {
	key        string
	start, end int
}

// newDocView analyses d (prepared, NFC).
func newDocView(d Doc) *docView {
	v := &docView{doc: d, ids: map[string]int32{}}
	for _, sec := range d.Sections {
		text := sec.Text
		if sec.Heading != "" && !hasPrefix(text, sec.Heading) {
			text = sec.Heading + "\n" + text
		}
		v.secs = append(v.secs, v.analyse(text))
	}
	v.meta = v.analyse(metaText(d))
	v.summary = v.analyse(d.Summary)
	return v
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// analyse splits text into words and numbers, adding new folded keys to
// the vocabulary.
func (v *docView) analyse(text string) textView {
	t := textView{text: text}
	for _, sp := range wordSpans(text) {
		f := foldKey(cutWord(text[sp[0]:sp[1]]))
		id, ok := v.ids[f]
		if !ok {
			id = int32(len(v.vocab))
			v.vocab = append(v.vocab, f)
			v.ids[f] = id
		}
		t.spans = append(t.spans, [2]int32{int32(sp[0]), int32(sp[1])})
		t.ids = append(t.ids, id)
	}
	for _, loc := range numberRe.FindAllStringIndex(text, -1) {
		if k := NumberKey(text[loc[0]:loc[1]]); k != "" {
			t.nums = append(t.nums, numSpan{key: k, start: loc[0], end: loc[1]})
		}
	}
	return t
}

// viewMatch is a parsed query resolved against one docView's vocabulary.
type viewMatch struct {
	terms   []Term
	foldID  []int32         // per term: id of its folded key, -1 when the document lacks it
	of      map[int32][]int // word id → indexes of the terms it may match (fold or one typo), ascending
	hit     []bool          // per word id: of has it (a slice look-up per word, not a map's)
	phrases [][]int32       // fold ids of each phrase's words; nil when a word is not in the document
	numbers map[string]bool // wanted number keys
}

// match resolves p against v (see viewMatch).
func (v *docView) match(p Parsed) *viewMatch {
	m := &viewMatch{terms: p.AllTerms(), of: map[int32][]int{}}
	m.foldID = make([]int32, len(m.terms))
	marked := p.typoMarked()
	for j, t := range m.terms {
		m.foldID[j] = -1
		if id, ok := v.ids[t.Fold]; ok {
			m.foldID[j] = id
			m.of[id] = append(m.of[id], j)
		}
		if p.Typos && (t.Typo || !marked) && t.Fuzzy() {
			for id, w := range v.vocab {
				if w != t.Fold && maybeOneEdit(w, t.Fold) && withinOneEdit(w, t.Fold) {
					m.of[int32(id)] = append(m.of[int32(id)], j)
				}
			}
		}
	}
	m.hit = make([]bool, len(v.vocab))
	for id := range m.of {
		m.hit[id] = true
	}
	for _, ph := range p.Phrases {
		ids := make([]int32, len(ph))
		for k, t := range ph {
			id, ok := v.ids[t.Fold]
			if !ok {
				ids = nil
				break
			}
			ids[k] = id
		}
		m.phrases = append(m.phrases, ids)
	}
	if len(p.Numbers) > 0 {
		m.numbers = map[string]bool{}
		for _, k := range p.Numbers {
			m.numbers[k] = true
		}
	}
	return m
}

// maybeOneEdit is a cheap pre-check of withinOneEdit: ASCII keys whose
// lengths differ by more than one are further apart.
func maybeOneEdit(a, b string) bool {
	d := len(a) - len(b)
	if d >= -1 && d <= 1 {
		return true
	}
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			return true
		}
	}
	for i := 0; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// strength returns how well word i of t matches term j (match*), given
// that m.of lists j for the word.
func (t *textView) strength(m *viewMatch, i, j int) int {
	if t.ids[i] != m.foldID[j] {
		return matchFuzzy
	}
	if exactKey(cutWord(t.text[t.spans[i][0]:t.spans[i][1]])) == m.terms[j].Exact {
		return matchExact
	}
	return matchFold
}

// score is scoreText's score of t without building the marks: every term
// matched counts by its best strength, repeated matches count a little
// (at most 10), a phrase 20 and a whole wanted number 40.
func (t *textView) score(m *viewMatch) int {
	var best []int
	hits := 0
	for i, id := range t.ids {
		if !m.hit[id] {
			continue
		}
		js := m.of[id]
		if best == nil {
			best = make([]int, len(m.terms))
		}
		for _, j := range js {
			if best[j] < matchExact {
				best[j] = max(best[j], t.strength(m, i, j))
			}
			hits++
		}
	}
	s := 0
	for _, b := range best {
		s += b * 10
	}
	s += min(hits, 10)
	for _, ph := range m.phrases {
		s += 20 * len(t.phraseAt(ph))
	}
	for _, n := range t.nums {
		if m.numbers[n.key] {
			s += 40
		}
	}
	return s
}

// phraseAt returns the word indexes where the phrase ph (fold ids) starts.
func (t *textView) phraseAt(ph []int32) []int {
	if len(ph) == 0 {
		return nil
	}
	var out []int
	for i := 0; i+len(ph) <= len(t.ids); i++ {
		ok := true
		for k, id := range ph {
			if t.ids[i+k] != id {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// mark returns t scored with its marks, ready to render.
func (t *textView) mark(m *viewMatch) scored {
	s := scored{text: t.text, toks: make([]Token, len(t.spans)), marked: make([]bool, len(t.spans)), termOf: make([]int, len(t.spans))}
	for i, sp := range t.spans {
		s.toks[i] = Token{Start: int(sp[0]), End: int(sp[1])}
		s.termOf[i] = -1
		if m.hit[t.ids[i]] {
			s.marked[i] = true
			s.termOf[i] = m.of[t.ids[i]][0]
		}
	}
	for _, ph := range m.phrases {
		for _, i := range t.phraseAt(ph) {
			for k := range ph {
				s.marked[i+k] = true
			}
			s.spans = append(s.spans, span{s.toks[i].Start, s.toks[i+len(ph)-1].End})
		}
	}
	for _, n := range t.nums {
		if m.numbers[n.key] {
			s.spans = append(s.spans, span{n.start, n.end})
		}
	}
	s.score = t.score(m)
	return s
}

// viewCache keeps the docViews of the most recently shown documents, by
// fingerprint (so a changed document is never shown from an old view).
type viewCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // front: most recent; values *viewEntry
	items map[string]*list.Element
}

type viewEntry struct {
	hash string
	view *docView
}

// newViewCache returns a cache of at most n views.
func newViewCache(n int) *viewCache {
	return &viewCache{max: n, ll: list.New(), items: map[string]*list.Element{}}
}

// get returns the view of the document with fingerprint hash, building it
// with load on a miss. load's error is returned as is.
func (c *viewCache) get(hash string, load func() (Doc, error)) (*docView, error) {
	if hash != "" {
		c.mu.Lock()
		if e, ok := c.items[hash]; ok {
			c.ll.MoveToFront(e)
			v := e.Value.(*viewEntry).view
			c.mu.Unlock()
			return v, nil
		}
		c.mu.Unlock()
	}
	d, err := load()
	if err != nil {
		return nil, err
	}
	v := newDocView(d)
	if hash == "" {
		return v, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[hash]; !ok {
		c.items[hash] = c.ll.PushFront(&viewEntry{hash: hash, view: v})
		for c.ll.Len() > c.max {
			last := c.ll.Back()
			c.ll.Remove(last)
			delete(c.items, last.Value.(*viewEntry).hash)
		}
	}
	return v, nil
}
