package content

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxDocumentBytes is the largest input Parse accepts (4 MiB). The longest
// Vietnamese codes and laws are well under 1 MiB of text.
const MaxDocumentBytes = 4 << 20

// ParseError is an error of Parse: the part of the document that is
// missing or wrong (Field, its Vietnamese name as shown to the person
// importing) and a Vietnamese message naming it. The errors below are its
// only values; compare with errors.Is, or use errors.As to get the field.
type ParseError struct {
	Field   string // "nội dung", "số hiệu", "tên loại văn bản"
	Message string
}

// Error returns the Vietnamese message.
func (e *ParseError) Error() string { return e.Message }

// Errors of Parse.
var (
	// ErrEmpty means the input holds no text.
	ErrEmpty = &ParseError{"nội dung", "văn bản trống: không có nội dung để nhập"}
	// ErrTooLarge means the input is over MaxDocumentBytes.
	ErrTooLarge = &ParseError{"nội dung", "văn bản quá lớn: tối đa 4 MiB"}
	// ErrNoNumber means the header has no số hiệu ("Số: 53/KH-UBND").
	ErrNoNumber = &ParseError{"số hiệu", "thiếu số hiệu văn bản: phần đầu không có dòng “Số: …” (ví dụ “Số: 53/KH-UBND”)"}
	// ErrNoType means no heading names the type (KẾ HOẠCH, CHỈ THỊ, …).
	ErrNoType = &ParseError{"tên loại văn bản", "thiếu tên loại văn bản: không có dòng KẾ HOẠCH, CHỈ THỊ, QUYẾT ĐỊNH, NGHỊ QUYẾT, KẾT LUẬN, THÔNG BÁO, LUẬT, NGHỊ ĐỊNH hoặc THÔNG TƯ"}
)

// docTypes maps the heading word of a document to its type name; longer
// headings come before their prefixes ("THÔNG TƯ LIÊN TỊCH" is a Thông tư
// whose title is on the next line).
var docTypes = []struct{ upper, name string }{
	{"KẾ HOẠCH", TypePlan},
	{"CHỈ THỊ", TypeDirective},
	{"QUYẾT ĐỊNH", TypeDecision},
	{"NGHỊ QUYẾT LIÊN TỊCH", TypeResolution},
	{"NGHỊ QUYẾT", TypeResolution},
	{"KẾT LUẬN", TypeConclusion},
	{"THÔNG BÁO", TypeNotice},
	{"NGHỊ ĐỊNH", TypeDecree},
	{"THÔNG TƯ LIÊN TỊCH", TypeCircular},
	{"THÔNG TƯ", TypeCircular},
	{"LUẬT", TypeLaw},
}

var (
	// numberRE is a số hiệu: digits, then groups joined by "/" or "-"
	// ("53/KH-UBND", "95-KL/TW", "94/2010/NĐ-CP", "23/2000/QH10"). It must
	// hold a letter (see looksLikeNumber) so that dates are not numbers.
	numberRE = regexp.MustCompile(`\d{1,6}(?:[/\-][\p{L}\p{N}]+)+`)
	// numberCellRE finds "Số: …" / "Số …" / "Luật số: …" in a header cell.
	numberCellRE = regexp.MustCompile(`(?i)(?:^|\s)số\s*[:.]?\s*(\d[^\s,;|]*)`)
	// decorationRE matches the rules printed under header cells ("-------",
	// "---o0o---", "*").
	decorationRE = regexp.MustCompile(`^[\s\-_=*~.•oO0]*$`)
)

