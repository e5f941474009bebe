package search

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxQueryRunes is the longest query accepted, in characters (runes). A
// longer query is refused by CheckQuery; Parse cuts it here as a last guard.
const MaxQueryRunes = 200

// maxTerms bounds the words of one query that engines search for, so that a
// long query cannot build an expensive engine query.
const maxTerms = 16

// FuzzyMinRunes is the shortest word (in letters) for which one typo is
// forgiven: "Metadone" finds "Methadone", but "ma" does not find "mà" by typo.
const FuzzyMinRunes = 5

// Errors of CheckQuery. Callers show their own Vietnamese message naming the
// field ("Từ khóa").
var (
	ErrQueryInvalidUTF8 = errors.New("search: query is not valid UTF-8")
	ErrQueryTooLong     = errors.New("search: query is too long")
)

// CheckQuery reports whether s is acceptable as a query: valid UTF-8 and at
// most MaxQueryRunes characters after NFC normalisation.
func CheckQuery(s string) error {
	if !utf8.ValidString(s) {
		return ErrQueryInvalidUTF8
	}
	if utf8.RuneCountInString(NFC(s)) > MaxQueryRunes {
		return ErrQueryTooLong
	}
	return nil
}

// Term is one analysed query word.
type Term struct {
	Exact string // exact-accent key, e.g. "túy"
	Fold  string // folded key, e.g. "tuy"
	// InNumber says the word is part of a document number the query names
	// (see Parsed.Numbers); engines rank by the whole number, not its parts.
	InNumber bool
	// Typo is set by an engine that found the word nowhere in its
	// dictionary (exact or folded) and searched it with one typo forgiven;
	// words the index holds are searched as typed (Bleve).
	Typo bool
	// Keyboard is the syllable the word stands for when it reads as a
	// Telex or VNI left-over ("tooij" → "tội", see DecodeKeyboard); an
	// engine that finds the word as typed nowhere searches this instead.
	Keyboard string `json:",omitempty"`
	// InNumberYear says the word is the number or the year of a
	// number-with-year the query names (Parsed.NumberYears): the engine
	// requires that reference instead of the word.
	InNumberYear bool `json:",omitempty"`
}

// Fuzzy reports whether one typo is forgiven in t: words of FuzzyMinRunes
// letters or more, without digits.
func (t Term) Fuzzy() bool {
	if utf8.RuneCountInString(t.Fold) < FuzzyMinRunes {
		return false
	}
	for _, r := range t.Fold {
		if unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// TypeNumber is a query naming a document by its type and number, such as
// "quyết định 424" or "quyet dinh so 424".
type TypeNumber struct {
	TypeFold string // folded type, e.g. "quyet dinh"
	Digits   string // e.g. "424"
}

// NumberYear is a document number written with its year but without its
// code, such as "144/2021": the Nghị định 144/2021/NĐ-CP, or a text
// numbered 144 and issued in 2021.
type NumberYear struct {
	Digits string // "144"
	Year   string // "2021"
}

// WrittenNumber is a document number written whole in a query.
type WrittenNumber struct {
	Key  string // NumberKey, e.g. "9876-qd-ttg"
	Text string // as typed (NFC, trimmed), e.g. "9876/QĐ-TTg"
}

// Parsed is a query after analysis; every engine builds its own query from
// it and the highlighter marks what it names. The raw text is never given to
// an engine's query syntax.
type Parsed struct {
	// Terms are the free words, each required (all words must match).
	Terms []Term
	// Phrases are the quoted phrases of two words or more, each required as
	// consecutive words.
	Phrases [][]Term
	// Numbers are the document-number keys the query may name (see
	// NumberKey): "424/QĐ-TTg" and "424 qd ttg" both give "424-qd-ttg".
	Numbers []string
	// TypeNumbers are type-and-number references ("quyết định 424").
	TypeNumbers []TypeNumber
	// Synonyms are free words that have synonyms or other spellings
	// (data/synonyms.txt): each group is required, any alternative matching.
	// Their words are not in Terms.
	Synonyms []Synonym
	// Typos is set by an engine that forgave typos for this query; the
	// highlighter then also marks words one edit away from a query word.
	Typos bool
	// NumberYears are the numbers written with a year and no code
	// ("144/2021").
	NumberYears []NumberYear
	// Written are the document numbers written whole ("9876/QĐ-TTg",
	// "25/CT"), in order: engines say when no document has one.
	Written []WrittenNumber
	// Words are the folded words of the whole query in order (phrases'
	// too), before synonyms: an engine ranks a document whose whole
	// subject is these words first, and documents where neighbouring
	// words stand together above those where they are apart.
	Words []string
	// Decoded is set by an engine that searched Telex or VNI left-overs
	// as the syllables they stand for (Term.Keyboard).
	Decoded bool
}

// Empty reports whether p has nothing to search for.
func (p Parsed) Empty() bool {
	return len(p.Terms) == 0 && len(p.Phrases) == 0 && len(p.Synonyms) == 0
}

// units is the number of separately required parts of p: free words,
// synonym groups and phrases.
func (p Parsed) units() int { return len(p.Terms) + len(p.Synonyms) + len(p.Phrases) }

// typoMarked reports whether an engine marked single words as typos (see
// Term.Typo); when none is marked, Typos applies to every fuzzy word.
func (p Parsed) typoMarked() bool {
	for _, t := range p.Terms {
		if t.Typo {
			return true
		}
	}
	return false
}

// hasFuzzy reports whether a free word of p may be fuzzy (see Term.Fuzzy).
func (p Parsed) hasFuzzy() bool {
	for _, t := range p.Terms {
		if !t.InNumber && t.Fuzzy() {
			return true
		}
	}
	return false
}

// AllTerms returns the free words, the words of the phrases, the words of
// each synonym group as typed and its one-word alternatives (the words of a
// longer alternative, such as "mê ta đôn", are too common alone to mark).
func (p Parsed) AllTerms() []Term {
	out := append([]Term(nil), p.Terms...)
	for _, ph := range p.Phrases {
		out = append(out, ph...)
	}
	for _, g := range p.Synonyms {
		for i, alt := range g.Alts {
			if i == 0 || len(alt) == 1 {
				out = append(out, alt...)
			}
		}
	}
	return out
}

// typeFolds maps the folded name of each document type to itself; a query
// "quyet dinh 424" names the Quyết định numbered 424.
var typeFolds = map[string]bool{
	"ke hoach": true, "chi thi": true, "quyet dinh": true, "nghi quyet": true,
	"ket luan": true, "thong bao": true, "luat": true, "nghi dinh": true,
	"thong tu": true, "cong van": true,
}

// typeAbbrevs maps the abbreviation of a type used in numbers ("QĐ" in
// 424/QĐ-TTg) to the folded type, so "QĐ 424" names Quyết định 424.
var typeAbbrevs = map[string]string{
	"qd": "quyet dinh", "ct": "chi thi", "kh": "ke hoach", "nq": "nghi quyet",
	"kl": "ket luan", "tb": "thong bao", "nd": "nghi dinh", "tt": "thong tu",
}

// isQuote reports whether r opens or closes a quoted phrase: the ASCII double
// quote and the typographic quotes phones insert.
func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '«', '»':
		return true
	}
	return false
}

