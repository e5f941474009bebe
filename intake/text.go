package intake

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/text/unicode/norm"
)

// strictPolicy is the one sanitiser of free text, built once. StrictPolicy
// allows no element and no attribute at all; its output is HTML-escaped text
// and is never unescaped (PITFALLS.md, "bluemonday").
//
// DESIGN.md asks for "bluemonday strict policy on free text". We keep that
// requirement without letting it change what the informant wrote: the desks
// get two values of each free-text field,
//
//   - the plain text exactly as typed (NFC, control characters removed,
//     nothing else changed): "a<b & c" stays "a<b & c". Escaping is done at
//     display time (html/template escapes; a desk UI must too);
//   - a "*_html" value, safeHTML(plain): StrictPolicy output, safe to embed
//     as it is in an HTML desk UI.
//
// Running StrictPolicy on the plain text itself is what used to lose words:
// the policy parses its input as HTML, so "ngõ 5<nhà 3 bên trái" reads as
// "ngõ 5" followed by an element <nhà …> that it removes, and "a<b" becomes
// "a". safeHTML therefore escapes the text first: the policy then sees only
// text (no element can start), keeps every character, and returns it
// escaped once.
var strictPolicy = bluemonday.StrictPolicy()

// CleanText prepares free text the way every field of the forms is
// prepared (see cleanText); the desk uses it for what staff write, so that
// both directions of a conversation follow one rule.
func CleanText(s string, multiline bool) string { return cleanText(s, multiline) }

// VisibleLen counts the characters a reader sees in cleaned text (see
// visibleLen); minimum lengths are counted with it.
func VisibleLen(plain string) int { return visibleLen(plain) }

// cleanText prepares one inbound string: invalid UTF-8 is dropped, and so is
// U+FFFD, the replacement character, which is what a JSON decoder (Go's
// encoding/json, RFC 8259 §8.2) or a broken conversion upstream leaves in
// place of invalid bytes and lone surrogates: the form and the API then keep
// the same text of the same input. The text is normalised to NFC (text from
// iOS and macOS often arrives decomposed), CR LF and lone CR become LF, tabs become spaces, every other control
// character and the bidirectional override and isolate marks (control
// characters too, in Unicode's sense: they can make text read differently
// from what it is) are removed, and spaces at both ends are trimmed. With
// multiline false, line breaks become spaces too. Nothing else is changed:
// markup characters, quotes and ampersands stay as typed.
func cleanText(s string, multiline bool) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), r == utf8.RuneError:
			// dropped
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
			// bidirectional embedding, override and isolate marks: dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// safeHTML returns plain text as HTML that is safe to embed: the text is
// escaped and then passed through the strict bluemonday policy (see
// strictPolicy for why in this order). Every character of plain survives:
// html.UnescapeString(safeHTML(plain)) == plain.
func safeHTML(plain string) string {
	return strictPolicy.Sanitize(html.EscapeString(plain))
}

// visibleLen counts the characters a reader sees in cleaned plain text, for
// the minimum lengths: letters, digits, punctuation and symbols (Unicode
// categories L, N, P, S), plus one space for each run of white space that
// separates two of them. Format characters (Cf, e.g. U+200B), combining
// marks on their own (Mn, Me, e.g. U+0301) and other spacing count for
// nothing, so 30 zero-width spaces or 30 lone accents are empty. (After NFC
// a Vietnamese letter with its marks is one rune; a mark left over after
// NFC does not add a character.) Maximum lengths count every rune
// (utf8.RuneCountInString), since they bound storage.
func visibleLen(plain string) int {
	n := 0
	gap := false
	for _, r := range plain {
		switch {
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			if gap && n > 0 {
				n++
			}
			gap = false
			n++
		case unicode.IsSpace(r):
			gap = true
		}
	}
	return n
}
