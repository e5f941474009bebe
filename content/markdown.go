package content

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown converts Markdown to HTML: CommonMark plus the GitHub extensions
// (tables, strikethrough, autolinks, task lists). Raw HTML in the source is
// NOT rendered (goldmark's html.WithUnsafe is not set): it is replaced by a
// comment, so authors cannot inject markup even before sanitising. A
// heading of level 1 becomes level 2 (noSecondH1).
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(noSecondH1{}, 100))))

// noSecondH1 makes every level-1 heading of a body a level-2 heading: the
// page of an article or campaign already has its title as its one h1, and
// a second h1 ("# Tiêu đề" at the top of a body) breaks the outline that
// screen readers navigate by. Other levels are kept as written.
type noSecondH1 struct{}

func (noSecondH1) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level == 1 {
			h.Level = 2
		}
		return ast.WalkContinue, nil
	})
}

// articlePolicy is the one HTML policy for rendered articles and campaigns,
// built once. It starts from the semantics of bluemonday.UGCPolicy but
// allows only what Markdown produces; everything else is dropped.
var articlePolicy = newArticlePolicy()

// localImageSrc is the only shape of an img src the policy lets through: a
// path on this site, i.e. one "/" followed by a character that is neither
// "/" nor "\" (browsers read "//host" and "/\host" as another host), then
// only RFC 3986 path characters and percent escapes: no scheme, no host, no
// whitespace or control characters (browsers strip tabs and newlines from
// URLs, so "/\t/host" would become "//host"), no query or fragment. These
// characters survive bluemonday's url.Parse and String round trip
// unchanged, so what was matched is what is written.
var localImageSrc = regexp.MustCompile(`^/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*$`)

func newArticlePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// URLs (a.href, img.src): only http, https and mailto, or relative
	// links to the portal itself; no javascript:, data:, vbscript: and the
	// like. URLs must parse. An http(s) URL must name its host
	// ("https:evil.example" is dropped: browsers resolve it against the
	// page and it would escape the rel/target rules for other sites).
	hasHost := func(u *url.URL) bool { return u.Host != "" && u.Opaque == "" }
	p.AllowURLSchemeWithCustomPolicy("http", hasHost)
	p.AllowURLSchemeWithCustomPolicy("https", hasHost)
	p.AllowURLSchemes("mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)

	// Links: href and title only. Every link gets rel="noreferrer" (no
	// Referer header leaks which article a reader came from, which matters
	// for people reading about rehab or tip-offs); links to other sites also
	// open in a new tab with rel="noopener", so the other site cannot
	// script this window.
	p.AllowAttrs("href", "title").OnElements("a")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// Images: source, alternative text, title. No width, height or style:
	// the site's stylesheet sizes them. The source must be a path on the
	// portal itself (localImageSrc: "/media/…"), never an absolute or
	// scheme-relative URL: an image from another site is a request to it
	// from every reader, on our pages (which the CSP would block) and in
	// feed readers (which nothing blocks), telling it who read what. An
	// image whose source is refused loses the src attribute and so loads
	// nothing. Links (a.href) to other sites stay allowed.
	p.AllowAttrs("src").Matching(localImageSrc).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")

	// Text structure produced by Markdown: paragraphs, line breaks, rules,
	// headings, emphasis, strikethrough (GFM), inline code and code blocks,
	// quotes.
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"strong", "em", "del", "code", "pre", "blockquote")

	// Lists; an ordered list may start at another number ("3." first).
	p.AllowElements("ul", "ol", "li")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")

	// GFM tables, with the column alignment attribute limited to its three
	// values (goldmark's style="text-align" form is not allowed: no style
	// attribute anywhere).
	p.AllowElements("table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")

	// Not allowed, on purpose: style (attribute and element), class, id,
	// select, option, input (GFM task-list boxes become plain text), forms,
	// iframes, scripts and every event handler.
	return p
}

// RenderMarkdown converts Markdown to sanitised HTML, safe to place in a
// page as it is. Raw HTML in src is dropped by goldmark; the output is then
// passed through the package's one bluemonday policy (see articlePolicy).
// The sanitiser's output is returned unchanged: it is never unescaped.
func RenderMarkdown(src []byte) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert(src, &buf); err != nil {
		return "", fmt.Errorf("chuyển Markdown sang HTML: %w", err)
	}
	return template.HTML(articlePolicy.SanitizeBytes(buf.Bytes())), nil
}

// PlainText returns the plain text of Markdown source, for search and
// summaries: the text of every block, one block a line, without markup,
// in NFC. Link texts and images' alt texts are kept; URLs, raw HTML and
// images' addresses are not, so nothing the sanitiser removes from the page
// is indexed. Text is as a reader sees it: entity and numeric references
// resolved ("&amp;" is "&") and backslash escapes removed, as goldmark's
// HTML renderer does (CommonMark §2.4, §2.5); code is kept as written.
func PlainText(md string) string { return markdownText([]byte(md)) }

// markdownText is PlainText of src.
func markdownText(src []byte) string {
	doc := markdown.Parser().Parse(text.NewReader(src))
	var sb strings.Builder
	inCode := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch v := n.(type) {
		case *ast.Text:
			if entering {
				t := v.Segment.Value(src)
				if !inCode {
					t = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(t)))
				}
				sb.Write(t)
				if v.SoftLineBreak() || v.HardLineBreak() {
					sb.WriteByte(' ')
				}
			}
		case *ast.CodeSpan:
			inCode = entering
		case *ast.String:
			if entering {
				sb.Write(v.Value)
			}
		case *ast.AutoLink:
			if entering {
				sb.Write(v.Label(src))
			}
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			if entering {
				lines := v.Lines()
				for i := 0; i < lines.Len(); i++ {
					seg := lines.At(i)
					sb.Write(seg.Value(src))
				}
			}
		}
		if !entering && n.Type() == ast.TypeBlock && n.Kind() != ast.KindDocument {
			if s := sb.String(); s != "" && !strings.HasSuffix(s, "\n") {
				sb.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	lines := strings.Split(sb.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	return nfc(strings.Join(out, "\n"))
}
