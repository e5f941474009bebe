// Package search is the portal's full-text search: the Index interface, the
// Vietnamese text analysis shared by every engine, and two engines behind the
// interface: Bleve (embedded default, on disk in the data dir) and
// Meilisearch (when MEILI_URL is set). It does not import Fiber or content:
// callers map their documents to Doc.
package search

import (
	"context"
	"time"
)

// Doc is one searchable document. Strings may arrive in any Unicode
// normalisation form; engines normalise them.
type Doc struct {
	// Slug is the unique key, e.g. "53-kh-ubnd-2017" or "chien-dich/thang-hanh-dong".
	Slug string
	// Type is the document type as written: "Kế hoạch", "Bài viết", "Chiến dịch"…
	Type string
	// Number is the số hiệu, e.g. "424/QĐ-TTg"; empty for articles.
	Number string
	// Issuer is the cơ quan ban hành; empty for articles.
	Issuer string
	// Year is the year of issue or publication; 0 when unknown.
	Year int
	// Issued is the date of issue as the portal prints it, d/m/yyyy
	// ("14/9/2017"); empty when unknown or not a legal text. It is indexed
	// with the metadata as "ngày 14/9/2017", so that a citation with its
	// date ("25/CT-TTg ngày 05/6/2017") finds the document it names.
	Issued string `json:",omitempty"`
	// Title is the trích yếu or article title.
	Title string
	// Summary is a short plain-text description shown when no section matched.
	Summary string
	// URL is the page path, e.g. "/van-ban/53-kh-ubnd-2017".
	URL string
	// Sections are the body's parts, each with its anchor for deep links.
	Sections []Section
	// InForce is the legal status code of a legal text ("in_force",
	// "expired", "partly_expired", "replaced", "unknown"; see
	// content.Statuses); empty for articles and campaigns.
	InForce string `json:",omitempty"`
}

// Section is one part of a Doc's body.
type Section struct {
	Anchor  string // HTML id on the document page, e.g. "muc-ii-3"
	Heading string // e.g. "III. PHÂN CÔNG NHIỆM VỤ"
	Text    string // plain text
}

// Query is one search request. Zero values mean "no filter" / defaults.
type Query struct {
	Text    string // what the person typed, raw (never parsed as engine syntax)
	Type    string // filter: document type as written, e.g. "Quyết định"
	Issuer  string // filter: issuer as written
	Year    int    // filter: year of issue
	InForce string // filter: legal status code, e.g. "in_force" (Doc.InForce)
	Page    int    // 1-based; 0 means 1
	PerPage int    // 0 means DefaultPerPage; capped at MaxPerPage
}

// Paging defaults.
const (
	DefaultPerPage = 10
	MaxPerPage     = 50
)

// Hit is one matching document.
type Hit struct {
	Slug, Type, Number, Issuer, Title, URL string
	Year                                   int
	// Anchor and Heading name the section that matched best; empty when the
	// match was in the metadata.
	Anchor, Heading string
	// SnippetHTML is an HTML-escaped excerpt with matches wrapped in <mark>.
	SnippetHTML string
	Score       float64
	// InForce is the Doc's legal status code; empty for articles.
	InForce string
}

// FacetValue is one value of a facet with the number of matching documents.
type FacetValue struct {
	Value string
	Count int
}

// Result is one page of hits plus facet counts over all matches.
type Result struct {
	Total  int
	Hits   []Hit
	Facets map[string][]FacetValue // keys: "type", "issuer", "year", "in_force"
	// FacetsUncounted says the engine did not count the facet values over
	// this many matches (see FacetCountLimit): Facets then lists the values
	// the index holds, each with Count 0, ordered as counted ones would be
	// (years newest first, others by value).
	FacetsUncounted bool
	// Partial says no document had every word, so these results have some
	// of them (the best first); engines fall back to this only when the
	// query has two words or more and requiring all found nothing.
	Partial bool
	// MissingNumbers are the document numbers written whole in the query
	// ("9876/QĐ-TTg", as typed) that no document has: the hits are then
	// near ones (sharing parts of the number, or citing it), not the
	// document asked for. Only the Bleve engine fills it.
	MissingNumbers []string
	// SearchedAs is the query as searched when Telex or VNI left-overs were
	// read as the syllables meant ("tooij phamj" → "tội phạm"); empty
	// otherwise.
	SearchedAs string
	Took       time.Duration
}

// Index is a full-text index of Docs. Implementations are safe for
// concurrent use.
type Index interface {
	// Put adds or replaces documents by Slug.
	Put(ctx context.Context, docs ...Doc) error
	// Delete removes documents by Slug; unknown slugs are ignored.
	Delete(ctx context.Context, slugs ...string) error
	// Search runs q. An empty q.Text with no filters returns no hits.
	Search(ctx context.Context, q Query) (Result, error)
	// Fingerprints returns the slug and content fingerprint of every stored
	// document; Sync uses it to skip unchanged documents and delete stale
	// ones.
	Fingerprints(ctx context.Context) (map[string]string, error)
	// Ping reports whether the engine answers; used by /readyz.
	Ping(ctx context.Context) error
	// Close releases the index.
	Close() error
}
