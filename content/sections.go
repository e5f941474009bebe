package content

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kinds of numbered parts, in the nesting order of Vietnamese
// administrative texts (Nghị định 30/2020/NĐ-CP, phụ lục I): Chương, Roman
// "I.", Điều, Arabic "1." (and "1.1."), letter "a)", dash "-", plus "+".
const (
	kindNone = iota
	kindChapter
	kindPart
	kindRoman
	kindArticle
	kindArabic
	kindLetter
	kindDash
	kindPlus
)

var (
	partRE    = regexp.MustCompile(`^(?:Mục|MỤC)\s+(\d{1,2}|[IVXLC]{1,7})\b\s*[.:]?\s*(.*)$`)
	chapterRE = regexp.MustCompile(`^(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d{1,3})\b\s*[.:]?\s*(.*)$`)
	articleRE = regexp.MustCompile(`^(?:Điều|ĐIỀU)\s+(\d{1,3}[a-z]?)\s*[.:]\s*(.*)$`)
	romanRE   = regexp.MustCompile(`^([IVXLC]{1,7})\s*[.)]\s*(.*)$`)
	dottedRE  = regexp.MustCompile(`^(\d{1,2}(?:\.\d{1,2})+)\.?\s+(.+)$`)
	arabicRE  = regexp.MustCompile(`^(\d{1,2})\s*[.)]\s*([^\d\s].*)?$`)
	letterRE  = regexp.MustCompile(`^([a-zđ])\)\s*(.*)$`)
	dashRE    = regexp.MustCompile(`^[-–—•·*]\s*(.*)$`)
	plusRE    = regexp.MustCompile(`^\+\s*(.*)$`)
)

// marker is the numbering at the start of a body line.
type marker struct {
	kind    int
	printed string // "I.", "1.", "a)", "-", "Điều 5.", "Chương I"
	key     string // anchor part: "i", "1", "a", "5"
	rest    string // text after the marker
	dots    int    // depth of a dotted Arabic number ("1.2." has 1)
}

// rank orders kinds for nesting: a part closes every open part of equal or
// higher rank.
func (m marker) rank() int {
	switch m.kind {
	case kindChapter:
		return 0
	case kindPart:
		return 5
	case kindRoman:
		return 10
	case kindArticle:
		return 20
	case kindArabic:
		return 30 + m.dots
	case kindLetter:
		return 40
	case kindDash:
		return 50
	default:
		return 55
	}
}

// kindLevel is Section.Level by kind (see Section.Level).
func (m marker) kindLevel() int {
	switch m.kind {
	case kindChapter, kindPart, kindRoman:
		return 1
	case kindArticle, kindArabic:
		return 2
	case kindLetter:
		return 3
	default:
		return 4
	}
}

