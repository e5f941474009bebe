package content

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A công văn (official letter) prints no type word. Under its number comes
// the trích yếu "V/v …" (về việc), which may run over the next lines of the
// same column, and above the body "Kính gửi:" with the addressees, on the
// same line or as a list (Nghị định 30/2020/NĐ-CP, phụ lục I, mẫu 1.4).

var (
	// subjectCellRE is the cell opening a công văn's subject: "V/v …".
	subjectCellRE = regexp.MustCompile(`^[Vv]\s*/\s*[Vv]\s*[:.]?\s+(\S.*)$`)
	// addresseeRE is the line opening the addressees: "Kính gửi: …"
	// (also the older spelling "Kính gởi").
	addresseeRE = regexp.MustCompile(`^(?:Kính|KÍNH)\s+(?:gửi|gởi|GỬI|GỞI)\s*[:.]?\s*(.*)$`)
)

// maxLetterHeader bounds how far into a text the "V/v" line is looked for.
const maxLetterHeader = 40

// letter is the header of a công văn as findLetter reads it.
type letter struct {
	subjectAt  int      // line of the "V/v" cell
	subject    string   // the subject after "V/v", its lines joined
	header     []string // the lines above the addressees, subject cells removed
	recipients []string // addressees, without list marks and final punctuation
	bodyStart  int      // first line of the body
}

// findLetter reads the header of a công văn: the "V/v" cell (required)
// and the lines that continue it (cells starting in lower case), the
// "Kính gửi:" line and its list. It reports false when the first
// maxLetterHeader lines hold no "V/v" cell.
func findLetter(lines []string) (letter, bool) {
	lt := letter{subjectAt: -1}
	var subjCell [2]int // line, cell of the V/v cell
	for i := 0; i < min(len(lines), maxLetterHeader) && lt.subjectAt < 0; i++ {
		for j, c := range splitCells(lines[i]) {
			if m := subjectCellRE.FindStringSubmatch(c); m != nil {
				lt.subjectAt, lt.subject, subjCell = i, strings.TrimSpace(m[1]), [2]int{i, j}
				break
			}
		}
	}
	if lt.subjectAt < 0 {
		return lt, false
	}
	header := make([]string, 0, lt.subjectAt+8)
	header = append(header, lines[:lt.subjectAt]...)
	header = append(header, withoutCell(lines[subjCell[0]], subjCell[1]))
	i := lt.subjectAt + 1
	addressees := -1
	for ; i < len(lines) && i < lt.subjectAt+12; i++ {
		cells := splitCells(lines[i])
		if len(cells) == 0 {
			if addressees < 0 && lt.subject != "" && i+1 < len(lines) && !isHeaderRow(lines[i+1]) && !addresseeRE.MatchString(strings.TrimSpace(lines[i+1])) {
				break // a blank line, then the body: no "Kính gửi"
			}
			continue
		}
		if m := addresseeRE.FindStringSubmatch(cells[0]); m != nil {
			addressees = i
			if rest := strings.TrimSpace(m[1]); rest != "" {
				lt.recipients = append(lt.recipients, cleanRecipient(rest))
			}
			i++
			break
		}
		kept := cells[:0:0]
		for _, c := range cells {
			if continuesSubject(c) {
				lt.subject += " " + c
				continue
			}
			kept = append(kept, c)
		}
		if len(kept) == 0 {
			continue
		}
		if !isHeaderRow(strings.Join(kept, " | ")) {
			break // the body starts without "Kính gửi"
		}
		header = append(header, strings.Join(kept, " | "))
	}
	if addressees >= 0 {
		// The list under "Kính gửi:": items marked "-" or "+", or a single
		// line when nothing followed the colon.
		for ; i < len(lines); i++ {
			l := strings.TrimSpace(strings.Join(splitCells(lines[i]), " "))
			if l == "" {
				if len(lt.recipients) > 0 {
					i++
					break
				}
				continue
			}
			if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") || strings.HasPrefix(l, "•") {
				lt.recipients = append(lt.recipients, cleanRecipient(strings.TrimLeft(l, "-+• ")))
				continue
			}
			if len(lt.recipients) == 0 && utf8.RuneCountInString(l) <= 200 {
				lt.recipients = append(lt.recipients, cleanRecipient(l))
				i++
			}
			break
		}
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	lt.header, lt.bodyStart = header, i
	lt.subject = strings.TrimSpace(lt.subject)
	return lt, true
}

// withoutCell returns the row l without its j-th cell, cells joined by "|".
func withoutCell(l string, j int) string {
	cells := splitCells(l)
	if j < len(cells) {
		cells = append(cells[:j:j], cells[j+1:]...)
	}
	return strings.Join(cells, " | ")
}

// continuesSubject reports whether a cell continues the "V/v" subject on
// the next line: it starts in lower case and is not a date of issue.
func continuesSubject(c string) bool {
	if !unicode.IsLower(firstRune(c)) {
		return false
	}
	_, isDate := findDate(c)
	return !isDate && !placeOnlyRE.MatchString(c)
}

// isHeaderRow reports whether a row holds only header material: the
// motto, rules, a "Số: …", a place and date, or an organ's name.
func isHeaderRow(l string) bool {
	for _, c := range splitCells(l) {
		c = strings.TrimSpace(mottoRE.ReplaceAllString(c, " "))
		switch {
		case c == "", decorationRE.MatchString(c), mottoes[lettersOnly(c)], isDebris(c), isDraftMark(c),
			numberCellRE.MatchString(c), placeOnlyRE.MatchString(c), isUpperText(c), isOrganName(c):
		default:
			if _, ok := findDate(c); ok && utf8.RuneCountInString(c) <= 60 {
				continue
			}
			return false
		}
	}
	return true
}

// cleanRecipient drops list marks and the final ";" "." "," of an addressee.
func cleanRecipient(s string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ";.,"))
}

// letterTitle is the Title of a công văn: its subject after "Về việc",
// as printed (a subject in capitals is put in sentence case first).
func letterTitle(subject, text string, numbers map[string]string, names []string) string {
	subject = strings.TrimRight(strings.TrimSpace(subject), " .;:")
	if subject == "" {
		return ""
	}
	if isUpperText(subject) {
		subject = sentenceCase(subject, text, numbers, names...)
		if r, size := utf8.DecodeRuneInString(subject); size > 0 {
			subject = string(unicode.ToLower(r)) + subject[size:]
		}
	}
	return "Về việc " + subject
}

// maxSlugWords is how many words of the title a numberless slug keeps.
const maxSlugWords = 10

// numberlessSlug is the URL key of a document imported without a số hiệu:
// its type, its date of issue (YYYY-MM-DD, when known) and the first
// maxSlugWords words of its title without a leading "Về việc", folded like
// Slug: "ke-hoach-2019-05-20-to-chuc-thang-hanh-dong-…". It starts with a
// letter, so it never equals the slug of a numbered document, which starts
// with the number's digits.
func numberlessSlug(typ string, on time.Time, title string) string {
	var words []string
	if s := Slug(title, 0); s != "" {
		words = strings.Split(s, "-")
	}
	if len(words) >= 2 && words[0] == "ve" && words[1] == "viec" {
		words = words[2:]
	} else if len(words) >= 1 && words[0] == "ve" {
		words = words[1:]
	}
	words = words[:min(len(words), maxSlugWords)]
	parts := []string{Slug(typ, 0)}
	if !on.IsZero() {
		parts = append(parts, on.Format("2006-01-02"))
	}
	parts = append(parts, words...)
	return Slug(strings.Join(parts, "-"), 0)
}