// looksLikeNumber reports whether s is shaped like a số hiệu.
func looksLikeNumber(s string) bool {
	m := numberRE.FindString(s)
	return m != "" && m == s && strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// Parse reads the plain text of a Vietnamese administrative document and
// returns it structured: Number, Type, Issuer, Place, IssuedOn, Title
// (sentence case), Preamble, Sections (with unique anchors), Signature and
// the Citations of its body (the document itself excluded). Input may be
// NFC or NFD, with CRLF or LF line ends, a byte-order mark, header cells
// separated by "|" and web-page debris after the signature block, which is
// dropped. All strings of the result are NFC.
//
// Errors: ErrEmpty, ErrTooLarge, ErrNoType (no heading such as "KẾ HOẠCH"),
// ErrNoNumber (no "Số: …" in the header). Parse never panics.
func Parse(text []byte) (*Document, error) {
	d, _, err := parse(text)
	return d, err
}

// parse is Parse that also returns the normalised text of the document
// itself (debris dropped), as ImportFile stores it.
func parse(text []byte) (*Document, string, error) {
	if len(text) > MaxDocumentBytes {
		return nil, "", ErrTooLarge
	}
	s := normalizeText(text)
	if strings.TrimSpace(s) == "" {
		return nil, "", ErrEmpty
	}
	lines := strings.Split(s, "\n")
	h, typ, headRest := findHeading(lines)
	if h < 0 {
		if headerNumber(lines[:min(len(lines), 20)]) == "" {
			return nil, "", ErrNoNumber
		}
		return nil, "", ErrNoType
	}
	hdr := parseHeader(lines[:h])
	titleRaw, bodyStart := collectTitle(lines, h, headRest, hdr)
	if hdr.number == "" {
		// Some layouts print "Số: …" just under the heading.
		for i := h + 1; i < min(len(lines), h+4); i++ {
			if n := headerNumber(lines[i : i+1]); n != "" {
				hdr.number = n
				if bodyStart == i {
					bodyStart++
				}
				break
			}
		}
	}
	if hdr.number == "" {
		return nil, "", ErrNoNumber
	}
	b := parseBody(lines[bodyStart:])
	d := &Document{
		Type:        typ,
		Number:      hdr.number,
		Place:       hdr.place,
		IssuedOn:    hdr.date,
		Preamble:    b.preamble,
		Sections:    b.sections,
		Signature:   b.signature,
		HasFullText: true,
	}
	d.Text = documentText(d)
	if d.IssuedOn.IsZero() {
		d.IssuedOn = passedOn(d.Text)
	}
	d.Issuer = resolveIssuer(hdr, typ, headRest, b.signature)

	// Title: restore case from the body and its citations.
	mentions := citationMentions(d.Text)
	numbers := make(map[string]string, len(mentions))
	for _, c := range dedupeCitations(mentions) {
		numbers[strings.ToUpper(c.Number)] = c.Number
	}
	if n, ok := numbers[strings.ToUpper(d.Number)]; ok && isUpperText(d.Number) {
		d.Number = n
	}
	var names []string
	if d.Place != "" && !isUpperText(d.Place) {
		names = append(names, strings.TrimPrefix(d.Place, "TP. "))
	}
	d.Title = sentenceCase(titleRaw, d.Text, numbers, names...)
	d.Slug = Slug(d.Number, d.IssuedOn.Year())
	if d.IssuedOn.IsZero() {
		d.Slug = Slug(d.Number, 0)
	}
	d.Citations = documentCitations(d, mentions)
	finalize(d)
	cleaned := strings.Join(lines[:bodyStart+b.end], "\n")
	cleaned = strings.TrimRight(cleaned, "\n ") + "\n"
	return d, cleaned, nil
}

// documentCitations merges the citations of the title and of the body
// (mentions already read from d.Text), without
// the document itself, and completes a bare local issuer ("Ủy ban nhân dân
// tỉnh") with the citing document's own ("… tỉnh Thái Bình").
func documentCitations(d *Document, bodyMentions []Citation) []Citation {
	all := dedupeCitations(append(citationMentions(d.Title), bodyMentions...))
	out := all[:0]
	for _, c := range all {
		if numberKey(c.Number) == numberKey(d.Number) {
			continue
		}
		if c.Issuer != "" && d.Issuer != c.Issuer && strings.HasPrefix(d.Issuer, c.Issuer+" ") && isBareLocalOrgan(c.Issuer) {
			c.Issuer = d.Issuer
		}
		out = append(out, c)
	}
	return out
}

// isBareLocalOrgan reports whether issuer names a local organ by level only
// ("Ủy ban nhân dân tỉnh", "Hội đồng nhân dân huyện").
func isBareLocalOrgan(issuer string) bool {
	toks := tokenize(issuer)
	if len(toks) == 0 {
		return false
	}
	last := strings.ToLower(toks[len(toks)-1].core)
	switch last {
	case "tỉnh", "huyện", "quận", "xã", "phường", "phố":
		return true
	}
	return false
}

// numberKey is the comparison form of a số hiệu: upper case, NFC.
func numberKey(n string) string { return strings.ToUpper(nfc(strings.TrimSpace(n))) }

// findHeading returns the index of the line naming the document type, the
// type, and the rest of that line after the type word ("CỦA BAN BÍ THƯ").
// The heading is a line of capitals, alone in its row.
func findHeading(lines []string) (int, string, string) {
	for i, l := range lines {
		cells := splitCells(l)
		if len(cells) != 1 {
			continue
		}
		c := strings.ToUpper(cells[0])
		if !isUpperText(cells[0]) {
			// A heading not in capitals must be the type name alone.
			for _, t := range docTypes {
				if c == t.upper {
					return i, t.name, ""
				}
			}
			continue
		}
		for _, t := range docTypes {
			if c == t.upper || strings.HasPrefix(c, t.upper+" ") {
				rest := strings.TrimSpace(cells[0][len(t.upper):])
				return i, t.name, strings.TrimLeft(rest, ":. ")
			}
		}
	}
	return -1, "", ""
}

// splitCells splits a row of a plain-text table ("A | B |") into its
// non-empty trimmed cells.
func splitCells(l string) []string {
	parts := strings.Split(l, "|")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// header holds what the lines above the heading say.
type header struct {
	number  string
	place   string
	date    time.Time
	issuers []string // upper-case cells naming the issuing organ, in order
}

// mottoes are the header cells that are not the issuer (folded, letters only).
var mottoes = map[string]bool{
	"conghoaxahoichunghiavietnam": true,
	"doclaptudohanhphuc":          true,
	"dangcongsanvietnam":          true,
}

func lettersOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, fold(s))
}

