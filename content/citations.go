package content

import (
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// citationRE finds "<type> [số] <number>": "Chỉ thị số 25/CT-TTg",
// "Thông báo kết luận số 43/TB-VPCP", "Nghị định 94/2010/NĐ-CP".
// It is applied to the few bytes before each number that numberRE finds:
// running it over a whole text is slow with Unicode case folding.
var citationRE = regexp.MustCompile(`(?i)(thông báo kết luận|kế hoạch|chỉ thị|quyết định|nghị quyết|kết luận|thông báo|công văn|bộ luật|luật|nghị định|thông tư liên tịch|thông tư)\s+(?:số\s*:?\s*)?$`)

// scanNumbers returns the byte ranges of the numbers in s, by the grammar
// of numberRE (1–6 digits at the start of a word, maybe one letter, then
// groups of letters and digits each introduced by "/" or "-"), without a
// regular expression:
// a linear scan is many times faster on long texts.
func scanNumbers(s string) [][2]int {
	var out [][2]int
	prevWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < '0' || r > '9' || prevWord {
			prevWord = isWordRune(r)
			i += size
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		digits := j - i
		// One letter may end the digits when a group follows ("17b/KH-UBND").
		if j+1 < len(s) && digits <= 6 && isASCIILetter(s[j]) && (s[j+1] == '/' || s[j+1] == '-') {
			j++
		}
		end := j
		for k := j; digits <= 6 && k < len(s) && (s[k] == '/' || s[k] == '-'); {
			g := k + 1
			for g < len(s) {
				r, size := utf8.DecodeRuneInString(s[g:])
				if !isWordRune(r) {
					break
				}
				g += size
			}
			if g == k+1 {
				break
			}
			end, k = g, g
		}
		if end > j {
			out = append(out, [2]int{i, end})
			i = end
		} else {
			i = j
		}
		prevWord = true
	}
	return out
}

func isASCIILetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// citeMatch is one mention of a cited text in a body.
type citeMatch struct {
	start, end int    // the mention: type word to the end of the number (or of the year)
	typ        string // the type as written, lower case: "chỉ thị", "bộ luật"
	num        [2]int // the number; num[1] == 0 for a law named without one
	name       string // a law's name when written "Luật <name> số …" or "Luật <name> năm …"
	on         time.Time
	year       int // the year of a law named without a number
}

// findCitations returns the mentions of cited texts in text, in order:
// "<type> [số] <number>" ("Chỉ thị số 25/CT-TTg"), "<Luật|Bộ luật> <name>
// số <number>" ("Luật Xử lý vi phạm hành chính số 15/2012/QH13"), and
// "<Luật|Bộ luật> <name> năm <year>" or "… ngày <date>" ("Bộ luật Hình sự
// năm 2015"), the last kind without a number.
func findCitations(text string) []citeMatch {
	var out []citeMatch
	for _, n := range scanNumbers(text) {
		from := max(0, n[0]-48)
		for from > 0 && !utf8.RuneStart(text[from]) {
			from--
		}
		if m := citationRE.FindStringSubmatchIndex(text[from:n[0]]); m != nil {
			out = append(out, citeMatch{start: from + m[0], end: n[1], typ: strings.ToLower(text[from+m[2] : from+m[3]]), num: n})
			continue
		}
		if start, typ, name, ok := namedLawBefore(text, n[0]); ok {
			out = append(out, citeMatch{start: start, end: n[1], typ: typ, num: n, name: name})
		}
	}
	numbered := len(out)
	for _, m := range lawByYearRE.FindAllStringSubmatchIndex(text, -1) {
		start := m[2]
		typ := strings.ToLower(text[m[2]:m[3]])
		name := strings.TrimSpace(text[m[4]:m[5]])
		if !strings.HasPrefix(name, "sửa đổi") {
			// "Luật A, Luật B năm 2021": the last law named is the one
			// the year belongs to.
			if i := lastLawWord(name); i >= 0 {
				rest := name[i:]
				typ, rest = "luật", rest[len("Luật"):]
				if strings.HasPrefix(name[i:], "Bộ luật") || strings.HasPrefix(name[i:], "BỘ LUẬT") {
					typ, rest = "bộ luật", name[i+len("Bộ luật"):]
				}
				start, name = m[4]+i, strings.TrimSpace(rest)
			}
		}
		if !validLawName(name) {
			continue
		}
		c := citeMatch{start: start, end: m[1], typ: typ, name: name}
		switch {
		case m[6] >= 0:
			c.year, _ = strconv.Atoi(text[m[6]:m[7]])
		default:
			if dm, ok := findDate(text[m[5]:m[1]]); ok {
				c.on, c.year = dm.t, dm.t.Year()
			}
		}
		if c.year == 0 {
			continue
		}
		out = append(out, c)
	}
	if len(out) > numbered {
		sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	}
	return out
}

// lawByYearRE is a law or code named, then its year or date of passing
// instead of a number: "Luật Xử lý vi phạm hành chính năm 2012", "Bộ luật
// Hình sự năm 2015", "Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015".
// The name starts with a capital ("Luật sửa đổi, bổ sung …" excepted) and
// holds no digit, so no number or date is taken into it.
var lawByYearRE = regexp.MustCompile(`(Bộ luật|BỘ LUẬT|Luật|LUẬT)\s+(\p{Lu}[^;.\n()“”"\d|]{1,150}?|sửa đổi, bổ sung[^;.\n()“”"\d|]{1,150}?)\s+(?:(?:năm|NĂM)\s+(\d{4})|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}|ngày\s+\d{1,2}/\d{1,2}/\d{4})(?:[^\d/]|$)`)

// lawWordRE finds "Luật"/"Bộ luật" inside a name run together with others.
var lawWordRE = regexp.MustCompile(`(?:^|[\s,;])(Bộ luật|BỘ LUẬT|Luật|LUẬT)\s`)

// lastLawWord returns the byte index in name of the last "Luật"/"Bộ luật"
// that opens another law's name, or -1.
func lastLawWord(name string) int {
	ms := lawWordRE.FindAllStringSubmatchIndex(name, -1)
	if len(ms) == 0 {
		return -1
	}
	return ms[len(ms)-1][2]
}

// validLawName reports whether s can be the name of a law: one to sixteen
// words, no digit, starting with a capital or "sửa đổi".
func validLawName(s string) bool {
	n := len(strings.Fields(s))
	if n == 0 || n > 16 || strings.IndexFunc(s, unicode.IsDigit) >= 0 {
		return false
	}
	r := firstRune(s)
	return unicode.IsUpper(r) || strings.HasPrefix(s, "sửa đổi")
}

// namedLawBefore reads "<Luật|Bộ luật> <name> số " ending at numStart
// ("Luật Phòng, chống ma túy số 73/2021/QH14"), and returns where it
// starts, the type in lower case and the name.
func namedLawBefore(text string, numStart int) (int, string, string, bool) {
	from := max(0, numStart-240)
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	w := text[from:numStart]
	m := soBeforeNumberRE.FindStringIndex(w)
	if m == nil {
		return 0, "", "", false
	}
	head := w[:m[0]]
	i := lastLawWord(head)
	if i < 0 {
		return 0, "", "", false
	}
	typ := "luật"
	nameAt := i + len("Luật")
	if strings.HasPrefix(head[i:], "Bộ luật") || strings.HasPrefix(head[i:], "BỘ LUẬT") {
		typ, nameAt = "bộ luật", i+len("Bộ luật")
	}
	if precededBy(head[:i], "pháp") {
		return 0, "", "", false
	}
	name := strings.TrimSpace(head[nameAt:])
	if strings.ContainsAny(name, ";.\n()“”\"|") || !validLawName(name) {
		return 0, "", "", false
	}
	return from + i, typ, name, true
}

// soBeforeNumberRE is the " số " (or " số: ") right before a number.
var soBeforeNumberRE = regexp.MustCompile(`\s+(?:số|SỐ)\s*:?\s*$`)

// ExtractCitations returns every legal text cited in text, in order of
// first mention, one per số hiệu (numbers compared case-insensitively; the
// facts of later mentions fill what earlier ones left empty). For each it
// reads, between the number and the next citation or the end of the clause
// (";", a full stop, a line end), the date ("ngày 05/6/2017", "ngày 07
// tháng 4 năm 2017"), the issuer ("của Thủ tướng Chính phủ", before or after
// the date) and the subject: after "về", which runs to the end of the clause
// and so may contain nested citations ("Kết luận số 95-KL/TW … về tiếp tục
// thực hiện Chỉ thị số 21-CT/TW … về …"), or from "quy định"/"hướng dẫn"
// when the issuer is followed by those words and not by "về" ("Nghị định
// số 116/2021/NĐ-CP … của Chính phủ quy định chi tiết …"); a subject ends
// before ", <organ> ban hành/xây dựng/đề nghị/yêu cầu …", the citing text's
// own words. Slug is set when the year is known (from the date or the
// number), else left for the Library to resolve.
//
// A law named before its number ("Luật Xử lý vi phạm hành chính số
// 15/2012/QH13", "Bộ luật Hình sự số 100/2015/QH13") has its name as
// Subject. A law named with only its year or date ("Luật Phòng, chống ma
// túy năm 2021") is cited when the shipped catalogue (corpus/catalogue.yaml)
// has a text of that type, name and year: it then takes the catalogue's
// number, date, issuer and title. Otherwise it is not cited: a citation is
// never invented.
//
// A "Thông báo kết luận … của Thủ tướng …" announces someone's conclusions:
// the "của" there names the author of the conclusions, not the issuer, so
// Issuer stays empty.
func ExtractCitations(text string) []Citation {
	return dedupeCitations(citationMentions(nfc(text)))
}

// citationMentions returns every mention of a cited text, in order, with
// the facts read at that mention (see ExtractCitations).
func citationMentions(text string) []Citation {
	matches := findCitations(text)
	var out []Citation
	lastEnd := -1
	for k, m := range matches {
		if m.start > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:m.start]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		if m.typ == "luật" && precededBy(text[:m.start], "pháp") {
			continue
		}
		if m.num[1] == 0 {
			if k > 0 && matches[k-1].end > m.start {
				continue // inside a numbered mention
			}
			if c, ok := catalogueLaw(canonicalType(m.typ), m.name, m.year); ok {
				out = append(out, c)
			}
			continue
		}
		number := strings.TrimRight(text[m.num[0]:m.num[1]], ".-/")
		if !looksLikeNumber(number) {
			continue
		}
		c := Citation{Type: canonicalType(m.typ), Number: number, Subject: m.name}
		// Matches come in order: a clause end found for an earlier match
		// holds for every match before it, so each byte is scanned once.
		if m.end > lastEnd || lastEnd < 0 {
			lastEnd = clauseEnd(text, m.end)
		}
		end := lastEnd
		factsEnd := end
		if k+1 < len(matches) && matches[k+1].start < factsEnd {
			factsEnd = max(matches[k+1].start, m.end) // overlapping matches: no facts
		}
		facts := text[m.end:factsEnd]
		pre := facts
		subjectAt := -1
		v := wordIndex(facts, "về")
		if q := ruleWordIndex(facts); q >= 0 && (v < 0 || q < v) && !ruleThenAbout(facts, q, v) {
			pre, subjectAt = facts[:q], m.end+q
		} else if v >= 0 {
			pre, subjectAt = facts[:v], m.end+v+len("về")
		}
		if dm, ok := findDate(pre); ok {
			c.IssuedOn = dm.t
		}
		if m.typ != "thông báo kết luận" {
			c.Issuer = issuerIn(pre)
		}
		if subjectAt >= 0 && m.name == "" && !clauseBreakIn(pre, c.Issuer) {
			c.Subject = cleanSubject(text[subjectAt:end])
		}
		c.Slug = citationSlug(c.Number, c.IssuedOn)
		out = append(out, c)
	}
	return out
}

