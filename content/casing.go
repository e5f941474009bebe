package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word split into leading punctuation,
// the core (letters, digits and the inner characters of a number such as
// "25/CT-TTg") and trailing punctuation: "“TIẾP" → {"“", "TIẾP", ""}.
type token struct{ pre, core, post string }

func tokenize(s string) []token {
	fields := strings.Fields(s)
	toks := make([]token, 0, len(fields))
	for _, f := range fields {
		start := strings.IndexFunc(f, isWordRune)
		if start < 0 {
			toks = append(toks, token{pre: f})
			continue
		}
		end := strings.LastIndexFunc(f, isWordRune)
		_, size := utf8.DecodeRuneInString(f[end:])
		toks = append(toks, token{pre: f[:start], core: f[start : end+size], post: f[end+size:]})
	}
	return toks
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func joinTokens(toks []token) string {
	var sb strings.Builder
	for i, t := range toks {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(t.pre)
		sb.WriteString(t.core)
		sb.WriteString(t.post)
	}
	return sb.String()
}

// properPhrases are names that keep capitals inside a lower-cased phrase,
// as written in Vietnamese official texts (Nghị định 30/2020/NĐ-CP, phụ lục
// II on capitalisation of organ names). Longest first.
var properPhrases = [][2]string{
	{"đảng cộng sản việt nam", "Đảng Cộng sản Việt Nam"},
	{"ban chấp hành trung ương", "Ban Chấp hành Trung ương"},
	{"ủy ban thường vụ quốc hội", "Ủy ban Thường vụ Quốc hội"},
	{"ủy ban mặt trận tổ quốc", "Ủy ban Mặt trận Tổ quốc"},
	{"thủ tướng chính phủ", "Thủ tướng Chính phủ"},
	{"văn phòng chính phủ", "Văn phòng Chính phủ"},
	{"mặt trận tổ quốc", "Mặt trận Tổ quốc"},
	{"bộ công thương", "Bộ Công Thương"},
	{"sở công thương", "Sở Công Thương"},
	{"ban bí thư", "Ban Bí thư"},
	{"ban chỉ đạo", "Ban Chỉ đạo"},
	{"bộ chính trị", "Bộ Chính trị"},
	{"chính phủ", "Chính phủ"},
	{"quốc hội", "Quốc hội"},
	{"trung ương", "Trung ương"},
	{"việt nam", "Việt Nam"},
}

// adminUnits are the words that introduce a place name, whose words are
// then capitalised: "tỉnh Thái Bình", "thành phố Hồ Chí Minh".
var adminUnits = [][]string{
	{"thành", "phố"}, {"thị", "xã"}, {"thị", "trấn"},
	{"tỉnh"}, {"huyện"}, {"quận"}, {"xã"}, {"phường"},
}

// abbreviations of organ names that headers print in short form.
var abbreviations = map[string]string{
	"UBND": "ỦY BAN NHÂN DÂN",
	"HĐND": "HỘI ĐỒNG NHÂN DÂN",
	"TP":   "THÀNH PHỐ",
}

// acronyms stay in capitals in running text.
var acronyms = map[string]bool{"AIDS": true, "HIV": true, "ANTQ": true, "COVID": true, "ASEAN": true, "UNODC": true, "ASEANAPOL": true}

// lowerCore returns the lower-case form of a token core, keeping document
// numbers and acronyms with digits as they are ("25/CT-TTg", "QH10").
func lowerCore(c string) string {
	if strings.IndexFunc(c, unicode.IsDigit) >= 0 || acronyms[c] {
		return c
	}
	return strings.ToLower(c)
}

// applyProperPhrases rewrites runs of tokens that spell a known name.
// fixed marks tokens whose case is settled.
func applyProperPhrases(toks []token, fixed []bool) {
	for i := 0; i < len(toks); i++ {
		for _, p := range properPhrases {
			words := strings.Fields(p[0])
			if i+len(words) > len(toks) {
				continue
			}
			ok := true
			for j, w := range words {
				// a phrase may not run across punctuation inside it
				if strings.ToLower(toks[i+j].core) != w || (j < len(words)-1 && toks[i+j].post != "") || (j > 0 && toks[i+j].pre != "") {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			for j, w := range strings.Fields(p[1]) {
				toks[i+j].core = w
				fixed[i+j] = true
			}
			i += len(words) - 1
			break
		}
	}
}

// titleWord capitalises the first letter of a lower-case word.
func titleWord(w string) string { return upperFirst(strings.ToLower(w)) }

// properCaseOrgan writes an organ name, usually printed in capitals in the
// header, with Vietnamese capitalisation: "ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH"
// → "Ủy ban nhân dân tỉnh Thái Bình", "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"
// → "Bộ Lao động - Thương binh và Xã hội", "THỦ TƯỚNG CHÍNH PHỦ" → "Thủ
// tướng Chính phủ". Rules: everything lower-case, then known names
// (properPhrases), the name part of a ministry or department (after "Bộ",
// "Sở", "và", "-" or ","), and place names after a unit word; first letter
// upper.
func properCaseOrgan(s string) string {
	toks := tokenize(expandAbbreviations(s))
	fixed := make([]bool, len(toks))
	for i := range toks {
		toks[i].core = lowerCore(toks[i].core)
	}
	applyProperPhrases(toks, fixed)
	inMinistry := false
	for i := 0; i < len(toks); i++ {
		if fixed[i] {
			continue
		}
		if n := adminUnitAt(toks, i); n > 0 {
			if c := strings.ToLower(toks[i+n].core); c == "ủy" || c == "uỷ" {
				n++ // "Tỉnh ủy Thái Bình": the party committee, then the place
			}
			for j := i + n; j < len(toks); j++ {
				if !fixed[j] {
					toks[j].core = titleWord(toks[j].core)
				}
			}
			break
		}
		c := toks[i].core
		if inMinistry {
			prev := toks[i-1]
			if prev.core == "và" || strings.Contains(prev.post, ",") || strings.Contains(toks[i].pre, "-") || (prev.core == "" && strings.Contains(prev.pre, "-")) {
				toks[i].core = titleWord(c)
			}
		}
		// The name of a ministry, department, bureau or division is
		// capitalised: "Bộ Y tế", "Sở Công Thương", and at the start of an
		// organ's name "Cục Cảnh sát …", "Phòng Tư pháp".
		if (c == "bộ" || c == "sở" || ((c == "cục" || c == "phòng") && i == 0 && toks[i].post == "")) && i+1 < len(toks) {
			inMinistry = true
			toks[i+1].core = titleWord(toks[i+1].core)
			fixed[i+1] = true
			i++
		}
	}
	if len(toks) > 0 {
		toks[0].core = upperFirst(toks[0].core)
	}
	return joinTokens(toks)
}

// adminUnitAt returns the number of tokens of a unit word starting at i
// that is followed by a name, or 0.
func adminUnitAt(toks []token, i int) int {
	for _, u := range adminUnits {
		if i+len(u) >= len(toks) {
			continue
		}
		ok := true
		for j, w := range u {
			if strings.ToLower(toks[i+j].core) != w || toks[i+j].post != "" {
				ok = false
				break
			}
		}
		// "xã hội" (society) is not a commune.
		if ok && !(len(u) == 1 && u[0] == "xã" && strings.ToLower(toks[i+1].core) == "hội") {
			return len(u)
		}
	}
	return 0
}

// expandAbbreviations spells out the short organ names of headers
// ("UBND TỈNH THÁI BÌNH" → "ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH").
func expandAbbreviations(s string) string {
	toks := tokenize(s)
	changed := false
	for i, t := range toks {
		if full, ok := abbreviations[strings.ToUpper(t.core)]; ok && (t.core != "TP" || strings.HasPrefix(t.post, ".")) {
			toks[i].core = full
			if t.core == "TP" {
				toks[i].post = strings.TrimPrefix(t.post, ".")
			}
			changed = true
		}
	}
	if !changed {
		return s
	}
	return joinTokens(toks)
}

// sentenceCase rewrites a title printed in capitals in sentence case, the
// form of a trích yếu in running text. Case is taken, where it can be, from
// the document's own body (ref): the longest run of words that the body
// also contains, away from the start of a body sentence, lends its case.
// Other words are lower-cased, known names keep their capitals, the type
// word of a cited text ("Chỉ thị số …") is capitalised, document numbers
// are restored from the body's citations (numbers, a map from the upper-case
// form to the printed one), and the first letter is upper case. A trailing
// full stop is dropped. A title that is not all capitals is kept as printed
// apart from the first letter.
func sentenceCase(title, ref string, numbers map[string]string, names ...string) string {
	title = strings.TrimSpace(title)
	title = strings.TrimRight(title, " .;:")
	if !isUpperText(title) {
		return upperFirst(title)
	}
	toks := tokenize(title)
	fixed := make([]bool, len(toks))
	for i := range toks {
		if n, ok := numbers[strings.ToUpper(toks[i].core)]; ok {
			toks[i].core = n
			fixed[i] = true
			continue
		}
		toks[i].core = lowerCore(toks[i].core)
	}
	// Borrow case from the body.
	var body []token
	var starts []bool
	for _, line := range strings.Split(ref, "\n") {
		lt := tokenize(line)
		upper := isUpperText(line) // a heading in capitals says nothing of case
		for i := range lt {
			// A word in capitals next to another is part of a heading in
			// capitals; alone it is an acronym ("AIDS") and lends its case.
			caps := allCaps(lt[i].core) && ((i > 0 && allCaps(lt[i-1].core)) || (i+1 < len(lt) && allCaps(lt[i+1].core)))
			starts = append(starts, upper || caps || i == 0 || sentenceStart(lt, i))
		}
		body = append(body, lt...)
	}
	index := make(map[string][]int, len(body))
	for i, t := range body {
		k := strings.ToLower(t.core)
		index[k] = append(index[k], i)
	}
	for i := 0; i < len(toks); {
		bestLen, bestAt := 0, -1
		// Bounded work: at most maxOccurrences places of a word, runs of at
		// most maxRun words (fuzzing found quadratic inputs otherwise).
		const maxOccurrences, maxRun = 200, 64
		occ := index[strings.ToLower(toks[i].core)]
		if len(occ) > maxOccurrences {
			occ = occ[:maxOccurrences]
		}
		bestUsable := 0
		for _, at := range occ {
			n, usable := 0, 0
			for n < maxRun && i+n < len(toks) && at+n < len(body) && strings.EqualFold(body[at+n].core, toks[i+n].core) {
				if !starts[at+n] {
					usable++
				}
				n++
			}
			// Longest run first; among equals, the one whose case is
			// known for more words (not in a heading in capitals).
			if n > bestLen || (n == bestLen && usable > bestUsable) {
				bestLen, bestAt, bestUsable = n, at, usable
			}
		}
		if bestLen == 0 {
			i++
			continue
		}
		for j := 0; j < bestLen; j++ {
			b := body[bestAt+j]
			if !fixed[i+j] && !starts[bestAt+j] && utf8.RuneCountInString(b.core) == utf8.RuneCountInString(toks[i+j].core) {
				toks[i+j].core = b.core
			}
		}
		i += bestLen
	}
	applyProperPhrases(toks, fixed)
	applyNames(toks, names)
	// Capitalise the type word of a cited text: "chỉ thị số 25/…", "luật 23/…".
	for i := range toks {
		for _, dt := range docTypes {
			words := strings.Fields(strings.ToLower(dt.name))
			if i+len(words) >= len(toks) {
				continue
			}
			ok := true
			for j, w := range words {
				if strings.ToLower(toks[i+j].core) != w {
					ok = false
				}
			}
			next := toks[i+len(words)].core
			if ok && (strings.EqualFold(next, "số") || looksLikeNumber(next)) {
				toks[i].core = upperFirst(toks[i].core)
			}
		}
	}
	if len(toks) > 0 {
		toks[0].core = upperFirst(toks[0].core)
	}
	return joinTokens(toks)
}

// applyNames writes the known proper names (the place of issue, "Thái
// Bình") with their capitals wherever the title spells them.
func applyNames(toks []token, names []string) {
	for _, name := range names {
		words := tokenize(name)
		if len(words) == 0 {
			continue
		}
		for i := 0; i+len(words) <= len(toks); i++ {
			ok := true
			for j, w := range words {
				if !strings.EqualFold(toks[i+j].core, w.core) {
					ok = false
					break
				}
			}
			if ok {
				for j, w := range words {
					toks[i+j].core = w.core
				}
			}
		}
	}
}

// sentenceStart reports whether body token i opens a sentence (first token,
// or the previous token ends with . ! ? : or a line break was lost).
func sentenceStart(body []token, i int) bool {
	if i == 0 {
		return true
	}
	p := body[i-1].post
	return strings.ContainsAny(p, ".!?:") || strings.ContainsAny(body[i].pre, "“\"(")
}

// allCaps reports whether a word is written in capitals and has at least
// two letters ("QUY", "AIDS"; not "I").
func allCaps(w string) bool {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			n++
		}
	}
	return n >= 2
}
