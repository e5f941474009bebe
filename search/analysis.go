package search

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// AnalysisVersion names the current Vietnamese analysis. Engines store it
// with the index; a different stored value means the index was built by an
// older analyser and is rebuilt from scratch on start. Bump it whenever Exact,
// Fold, Tokens or NumberKey change what they return, or what is indexed per
// document changes (vi-analysis-2: number prefixes; vi-analysis-3: number with
// year, whole-subject keys, word pairs; vi-analysis-4: a word of digits
// without its leading zeros, a document's date of issue in its metadata).
const AnalysisVersion = "vi-analysis-4"

// Tone marks of Vietnamese (combining characters after NFD). The vowel
// quality marks (circumflex U+0302, breve U+0306, horn U+031B) are not tones:
// they make different letters (â, ă, ơ…).
const (
	toneNone  = 0
	toneGrave = 1 // huyền, U+0300
	toneAcute = 2 // sắc, U+0301
	toneTilde = 3 // ngã, U+0303
	toneHook  = 4 // hỏi, U+0309
	toneDot   = 5 // nặng, U+0323
)

// letterInfo describes one lower-case Latin letter as Vietnamese sees it.
type letterInfo struct {
	bare rune  // the letter without its tone mark but with its quality mark (ấ → â)
	tone uint8 // tone*
	fold byte  // the ASCII letter it folds to (ấ → a, đ → d)
}

var (
	// letters maps a lower-case precomposed Latin letter to its parts.
	letters = map[rune]letterInfo{}
	// compose maps (bare letter, tone) back to the precomposed letter.
	compose = map[[2]rune]rune{}
)

func init() {
	add := func(r rune) {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) == 0 || d[0] > unicode.MaxASCII || !unicode.IsLower(d[0]) {
			return
		}
		var tone uint8
		var quality []rune
		for _, m := range d[1:] {
			switch m {
			case '\u0300':
				tone = toneGrave
			case '\u0301':
				tone = toneAcute
			case '\u0303':
				tone = toneTilde
			case '\u0309':
				tone = toneHook
			case '\u0323':
				tone = toneDot
			default:
				quality = append(quality, m)
			}
		}
		bare := []rune(norm.NFC.String(string(append([]rune{d[0]}, quality...))))
		if len(bare) != 1 {
			return // a combination Vietnamese does not use
		}
		letters[r] = letterInfo{bare: bare[0], tone: tone, fold: byte(d[0])}
		if _, ok := compose[[2]rune{bare[0], rune(tone)}]; !ok {
			compose[[2]rune{bare[0], rune(tone)}] = r
		}
	}
	for r := rune('a'); r <= 'z'; r++ {
		add(r)
	}
	for r := rune(0x00C0); r <= 0x024F; r++ {
		add(unicode.ToLower(r))
	}
	for r := rune(0x1E00); r <= 0x1EFF; r++ {
		add(unicode.ToLower(r))
	}
	// Unicode does not decompose đ: it is its own letter that folds to d.
	letters['đ'] = letterInfo{bare: 'đ', fold: 'd'}
	compose[[2]rune{'đ', 0}] = 'đ'
}

// NFC returns s as valid UTF-8 in Unicode normalisation form C. Invalid
// bytes are replaced by U+FFFD so that everything downstream sees valid text.
func NFC(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return norm.NFC.String(s)
}

// isVowel reports whether the bare (toneless) lower-case letter r is a
// Vietnamese vowel.
func isVowel(r rune) bool {
	switch r {
	case 'a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y':
		return true
	}
	return false
}

// hasQuality reports whether the bare vowel r carries a quality mark (â ă ê ô ơ ư).
func hasQuality(r rune) bool {
	switch r {
	case 'ă', 'â', 'ê', 'ô', 'ơ', 'ư':
		return true
	}
	return false
}

