package search

import (
	"html"
	"sort"
	"strings"
)

// Match strengths of one word against one query term.
const (
	matchNone  = 0
	matchFuzzy = 1 // one typo away, folded
	matchFold  = 2 // same letters, other accents
	matchExact = 3 // same accents (tone placement normalised)
)

// termMatch returns how well the word tok matches the query term t; words
// one edit away count only when typos forgives them.
func termMatch(tok Token, t Term, typos bool) int {
	switch {
	case tok.Exact == t.Exact:
		return matchExact
	case tok.Fold == t.Fold:
		return matchFold
	case typos && t.Fuzzy() && withinOneEdit(tok.Fold, t.Fold):
		return matchFuzzy
	}
	return matchNone
}

// withinOneEdit reports whether a and b differ by at most one inserted,
// deleted or substituted character (Levenshtein distance ≤ 1).
func withinOneEdit(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	if len(ra)-len(rb) > 1 {
		return false
	}
	i, j, edits := 0, 0, 0
	for i < len(ra) && j < len(rb) {
		if ra[i] == rb[j] {
			i++
			j++
			continue
		}
		edits++
		if edits > 1 {
			return false
		}
		if len(ra) == len(rb) {
			j++
		}
		i++
	}
	return edits+(len(ra)-i) <= 1
}

// span is a byte range of a text to wrap in <mark>.
type span struct{ start, end int }

// scored is one candidate text (a section or the metadata) with its score
// and what to mark in it.
type scored struct {
	text   string
	toks   []Token // Start and End only: the words' byte ranges
	marked []bool  // per token
	spans  []span  // number and phrase spans
	score  int
	termOf []int // per token: index of the term it matched, or -1
}

// scoreText finds p's matches in text (NFC) and scores them: every query
// term matched counts by its best strength, a whole document number or a
// phrase counts more, repeated matches count a little.
func scoreText(text string, p Parsed) scored {
	v := newDocView(Doc{Sections: []Section{{Text: text}}})
	return v.secs[0].mark(v.match(p))
}

// snippetTokens is the length of a snippet in words.
const snippetTokens = 30

// render returns an HTML-escaped excerpt of s around its densest matches,
// with matches wrapped in <mark>.
func (s scored) render() string {
	if len(s.toks) == 0 {
		return html.EscapeString(s.text)
	}
	// Choose the window start with the most distinct matched terms.
	first := 0
	bestDistinct, bestCount := -1, -1
	for i := range s.toks {
		if !s.marked[i] && !s.inSpan(i) {
			continue
		}
		distinct := map[int]bool{}
		count := 0
		for k := i; k < len(s.toks) && k < i+snippetTokens-6; k++ {
			if s.marked[k] || s.inSpan(k) {
				count++
				distinct[s.termOf[k]] = true
			}
		}
		if len(distinct) > bestDistinct || (len(distinct) == bestDistinct && count > bestCount) {
			bestDistinct, bestCount, first = len(distinct), count, i
		}
	}
	start := max(first-6, 0)
	end := min(start+snippetTokens, len(s.toks))
	if end-start < snippetTokens {
		start = max(end-snippetTokens, 0)
	}
	from, to := s.toks[start].Start, s.toks[end-1].End
	if start == 0 {
		from = 0
	}
	if end == len(s.toks) {
		to = len(s.text)
	}
	var marks []span
	for i := start; i < end; i++ {
		if s.marked[i] {
			marks = append(marks, span{s.toks[i].Start, s.toks[i].End})
		}
	}
	for _, sp := range s.spans {
		if sp.start >= from && sp.end <= to {
			marks = append(marks, sp)
		}
	}
	marks = mergeSpans(marks)
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	pos := from
	for _, m := range marks {
		if m.start < pos {
			continue
		}
		b.WriteString(html.EscapeString(s.text[pos:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(s.text[m.start:m.end]))
		b.WriteString("</mark>")
		pos = m.end
	}
	b.WriteString(html.EscapeString(s.text[pos:to]))
	if to < len(s.text) {
		b.WriteString(" …")
	}
	return strings.TrimSpace(b.String())
}

// inSpan reports whether token i lies inside a marked number.
func (s scored) inSpan(i int) bool {
	for _, sp := range s.spans {
		if s.toks[i].Start >= sp.start && s.toks[i].End <= sp.end {
			return true
		}
	}
	return false
}

// mergeSpans sorts spans and joins overlapping or touching ones.
func mergeSpans(in []span) []span {
	if len(in) == 0 {
		return nil
	}
	sort.Slice(in, func(i, j int) bool { return in[i].start < in[j].start })
	out := []span{in[0]}
	for _, sp := range in[1:] {
		last := &out[len(out)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// Describe picks the part of d that best matches the parsed query p and
// renders its snippet: the best-matching section (anchor, heading, snippet)
// when a section matches, else the metadata (empty anchor, snippet of the
// summary or title). Both engines use it, so highlighting follows the same
// Vietnamese rules as matching (folding, both tone placements, one typo,
// whole numbers). d must be prepared (NFC). The snippet is HTML-escaped with
// <mark> around matches. It analyses d once; engines that show the same
// document often keep its DocView (see newDocView) instead.
func Describe(d Doc, p Parsed) (anchor, heading, snippetHTML string) {
	return newDocView(d).describe(p)
}

// describe is Describe over an analysed document: only the query's words
// are looked up, and only the chosen text's marks are computed and
// rendered.
func (v *docView) describe(p Parsed) (anchor, heading, snippetHTML string) {
	m := v.match(p)
	best, bestIdx := 0, -1
	for i := range v.secs {
		if s := v.secs[i].score(m); s > best {
			best, bestIdx = s, i
		}
	}
	meta := v.meta.score(m)
	if bestIdx >= 0 && best > 0 && best >= meta-10 {
		sec := v.doc.Sections[bestIdx]
		return sec.Anchor, sec.Heading, v.secs[bestIdx].mark(m).render()
	}
	if meta == 0 && bestIdx < 0 && v.doc.Summary != "" {
		return "", "", v.summary.mark(m).render()
	}
	return "", "", v.meta.mark(m).render()
}

// metaText is the text of d's catalogue facts shown in a metadata snippet.
func metaText(d Doc) string {
	var parts []string
	for _, s := range []string{d.Number, d.Title, d.Issuer, d.Summary} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}
