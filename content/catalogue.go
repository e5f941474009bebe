package content

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// catalogueEntry is one record of corpus/catalogue.yaml.
type catalogueEntry struct {
	Number    string            `yaml:"number"`
	Type      string            `yaml:"type"`
	Issuer    string            `yaml:"issuer"`
	IssuedOn  string            `yaml:"issued_on"`
	Title     string            `yaml:"title"`
	SourceURL string            `yaml:"source_url"`
	InForce   *catalogueInForce `yaml:"in_force"`
}

// parseCatalogue reads the catalogue of known documents (facts only, no
// full text) into Documents with HasFullText false. Every record needs a
// valid number, a known type and a date YYYY-MM-DD; source_url, when given,
// must be an absolute http(s) URL; in_force, when given, a known status,
// its source and, for a replaced text, the number of the text replacing it
// (see parseInForce). Errors name the record and the field.
func parseCatalogue(b []byte) ([]*Document, error) {
	var entries []catalogueEntry
	if err := yaml.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("catalogue.yaml không đọc được: %w", err)
	}
	known := map[string]bool{TypeOfficialLetter: true}
	for _, t := range docTypes {
		known[t.name] = true
	}
	seen := map[string]bool{}
	docs := make([]*Document, 0, len(entries))
	for i, e := range entries {
		where := fmt.Sprintf("catalogue.yaml, mục %d (%s)", i+1, e.Number)
		number := nfc(strings.TrimSpace(e.Number))
		if !looksLikeNumber(number) {
			return nil, fmt.Errorf("%s: trường number (số hiệu) không hợp lệ", where)
		}
		typ := nfc(strings.TrimSpace(e.Type))
		if !known[typ] {
			return nil, fmt.Errorf("%s: trường type (loại văn bản) “%s” không thuộc danh mục", where, typ)
		}
		on, err := time.Parse("2006-01-02", strings.TrimSpace(e.IssuedOn))
		if err != nil {
			return nil, fmt.Errorf("%s: trường issued_on (ngày ban hành) phải có dạng YYYY-MM-DD", where)
		}
		src := strings.TrimSpace(e.SourceURL)
		if src != "" {
			u, err := url.Parse(src)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return nil, fmt.Errorf("%s: trường source_url phải là địa chỉ http(s) đầy đủ", where)
			}
		}
		inForce, err := parseInForce(e.InForce, where)
		if err != nil {
			return nil, err
		}
		d := &Document{
			InForce:   inForce,
			Slug:      Slug(number, on.Year()),
			Type:      typ,
			Number:    number,
			Issuer:    nfc(strings.TrimSpace(e.Issuer)),
			IssuedOn:  on,
			Title:     nfc(strings.TrimSpace(e.Title)),
			SourceURL: src,
		}
		if seen[d.Slug] {
			return nil, fmt.Errorf("%s: trùng với một mục trước (slug %s)", where, d.Slug)
		}
		seen[d.Slug] = true
		docs = append(docs, d)
	}
	return docs, nil
}

// enrich fills the empty facts of a full-text document from the catalogue
// record of the same slug: the parsed text wins where both have a value.
func enrich(full, cat *Document) {
	if full.Issuer == "" {
		full.Issuer = cat.Issuer
	}
	if full.Title == "" {
		full.Title = cat.Title
	}
	if full.SourceURL == "" {
		full.SourceURL = cat.SourceURL
	}
	if full.IssuedOn.IsZero() {
		full.IssuedOn = cat.IssuedOn
	}
	if !full.InForce.Known() {
		full.InForce = cat.InForce
	}
}