// headerNumber returns the first số hiệu of a "Số: …" cell in lines.
func headerNumber(lines []string) string {
	for _, l := range lines {
		for _, c := range splitCells(l) {
			if m := numberCellRE.FindStringSubmatch(c); m != nil {
				if n := strings.TrimRight(m[1], ".,;:)"); looksLikeNumber(n) {
					return n
				}
			}
		}
	}
	return ""
}

// parseHeader classifies every cell above the heading: national motto and
// rules (ignored), "Số: …" (number), "<place>, ngày … tháng … năm …" (place
// and date), and upper-case cells naming the issuer, in whatever order the
// layout put them.
func parseHeader(lines []string) header {
	var h header
	// Web pages put menus and dates above the document: the header starts
	// at most two lines (rules and blank lines not counted) above its first
	// line with the motto, a "Số: …" or a date of issue.
	first := -1
	for i, l := range lines {
		if mottoRE.MatchString(l) || numberCellRE.MatchString(l) || longDateRE.MatchString(l) || mottoes[lettersOnly(l)] {
			first = i
			break
		}
	}
	if first >= 0 {
		start, above := first, 0
		for start > 0 && above < 2 {
			start--
			if l := strings.TrimSpace(lines[start]); l != "" && !decorationRE.MatchString(l) {
				above++
			}
		}
		lines = lines[start:]
	}
	longDate := false
	for _, l := range lines {
		for _, c := range splitCells(l) {
			// Layouts that lose the table put the motto in the same cell
			// as the issuer or the date: cut it out wherever it is.
			c = strings.TrimSpace(mottoRE.ReplaceAllString(c, " "))
			if c == "" || decorationRE.MatchString(c) || mottoes[lettersOnly(c)] {
				continue
			}
			if h.number == "" {
				if m := numberCellRE.FindStringSubmatchIndex(c); m != nil {
					if n := strings.TrimRight(c[m[2]:m[3]], ".,;:)"); looksLikeNumber(n) {
						h.number = n
						c = strings.TrimSpace(c[:m[0]] + " " + c[m[3]:])
					}
				}
			}
			if dm, ok := findDate(c); ok {
				// The date of issue is written "ngày … tháng … năm …"; a
				// short date is taken only while no long one is found.
				isLong := longDateRE.MatchString(c)
				if h.date.IsZero() || (isLong && !longDate) {
					h.date, longDate = dm.t, isLong
					before := strings.TrimSpace(c[:dm.start])
					// "ỦY BAN NHÂN DÂN Thái Bình, ngày …": the issuer in
					// capitals, then the place.
					if caps, rest := leadingCaps(before); caps != "" {
						h.issuers = append(h.issuers, caps)
						before = rest
					}
					place := strings.TrimSuffix(strings.TrimSpace(before), "ngày")
					place = strings.TrimSpace(strings.Trim(place, " ,.:;-"))
					if place != "" && strings.IndexFunc(place, unicode.IsDigit) < 0 && utf8.RuneCountInString(place) <= 40 {
						h.place = place
					}
				}
				continue
			}
			if strings.IndexFunc(c, unicode.IsDigit) >= 0 {
				continue
			}
			if isUpperText(c) {
				h.issuers = append(h.issuers, c)
			} else if caps, _ := leadingCaps(c); caps != "" {
				h.issuers = append(h.issuers, caps)
			}
		}
	}
	return h
}