// romanValue returns the value of a Roman numeral up to 100, or 0.
func romanValue(s string) int {
	vals := map[byte]int{'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100}
	total := 0
	for i := 0; i < len(s); i++ {
		v := vals[s[i]]
		if i+1 < len(s) && vals[s[i+1]] > v {
			total -= v
		} else {
			total += v
		}
	}
	if total <= 0 || total > 100 || toRoman(total) != s {
		return 0
	}
	return total
}

func toRoman(n int) string {
	var sb strings.Builder
	for _, p := range []struct {
		v int
		s string
	}{{100, "C"}, {90, "XC"}, {50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}} {
		for n >= p.v {
			sb.WriteString(p.s)
			n -= p.v
		}
	}
	return sb.String()
}

// parseMarker recognises the numbering at the start of a line.
func parseMarker(l string) marker {
	if m := chapterRE.FindStringSubmatch(l); m != nil {
		return marker{kind: kindChapter, printed: "Chương " + m[1], key: strings.ToLower(m[1]), rest: m[2]}
	}
	if m := partRE.FindStringSubmatch(l); m != nil {
		return marker{kind: kindPart, printed: "Mục " + m[1], key: strings.ToLower(m[1]), rest: m[2]}
	}
	if m := articleRE.FindStringSubmatch(l); m != nil {
		return marker{kind: kindArticle, printed: "Điều " + m[1] + ".", key: m[1], rest: m[2]}
	}
	if m := romanRE.FindStringSubmatch(l); m != nil && romanValue(m[1]) > 0 {
		// "I." must be followed by text in capitals or nothing, so that a
		// sentence starting with a capital I or V is not a part.
		if m[2] == "" || isUpperText(m[2]) || strings.IndexFunc(m[2], unicode.IsLetter) < 0 || unicode.IsUpper(firstRune(m[2])) {
			return marker{kind: kindRoman, printed: m[1] + ".", key: strings.ToLower(m[1]), rest: m[2]}
		}
	}
	if m := dottedRE.FindStringSubmatch(l); m != nil {
		parts := strings.Split(m[1], ".")
		return marker{kind: kindArabic, printed: m[1] + ".", key: strings.Join(parts, "-"), rest: m[2], dots: len(parts) - 1}
	}
	if m := arabicRE.FindStringSubmatch(l); m != nil {
		return marker{kind: kindArabic, printed: m[1] + ".", key: m[1], rest: strings.TrimSpace(m[2])}
	}
	if m := letterRE.FindStringSubmatch(l); m != nil {
		return marker{kind: kindLetter, printed: m[1] + ")", key: fold(m[1]), rest: m[2]}
	}
	if m := dashRE.FindStringSubmatch(l); m != nil && strings.IndexFunc(m[1], isWordRune) >= 0 {
		return marker{kind: kindDash, printed: "-", rest: m[1]}
	}
	if m := plusRE.FindStringSubmatch(l); m != nil && strings.IndexFunc(m[1], isWordRune) >= 0 {
		return marker{kind: kindPlus, printed: "+", rest: m[1]}
	}
	return marker{}
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isHeadingText reports whether the text after a marker is a heading
// ("Mục đích", "Sở Y tế") rather than a paragraph that happens to be
// numbered ("1. Tổ chức quán triệt, triển khai …;").
func isHeadingText(s string) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > 100 || strings.HasSuffix(s, ";") {
		return false
	}
	if strings.HasSuffix(s, ".") && n > 60 && !isUpperText(s) {
		return false
	}
	return true
}

// lastParagraph returns the last paragraph of the open section, or "".
func lastParagraph(top *node) string {
	if n := len(top.sec.Paragraphs); n > 0 {
		return top.sec.Paragraphs[n-1]
	}
	return ""
}

// continuesParagraph reports whether line l continues paragraph prev, as
// in hard-wrapped text (copied from a PDF): l starts in lower case and
// prev does not end a sentence or a clause.
func continuesParagraph(prev, l string) bool {
	if prev == "" || !unicode.IsLower(firstRune(l)) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(prev)
	return !strings.ContainsRune(".;:!?…”\")", last)
}

// node is a section under construction.
type node struct {
	sec      Section
	m        marker
	children []*node
	dashes   int // dash/plus children so far, for their anchors
	inArt    bool
}

// body is the parsed body of a document.
type body struct {
	preamble  []string
	sections  []Section
	signature *Signature
	end       int // index (in the lines given) after the document's last line
}

// parseBody builds the section tree of the lines after the title, stops at
// the end of the document (a line ending "./.", the signature block, "Nơi
// nhận:" or web-page debris) and reads the signature block.
func parseBody(lines []string) body {
	var b body
	var roots []*node
	var stack []*node
	anchors := map[string]bool{}
	end := len(lines)
	sigAt := -1
	for i, raw := range lines {
		cells := splitCells(raw)
		if len(cells) == 0 {
			continue
		}
		if isSignatureRow(cells) || startsRecipients(cells[0]) {
			end, sigAt = i, i
			break
		}
		l := strings.Join(cells, " | ")
		if isDebris(l) {
			end = i
			break
		}
		last := strings.HasSuffix(l, "./.")
		if last {
			l = strings.TrimSpace(strings.TrimSuffix(l, "/."))
		}
		m := parseMarker(l)
		if m.kind == kindNone {
			if len(stack) == 0 {
				if n := len(b.preamble); n > 0 && continuesParagraph(b.preamble[n-1], l) {
					b.preamble[n-1] += " " + l
				} else {
					b.preamble = append(b.preamble, l)
				}
			} else {
				top := stack[len(stack)-1]
				prev := lastParagraph(top)
				if (top.m.kind == kindChapter || top.m.kind == kindPart) && top.sec.Heading == "" && len(top.sec.Paragraphs) == 0 && isUpperText(l) {
					top.sec.Heading = l
				} else if continuesParagraph(prev, l) {
					top.sec.Paragraphs[len(top.sec.Paragraphs)-1] += " " + l
				} else if len(top.sec.Paragraphs) == 0 && continuesParagraph(top.sec.Heading, l) {
					// A wrapped heading, or a numbered paragraph after all.
					if joined := top.sec.Heading + " " + l; isHeadingText(joined) {
						top.sec.Heading = joined
					} else {
						top.sec.Heading, top.sec.Paragraphs = "", []string{joined}
					}
				} else {
					top.sec.Paragraphs = append(top.sec.Paragraphs, l)
				}
			}
		} else if (m.kind == kindDash || m.kind == kindPlus) && len(stack) == 0 {
			b.preamble = append(b.preamble, l)
		} else {
			for len(stack) > 0 && stack[len(stack)-1].m.rank() >= m.rank() {
				stack = stack[:len(stack)-1]
			}
			var parent *node
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			n := &node{m: m}
			n.sec.Marker = m.printed
			n.inArt = m.kind == kindArticle || (parent != nil && parent.inArt)
			if m.kind == kindDash || m.kind == kindPlus || !isHeadingText(m.rest) {
				if m.rest != "" {
					n.sec.Paragraphs = []string{m.rest}
				}
			} else {
				n.sec.Heading = m.rest
			}
			level := m.kindLevel()
			if parent != nil && parent.sec.Level+1 > level {
				level = parent.sec.Level + 1
			}
			n.sec.Level = min(level, 6)
			n.sec.Anchor = uniqueAnchor(anchors, anchorFor(parent, m))
			if parent == nil {
				roots = append(roots, n)
			} else {
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		}
		if last {
			end, sigAt = i+1, i+1
			break
		}
	}
	b.end = end
	if sigAt >= 0 {
		b.signature, b.end = parseSignature(lines, sigAt)
		if b.end < end {
			b.end = end
		}
	}
	b.sections = toSections(roots)
	return b
}

// anchorFor builds the anchor of a new part: "muc-iii", "muc-iii-2",
// "muc-iii-2-3" (third dash item), "muc-ii-1-a", "chuong-i", "dieu-5",
// "dieu-5-2-a".
func anchorFor(parent *node, m marker) string {
	var key string
	switch m.kind {
	case kindChapter:
		return "chuong-" + m.key
	case kindPart:
		if parent != nil {
			return parent.sec.Anchor + "-muc-" + m.key
		}
		return "muc-" + m.key
	case kindArticle:
		return "dieu-" + m.key
	case kindDash, kindPlus:
		if parent != nil {
			parent.dashes++
			key = strconv.Itoa(parent.dashes)
		}
	case kindArabic:
		key = m.key
		if parent != nil && parent.m.kind == kindArabic && strings.HasPrefix(m.key, parent.m.key+"-") {
			key = strings.TrimPrefix(m.key, parent.m.key+"-")
		}
	default:
		key = m.key
	}
	if parent == nil {
		return "muc-" + key
	}
	return parent.sec.Anchor + "-" + key
}

// uniqueAnchor returns a, or a with "-2", "-3", … appended when a document
// numbers two parts alike.
func uniqueAnchor(seen map[string]bool, a string) string {
	a = strings.ToLower(a)
	cand := a
	for n := 2; seen[cand]; n++ {
		cand = a + "-" + strconv.Itoa(n)
	}
	seen[cand] = true
	return cand
}

func toSections(nodes []*node) []Section {
	if len(nodes) == 0 {
		return nil
	}
	out := make([]Section, len(nodes))
	for i, n := range nodes {
		out[i] = n.sec
		out[i].Children = toSections(n.children)
	}
	return out
}

// isSignatureRow reports whether a row opens the signature block: a cell
// "KT. CHỦ TỊCH", "TM. …", "T/M …", or an office alone ("CHỦ TỊCH QUỐC HỘI").
func isSignatureRow(cells []string) bool {
	for _, c := range cells {
		if authorityRE.MatchString(c) && isUpperText(c) {
			return true
		}
	}
	return len(cells) == 1 && positions[strings.ToUpper(cells[0])] && isUpperText(cells[0])
}

func startsRecipients(c string) bool {
	return strings.HasPrefix(lettersOnly(c), "noinhan")
}

var signedRE = regexp.MustCompile(`(?i)^[(\[]?\s*đã\s+ký\s*[)\]]?$`)

// parseSignature reads the signature block from lines[i]: authority lines
// ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"), the office ("PHÓ CHỦ TỊCH"),
// "(Đã ký)" and the signer's name, skipping the "Nơi nhận:" list. It stops
// at the first line that is none of these (web-page debris). It returns nil
// when no authority is found, and the index after the last line read.
func parseSignature(lines []string, i int) (*Signature, int) {
	var sig Signature
	var auth []string
	end := i
	recipients := false
	for ; i < len(lines) && i < end+40; i++ {
		cells := splitCells(lines[i])
		if len(cells) == 0 {
			continue
		}
		used := false
		for _, c := range cells {
			switch {
			case startsRecipients(c):
				recipients, used = true, true
			case recipients && (strings.HasPrefix(c, "-") || strings.HasPrefix(c, "+") || strings.HasPrefix(c, "Như") || strings.HasPrefix(c, "Lưu")):
				used = true
			case authorityRE.MatchString(c) && isUpperText(c):
				auth = append(auth, c)
				used = true
			case isUpperText(c) && strings.IndexFunc(c, unicode.IsDigit) < 0 && len(strings.Fields(c)) <= 8 && !isDebris(c):
				if len(auth) == 0 {
					auth = append(auth, c)
				} else if sig.Position == "" {
					sig.Position = c
				} else {
					continue
				}
				used = true
			case signedRE.MatchString(c):
				used = true
			case isPersonName(c) && (len(auth) > 0 || sig.Position != ""):
				sig.Signer = c
				used = true
			}
		}
		if !used {
			break
		}
		end = i + 1
		if sig.Signer != "" {
			break
		}
	}
	if len(auth) == 0 {
		return nil, end
	}
	sig.Authority = strings.Join(auth, "\n")
	return &sig, end
}

// isPersonName reports whether s looks like a Vietnamese full name: two to
// six words, each a capital followed by lower-case letters.
func isPersonName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 6 {
		return false
	}
	for _, w := range words {
		for j, r := range w {
			if !unicode.IsLetter(r) || (j == 0) != unicode.IsUpper(r) {
				return false
			}
		}
	}
	return true
}
