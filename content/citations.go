package content

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// citationRE finds "<type> [số] <number>": "Chỉ thị số 25/CT-TTg",
// "Thông báo kết luận số 43/TB-VPCP", "Nghị định 94/2010/NĐ-CP".
// It is applied to the few bytes before each number that numberRE finds:
// running it over a whole text is slow with Unicode case folding.
var citationRE = regexp.MustCompile(`(?i)(thông báo kết luận|kế hoạch|chỉ thị|quyết định|nghị quyết|kết luận|thông báo|luật|nghị định|thông tư liên tịch|thông tư)\s+(?:số\s*:?\s*)?$`)

// scanNumbers returns the byte ranges of the numbers in s, by the grammar
// of numberRE (1–6 digits at the start of a word, then groups of letters
// and digits each introduced by "/" or "-"), without a regular expression:
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
		end := j
		for k := j; j-i <= 6 && k < len(s) && (s[k] == '/' || s[k] == '-'); {
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

// findCitations returns, for each "<type> [số] <number>" in text, the
// indices [start, end of type, number start, number end] like
// FindAllStringSubmatchIndex of the full pattern (type in m[2]:m[3],
// number in m[4]:m[5]).
func findCitations(text string) [][]int {
	var out [][]int
	for _, n := range scanNumbers(text) {
		from := max(0, n[0]-48)
		for from > 0 && !utf8.RuneStart(text[from]) {
			from--
		}
		m := citationRE.FindStringSubmatchIndex(text[from:n[0]])
		if m == nil {
			continue
		}
		out = append(out, []int{from + m[0], n[1], from + m[2], from + m[3], n[0], n[1]})
	}
	return out
}

// ExtractCitations returns every legal text cited in text, in order of
// first mention, one per số hiệu (numbers compared case-insensitively; the
// facts of later mentions fill what earlier ones left empty). For each it
// reads, between the number and the next citation or the end of the clause
// (";", a full stop, a line end), the date ("ngày 05/6/2017", "ngày 07
// tháng 4 năm 2017"), the issuer ("của Thủ tướng Chính phủ", before or after
// the date) and the subject after "về", which runs to the end of the clause
// and so may contain nested citations ("Kết luận số 95-KL/TW … về tiếp tục
// thực hiện Chỉ thị số 21-CT/TW … về …"). Slug is set when the year is known
// (from the date or the number), else left for the Library to resolve.
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
		if m[0] > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:m[0]]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue
			}
		}
		typeText := strings.ToLower(text[m[2]:m[3]])
		if typeText == "luật" && precededBy(text[:m[0]], "pháp", "bộ") {
			continue
		}
		number := strings.TrimRight(text[m[4]:m[5]], ".-/")
		if !looksLikeNumber(number) {
			continue
		}
		c := Citation{Type: canonicalType(typeText), Number: number}
		// Matches come in order: a clause end found for an earlier match
		// holds for every match before it, so each byte is scanned once.
		if m[5] > lastEnd || lastEnd < 0 {
			lastEnd = clauseEnd(text, m[5])
		}
		end := lastEnd
		factsEnd := end
		if k+1 < len(matches) && matches[k+1][0] < factsEnd {
			factsEnd = max(matches[k+1][0], m[5]) // overlapping matches: no facts
		}
		facts := text[m[5]:factsEnd]
		pre := facts
		if v := wordIndex(facts, "về"); v >= 0 {
			pre = facts[:v]
			c.Subject = cleanSubject(text[m[5]+v+len("về") : end])
		}
		if dm, ok := findDate(pre); ok {
			c.IssuedOn = dm.t
		}
		if typeText != "thông báo kết luận" {
			c.Issuer = issuerIn(pre)
		}
		c.Slug = citationSlug(c.Number, c.IssuedOn)
		out = append(out, c)
	}
	return out
}

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
// package knows: one of properPhrases, or a local People's Council or
// Committee ("Ủy ban nhân dân tỉnh", "… tỉnh Thái Bình").
func isKnownOrgan(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	for _, p := range properPhrases {
		if l == p[0] {
			return true
		}
	}
	for _, p := range []string{"ủy ban nhân dân ", "hội đồng nhân dân "} {
		if strings.HasPrefix(l, p) && len(strings.Fields(l)) <= 8 {
			return true
		}
	}
	return false
}

// maxSubjectRunes is the longest subject kept: longer, it is not a
// subject but the rest of a text without punctuation.
const maxSubjectRunes = 600

// cleanSubject trims a subject and removes quotes that enclose all of it.
func cleanSubject(s string) string {
	if len(s) > 4*maxSubjectRunes {
		return ""
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
