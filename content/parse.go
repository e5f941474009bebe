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
	// ErrNoNumber means the text has neither a heading naming its type nor
	// a số hiệu in its first lines: it does not look like an administrative
	// document at all. (A document with a heading but no readable number
	// is imported without one, with a warning: see Document.Warnings.)
	ErrNoNumber = &ParseError{"số hiệu", "thiếu số hiệu văn bản: phần đầu không có dòng “Số: …” (ví dụ “Số: 53/KH-UBND”) và cũng không có tên loại văn bản, nên không nhận ra đây là văn bản hành chính"}
	// ErrNoType means no heading names the type (KẾ HOẠCH, CHỈ THỊ, …) and
	// the text is not a công văn (no "V/v …" line).
	ErrNoType = &ParseError{"tên loại văn bản", "thiếu tên loại văn bản: không có dòng KẾ HOẠCH, CHỈ THỊ, QUYẾT ĐỊNH, NGHỊ QUYẾT, KẾT LUẬN, THÔNG BÁO, LUẬT, BỘ LUẬT, NGHỊ ĐỊNH hoặc THÔNG TƯ, và không phải công văn (công văn có dòng trích yếu “V/v …” dưới số hiệu)"}
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
	{"BỘ LUẬT", TypeCode},
	{"LUẬT", TypeLaw},
}

var (
	// numberRE is a số hiệu: digits, then groups joined by "/" or "-"
	// ("53/KH-UBND", "95-KL/TW", "94/2010/NĐ-CP", "23/2000/QH10"). It must
	// hold a letter (see looksLikeNumber) so that dates are not numbers.
	// The digits may end in one letter: a number given to a text issued
	// between two others ("17b/KH-UBND", "5a/QĐ-CAT", "08A/TB-BCĐ").
	numberRE = regexp.MustCompile(`\d{1,6}[A-Za-z]?(?:[/\-][\p{L}\p{N}]+)+`)
	// numberCellRE finds "Số: …" / "Số …" / "Luật số: …" in a header cell.
	// "Số" is written with a capital: a lower-case "số" is a text the
	// document cites ("Kế hoạch số 77/KH-BCĐ"), never its own number.
	numberCellRE = regexp.MustCompile(`(?:^|\s)(?:Số|SỐ|Luật số|LUẬT SỐ|Luật Số)\s*[:.]?\s*(\d[^\s,;|]*)`)
	// ownNumberLineRE is a line that is only a number cell, as some layouts
	// print under the heading ("Số: 12/KH-UBND").
	ownNumberLineRE = regexp.MustCompile(`^(?:Số|SỐ|Luật số|LUẬT SỐ)\s*[:.]?\s*(\d[^\s,;|]*)$`)
	// decorationRE matches the rules printed under header cells and titles
	// ("-------", "———", "_____", "---o0o---", "*", "***").
	decorationRE = regexp.MustCompile(`^[\s\-_=*~.•oO0—–―─━═]*$`)
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
// A công văn (no type word; "V/v …" under the number, "Kính gửi: …" above
// the body) has Type TypeOfficialLetter, its subject as Title ("Về việc …")
// and its addressees as Recipients. The số hiệu is read from the header
// only; a document whose header has none readable is returned without a
// Number, with a Slug made from its type, date and title (numberlessSlug)
// and a warning in Warnings.
//
// Errors: ErrEmpty, ErrTooLarge, ErrNoType (no heading such as "KẾ HOẠCH"
// and no "V/v"), ErrNoNumber (neither a heading nor a "Số: …": not an
// administrative document). Parse never panics.
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
	var (
		hdr        header
		titleRaw   string
		bodyStart  int
		recipients []string
	)
	if lt, ok := findLetter(lines); ok && (h < 0 || lt.subjectAt < h) {
		// A công văn: no type word, "V/v …" under the number.
		typ, headRest = TypeOfficialLetter, ""
		hdr = parseHeader(lt.header)
		titleRaw, bodyStart, recipients = lt.subject, lt.bodyStart, lt.recipients
	} else if h < 0 {
		if headerNumber(lines[:min(len(lines), 20)]) == "" {
			return nil, "", ErrNoNumber
		}
		return nil, "", ErrNoType
	} else {
		hdr = parseHeader(lines[:h])
		titleRaw, bodyStart = collectTitle(lines, h, headRest, hdr)
	}
	if hdr.number == "" && typ != TypeOfficialLetter {
		// Some layouts print "Số: …" just under the heading, alone on its
		// line; a "số …" in a sentence there is a text the body cites.
		for i := h + 1; i < min(len(lines), h+4); i++ {
			if n := lineNumber(lines[i]); n != "" {
				hdr.number = n
				if bodyStart == i {
					bodyStart++
				}
				break
			}
		}
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
		Recipients:  recipients,
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
	if typ == TypeOfficialLetter {
		d.Title = letterTitle(titleRaw, d.Text, numbers, names)
	} else {
		d.Title = sentenceCase(titleRaw, d.Text, numbers, names...)
	}
	switch {
	case d.Number == "":
		// Only the header names the document's own number: without one the
		// document goes in unnumbered rather than under a number its body
		// cites.
		d.Slug = numberlessSlug(d.Type, d.IssuedOn, d.Title)
		d.Warnings = append(d.Warnings, "không đọc được số hiệu ở phần đầu văn bản (dòng “Số: …” trống, mờ hoặc thiếu): văn bản được nhập không có số hiệu, với địa chỉ /van-ban/"+d.Slug+"; nếu văn bản có số hiệu, hãy sửa dòng “Số: …” rồi nhập lại")
	case d.IssuedOn.IsZero():
		d.Slug = Slug(d.Number, 0)
	default:
		d.Slug = Slug(d.Number, d.IssuedOn.Year())
	}
	d.Citations = documentCitations(d, mentions)
	finalize(d)
	cleaned := strings.Join(lines[hdr.start:bodyStart+b.end], "\n")
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
		if c.Issuer != "" && d.Issuer != c.Issuer && isBareLocalOrgan(c.Issuer) {
			c.Issuer = completeLocalOrgan(c.Issuer, d.Issuer)
		}
		out = append(out, c)
	}
	return out
}