// Exact returns the exact-accent key of one word: NFC, lower-case, and the
// tone mark moved to one canonical place, so that the two placements in
// common use give the same key ("hoà" and "hòa" → "hòa", "thuỷ" and "thủy"
// → "thủy", "tuý" and "túy" → "túy"). The canonical place is the classic one
// (tone on the first vowel of an open oa/oe/uy), which is what the plan and
// most official texts use. Words that are not Vietnamese syllables are only
// lower-cased. word must be one token (see Tokens); it may be NFD.
func Exact(word string) string { return exactKey(NFC(word)) }

// exactKey is Exact for a word already in NFC.
func exactKey(word string) string {
	if k, ok := digitsKey(word); ok {
		return k
	}
	rs := []rune(word)
	bare := make([]rune, len(rs))
	var tone uint8
	for i, r := range rs {
		r = unicode.ToLower(r)
		if li, ok := letters[r]; ok {
			bare[i] = li.bare
			if li.tone != toneNone {
				if tone != toneNone {
					// Two tone marks: not a Vietnamese syllable; keep as typed.
					return lower(word)
				}
				tone = li.tone
			}
		} else {
			bare[i] = r
		}
	}
	if tone == toneNone {
		return string(bare)
	}
	pos := tonePosition(bare)
	if pos < 0 {
		return lower(word)
	}
	if c, ok := compose[[2]rune{bare[pos], rune(tone)}]; ok {
		bare[pos] = c
		return string(bare)
	}
	return lower(word)
}

func lower(s string) string { return strings.ToLower(s) }

// digitsKey returns the key of a word of ASCII digits that starts with a
// zero: the word without its leading zeros ("09" → "9", "007" → "7"; "00"
// → "0"), and true; false for any other word, which keeps its key. Days and months are written both ways ("ngày 05/6/2017",
// "ngày 5/6/2017"; the portal prints 14/9/2017 for a plan dated 14/09/2017),
// and either spelling must find the other.
func digitsKey(w string) (string, bool) {
	if len(w) < 2 || w[0] != '0' {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return "", false
		}
	}
	k := strings.TrimLeft(w, "0")
	if k == "" {
		k = "0"
	}
	return k, true
}

// tonePosition returns the index in the toneless syllable s of the vowel that
// carries the tone mark, or -1 when s has no vowel. Rules (classic placement):
// "qu" and "gi" before another vowel are consonants; in "ươ" the tone goes on
// ơ; otherwise on the last vowel with a quality mark; otherwise on the only
// vowel; otherwise, with a final consonant, on the last vowel; otherwise on
// the middle of three vowels or the first of two.
func tonePosition(s []rune) int {
	start := -1
	for i, r := range s {
		if isVowel(r) {
			start = i
			break
		}
	}
	if start < 0 {
		return -1
	}
	if start > 0 && start+1 < len(s) && isVowel(s[start+1]) {
		prev := s[start-1]
		if (prev == 'q' && s[start] == 'u') || (prev == 'g' && s[start] == 'i') {
			start++
		}
	}
	end := start
	for end < len(s) && isVowel(s[end]) {
		end++
	}
	cluster := s[start:end]
	for i := 0; i+1 < len(cluster); i++ {
		if cluster[i] == 'ư' && cluster[i+1] == 'ơ' {
			return start + i + 1
		}
	}
	for i := len(cluster) - 1; i >= 0; i-- {
		if hasQuality(cluster[i]) {
			return start + i
		}
	}
	switch {
	case len(cluster) == 1:
		return start
	case end < len(s):
		return end - 1
	case len(cluster) >= 3:
		return start + 1
	default:
		return start
	}
}

// Fold returns s lower-cased with every diacritic removed, including the
// stroke of đ/Đ (which Unicode does not decompose) and the marks of vowels
// that carry two (ấ, ớ, ứ, ệ → a, o, u, e). Other characters are kept
// lower-cased. s may be in any normalisation form.
func Fold(s string) string { return foldKey(NFC(s)) }

