package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// ErrNoSlug is returned by Put for a Doc without a Slug.
var ErrNoSlug = errors.New("search: document has no slug")

// prepare returns d with every string in NFC and valid UTF-8, so that what
// is indexed, stored and highlighted agrees byte for byte.
func prepare(d Doc) (Doc, error) {
	if strings.TrimSpace(d.Slug) == "" {
		return Doc{}, ErrNoSlug
	}
	out := Doc{
		Slug: NFC(d.Slug), Type: NFC(d.Type), Number: NFC(d.Number), Issuer: NFC(d.Issuer),
		Year: d.Year, Issued: NFC(d.Issued), Title: NFC(d.Title), Summary: NFC(d.Summary), URL: NFC(d.URL), InForce: NFC(d.InForce),
	}
	for _, s := range d.Sections {
		out.Sections = append(out.Sections, Section{Anchor: NFC(s.Anchor), Heading: NFC(s.Heading), Text: NFC(s.Text)})
	}
	return out, nil
}

// fields is what both engines index for one prepared Doc.
type fields struct {
	TitleText string // title and number, searched with a boost
	MetaText  string // type, issuer, summary
	BodyText  string // every section: heading and text
	AllText   string // type, number, issuer, title, summary, every section
	NumberKey string // NumberKey(d.Number), "" for articles
	// NumberPrefixes are the shorter keys a person may type for the number,
	// cut at its parts and holding a letter: "25-ct" of "25-ct-ttg",
	// "245-kh" and "245-kh-ubqg" of "245-kh-ubqg-bca".
	NumberPrefixes []string
	NumberNum      string // leading digits of the number, e.g. "424"
	NumberCode     string // the number without its leading digits, e.g. "qd-ttg"
	// TitleKeys are the folded words of the title, and of the type and
	// title, each joined by one space ("phong chong ma tuy", "luat phong
	// chong ma tuy"): a query that is a document's whole subject ranks it
	// first.
	TitleKeys []string
	TypeFold  string   // Fold(d.Type), e.g. "quyet dinh"
	Refs      []string // every number key in the text, own number first
	TitleRefs []string // number keys in the title (the texts it carries out)
	Year      string   // "2017", or "" when unknown
}

// fieldsOf derives the indexed fields of a prepared Doc.
func fieldsOf(d Doc) fields {
	var meta, body strings.Builder
	issued := ""
	if d.Issued != "" {
		issued = "ngày " + d.Issued
	}
	for _, s := range []string{d.Type, d.Issuer, issued, d.Summary} {
		if s != "" {
			meta.WriteString(s)
			meta.WriteString("\n")
		}
	}
	for _, s := range d.Sections {
		if s.Heading != "" && !strings.HasPrefix(s.Text, s.Heading) {
			body.WriteString(s.Heading)
			body.WriteString("\n")
		}
		body.WriteString(s.Text)
		body.WriteString("\n")
	}
	title := strings.TrimSpace(d.Number + "\n" + d.Title)
	f := fields{
		TitleText: title,
		MetaText:  meta.String(),
		BodyText:  body.String(),
		AllText:   title + "\n" + meta.String() + body.String(),
		NumberKey: NumberKey(d.Number),
		TypeFold:  Fold(d.Type),
	}
	f.NumberNum = leadingDigits(f.NumberKey)
	f.NumberCode = strings.TrimPrefix(f.NumberKey[len(f.NumberNum):], "-")
	if k := wordsKey(d.Title); k != "" {
		f.TitleKeys = append(f.TitleKeys, k)
		if tk := wordsKey(d.Type + " " + d.Title); tk != k {
			f.TitleKeys = append(f.TitleKeys, tk)
		}
	}
	f.NumberPrefixes = numberPrefixes(f.NumberKey)
	seen := map[string]bool{}
	if f.NumberKey != "" {
		f.Refs = append(f.Refs, f.NumberKey)
		seen[f.NumberKey] = true
	}
	for _, k := range Numbers(f.AllText) {
		if !seen[k] {
			seen[k] = true
			f.Refs = append(f.Refs, k)
		}
	}
	f.TitleRefs = Numbers(d.Title)
	if d.Year > 0 {
		f.Year = strconv.Itoa(d.Year)
	}
	return f
}

// fingerprint is a hash of a prepared Doc and the analysis version: equal
// fingerprints mean the index already holds this exact document.
func fingerprint(d Doc) string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("search: marshal doc: %v", err)) // a Doc of strings always marshals
	}
	h := sha256.New()
	h.Write([]byte(AnalysisVersion))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// numberPrefixes returns the keys of key cut after each of its parts but
// the last, keeping those that hold a letter (a query's number key always
// does; see Numbers), and the number with its year ("144-2021" of
// "144-2021-nd-cp", see NumberYear).
func numberPrefixes(key string) []string {
	parts := strings.Split(key, "-")
	var out []string
	for i := 2; i < len(parts); i++ {
		pre := strings.Join(parts[:i], "-")
		if strings.ContainsFunc(pre, unicode.IsLetter) || (i == 2 && isYear(parts[1])) {
			out = append(out, pre)
		}
	}
	return out
}

// isYear reports whether s is a year of four digits, 1900–2099.
func isYear(s string) bool {
	return len(s) == 4 && allDigits(s) && (s[:2] == "19" || s[:2] == "20")
}

// wordsKey is the folded words of s joined by one space.
func wordsKey(s string) string {
	toks := Tokens(s)
	ws := make([]string, len(toks))
	for i, t := range toks {
		ws[i] = t.Fold
	}
	return strings.Join(ws, " ")
}
