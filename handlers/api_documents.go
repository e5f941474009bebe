package handlers

import (
	"context"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/pagecache"
)

// inForceJSON is the API shape of a document's legal status:
// {status: "in_force"|"expired"|"partly_expired"|"replaced"|"unknown",
// label (Vietnamese), since: "YYYY-MM-DD" (when known), replaced_by: slug
// (when replaced), replaces: [slugs] (texts it replaces), note, source
// (where the fact comes from), derived (true when read from the text's own
// term, "đến năm 2020", rather than recorded)}.
type inForceJSON struct {
	Status     string   `json:"status"`
	Label      string   `json:"label"`
	Since      *string  `json:"since,omitempty"`
	ReplacedBy string   `json:"replaced_by,omitempty"`
	Replaces   []string `json:"replaces,omitempty"`
	Note       string   `json:"note,omitempty"`
	Source     string   `json:"source,omitempty"`
	Derived    bool     `json:"derived,omitempty"`
}

func toInForceJSON(f content.InForce) inForceJSON {
	j := inForceJSON{Status: f.Status, Label: f.Label(), ReplacedBy: f.ReplacedBy, Replaces: f.Replaces,
		Note: f.Note, Source: f.Source, Derived: f.Derived}
	if j.Status == "" {
		j.Status = content.StatusUnknown
	}
	if !f.Since.IsZero() {
		s := f.Since.Format("2006-01-02")
		j.Since = &s
	}
	return j
}

// documentJSON is the API shape of a document:
// {slug, type, number ("" for a text imported without one), issuer, place,
// issued_on: "YYYY-MM-DD" or null, title, cites, cited_by, has_full_text,
// in_force (see inForceJSON), recipients (of a công văn), sections}.
type documentJSON struct {
	Slug        string            `json:"slug"`
	Type        string            `json:"type"`
	Number      string            `json:"number"`
	Issuer      string            `json:"issuer"`
	Place       string            `json:"place"`
	IssuedOn    *string           `json:"issued_on"`
	Title       string            `json:"title"`
	Cites       []string          `json:"cites"`
	CitedBy     []string          `json:"cited_by"`
	HasFullText bool              `json:"has_full_text"`
	InForce     inForceJSON       `json:"in_force"`
	Recipients  []string          `json:"recipients,omitempty"`
	Sections    []content.Section `json:"sections"`
	SourceURL   string            `json:"source_url,omitempty"`
	URL         string            `json:"url"`
}

func toDocumentJSON(d *content.Document, withSections bool) documentJSON {
	j := documentJSON{
		Slug: d.Slug, Type: d.Type, Number: d.Number, Issuer: d.Issuer, Place: d.Place,
		Title: d.Title, Cites: nonNil(d.Cites), CitedBy: nonNil(d.CitedBy),
		HasFullText: d.HasFullText, SourceURL: d.SourceURL, URL: "/van-ban/" + d.Slug,
		Sections: []content.Section{}, InForce: toInForceJSON(d.InForce), Recipients: d.Recipients,
	}
	if !d.IssuedOn.IsZero() {
		s := d.IssuedOn.Format("2006-01-02")
		j.IssuedOn = &s
	}
	if withSections && d.Sections != nil {
		j.Sections = d.Sections
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiDocuments answers {"documents": [...]} without sections (they are in
// the per-document answer), newest first.
func (s *Server) apiDocuments(c *fiber.Ctx) error {
	return s.cached(c, "/api/v1/documents", func(context.Context) (pagecache.Content, error) {
		docs := s.Library.Documents()
		out := make([]documentJSON, 0, len(docs))
		for _, d := range docs {
			out = append(out, toDocumentJSON(d, false))
		}
		return jsonPage(fiber.Map{"documents": out, "total": len(out)})
	})
}

// jsonPage is v as a cached JSON answer of the library, which changes only
// with an import (the cache is invalidated then): compressed once, with an
// ETag and the reading pages' Cache-Control.
func jsonPage(v any) (pagecache.Content, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return pagecache.Content{}, err
	}
	return pagecache.Content{Body: body, ContentType: fiber.MIMEApplicationJSONCharsetUTF8, CacheControl: cacheReading}, nil
}

// apiDocument answers one document with its sections, or 404 with
// {"error": "..."}.
func (s *Server) apiDocument(c *fiber.Ctx) error {
	d, ok := s.Library.Document(c.Params("slug"))
	if !ok {
		return notFound("Không tìm thấy văn bản có mã " + quoteShort(c.Params("slug")) + ".")
	}
	return s.cached(c, "/api/v1/documents/"+d.Slug, func(context.Context) (pagecache.Content, error) {
		return jsonPage(toDocumentJSON(d, true))
	})
}

// quoteShort quotes at most 80 runes of s for an error message.
func quoteShort(s string) string {
	r := []rune(s)
	if len(r) > 80 {
		r = append(r[:80], '…')
	}
	return "“" + string(r) + "”"
}

func normNFC(s string) string { return norm.NFC.String(s) }
