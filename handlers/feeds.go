package handlers

import (
	"context"
	"encoding/xml"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/store"
)

// feedSize is how many entries /feed.xml carries.
const feedSize = 50

// feedItem is one entry of the Atom feed before it is written.
type feedItem struct {
	path, title, summary, html string
	published, updated         time.Time
}

// Atom 1.0 (RFC 4287), written with encoding/xml. gorilla/feeds, used
// before, labels every summary type="html", so a plain-text summary typed
// by staff ("<img src=x onerror=…>") would be rendered as markup by feed
// readers; here each text construct says what it is: titles and summaries
// are type="text" (plain text, escaped by encoding/xml), content is
// type="html" and holds only the sanitised HTML of the body.

// atomNS is the Atom namespace (RFC 4287, section 2).
const atomNS = "http://www.w3.org/2005/Atom"

// atomText is an Atom text construct (RFC 4287, section 3.1): Type is
// "text" or "html"; Body is the text, escaped by encoding/xml. Base, when
// set, is the xml:base against which relative URLs in HTML resolve.
type atomText struct {
	Type string `xml:"type,attr"`
	Base string `xml:"http://www.w3.org/XML/1998/namespace base,attr,omitempty"`
	Body string `xml:",chardata"`
}

// atomLink is an atom:link (RFC 4287, section 4.2.7).
type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

// atomPerson is an atom:author (RFC 4287, section 3.2).
type atomPerson struct {
	Name string `xml:"name"`
}

// atomEntry is an atom:entry (RFC 4287, section 4.1.2).
type atomEntry struct {
	Title     atomText  `xml:"title"`
	Link      atomLink  `xml:"link"`
	ID        string    `xml:"id"`
	Published string    `xml:"published,omitempty"`
	Updated   string    `xml:"updated"`
	Summary   *atomText `xml:"summary,omitempty"`
	Content   *atomText `xml:"content,omitempty"`
}

