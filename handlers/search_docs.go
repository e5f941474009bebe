package handlers

import (
	"regexp"
	"strings"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/search"
)

// SearchDocs maps everything the Library holds to search documents:
// every document (sections flattened, each with its page anchor and its
// numbered heading; a document held only as a catalogue record is searchable
// by its number, type, issuer and title) and every article (URL
// /bai-viet/{slug}, sections cut at its Markdown headings). Campaigns are
// put into the index by the press office when it publishes them.
func SearchDocs(lib *content.Library) []search.Doc {
	var out []search.Doc
	for _, d := range lib.Documents() {
		out = append(out, documentSearchDoc(d))
	}
	for _, a := range lib.Articles() {
		out = append(out, articleSearchDoc(a))
	}
	return out
}

// documentSearchDoc maps one document; its URL is /van-ban/{slug}; its
// legal status (InForce) is the document's, "unknown" when not known.
func documentSearchDoc(d *content.Document) search.Doc {
	sd := search.Doc{
		Slug: d.Slug, Type: d.Type, Number: d.Number, Issuer: d.Issuer,
		Title: d.Title, URL: "/van-ban/" + d.Slug, InForce: d.InForce.Status,
	}
	if sd.InForce == "" {
		sd.InForce = content.StatusUnknown
	}
	if !d.IssuedOn.IsZero() {
		sd.Year = d.IssuedOn.Year()
		sd.Issued = vnDate(d.IssuedOn) // as the document page prints it
	}
	var walk func([]content.Section)
	walk = func(secs []content.Section) {
		for _, s := range secs {
			heading := strings.TrimSpace(s.Marker + " " + s.Heading)
			if s.Heading == "" {
				heading = ""
			}
			text := strings.Join(s.Paragraphs, "\n")
			if s.Heading == "" && s.Marker != "" && s.Marker != "-" {
				text = strings.TrimSpace(s.Marker + " " + text)
			}
			if heading != "" || text != "" {
				sd.Sections = append(sd.Sections, search.Section{Anchor: s.Anchor, Heading: heading, Text: text})
			}
			walk(s.Children)
		}
	}
	walk(d.Sections)
	return sd
}

// mdHeading is an ATX heading line of Markdown, where an article's
// sections start.
var mdHeading = regexp.MustCompile(`^#{1,6}\s+(.*)$`)

// articleSearchDoc maps one article. The body is cut into sections at its
// Markdown headings (article pages carry no heading ids, so the sections
// have no anchors: a hit links to the article and names the heading).
func articleSearchDoc(a *content.Article) search.Doc {
	sd := search.Doc{
		Slug: "bai-viet/" + a.Slug, Type: content.TypeArticle, Title: a.Title,
		Summary: a.Summary, URL: "/bai-viet/" + a.Slug,
	}
	if !a.Published.IsZero() {
		sd.Year = a.Published.Year()
	}
	// Each section's Markdown is turned into text by content.PlainText, as
	// the article's own text and a campaign's are.
	cur := search.Section{}
	var lines []string
	flush := func() {
		cur.Text = content.PlainText(strings.Join(lines, "\n"))
		if cur.Text != "" || cur.Heading != "" {
			sd.Sections = append(sd.Sections, cur)
		}
		lines = nil
	}
	for _, ln := range strings.Split(a.Markdown, "\n") {
		if m := mdHeading.FindStringSubmatch(ln); m != nil {
			flush()
			cur = search.Section{Heading: content.PlainText(m[1])}
			continue
		}
		lines = append(lines, ln)
	}
	flush()
	if len(sd.Sections) == 0 && a.Text != "" {
		sd.Sections = []search.Section{{Text: a.Text}}
	}
	return sd
}
