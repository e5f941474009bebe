package content

import (
	"strconv"
	"strings"
	"unicode"
)

// Slug returns the URL key of a numbered document (DESIGN.md, "Documents"):
// the number lower-cased with diacritics folded (đ → d), every run of
// characters that are not letters or digits turned into "-", then "-YYYY"
// appended unless the number already contains that year as a whole group of
// digits. year 0 means unknown: nothing is appended.
//
//	Slug("25/CT-TTg", 2017)     == "25-ct-ttg-2017"
//	Slug("95-KL/TW", 2014)      == "95-kl-tw-2014"
//	Slug("94/2010/NĐ-CP", 2010) == "94-2010-nd-cp"
//
// The result is empty when the number has no letter or digit.
func Slug(number string, year int) string {
	f := fold(nfc(number))
	var sb strings.Builder
	dash := false
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			dash = false
			sb.WriteRune(r)
			continue
		}
		dash = true
	}
	s := sb.String()
	if s == "" {
		return ""
	}
	if year > 0 && !containsYear(s, year) {
		s += "-" + strconv.Itoa(year)
	}
	return nfc(s)
}

// containsYear reports whether the slug s has the year as one of its
// dash-separated parts ("94-2010-nd-cp" contains 2010; "2010a" does not).
func containsYear(s string, year int) bool {
	y := strconv.Itoa(year)
	for _, part := range strings.Split(s, "-") {
		if part == y {
			return true
		}
	}
	return false
}