// atomFeedDoc is an atom:feed (RFC 4287, section 4.1.1). The feed-level
// author covers every entry.
type atomFeedDoc struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title    atomText    `xml:"title"`
	Subtitle atomText    `xml:"subtitle"`
	ID       string      `xml:"id"`
	Links    []atomLink  `xml:"link"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Entries  []atomEntry `xml:"entry"`
}

// atomTime writes t as an RFC 3339 date-time in UTC (RFC 4287, 3.3).
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feed is /feed.xml (cached): the newest campaigns and articles as Atom
// 1.0 (RFC 4287, encoding/xml), absolute links on s.linkBase, plain-text
// titles and summaries, full sanitised HTML content (relative links and
// images in it resolve against the entry's page through xml:base). The
// press office's changes invalidate it, so a publication, edit or
// withdrawal shows at the next request.
func (s *Server) feed(c *fiber.Ctx) error { return s.cached(c, "/feed.xml", s.buildFeed) }

func (s *Server) buildFeed(ctx context.Context) (pagecache.Content, error) {
	var items []feedItem
	expires := s.campaignsValidUntil(ctx)
	if s.Press != nil {
		list, err := s.Press.PublicCampaigns(ctx, feedSize)
		if err != nil {
			return pagecache.Content{}, err
		}
		for _, cp := range list {
			items = append(items, feedItem{path: press.URL(cp), title: cp.Title, summary: press.SearchDoc(cp).Summary,
				html: string(renderMarkdown(cp.BodyMD)), published: cp.PublishedAt, updated: lastChange(cp)})
		}
	}
	for _, a := range s.Library.Articles() {
		items = append(items, feedItem{path: "/bai-viet/" + a.Slug, title: a.Title, summary: a.Summary,
			html: string(a.HTML), published: a.Published, updated: a.Published})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].published.After(items[j].published) })
	if len(items) > feedSize {
		items = items[:feedSize]
	}
	base := s.linkBase
	doc := atomFeedDoc{
		Lang:     "vi",
		Title:    atomText{Type: "text", Body: s.Identity.Portal.Name + ": chiến dịch và bài viết"},
		Subtitle: atomText{Type: "text", Body: "Chiến dịch tuyên truyền và bài viết phòng, chống ma túy trên " + s.Identity.Province.Area + ", tỉnh " + s.Identity.Province.Name + "."},
		ID:       base + "/",
		Links: []atomLink{
			{Rel: "alternate", Type: "text/html", Href: base + "/"},
			{Rel: "self", Type: "application/atom+xml", Href: base + "/feed.xml"},
		},
		Author: atomPerson{Name: s.Identity.Portal.Name + " – " + s.Identity.Province.Area},
	}
	updated := time.Unix(0, 0).UTC()
	for _, it := range items {
		if it.updated.After(updated) {
			updated = it.updated
		}
		e := atomEntry{
			Title:   atomText{Type: "text", Body: it.title},
			Link:    atomLink{Rel: "alternate", Type: "text/html", Href: base + it.path},
			ID:      base + it.path,
			Updated: atomTime(it.updated),
		}
		if !it.published.IsZero() {
			e.Published = atomTime(it.published)
		}
		if it.summary != "" {
			e.Summary = &atomText{Type: "text", Body: it.summary}
		}
		if it.html != "" {
			e.Content = &atomText{Type: "html", Base: base + it.path, Body: it.html}
		}
		doc.Entries = append(doc.Entries, e)
	}
	doc.Updated = atomTime(updated)
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return pagecache.Content{}, err
	}
	return pagecache.Content{Body: append([]byte(xml.Header), out...), ContentType: "application/atom+xml; charset=utf-8",
		CacheControl: cacheReading, Expires: expires}, nil
}

// sitemapURL is one <url> of the sitemap protocol (sitemaps.org 0.9).
type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

// sitemapPages are the public pages that are not documents, articles or
// campaigns. Search results and forms' answers are left out.
var sitemapPages = []string{"/", "/van-ban", "/phan-cong", "/bai-viet", "/chien-dich", "/tin-bao", "/cai-nghien", "/cai-nghien/dang-ky", "/tra-cuu"}

// sitemap is /sitemap.xml (cached): every public page, with the date of
// last change where known (encoding/xml), absolute on s.linkBase.
func (s *Server) sitemap(c *fiber.Ctx) error { return s.cached(c, "/sitemap.xml", s.buildSitemap) }

func (s *Server) buildSitemap(ctx context.Context) (pagecache.Content, error) {
	base := s.linkBase
	expires := s.campaignsValidUntil(ctx)
	set := sitemapURLSet{}
	add := func(path string, t time.Time) {
		u := sitemapURL{Loc: base + path}
		if !t.IsZero() {
			u.LastMod = t.UTC().Format("2006-01-02")
		}
		set.URLs = append(set.URLs, u)
	}
	for _, p := range sitemapPages {
		if p == "/chien-dich" && s.Press == nil {
			continue
		}
		add(p, time.Time{})
	}
	for _, d := range s.Library.Documents() {
		add("/van-ban/"+d.Slug, time.Time{})
	}
	for _, a := range s.Library.Articles() {
		add("/bai-viet/"+a.Slug, a.Published)
	}
	if s.Press != nil {
		list, err := s.Press.PublicCampaigns(ctx, 0)
		if err != nil {
			return pagecache.Content{}, err
		}
		for _, cp := range list {
			add(press.URL(cp), lastChange(cp))
		}
	}
	out, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return pagecache.Content{}, err
	}
	return pagecache.Content{Body: append([]byte(xml.Header), out...), ContentType: "application/xml; charset=utf-8",
		CacheControl: cacheReading, Expires: expires}, nil
}

// lastChange is when a public campaign last changed for a reader.
func lastChange(cp store.Campaign) time.Time {
	if cp.UpdatedAt.After(cp.PublishedAt) {
		return cp.UpdatedAt
	}
	return cp.PublishedAt
}
