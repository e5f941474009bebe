package handlers

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/identity"
	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/rehab"
	"github.com/thaibinh-pcmt/portal/static"
)

// shareImage is the asset shown in link previews of pages without an image
// of their own (og:image, 1200×630).
const shareImage = "og-image.png"

//go:embed templates
var templateFS embed.FS

// View is what every page template receives: the page's own Data plus what
// the layout needs.
type View struct {
	// Title is the page title (also the h1 unless the page writes its own).
	Title string
	// Description is a one-sentence summary for search engines and link previews.
	Description string
	// Image is an absolute or root-relative image URL for link previews.
	Image string
	// Canonical is the canonical absolute URL; filled by render when empty,
	// left empty on an error page (an error is nobody's canonical page).
	Canonical string
	// Error says the page answers with an error status (4xx, 5xx): no
	// canonical link or og:url, and robots noindex. Set by render.
	Error bool
	// CSRF is the token for forms (the hidden field "_csrf"); filled by render.
	CSRF string
	// Path is the request path, for marking the current navigation item.
	Path string
	// Query is the search box value.
	Query string
	// SiteURL is the absolute base URL; filled by render.
	SiteURL string
	// Data is the page's own data.
	Data any

	// Filled by render:

	// Site is the site's identity (identity.yaml).
	Site *identity.Identity
	// Menu is the main navigation: only sections with something in them.
	Menu []menuItem
	// OwnImage reports whether the page set its own Image (a campaign's
	// cover); otherwise Image is the portal's default share image.
	OwnImage bool
}

// Hotline returns the telephone line with number from the identity, for
// {{with .Hotline "113"}}; nil when the file does not list it, so the
// sentence that names it is left out.
func (v View) Hotline(number string) *identity.Hotline {
	if h, ok := v.Site.Hotline(number); ok {
		return &h
	}
	return nil
}

// labelledFact is a rehab.Fact with the label it is shown under.
type labelledFact struct {
	Label string
	Fact  rehab.Fact
}

// menuItem is one entry of the main navigation.
type menuItem struct {
	Path, Label string
	Current     bool
}

// templateSet holds one parsed template per page, each a clone of the
// layout plus partials with the page's own definitions added.
type templateSet struct {
	pages map[string]*template.Template
}