// ruleWords open a subject that states what a cited decree or circular
// does, when no "về" comes first: "… của Chính phủ quy định chi tiết …".
var ruleWords = []string{"quy định", "hướng dẫn"}

// ruleWordIndex returns the index of the first of ruleWords in facts, or -1.
func ruleWordIndex(facts string) int {
	best := -1
	for _, w := range ruleWords {
		if i := wordIndex(facts, w); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// ruleThenAbout reports whether the rule word at q is followed at once by
// "về" at v ("quy định về tổ chức cai nghiện"): the subject is then what
// follows "về".
func ruleThenAbout(facts string, q, v int) bool {
	if v < 0 {
		return false
	}
	between := strings.TrimSpace(facts[q:v])
	for _, w := range ruleWords {
		if between == w {
			return true
		}
	}
	return false
}

// clauseBreakIn reports whether the words before a subject, the issuer's
// name left out, hold a comma: the "về" then belongs to another clause
// ("… ngày 20/6/2017 và có hiệu lực từ ngày 01/01/2018, trong đó … về ma
// túy").
func clauseBreakIn(pre, issuer string) bool {
	if issuer != "" {
		pre = strings.Replace(pre, issuer, "", 1)
	}
	return strings.Contains(pre, ",")
}

// catalogueLaw returns the citation of the law of the shipped catalogue
// with the type, name (compared folded, letters only, so either tone-mark
// placement matches) and year of passing, if there is exactly one.
func catalogueLaw(typ, name string, year int) (Citation, bool) {
	idx := knownLaws()
	ds := idx[lawKey{typ, lettersOnly(name), year}]
	if len(ds) != 1 {
		return Citation{}, false
	}
	d := ds[0]
	return Citation{Type: d.Type, Number: d.Number, Issuer: d.Issuer, IssuedOn: d.IssuedOn, Subject: d.Title, Slug: d.Slug}, true
}

// lawKey finds a catalogue text by type, folded name and year of issue.
type lawKey struct {
	typ, name string
	year      int
}

// knownLaws indexes the shipped catalogue by lawKey, built once. A broken
// catalogue gives an empty index here; Load reports the error.
var knownLaws = sync.OnceValue(func() map[lawKey][]*Document {
	out := map[lawKey][]*Document{}
	b, err := fs.ReadFile(Corpus, "corpus/catalogue.yaml")
	if err != nil {
		return out
	}
	docs, err := parseCatalogue(b)
	if err != nil {
		return out
	}
	for _, d := range docs {
		k := lawKey{d.Type, lettersOnly(d.Title), d.IssuedOn.Year()}
		out[k] = append(out[k], d)
	}
	return out
})

// dedupeCitations keeps one citation per number (compared without regard
// to case), in order of first mention, merging the facts of later mentions.
func dedupeCitations(mentions []Citation) []Citation {
	var out []Citation
	index := map[string]int{}
	for _, c := range mentions {
		key := numberKey(c.Number)
		if i, ok := index[key]; ok {
			mergeCitation(&out[i], c)
			continue
		}
		index[key] = len(out)
		out = append(out, c)
	}
	for i := range out {
		c := &out[i]
		c.Type, c.Number, c.Issuer, c.Subject, c.Slug = nfc(c.Type), nfc(c.Number), nfc(c.Issuer), nfc(c.Subject), nfc(c.Slug)
	}
	return out
}

// citationSlug is the slug of a cited text, or "" when its year is unknown.
func citationSlug(number string, on time.Time) string {
	if !on.IsZero() {
		return Slug(number, on.Year())
	}
	if numberHasYear(number) {
		return Slug(number, 0)
	}
	return ""
}

// numberHasYear reports whether a number carries its year ("94/2010/NĐ-CP").
func numberHasYear(number string) bool {
	for _, g := range strings.FieldsFunc(number, func(r rune) bool { return !unicode.IsDigit(r) }) {
		if len(g) == 4 && g >= "1945" && g <= "2100" {
			return true
		}
	}
	return false
}

// mergeCitation fills the empty facts of a with those of b, and prefers a
// number not printed all in capitals ("25/CT-TTg" over "25/CT-TTG").
func mergeCitation(a *Citation, b Citation) {
	if isUpperText(a.Number) && !isUpperText(b.Number) {
		a.Number = b.Number
	}
	if a.Issuer == "" {
		a.Issuer = b.Issuer
	}
	if a.IssuedOn.IsZero() {
		a.IssuedOn = b.IssuedOn
	}
	if a.Subject == "" {
		a.Subject = b.Subject
	}
	if a.Slug == "" || (b.Slug != "" && !a.IssuedOn.IsZero()) {
		a.Slug = citationSlug(a.Number, a.IssuedOn)
	}
}

func canonicalType(t string) string {
	switch t {
	case "thông báo kết luận":
		return TypeNotice
	case "thông tư liên tịch":
		return TypeCircular
	}
	for _, dt := range docTypes {
		if strings.EqualFold(dt.name, t) {
			return dt.name
		}
	}
	return upperFirst(t)
}

// precededBy reports whether the word before the end of s is one of words.
func precededBy(s string, words ...string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	last := strings.ToLower(f[len(f)-1])
	for _, w := range words {
		if last == w {
			return true
		}
	}
	return false
}

// clauseEnd returns the index where the clause containing position i ends:
// at ";", a line end, or a full stop followed by a space and a capital or by
// the end of the text.
func clauseEnd(s string, i int) int {
	for j := i; j < len(s); j++ {
		switch s[j] {
		case ';', '\n':
			return j
		case '.':
			rest := s[j+1:]
			if rest == "" || rest[0] == '\n' {
				return j
			}
			if rest[0] == ' ' {
				if r, _ := utf8.DecodeRuneInString(strings.TrimLeft(rest, " ")); unicode.IsUpper(r) {
					return j
				}
			}
		}
	}
	return len(s)
}

// wordIndex returns the byte index of the first occurrence of word w in s
// as a whole word, or -1.
func wordIndex(s, w string) int {
	if l := strings.ToLower(s); len(l) == len(s) {
		s = l // same byte offsets: search without regard to case
	}
	from := 0
	for {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(w):])
		if (i == 0 || !isWordRune(before)) && (i+len(w) == len(s) || !isWordRune(after)) {
			return i
		}
		from = i + len(w)
	}
}

