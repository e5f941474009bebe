// Package content holds the portal's documents: the model of a Vietnamese
// administrative document, the importer that turns plain text into it, the
// citation extractor and catalogue of known documents, the prevention
// articles (Markdown with front matter) and the shipped corpus (corpus/,
// embedded). It does not import Fiber or any storage engine.
package content

import "time"

// Document types as written in Vietnamese administrative practice
// (Nghị định 30/2020/NĐ-CP lists the forms of administrative documents).
const (
	TypePlan       = "Kế hoạch"
	TypeDirective  = "Chỉ thị"
	TypeDecision   = "Quyết định"
	TypeResolution = "Nghị quyết"
	TypeConclusion = "Kết luận"
	TypeNotice     = "Thông báo"
	TypeLaw        = "Luật"
	TypeDecree     = "Nghị định"
	TypeCircular   = "Thông tư"
	TypeCode       = "Bộ luật"
	// TypeOfficialLetter is the công văn, the commonest text an authority
	// sends: it carries no type word, only a "V/v …" subject under its
	// number and "Kính gửi:" recipients (Nghị định 30/2020/NĐ-CP, phụ lục I).
	TypeOfficialLetter = "Công văn"
	TypeArticle        = "Bài viết"
	TypeCampaign       = "Chiến dịch"
)

// Document is one legal or administrative text, whether the portal holds its
// full text (the plan) or only its catalogue facts (the texts it cites).
// All strings are NFC-normalised.
type Document struct {
	// Slug is the URL key, derived from Number and the year (see Slug), or
	// for a text without a number from its type, date and title
	// ("ke-hoach-2019-05-20-…").
	Slug string `json:"slug"`
	// Type is the document type as written, e.g. "Kế hoạch" (see Type* constants).
	Type string `json:"type"`
	// Number is the số hiệu as printed, e.g. "53/KH-UBND", "95-KL/TW",
	// "17b/KH-UBND"; empty for a text imported without a readable one
	// (Warnings then says so).
	Number string `json:"number"`
	// Issuer is the cơ quan ban hành, e.g. "Ủy ban nhân dân tỉnh Thái Bình".
	Issuer string `json:"issuer"`
	// Place is the địa danh of issue, e.g. "Thái Bình"; empty when unknown.
	Place string `json:"place"`
	// IssuedOn is the date of issue (midnight UTC); zero when unknown.
	IssuedOn time.Time `json:"-"`
	// Title is the trích yếu in sentence case.
	Title string `json:"title"`
	// Preamble is the body text before the first numbered part (căn cứ,
	// lead-in), one string a paragraph; empty without full text.
	Preamble []string `json:"preamble,omitempty"`
	// Sections is the body as a tree of numbered parts; empty when the
	// portal does not hold the full text.
	Sections []Section `json:"sections"`
	// Signature is the signature block (quyền hạn, chức vụ, người ký); nil if absent.
	Signature *Signature `json:"signature,omitempty"`
	// Citations are the legal texts the body cites, de-duplicated, in order
	// of first mention.
	Citations []Citation `json:"-"`
	// Cites and CitedBy are slugs of linked documents, sorted.
	Cites   []string `json:"cites"`
	CitedBy []string `json:"cited_by"`
	// SourceURL is the official source, where known.
	SourceURL string `json:"source_url,omitempty"`
	// Text is the body as plain text, one paragraph a line, numbered parts
	// with their markers ("1. Sở Y tế"); empty without full text. It is what
	// search indexes and citations are read from.
	Text string `json:"-"`
	// HasFullText says whether Sections holds the document's text.
	HasFullText bool `json:"has_full_text"`
	// Recipients are the addressees after "Kính gửi:" of a công văn, one
	// string each, without list marks; empty for other texts.
	Recipients []string `json:"recipients,omitempty"`
	// InForce is whether the text is in force (catalogue data, see
	// InForce); Status is StatusUnknown when the portal does not know.
	InForce InForce `json:"-"`
	// Warnings are what the importer could not read but imported anyway,
	// in Vietnamese (a document without a readable số hiệu); the import
	// command prints them and Load reports them in Library.Warnings.
	Warnings []string `json:"-"`
}

// Section is one numbered part of a document body: "I." (level 1),
// "1." (level 2), "a)" (level 3) or a "-" item (level 4). Unnumbered
// paragraphs belong to the enclosing section.
type Section struct {
	// Anchor is the HTML id, unique within the document, e.g. "muc-ii-3".
	Anchor string `json:"anchor"`
	// Marker is the number as printed: "I.", "1.", "a)", "-".
	Marker string `json:"marker"`
	// Heading is the section's title line; empty for items without one.
	Heading string `json:"heading"`
	// Level is 1 for Roman numerals, 2 for Arabic, 3 for letters, 4 for dash items.
	// Parts of laws and decrees: "Chương I" is 1, "Điều 5." is 2. A part is
	// always at least one level below its parent (a clause "1." inside an
	// Điều is 3, a point "a)" inside it 4).
	Level int `json:"level"`
	// Paragraphs is the text directly under the heading, one string a paragraph.
	Paragraphs []string `json:"paragraphs"`
	// Children are the nested sections.
	Children []Section `json:"children,omitempty"`
}

// Signature is the signature block at the foot of a document.
type Signature struct {
	// Authority is the line such as "KT. CHỦ TỊCH" or "TM. ỦY BAN NHÂN DÂN".
	Authority string `json:"authority"`
	// Position is the signer's office, e.g. "PHÓ CHỦ TỊCH"; empty when not given.
	Position string `json:"position,omitempty"`
	// Signer is the person's name; empty when not given.
	Signer string `json:"signer,omitempty"`
}

// Citation is one legal text mentioned in a document body.
type Citation struct {
	Type     string    // e.g. "Chỉ thị"
	Number   string    // e.g. "25/CT-TTg"
	Issuer   string    // e.g. "Thủ tướng Chính phủ"; empty when not given
	IssuedOn time.Time // zero when not given
	Subject  string    // the text after "về", when given
	Slug     string    // resolved slug
}