// completeLocalOrgan completes a local organ named by its level only
// ("Ủy ban nhân dân tỉnh") with the place the citing document's issuer
// names at that level ("Sở Y tế tỉnh Thái Bình" → "Ủy ban nhân dân tỉnh
// Thái Bình"); it returns bare unchanged when the issuer names none.
func completeLocalOrgan(bare, issuer string) string {
	toks := tokenize(bare)
	unit := toks[len(toks)-1].core
	it := tokenize(issuer)
	for i := range it {
		if strings.EqualFold(it[i].core, unit) && i+1 < len(it) && adminUnitAt(it, i) > 0 {
			return bare + " " + joinTokens(it[i+1:])
		}
	}
	return bare
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

// splitCells splits a row of a plain-text table ("A | B |", or columns
// separated by tabs) into its non-empty trimmed cells.
func splitCells(l string) []string {
	parts := strings.FieldsFunc(l, func(r rune) bool { return r == '|' || r == '\t' })
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
	issuers []string // cells naming the issuing organ, in order, a name over two lines joined
	start   int      // index of the header's first line (web-page lines above it are not the document)
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

// lineNumber returns the số hiệu of a line that holds nothing but a number
// cell ("Số: 12/KH-UBND"), or "".
func lineNumber(l string) string {
	cells := splitCells(l)
	if len(cells) != 1 {
		return ""
	}
	if m := ownNumberLineRE.FindStringSubmatch(cells[0]); m != nil {
		if n := strings.TrimRight(m[1], ".,;:)"); looksLikeNumber(n) {
			return n
		}
	}
	return ""
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

// parseHeader classifies every cell above the heading: national motto,
// rules, a "DỰ THẢO" mark and web-page labels (ignored), "Số: …" (number),
// "<place>, ngày … tháng … năm …" (place and date), and cells naming the
// issuer (in capitals, or an organ's name in ordinary case), in whatever
// order the layout put them.
func parseHeader(lines []string) header {
	var h header
	// Web pages put menus and dates above the document: the header starts
	// at its first line with the motto, a "Số: …" or a date of issue, or
	// at most two lines (rules, blank lines and web-page labels not counted)
	// above it when that line holds nothing else (the issuer printed above
	// the motto or the number).
	first := -1
	for i, l := range lines {
		if isDebris(l) {
			continue
		}
		if mottoRE.MatchString(l) || numberCellRE.MatchString(l) || longDateRE.MatchString(l) || mottoes[lettersOnly(l)] {
			first = i
			break
		}
	}
	if first >= 0 {
		start, above := first, 0
		if !hasIssuerBeside(lines[first]) {
			for j := first - 1; j >= 0 && above < 2; j-- {
				l := strings.TrimSpace(lines[j])
				if l == "" || decorationRE.MatchString(l) || isDebris(l) {
					continue
				}
				start = j
				if u := strings.ToUpper(l); strings.HasPrefix(u, "VÀ ") || strings.HasPrefix(u, "VỀ ") {
					continue // the end of a name broken over two lines
				}
				above++
			}
		}
		h.start = start
		lines = lines[start:]
	}
	longDate := false
	for _, l := range lines {
		for _, c := range splitCells(l) {
			// Layouts that lose the table put the motto in the same cell
			// as the issuer or the date: cut it out wherever it is.
			c = strings.TrimSpace(mottoRE.ReplaceAllString(c, " "))
			if c == "" || decorationRE.MatchString(c) || mottoes[lettersOnly(c)] || isDebris(c) || isDraftMark(c) {
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
						h.addIssuer(caps)
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
			if m := placeOnlyRE.FindStringSubmatch(c); m != nil {
				// "Thái Bình, ngày    tháng 3 năm 2020": a draft or a form
				// with the day left blank still names the place.
				if h.place == "" {
					h.place = strings.TrimSpace(m[1])
				}
				continue
			}
			if isUpperText(c) {
				// An organ's name may hold digits ("BAN CHỈ ĐẠO 389"); a
				// cell holding a number or a date does not name it.
				if strings.ContainsRune(c, '/') || strings.HasPrefix(c, "SỐ") {
					continue
				}
				h.addIssuer(c)
			} else if strings.IndexFunc(c, unicode.IsDigit) >= 0 {
				continue
			} else if caps, _ := leadingCaps(c); caps != "" {
				h.addIssuer(caps)
			} else if isOrganName(c) {
				h.addIssuer(c)
			}
		}
	}
	return h
}

// addIssuer appends a cell naming the issuer, joining a name broken over
// two lines ("BỘ VĂN HÓA, THỂ THAO" / "VÀ DU LỊCH", "SỞ LAO ĐỘNG -
// THƯƠNG BINH" / "VÀ XÃ HỘI").
func (h *header) addIssuer(c string) {
	if n := len(h.issuers); n > 0 {
		prev := h.issuers[n-1]
		u := strings.ToUpper(c)
		if strings.HasPrefix(u, "VÀ ") || strings.HasPrefix(u, "VỀ ") || strings.HasPrefix(u, "& ") ||
			strings.HasSuffix(prev, ",") || strings.HasSuffix(prev, "-") || strings.HasSuffix(strings.ToUpper(prev), " VÀ") {
			h.issuers[n-1] = prev + " " + c
			return
		}
	}
	h.issuers = append(h.issuers, c)
}

// hasIssuerBeside reports whether a header line with the motto also holds
// other text (the issuer in the next cell, or run together with the
// motto): the header then starts on that line.
func hasIssuerBeside(l string) bool {
	if !mottoRE.MatchString(l) {
		return false
	}
	rest := strings.TrimSpace(mottoRE.ReplaceAllString(l, " "))
	for _, c := range splitCells(rest) {
		if !decorationRE.MatchString(c) && isUpperText(c) || isOrganName(c) {
			return true
		}
	}
	return false
}

// placeOnlyRE is a place of issue before a date whose day is left blank.
var placeOnlyRE = regexp.MustCompile(`^([^,\d|]{2,40}),\s*ngày\b`)

// isDraftMark reports whether a header cell marks a draft ("DỰ THẢO",
// "Dự thảo lần 2", "(Dự thảo)").
func isDraftMark(c string) bool {
	f := lettersOnly(c)
	return strings.HasPrefix(f, "duthao") && utf8.RuneCountInString(c) <= 30
}

// organStarts open the name of an issuing organ written in ordinary case
// in a header ("Ủy ban nhân dân huyện Thái Thụy"), folded.
var organStarts = []string{"uy ban ", "ubnd ", "hoi dong nhan dan", "hdnd ", "so ", "bo ", "ban ", "cong an ", "phong ",
	"van phong ", "chinh phu", "thu tuong ", "quoc hoi", "cuc ", "chi cuc ", "trung tam ", "tinh uy ", "huyen uy ", "thanh uy ", "dang uy "}

// isOrganName reports whether a header cell in ordinary case names an
// organ: it starts like one and is a short name, not a sentence.
func isOrganName(c string) bool {
	if strings.IndexFunc(c, unicode.IsDigit) >= 0 || strings.ContainsAny(c, ".:;") || len(strings.Fields(c)) > 14 {
		return false
	}
	f := fold(c) + " "
	for _, p := range organStarts {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
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

// startsSubOrgan reports whether an upper-case header part opens the name
// of an organ placed under a parent.
func startsSubOrgan(p string) bool {
	for _, w := range subOrganWords {
		if strings.HasPrefix(p, w) {
			return true
		}
	}
	return false
}

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
	// The last part that opens a sub-organ's name is the issuer, with the
	// parts after it (the rest of its name over more lines); the parts
	// before it are its parent.
	for k := len(parts) - 1; k >= 1; k-- {
		if !startsSubOrgan(parts[k]) {
			continue
		}
		sub := strings.Join(parts[k:], " ")
		issuer := properCaseOrgan(sub)
		parentUpper := strings.Join(parts[:k], " ")
		parent := properCaseOrgan(parentUpper)
		if strings.HasPrefix(sub, "VĂN PHÒNG") || (strings.HasPrefix(sub, "PHÒNG ") && strings.HasPrefix(parentUpper, "CÔNG AN ")) {
			// "Văn phòng Ủy ban nhân dân tỉnh …", "Phòng … Công an tỉnh …":
			// named after the whole parent.
			return issuer + " " + parent
		}
		toks := tokenize(parent)
		for i := range toks {
			if adminUnitAt(toks, i) > 0 {
				issuer += " " + joinTokens(toks[i:])
				break
			}
		}
		return issuer
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
	"TRƯỞNG PHÒNG": true, "PHÓ TRƯỞNG PHÒNG": true, "CỤC TRƯỞNG": true, "PHÓ CỤC TRƯỞNG": true,
	"CHÁNH THANH TRA": true, "TRƯỞNG CÔNG AN": true,
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
	"tincungchuyenmuc": true, "inbai": true, "guichobanbe": true, "chiasebaiviet": true,
}

var debrisPrefixes = []string{"nhapvaonut", "manhinhhienlen", "ykienbandoc", "chiasebaiviet", "binhluancua", "gioithieuchobanbe"}

// debrisLabelRE is a web page's label with a count or a posting time
// ("Số lượt truy cập: 3.402", "Chia sẻ (12)", "Ngày cập nhật: 04/7/2019 -
// 10:20", "Lượt xem: 1.205"), folded. A posting date is never the date of
// issue.
var debrisLabelRE = regexp.MustCompile(`^(?:ngay cap nhat|cap nhat luc|cap nhat|ngay dang tai|ngay dang|dang ngay|dang luc|thoi gian dang|so luot xem|luot xem|so luot truy cap|luot truy cap|so nguoi dang xem|dang truc tuyen|luot thich|thich|luot chia se|chia se(?: bai viet)?|binh luan|in bai|in trang|gui cho ban be|gui email|tai ve)\s*(?:[:(]\s*)?(?:facebook|zalo|twitter|email)?[\d.,:/ \-]*\)?$`)

// isDebris reports whether a line (or a row of cells) is web-page debris:
// every cell is a known label.
func isDebris(l string) bool {
	cells := strings.FieldsFunc(l, func(r rune) bool { return r == '|' || r == '\t' })
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		if !isDebrisCell(strings.TrimSpace(c)) {
			return false
		}
	}
	return true
}

func isDebrisCell(c string) bool {
	f := lettersOnly(c)
	if f == "" || utf8.RuneCountInString(c) > 120 {
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
	return debrisLabelRE.MatchString(fold(c))
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
			if !isUpperText(l) || lettersOnly(l) == issuerKey || enactingAuthority[lettersOnly(l)] || namesOffice(l) {
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

// namesOffice reports whether a line in capitals names the office that
// enacts the text ("GIÁM ĐỐC CÔNG AN TỈNH THÁI BÌNH", "CHỦ TỊCH ỦY BAN NHÂN
// DÂN HUYỆN …", "BỘ TRƯỞNG BỘ Y TẾ"): one of positions, then an organ.
func namesOffice(l string) bool {
	u := strings.ToUpper(l)
	for p := range positions {
		if rest, ok := strings.CutPrefix(u, p+" "); ok && isOrganName(rest) {
			return true
		}
	}
	return false
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
	for i := range d.Recipients {
		d.Recipients[i] = nfc(d.Recipients[i])
	}
	for i := range d.Warnings {
		d.Warnings[i] = nfc(d.Warnings[i])
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
