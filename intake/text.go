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
// allows no element and no attribute at all: every tag is removed and the
// remaining text is HTML-escaped. Its output is stored as it is and never
// unescaped (PITFALLS.md, "bluemonday"): the desks get plain text in which
// markup cannot come back to life.
var strictPolicy = bluemonday.StrictPolicy()

// cleanText prepares one inbound string before it is measured and
// sanitised: invalid UTF-8 is dropped, the text is normalised to NFC (text
// from iOS and macOS often arrives decomposed), CR LF and lone CR become LF,
// tabs become spaces, every other control character and the bidirectional
// override and isolate marks (which can make text read differently from
// what it is) are removed, and spaces are trimmed. With multiline false,
// line breaks become spaces too.
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
		case unicode.IsControl(r):
			// dropped
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
			// bidirectional embedding, override and isolate marks: dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// sanitize runs cleaned text through the strict policy. The result is what
// is stored and queued.
func sanitize(s string) string {
	return strings.TrimSpace(strictPolicy.Sanitize(s))
}

// visibleLen counts the characters a reader of sanitised text sees (an
// escaped "&amp;" counts as one). The unescaped text is only counted, never
// kept.
func visibleLen(sanitised string) int {
	return utf8.RuneCountInString(html.UnescapeString(sanitised))
}
