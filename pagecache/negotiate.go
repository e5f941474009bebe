package pagecache

import (
	"net/http"
	"time"
)

// Encoding is a content coding a page is kept in (RFC 9110, section 8.4.1).
type Encoding uint8

// The codings, in the order preferred when a client weighs them equally:
// brotli (RFC 7932) is smaller than gzip on HTML, and both beat identity.
const (
	Identity Encoding = iota
	Gzip
	Brotli
	numEncodings
)

// Token is the coding's name as written in Content-Encoding and ETag
// suffixes: "" for identity, "gzip", "br".
func (e Encoding) Token() string {
	switch e {
	case Gzip:
		return "gzip"
	case Brotli:
		return "br"
	}
	return ""
}

// Negotiate picks the coding to send for an Accept-Encoding field value
// (RFC 9110, section 12.5.3), given which codings the page has (available;
// Identity is always there). The highest weight wins; on equal weights
// brotli, then gzip, then identity. A coding not listed takes the weight
// of "*" when that is listed, else 0; identity not listed is acceptable
// unless "*;q=0" excludes it, but below any coding the client asked for.
// "x-gzip" counts as gzip (section 8.4.1.3). An empty or absent field, a
// field that accepts nothing available and anything malformed give
// Identity: every client can read it. The scan allocates nothing.
func Negotiate(acceptEncoding []byte, available [numEncodings]bool) Encoding {
	if len(acceptEncoding) == 0 {
		return Identity
	}
	// Weights in thousandths; -1: not listed.
	q := [numEncodings]int{-1, -1, -1}
	star := -1
	s := acceptEncoding
	for len(s) > 0 {
		var elem []byte
		elem, s = cutByte(s, ',')
		name, params := cutByte(elem, ';')
		name = trimOWS(name)
		if len(name) == 0 {
			continue
		}
		w, ok := weight(params)
		if !ok {
			continue // a malformed weight: ignore the element, not the field
		}
		switch {
		case equalFold(name, "br"):
			q[Brotli] = max(q[Brotli], w)
		case equalFold(name, "gzip"), equalFold(name, "x-gzip"):
			q[Gzip] = max(q[Gzip], w)
		case equalFold(name, "identity"):
			q[Identity] = max(q[Identity], w)
		case len(name) == 1 && name[0] == '*':
			star = max(star, w)
		}
	}
	for e := Gzip; e < numEncodings; e++ {
		if q[e] < 0 {
			q[e] = max(star, 0)
		}
	}
	if q[Identity] < 0 {
		q[Identity] = 1 // acceptable, but after anything the client asked for
		if star == 0 {
			q[Identity] = 0
		}
	}
	best, bestQ := Identity, 0
	for _, e := range [...]Encoding{Brotli, Gzip, Identity} {
		if available[e] && q[e] > bestQ {
			best, bestQ = e, q[e]
		}
	}
	return best
}

// weight parses the parameters after a coding (";q=0.5", possibly with
// whitespace and other parameters, which are ignored) into thousandths.
// No weight means 1000. ok is false for a malformed qvalue.
func weight(params []byte) (w int, ok bool) {
	w = 1000
	for len(params) > 0 {
		var p []byte
		p, params = cutByte(params, ';')
		p = trimOWS(p)
		if len(p) < 2 || (p[0]|0x20) != 'q' || p[1] != '=' {
			continue
		}
		v := p[2:]
		// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
		if len(v) == 0 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		w = int(v[0]-'0') * 1000
		if len(v) > 1 {
			if v[1] != '.' || len(v) > 5 {
				return 0, false
			}
			scale := 100
			for _, d := range v[2:] {
				if d < '0' || d > '9' {
					return 0, false
				}
				w += int(d-'0') * scale
				scale /= 10
			}
		}
		if w > 1000 {
			return 0, false
		}
	}
	return w, true
}

// MatchesETag reports whether an If-None-Match field value matches etag
// (a quoted strong entity tag) by the weak comparison that RFC 9110,
// section 13.1.2 prescribes for If-None-Match: "*" matches, and W/"x"
// matches "x". Entity tags may contain commas, so the list is scanned tag
// by tag rather than split. Nothing is allocated.
func MatchesETag(ifNoneMatch []byte, etag string) bool {
	s := trimOWS(ifNoneMatch)
	if len(s) == 1 && s[0] == '*' {
		return true
	}
	for len(s) > 0 {
		s = trimLeft(s)
		if len(s) == 0 {
			return false
		}
		if s[0] == ',' {
			s = s[1:]
			continue
		}
		if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
			s = s[2:]
		}
		if len(s) == 0 || s[0] != '"' {
			// Not an entity tag: skip to the next comma.
			_, s = cutByte(s, ',')
			continue
		}
		end := 1
		for end < len(s) && s[end] != '"' {
			end++
		}
		if end == len(s) {
			return false // unterminated
		}
		if string(s[:end+1]) == etag {
			return true
		}
		s = s[end+1:]
	}
	return false
}

// NotModifiedSince reports whether an If-Modified-Since field value is an
// HTTP-date (RFC 9110, section 5.6.7) no earlier than lastModified, which
// was sent as lastModifiedText: then the client's copy is current. The
// common case, the client echoing our own Last-Modified, is decided by
// comparing bytes; anything else is parsed. An invalid date never matches
// (section 13.1.3: the field is then ignored).
func NotModifiedSince(ifModifiedSince []byte, lastModified time.Time, lastModifiedText string) bool {
	if len(ifModifiedSince) == 0 || lastModifiedText == "" {
		return false
	}
	if string(ifModifiedSince) == lastModifiedText {
		return true
	}
	t, err := http.ParseTime(string(ifModifiedSince))
	if err != nil {
		return false
	}
	return !t.Before(lastModified.Truncate(time.Second))
}

func cutByte(s []byte, sep byte) (before, after []byte) {
	for i, c := range s {
		if c == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, nil
}

func trimLeft(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func trimOWS(s []byte) []byte {
	s = trimLeft(s)
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// equalFold compares an ASCII token case-insensitively with lower-case want.
func equalFold(b []byte, want string) bool {
	if len(b) != len(want) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}
