package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normalizeText turns raw input into the form every parser step works on:
// valid UTF-8 (invalid bytes become U+FFFD), no byte-order mark, LF line
// ends, NFC, no zero-width or control characters, non-breaking spaces as
// plain spaces, and runs of spaces collapsed inside each line. A run of
// blanks holding a tab becomes one tab: text copied from a Word table or a
// web page separates its columns with tabs ("Nơi nhận:<TAB>KT. CHỦ TỊCH"),
// and splitCells reads a tab as a cell border like "|".
// Leading and trailing blank space is trimmed from each line; blank lines are
// kept so that the line count of the source is preserved.
func normalizeText(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = norm.NFC.String(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = cleanLine(l)
	}
	return strings.Join(lines, "\n")
}

// cleanLine maps blank-like runes to a space, drops invisible ones and
// collapses runs of spaces; a run holding a tab becomes one tab. Blanks at
// either end are dropped.
func cleanLine(l string) string {
	var sb strings.Builder
	sb.Grow(len(l))
	space, tab := false, false
	for _, r := range l {
		switch {
		case r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060' || r == '\uFEFF' || r == '\u00AD':
			continue // zero-width and soft hyphen: invisible debris of web pages
		case r == '\t':
			space, tab = true, true
			continue
		case r == '\u00A0' || r == '\u202F' || r == '\u2007' || unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space && sb.Len() > 0 {
			if tab {
				sb.WriteByte('\t')
			} else {
				sb.WriteByte(' ')
			}
		}
		space, tab = false, false
		sb.WriteRune(r)
	}
	return sb.String()
}

// nfc returns s as valid UTF-8 in Normalization Form C. Every string the
// package hands out passes through it last, so that case mapping or slicing
// can never leak a non-NFC string.
func nfc(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return norm.NFC.String(s)
}

// foldTable maps each precomposed Latin letter (Latin-1 to Latin Extended
// Additional, which holds every Vietnamese letter) to its base letter in
// lower case; built once from the canonical decompositions.
var foldTable = func() map[rune]rune {
	t := make(map[rune]rune, 1024)
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			d := []rune(norm.NFD.String(string(r)))
			if len(d) > 0 && d[0] < utf8.RuneSelf && unicode.IsLetter(d[0]) {
				t[r] = unicode.ToLower(d[0])
			}
		}
	}
	add(0xC0, 0x24F)
	add(0x1E00, 0x1EFF)
	t['đ'], t['Đ'] = 'd', 'd' // the stroke is not a combining mark: NFD keeps đ
	return t
}()

// fold lower-cases s and removes Vietnamese diacritics, including the stroke
// of đ/Đ which Unicode does not decompose, and two marks on one vowel
// ("ấ", "ệ"): "Quyết Định" → "quyet dinh". Combining marks of decomposed
// input are dropped. It is used for comparisons and slugs, never for
// display.
func fold(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		case unicode.Is(unicode.Mn, r):
			continue
		default:
			if b, ok := foldTable[r]; ok {
				r = b
			} else {
				r = unicode.ToLower(r)
			}
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// isUpperText reports whether s has at least one letter and no lower-case
// letter ("THỰC HIỆN CHỈ THỊ SỐ 25/CT-TTG" is upper text).
func isUpperText(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters = true
			if unicode.IsLower(r) {
				return false
			}
		}
	}
	return letters
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	for i, r := range s {
		if unicode.IsLetter(r) {
			return s[:i] + string(unicode.ToUpper(r)) + s[i+utf8.RuneLen(r):]
		}
		if unicode.IsDigit(r) {
			return s
		}
	}
	return s
}