// mottoRE matches the national motto and the Party's name as printed in
// headers, with either tone-mark placement ("HÒA"/"HOÀ").
var mottoRE = regexp.MustCompile(`(?i)C(?:Ộ|ộ)NG\s+H(?:ÒA|OÀ|òa|oà)\s+X(?:Ã|ã)\s+H(?:Ộ|ộ)I\s+CH(?:Ủ|ủ)\s+NGH(?:Ĩ|ĩ)A\s+VI(?:Ệ|ệ)T\s+NAM|Độc\s+lập\s*[-–—]\s*Tự\s+do\s*[-–—]\s*Hạnh\s+phúc|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM`)

// leadingCaps splits s into its leading run of words in capitals (at
// least two, so that "TP. Hồ Chí Minh" is a place, not an issuer) and the
// rest.
func leadingCaps(s string) (string, string) {
	words := strings.Fields(s)
	n := 0
	for n < len(words) && isUpperText(words[n]) && strings.IndexFunc(words[n], unicode.IsDigit) < 0 {
		n++
	}
	if n < 2 {
		return "", s
	}
	return strings.Join(words[:n], " "), strings.Join(words[n:], " ")
}

// subOrganWords open the name of an organ placed under a parent in the
// header ("UBND TỈNH THÁI BÌNH" / "SỞ Y TẾ"): the issuer is the sub-organ.
var subOrganWords = []string{"SỞ ", "BAN ", "VĂN PHÒNG", "PHÒNG ", "CÔNG AN ", "CỤC ", "CHI CỤC", "TRUNG TÂM", "BỘ CHỈ HUY", "THANH TRA", "HỘI ĐỒNG"}

// centralCities are the centrally-run cities (thành phố trực thuộc trung
// ương) whose People's Committee is "… thành phố X", not "… tỉnh X".
var centralCities = map[string]bool{"hà nội": true, "hải phòng": true, "đà nẵng": true, "cần thơ": true, "huế": true, "hồ chí minh": true}

// resolveIssuer works out the cơ quan ban hành. In order: the heading's
// "… CỦA <ORGAN>" (a Kết luận of the Ban Bí thư, printed under the header
// of the Central Committee); the "T/M <ORGAN>" line of the signature when
// the header names only the Party; the header's issuer cells, where a bare
// "ỦY BAN NHÂN DÂN" is completed with the place of issue ("tỉnh Thái Bình";
// "thành phố" for a centrally-run city).
func resolveIssuer(h header, typ, headRest string, sig *Signature) string {
	if typ != TypeNotice && strings.HasPrefix(strings.ToUpper(headRest), "CỦA ") {
		return properCaseOrgan(strings.TrimSpace(headRest[len("CỦA "):]))
	}
	parts := make([]string, 0, len(h.issuers))
	for _, p := range h.issuers {
		parts = append(parts, strings.ToUpper(expandAbbreviations(p)))
	}
	joined := strings.Join(parts, " ")
	if sig != nil && (joined == "" || lettersOnly(joined) == "banchaphanhtrunguong") {
		for _, a := range strings.Split(sig.Authority, "\n") {
			if org, ok := strings.CutPrefix(a, "T/M "); ok {
				return properCaseOrgan(org)
			}
			if org, ok := strings.CutPrefix(a, "TM. "); ok {
				return properCaseOrgan(org)
			}
		}
	}
	if len(parts) >= 2 {
		last := parts[len(parts)-1]
		for _, w := range subOrganWords {
			if strings.HasPrefix(last, w) {
				issuer := properCaseOrgan(last)
				parent := properCaseOrgan(strings.Join(parts[:len(parts)-1], " "))
				toks := tokenize(parent)
				for i := range toks {
					if adminUnitAt(toks, i) > 0 {
						issuer += " " + joinTokens(toks[i:])
						break
					}
				}
				return issuer
			}
		}
	}
	if joined == "" {
		return ""
	}
	issuer := properCaseOrgan(joined)
	switch lettersOnly(joined) {
	case "uybannhandan", "hoidongnhandan":
		if h.place != "" {
			place := h.place
			level := "tỉnh"
			if p, ok := strings.CutPrefix(place, "TP. "); ok {
				place, level = p, "thành phố"
			} else if p, ok := strings.CutPrefix(place, "Thành phố "); ok {
				place, level = p, "thành phố"
			} else if centralCities[strings.ToLower(place)] {
				level = "thành phố"
			}
			issuer += " " + level + " " + place
		}
	}
	return issuer
}