// Parse analyses what a person typed. It never fails: invalid UTF-8 is
// repaired, the text is cut at MaxQueryRunes, and at most maxTerms words are
// kept. Quoted parts ("giảm tác hại") become phrases; an unpaired quote is
// ignored. Document numbers are recognised whole ("424/QĐ-TTg"), spaced
// ("424 qd ttg") and by type and number ("quyết định 424"); the word "số"
// before a number is not required.
func Parse(text string) Parsed {
	// NFKC, for queries only: full-width letters and digits from some
	// phone keyboards ("ｍａ ｔｕｙ", "４２４") become plain ones. It leaves
	// Vietnamese letters as NFC has them.
	text = norm.NFKC.String(NFC(text))
	if utf8.RuneCountInString(text) > MaxQueryRunes {
		text = string([]rune(text)[:MaxQueryRunes])
	}
	var p Parsed
	seenNum := map[string]bool{}
	addNum := func(k string) {
		if k != "" && !seenNum[k] {
			seenNum[k] = true
			p.Numbers = append(p.Numbers, k)
		}
	}
	for _, loc := range numberRe.FindAllStringIndex(text, -1) {
		m := text[loc[0]:loc[1]]
		if k := NumberKey(m); k != "" && !seenNum[k] {
			p.Written = append(p.Written, WrittenNumber{Key: k, Text: strings.TrimSpace(m)})
		}
		addNum(NumberKey(m))
	}
	p.NumberYears = numberYears(text)
	for _, t := range Tokens(text) {
		if len(p.Words) < maxTerms {
			p.Words = append(p.Words, t.Fold)
		}
	}

	// Split into unquoted and quoted parts.
	var parts []string
	var quoted []bool
	var cur strings.Builder
	inQuote := false
	quoteCount := 0
	for _, r := range text {
		if isQuote(r) {
			quoteCount++
		}
	}
	paired := quoteCount - quoteCount%2 // an odd last quote is ignored
	seen := 0
	for _, r := range text {
		if isQuote(r) {
			seen++
			if seen > paired {
				cur.WriteRune(' ')
				continue
			}
			parts = append(parts, cur.String())
			quoted = append(quoted, inQuote)
			cur.Reset()
			inQuote = !inQuote
			continue
		}
		cur.WriteRune(r)
	}
	parts = append(parts, cur.String())
	quoted = append(quoted, inQuote)

	count := 0
	var free []Term
	for i, part := range parts {
		toks := Tokens(part)
		terms := make([]Term, 0, len(toks))
		for _, t := range toks {
			if count >= maxTerms {
				break
			}
			count++
			terms = append(terms, Term{Exact: t.Exact, Fold: t.Fold})
		}
		if quoted[i] && len(terms) >= 2 {
			p.Phrases = append(p.Phrases, terms)
			continue
		}
		free = append(free, terms...)
	}

	// Numbers written with spaces: a run of digits followed by up to three
	// short words ("424 qd ttg"); type and number ("quyết định số 424").
	for i, t := range free {
		if !allDigits(t.Fold) {
			continue
		}
		key := t.Fold
		for j := i + 1; j < len(free) && j <= i+3; j++ {
			w := free[j].Fold
			if utf8.RuneCountInString(w) > 8 {
				break
			}
			key += "-" + w
			addNum(key)
		}
		k := i - 1
		if k >= 0 && free[k].Fold == "so" {
			k--
		}
		if k >= 1 {
			tf := free[k-1].Fold + " " + free[k].Fold
			if typeFolds[tf] {
				p.TypeNumbers = append(p.TypeNumbers, TypeNumber{TypeFold: tf, Digits: t.Fold})
			}
		}
		if k >= 0 && typeAbbrevs[free[k].Fold] != "" {
			p.TypeNumbers = append(p.TypeNumbers, TypeNumber{TypeFold: typeAbbrevs[free[k].Fold], Digits: t.Fold})
		}
		if k >= 0 && free[k].Fold == "luat" {
			p.TypeNumbers = append(p.TypeNumbers, TypeNumber{TypeFold: "luat", Digits: t.Fold})
		}
	}
	// Words that are parts of a recognised whole number.
	numParts := map[string]bool{}
	for _, k := range p.Numbers {
		for _, w := range strings.Split(k, "-") {
			numParts[w] = true
		}
	}
	nyParts := map[string]bool{}
	for _, ny := range p.NumberYears {
		nyParts[ny.Digits], nyParts[ny.Year] = true, true
	}
	for i := range free {
		free[i].InNumber = numParts[free[i].Fold]
		if nyParts[free[i].Fold] {
			free[i].InNumber, free[i].InNumberYear = true, true
		}
		if dec, ok := DecodeKeyboard(free[i].Exact); ok {
			free[i].Keyboard = dec
		}
	}
	// "số" right before a number is a filler word, not required.
	for i, t := range free {
		if t.Fold == "so" && i+1 < len(free) && allDigits(free[i+1].Fold) {
			continue
		}
		p.Terms = append(p.Terms, t)
	}
	p.Terms, p.Synonyms = loadSynonyms().apply(p.Terms)
	return p
}