// funcs are the template functions. Each is pure and cannot fail at render.
var funcs = template.FuncMap{
	// asset gives the content-hashed URL of a file in static/assets.
	"asset": func(name string) (string, error) {
		if u := static.URL(name); u != "" {
			return u, nil
		}
		return "", fmt.Errorf("unknown asset %q", name)
	},
	// emblem is the markup of the portal's emblem (an asset named by the
	// identity file) in the header, decorative since the brand text next to
	// it says the same. An SVG is written into the page rather than loaded
	// by an <img>: Chromium builds each SVG image as a document of its own
	// on the main thread, which Lighthouse counted as blocking time on every
	// page (docs/quality.md). A PNG or WebP stays an <img>. The markup is
	// ours, embedded at build time, not visitors' input.
	"emblem": func(name string, px int) (template.HTML, error) {
		a, ok := static.ByName(name)
		if !ok {
			return "", fmt.Errorf("unknown asset %q", name)
		}
		if a.ContentType != "image/svg+xml" {
			return template.HTML(fmt.Sprintf(`<img class="emblem" src="%s" alt="" width="%d" height="%d">`,
				template.HTMLEscapeString(static.URL(name)), px, px)), nil
		}
		svg := string(a.Body)
		start := strings.Index(svg, "<svg")
		if start < 0 {
			return "", fmt.Errorf("asset %q has no <svg> element", name)
		}
		// In HTML the parser gives <svg> its namespace; the declarations
		// would only be absolute URLs in the page.
		svg = strings.NewReplacer(` xmlns="http://www.w3.org/2000/svg"`, "", ` xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(svg[start:])
		return template.HTML(`<span class="emblem" aria-hidden="true">` + strings.TrimSpace(svg) + `</span>`), nil
	},
	"vnDate": vnDate,
	// vnLongDate formats a date as in a document header: ngày 14 tháng 9 năm 2017.
	"vnLongDate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return fmt.Sprintf("ngày %d tháng %d năm %d", t.Day(), int(t.Month()), t.Year())
	},
	// inForceLabel names a legal status code in Vietnamese ("expired" →
	// "Hết hiệu lực"); "" for an unknown code.
	"inForceLabel": content.StatusLabel,
	// isoDate formats a date as 2017-09-14 (for <time datetime>).
	"isoDate": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02")
	},
	"add": func(a, b int) int { return a + b },
	// fact pairs a label with a rehab.Fact for the "fact" template.
	"fact":        func(label string, f rehab.Fact) labelledFact { return labelledFact{label, f} },
	"hasPrefix":   strings.HasPrefix,
	"voiceSearch": voiceSearchAllowed, // handlers/search.go
	// lines splits a multi-line value (a signature block) into its lines.
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	// safeHTML marks trusted HTML (sanitised Markdown output, highlighted
	// snippets that were escaped before <mark> was added). Never use it on
	// raw input.
	"safeHTML": func(s string) template.HTML { return template.HTML(s) },
}

// parseTemplates parses templates/layout.html, templates/partials/*.html and
// one set per templates/pages/*.html.
func parseTemplates() (*templateSet, error) {
	base := template.New("layout.html").Funcs(funcs)
	base, err := base.ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if partials, _ := fs.Glob(templateFS, "templates/partials/*.html"); len(partials) > 0 {
		if base, err = base.ParseFS(templateFS, partials...); err != nil {
			return nil, fmt.Errorf("parse partials: %w", err)
		}
	}
	pageFiles, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	set := &templateSet{pages: map[string]*template.Template{}}
	for _, f := range pageFiles {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		set.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	if _, ok := set.pages["error"]; !ok {
		return nil, fmt.Errorf("templates/pages/error.html is missing")
	}
	return set, nil
}

// render writes the page template called page (templates/pages/page.html)
// inside the layout, with status, for this request: its CSRF token (on
// routes behind s.csrf) and its path. Pages that are the same for every
// visitor go through the cache instead (htmlPage).
func (s *Server) render(c *fiber.Ctx, status int, page string, v View) error {
	if v.CSRF == "" {
		v.CSRF = csrfToken(c)
	}
	v.Path = string([]byte(c.Path()))
	v.Error = status >= 400
	body, err := s.execute(page, v)
	if err != nil {
		return err
	}
	return sendHTML(c, status, body, false)
}

// sendHTML answers with the HTML page body and status. With compress, the
// body goes out in the coding the client prefers (pagecache.Negotiate,
// pagecache.CompressDynamic, Vary: Accept-Encoding): only for a page that
// holds no secret of the visitor's (pagecache.CompressDynamic says why).
func sendHTML(c *fiber.Ctx, status int, body []byte, compress bool) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if !compress {
		return c.Send(body)
	}
	e := pagecache.Negotiate(c.Request().Header.Peek(fiber.HeaderAcceptEncoding), pagecache.AllEncodings)
	c.Vary(fiber.HeaderAcceptEncoding)
	if e != pagecache.Identity {
		c.Set(fiber.HeaderContentEncoding, e.Token())
	}
	return c.Send(pagecache.CompressDynamic(e, body))
}

// vnDate formats a date the Vietnamese way, as every page prints one:
// 14/9/2017 (day and month without a leading zero); "" for the zero time.
func vnDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2/1/2006")
}

// execute renders the page template called page inside the layout into a
// new slice, NFC-normalised. The whole page is rendered into a buffer
// first, so a template error becomes a clean 500, never half a page. Links
// are absolute on s.linkBase; Canonical defaults to it plus v.Path.
func (s *Server) execute(page string, v View) ([]byte, error) {
	t, ok := s.tmpl.pages[page]
	if !ok {
		return nil, fmt.Errorf("render: no template %q", page)
	}
	v.SiteURL = s.linkBase
	v.Site = s.Identity
	// The menu asks the database whether a campaign is public; pages are
	// rendered into the page cache, which publishing invalidates.
	v.Menu = s.menu(context.Background(), v.Path)
	if v.Description == "" {
		v.Description = s.Identity.Portal.Description
	}
	v.OwnImage = v.Image != ""
	if !v.OwnImage {
		v.Image = static.URL(shareImage)
	}
	if v.Canonical == "" && !v.Error {
		v.Canonical = v.SiteURL + v.Path
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return norm.NFC.Bytes(buf.Bytes()), nil
}