// issuerStops end an issuer name that "của" opens.
var issuerStops = []string{"ngày", "tại", "về", "phiên", "nhằm", "theo", "đã", "thông qua", "ban hành", "quy định", "hướng dẫn"}

// issuerIn returns the issuer named by "của …" in the facts before "về".
func issuerIn(pre string) string {
	i := wordIndex(pre, "của")
	if i < 0 {
		return ""
	}
	s := pre[i+len("của"):]
	end := len(s)
	for _, w := range issuerStops {
		if j := wordIndex(s, w); j >= 0 && j < end {
			end = j
		}
	}
	if dm, ok := findDate(s); ok && dm.start < end {
		end = dm.start
	}
	// A comma ends the issuer after a complete known organ name ("của Thủ
	// tướng Chính phủ, các ngành"); elsewhere commas belong to the name
	// ("Ủy ban quốc gia phòng, chống AIDS …").
	for j := 0; j < end; j++ {
		if s[j] == ',' && isKnownOrgan(s[:j]) {
			end = j
			break
		}
	}
	s = strings.TrimSpace(s[:end])
	for {
		t := strings.TrimRight(s, " ,.:;()“”\"")
		t = strings.TrimSuffix(t, " và")
		if t == s {
			break
		}
		s = t
	}
	if utf8.RuneCountInString(s) > 120 || strings.IndexFunc(s, unicode.IsLetter) < 0 {
		return ""
	}
	if isUpperText(s) {
		s = properCaseOrgan(s)
	}
	return s
}