// authorityRE is a line of the signature block: "KT. CHỦ TỊCH",
// "TM. ỦY BAN NHÂN DÂN", "T/M BAN BÍ THƯ", "TL. BỘ TRƯỞNG", "Q. GIÁM ĐỐC".
var authorityRE = regexp.MustCompile(`^(?:(?:KT|TM|TL|TUQ)(?:\.\s*|\s+)|Q\.\s*|T/M\s*|K/T\s*|T/L\s*|T\.M\.?\s*|K\.T\.?\s*)\p{Lu}`)

// positions are signers' offices that may stand alone as the first line of
// a signature block ("CHỦ TỊCH QUỐC HỘI" under a law).
var positions = map[string]bool{
	"CHỦ TỊCH": true, "PHÓ CHỦ TỊCH": true, "THỦ TƯỚNG": true, "PHÓ THỦ TƯỚNG": true,
	"BỘ TRƯỞNG": true, "THỨ TRƯỞNG": true, "CHỦ TỊCH QUỐC HỘI": true, "PHÓ CHỦ TỊCH QUỐC HỘI": true,
	"GIÁM ĐỐC": true, "PHÓ GIÁM ĐỐC": true, "TRƯỞNG BAN": true, "PHÓ TRƯỞNG BAN": true,
	"BÍ THƯ": true, "CHÁNH VĂN PHÒNG": true, "CHỦ NHIỆM": true, "CHỦ TỊCH NƯỚC": true,
}

// debris are the labels of web pages that follow a document copied from a
// portal (comment boxes, sharing, voice search). Folded, letters only; a
// line equal to one, or starting with one of debrisPrefixes, ends the text.
var debris = map[string]bool{
	"ykienbandoc": true, "binhluan": true, "chiase": true, "tinlienquan": true,
	"baivietlienquan": true, "vanbanlienquan": true, "guibinhluan": true, "guiykien": true,
	"tukhoa": true, "tags": true, "intrang": true, "luotxem": true, "xemthem": true,
	"facebook": true, "zalo": true, "twitter": true, "tweet": true, "email": true,
	"dangnhap": true, "hovaten": true, "mabaomat": true, "taive": true, "tepdinhkem": true,
	"quaylai": true, "lentrendau": true, "tinkhac": true, "cactinkhac": true,
}

var debrisPrefixes = []string{"nhapvaonut", "manhinhhienlen", "ykienbandoc", "chiasebaiviet", "binhluancua", "gioithieuchobanbe"}

