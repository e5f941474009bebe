package search

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
)

// synonymsText is the shipped list of synonyms and spellings: one class a
// line, members separated by "|", "#" starts a comment.
//
//go:embed data/synonyms.txt
var synonymsText string

// synonymClass is one line of the list: every member as analysed words.
type synonymClass [][]Term

// synonymKey is one member of a class, as folded words, for matching the
// words of a query.
type synonymKey struct {
	folds []string
	class int
}

// loadSynonyms returns the parsed list: classes, and their members longest
// first (so "ma túy đá" wins over a shorter member inside it). It is parsed
// on first use: the analysis tables it needs are built by init functions.
var loadSynonyms = sync.OnceValue(func() synonymList { return parseSynonyms(synonymsText) })

type synonymList struct {
	classes []synonymClass
	keys    []synonymKey
}

// parseSynonyms reads the list format of data/synonyms.txt. Members that
// analyse to no word are skipped; a class needs two members.
func parseSynonyms(text string) synonymList {
	var l synonymList
	for _, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		var class synonymClass
		for _, m := range strings.Split(line, "|") {
			var words []Term
			for _, tok := range Tokens(m) {
				words = append(words, Term{Exact: tok.Exact, Fold: tok.Fold})
			}
			if len(words) > 0 {
				class = append(class, words)
			}
		}
		if len(class) < 2 {
			continue
		}
		for _, m := range class {
			k := synonymKey{class: len(l.classes)}
			for _, t := range m {
				k.folds = append(k.folds, t.Fold)
			}
			l.keys = append(l.keys, k)
		}
		l.classes = append(l.classes, class)
	}
	sort.SliceStable(l.keys, func(i, j int) bool { return len(l.keys[i].folds) > len(l.keys[j].folds) })
	return l
}

// Synonym is a group of query words that has synonyms: one of Alts must
// match. Alts[0] are the words as typed; an alternative of one word
// matches as a word, a longer one as a phrase.
type Synonym struct {
	Alts [][]Term
}

// apply takes the words of terms that are members of a class out of terms
// and returns them as Synonym groups. Parts of document numbers are left
// alone.
func (l synonymList) apply(terms []Term) ([]Term, []Synonym) {
	var rest []Term
	var groups []Synonym
	for i := 0; i < len(terms); {
		matched := false
		for _, k := range l.keys {
			if i+len(k.folds) > len(terms) {
				continue
			}
			ok := true
			for j, f := range k.folds {
				if terms[i+j].InNumber || terms[i+j].Fold != f {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			typed := append([]Term(nil), terms[i:i+len(k.folds)]...)
			g := Synonym{Alts: [][]Term{typed}}
			for _, m := range l.classes[k.class] {
				if !sameFolds(m, typed) {
					g.Alts = append(g.Alts, m)
				}
			}
			groups = append(groups, g)
			i += len(k.folds)
			matched = true
			break
		}
		if !matched {
			rest = append(rest, terms[i])
			i++
		}
	}
	return rest, groups
}

func sameFolds(a, b []Term) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Fold != b[i].Fold {
			return false
		}
	}
	return true
}

// meiliSynonyms is the list in Meilisearch's form: each member (folded
// words, as Meilisearch indexes them) → every other member.
func meiliSynonyms() map[string][]string {
	out := map[string][]string{}
	for _, c := range loadSynonyms().classes {
		for i, m := range c {
			key := foldsText(m)
			for j, o := range c {
				if i != j && foldsText(o) != key && !containsString(out[key], foldsText(o)) {
					out[key] = append(out[key], foldsText(o))
				}
			}
		}
	}
	return out
}

func foldsText(ts []Term) string {
	w := make([]string, len(ts))
	for i, t := range ts {
		w[i] = t.Fold
	}
	return strings.Join(w, " ")
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