// numberYearRe matches a number written with its year and no code:
// "144/2021", "144 / 2021".
var numberYearRe = regexp.MustCompile(`(\d{1,5})\s*/\s*((?:19|20)\d\d)`)

// numberYears returns the numbers-with-year of text that are not part of a
// longer number ("144/2021/NĐ-CP" is a whole number) or a date
// ("14/9/2021").
func numberYears(text string) []NumberYear {
	var out []NumberYear
	for _, m := range numberYearRe.FindAllStringSubmatchIndex(text, -1) {
		prev, _ := utf8.DecodeLastRuneInString(text[:m[0]])
		next, _ := utf8.DecodeRuneInString(text[m[1]:])
		if isWordRune(prev) || isWordRune(next) {
			continue // inside a longer word or number
		}
		before := strings.TrimRight(text[:m[0]], " ")
		after := strings.TrimLeft(text[m[1]:], " ")
		if strings.HasSuffix(before, "/") || strings.HasSuffix(before, "-") ||
			strings.HasPrefix(after, "/") || strings.HasPrefix(after, "-") || strings.HasPrefix(after, "–") {
			continue // a date (14/9/2021) or a whole number (144/2021/NĐ-CP)
		}
		out = append(out, NumberYear{Digits: text[m[2]:m[3]], Year: text[m[4]:m[5]]})
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// searchedAs is the query p as searched, for a person to read: its words
// in order (decoded where Term.Keyboard was used), phrases quoted.
func searchedAs(p Parsed) string {
	var parts []string
	for _, t := range p.Terms {
		parts = append(parts, t.Exact)
	}
	for _, g := range p.Synonyms {
		var ws []string
		for _, t := range g.Alts[0] {
			ws = append(ws, t.Exact)
		}
		parts = append(parts, strings.Join(ws, " "))
	}
	for _, ph := range p.Phrases {
		var ws []string
		for _, t := range ph {
			ws = append(ws, t.Exact)
		}
		parts = append(parts, "“"+strings.Join(ws, " ")+"”")
	}
	return strings.Join(parts, " ")
}

// pair is the pair term ("phong chong", see the fPairs field) of a query
// of exactly two free words, or "" for any other query (numbers, phrases,
// one word or more than two).
func (p Parsed) pair() string {
	if len(p.Words) != 2 || len(p.Numbers) > 0 || len(p.NumberYears) > 0 || len(p.Phrases) > 0 || p.Empty() {
		return ""
	}
	return p.Words[0] + " " + p.Words[1]
}