func isDebris(l string) bool {
	f := lettersOnly(l)
	if f == "" || utf8.RuneCountInString(l) > 120 {
		return false
	}
	if debris[f] {
		return true
	}
	for _, p := range debrisPrefixes {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// collectTitle returns the trích yếu printed under the heading and the
// index of the first body line. A title in capitals runs over every line of
// capitals up to a numbered part or the organ's name repeated as the
// enacting authority ("THỦ TƯỚNG CHÍNH PHỦ", "CHÍNH PHỦ"); a title in
// ordinary case is its line plus lines that continue it in lower case.
func collectTitle(lines []string, h int, headRest string, hdr header) (string, int) {
	var parts []string
	if headRest != "" && !strings.HasPrefix(strings.ToUpper(headRest), "CỦA ") {
		parts = append(parts, headRest)
	}
	issuerKey := lettersOnly(strings.Join(hdr.issuers, " "))
	i := h + 1
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(strings.Join(splitCells(lines[i]), " "))
		if l == "" || decorationRE.MatchString(l) {
			if len(parts) > 0 && l == "" {
				// A blank line after the title ends it.
				i++
				break
			}
			continue
		}
		if parseMarker(l).kind != kindNone || strings.HasSuffix(l, ":") {
			break
		}
		if len(parts) >= 8 || utf8.RuneCountInString(strings.Join(parts, " ")) > 1000 {
			break // a trích yếu is short; beyond this it is body text
		}
		if len(parts) == 0 {
			if strings.HasPrefix(fold(l), "can cu ") || utf8.RuneCountInString(l) > 400 {
				break
			}
			parts = append(parts, l)
			continue
		}
		if isUpperText(parts[0]) {
			if !isUpperText(l) || lettersOnly(l) == issuerKey || enactingAuthority[lettersOnly(l)] {
				break
			}
		} else if r, _ := utf8.DecodeRuneInString(l); !unicode.IsLower(r) {
			break
		}
		parts = append(parts, l)
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return strings.Join(parts, " "), i
}

// enactingAuthority are lines that repeat the enacting organ after a title
// (folded, letters only).
var enactingAuthority = map[string]bool{
	"thutuongchinhphu": true, "chinhphu": true, "quochoi": true,
	"chutichuybannhandan": true, "uybannhandan": true, "bochinhtri": true, "banbithu": true,
}

// passedOn finds the date of a law passed by the Quốc hội, printed at its
// foot ("… thông qua ngày 09 tháng 12 năm 2000"), when the header has none.
func passedOn(text string) time.Time {
	f := strings.ToLower(text)
	if i := strings.LastIndex(f, "thông qua ngày"); i >= 0 {
		if dm, ok := findDate(text[i:]); ok && dm.start < 40 {
			return dm.t
		}
	}
	return time.Time{}
}

// documentText flattens the body into plain text, one paragraph a line,
// numbered parts with their markers: what search indexes and citations are
// read from.
func documentText(d *Document) string {
	var sb strings.Builder
	for _, p := range d.Preamble {
		sb.WriteString(p)
		sb.WriteByte('\n')
	}
	var walk func([]Section)
	walk = func(ss []Section) {
		for _, s := range ss {
			line := strings.TrimSpace(s.Marker + " " + s.Heading)
			if s.Heading != "" || s.Marker != "-" {
				sb.WriteString(line)
				sb.WriteByte('\n')
			}
			for _, p := range s.Paragraphs {
				sb.WriteString(p)
				sb.WriteByte('\n')
			}
			walk(s.Children)
		}
	}
	walk(d.Sections)
	return strings.TrimRight(sb.String(), "\n")
}

// finalize passes every string of d through nfc, so that no output string
// is invalid UTF-8 or not NFC whatever the input.
func finalize(d *Document) {
	d.Slug, d.Type, d.Number, d.Issuer = nfc(d.Slug), nfc(d.Type), nfc(d.Number), nfc(d.Issuer)
	d.Place, d.Title, d.Text = nfc(d.Place), nfc(d.Title), nfc(d.Text)
	for i := range d.Preamble {
		d.Preamble[i] = nfc(d.Preamble[i])
	}
	var walk func([]Section)
	walk = func(ss []Section) {
		for i := range ss {
			ss[i].Anchor, ss[i].Marker, ss[i].Heading = nfc(ss[i].Anchor), nfc(ss[i].Marker), nfc(ss[i].Heading)
			for j := range ss[i].Paragraphs {
				ss[i].Paragraphs[j] = nfc(ss[i].Paragraphs[j])
			}
			walk(ss[i].Children)
		}
	}
	walk(d.Sections)
	if d.Signature != nil {
		d.Signature.Authority, d.Signature.Position, d.Signature.Signer = nfc(d.Signature.Authority), nfc(d.Signature.Position), nfc(d.Signature.Signer)
	}
	for i := range d.Citations {
		c := &d.Citations[i]
		c.Type, c.Number, c.Issuer, c.Subject, c.Slug = nfc(c.Type), nfc(c.Number), nfc(c.Issuer), nfc(c.Subject), nfc(c.Slug)
	}
}
