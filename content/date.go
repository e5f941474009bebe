package content

import (
	"regexp"
	"strconv"
	"time"
)

// Dates as printed in Vietnamese administrative texts: "ngày 14 tháng 9 năm
// 2017" (header of issue, Nghị định 30/2020/NĐ-CP) and the short form
// "14/9/2017" used in citations (also with "." or "-" as separator).
var (
	longDateRE  = regexp.MustCompile(`(?i)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*,?\s+năm\s+(\d{4})`)
	shortDateRE = regexp.MustCompile(`(?:^|[^\d/.\-])(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4})(?:$|[^\d/\-])`)
)

// dateMatch is a date found in a text: the value and the byte range of the
// whole match (for the short form, without the surrounding characters).
type dateMatch struct {
	t          time.Time
	start, end int
}

// findDate returns the first valid date in s, long form or short form,
// whichever comes first. A date that does not exist (31/2/2017) is skipped.
func findDate(s string) (dateMatch, bool) {
	best := dateMatch{start: -1}
	for _, m := range longDateRE.FindAllStringSubmatchIndex(s, -1) {
		if t, ok := makeDate(s[m[2]:m[3]], s[m[4]:m[5]], s[m[6]:m[7]]); ok {
			best = dateMatch{t: t, start: m[0], end: m[1]}
			break
		}
	}
	for _, m := range shortDateRE.FindAllStringSubmatchIndex(s, -1) {
		if best.start >= 0 && m[2] > best.start {
			break
		}
		if s[m[4]:m[5]] != s[m[8]:m[9]] { // mixed separators: not a date
			continue
		}
		if t, ok := makeDate(s[m[2]:m[3]], s[m[6]:m[7]], s[m[10]:m[11]]); ok {
			best = dateMatch{t: t, start: m[2], end: m[11]}
			break
		}
	}
	return best, best.start >= 0
}

// makeDate builds a UTC midnight date, refusing impossible days and years
// outside 1945–2100 (the era of the texts the portal carries).
func makeDate(d, m, y string) (time.Time, bool) {
	day, err1 := strconv.Atoi(d)
	month, err2 := strconv.Atoi(m)
	year, err3 := strconv.Atoi(y)
	if err1 != nil || err2 != nil || err3 != nil {
		return time.Time{}, false
	}
	if year < 1945 || year > 2100 || month < 1 || month > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}