// isKnownOrgan reports whether s (trimmed) is a complete organ name the
// package knows: one of properPhrases, or a short name of a local People's
// Council or Committee ("Ủy ban nhân dân tỉnh", "… tỉnh Thái Bình"), a
// ministry, department, board, police or office ("Sở Y tế", "Ban Chỉ đạo
// 389 quốc gia").
func isKnownOrgan(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	for _, p := range properPhrases {
		if l == p[0] {
			return true
		}
	}
	for _, p := range []string{"ủy ban nhân dân ", "hội đồng nhân dân ", "sở ", "bộ ", "ban ", "công an ", "cục ", "văn phòng "} {
		if strings.HasPrefix(l, p) && len(strings.Fields(l)) <= 8 {
			return true
		}
	}
	return false
}

// maxSubjectRunes is the longest subject kept: longer, it is not a
// subject but the rest of a text without punctuation.
const maxSubjectRunes = 600

// ownClauseRE is where a citing sentence turns to its own subject: ",
// <organ> ban hành/xây dựng/đề nghị/yêu cầu/thông báo/kết luận"
// ("…, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:"). A cited subject
// ends there.
var ownClauseRE = regexp.MustCompile(`,\s+(?:Ủy ban nhân dân|UBND|Hội đồng nhân dân|HĐND|Sở|Bộ|Ban|Công an|Chủ tịch|Giám đốc|Văn phòng|Phòng|Cục|Chi cục|Trung tâm|Thường trực)\s[^;.]{0,120}?\s(?:ban hành|xây dựng|đề nghị|yêu cầu|thông báo|kết luận)(?:\s|:|$)`)

// cleanSubject trims a subject and removes quotes that enclose all of it.
func cleanSubject(s string) string {
	if len(s) > 4*maxSubjectRunes {
		return ""
	}
	if m := ownClauseRE.FindStringIndex(s); m != nil {
		s = s[:m[0]]
	}
	s = strings.TrimSpace(s)
	s = strings.TrimRight(s, " ,.:;")
	for _, q := range [][2]string{{"“", "”"}, {"\"", "\""}, {"«", "»"}} {
		if strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) && len(s) > len(q[0])+len(q[1]) {
			inner := s[len(q[0]) : len(s)-len(q[1])]
			if !strings.Contains(inner, q[0]) && !strings.Contains(inner, q[1]) {
				s = strings.TrimSpace(inner)
			}
		}
	}
	if utf8.RuneCountInString(s) > maxSubjectRunes {
		return ""
	}
	return s
}