// foldKey is Fold for text already in NFC.
func foldKey(s string) string {
	if k, ok := digitsKey(s); ok {
		return k
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b.WriteByte(byte(r))
			continue
		}
		if li, ok := letters[r]; ok {
			b.WriteByte(li.fold)
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a leftover combining mark
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Token is one word of a text: a run of letters and digits.
type Token struct {
	// Start and End are byte offsets of the word in the text given to Tokens.
	Start, End int
	// Exact is the word's exact-accent key (see Exact).
	Exact string
	// Fold is the word's folded key (see Fold).
	Fold string
}

// isWordRune reports whether r belongs to a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokens splits text into words: maximal runs of letters, digits and
// combining marks. Everything else (spaces, punctuation, "/", "-") separates
// words, so "424/QĐ-TTg" is the three words 424, qđ, ttg (the whole number is
// recognised separately by Numbers). text must be NFC (see NFC) for the
// offsets to be meaningful; invalid UTF-8 separates words.
func Tokens(text string) []Token {
	spans := wordSpans(text)
	out := make([]Token, len(spans))
	for i, sp := range spans {
		out[i] = newToken(text, sp[0], sp[1])
	}
	return out
}

// wordSpans returns the byte ranges of the words of text (see Tokens),
// without computing their keys.
func wordSpans(text string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range text {
		w := r != utf8.RuneError && isWordRune(r)
		if w && start < 0 {
			start = i
		} else if !w && start >= 0 {
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(text)})
	}
	return out
}

// cutWord returns w cut to at most maxTokenBytes, at a rune boundary.
func cutWord(w string) string {
	if len(w) <= maxTokenBytes {
		return w
	}
	cut := maxTokenBytes
	for cut > 0 && !utf8.RuneStart(w[cut]) {
		cut--
	}
	return w[:cut]
}

// maxTokenBytes bounds one indexed word: longer runs are cut (a 100-character
// "word" is never something a person searches for).
const maxTokenBytes = 120

func newToken(text string, start, end int) Token {
	w := cutWord(text[start:end])
	return Token{Start: start, End: end, Exact: exactKey(w), Fold: foldKey(w)}
}

// numberRe matches a document number (số hiệu) as printed: digits, then one
// or more parts joined by "/" or "-", e.g. "424/QĐ-TTg", "95-KL/TW",
// "94/2010/NĐ-CP", "245/KH-UBQG-BCA". Spaces around the joiners are allowed
// ("25 / CT - TTg").
var numberRe = regexp.MustCompile(`\d+(?:\s*[/\-–]\s*[\p{L}\p{N}]+)+`)

// Numbers returns the normalised keys (see NumberKey) of the document
// numbers printed in text, in order of first appearance, without repeats.
// Only numbers with at least one letter count, so dates such as 14/9/2017 are
// not numbers.
func Numbers(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range numberRe.FindAllString(text, -1) {
		k := NumberKey(m)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// NumberKey returns the normalised key of a document number: folded,
// lower-case, parts joined by "-", so "424/QĐ-TTg", "424/QD-TTg",
// "424 qd ttg" and "424-qđ-ttg" all give "424-qd-ttg". It returns "" when s
// has no letter or no digit (not a document number).
func NumberKey(s string) string {
	var parts []string
	hasLetter, hasDigit := false, false
	for _, t := range Tokens(NFC(s)) {
		parts = append(parts, t.Fold)
		for _, r := range t.Fold {
			if unicode.IsDigit(r) {
				hasDigit = true
			} else {
				hasLetter = true
			}
		}
	}
	if !hasLetter || !hasDigit {
		return ""
	}
	return strings.Join(parts, "-")
}

// leadingDigits returns the digits that start a document number key
// ("424-qd-ttg" → "424"), or "".
func leadingDigits(key string) string {
	i := 0
	for i < len(key) && key[i] >= '0' && key[i] <= '9' {
		i++
	}
	return key[:i]
}
