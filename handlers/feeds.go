package handlers

import (
	"encoding/xml"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/feeds"

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

// feed is /feed.xml: the newest campaigns and articles as Atom
// (github.com/gorilla/feeds), absolute links, full sanitised HTML content.
// It is built from the store on every request, so a publication, edit or
// withdrawal shows at once.
func (s *Server) feed(c *fiber.Ctx) error {
	var items []feedItem
	if s.Press != nil {
		list, err := s.Press.PublicCampaigns(c.UserContext(), feedSize)
		if err != nil {
			return err
		}
		for _, cp := range list {
			items = append(items, feedItem{path: press.URL(cp), title: cp.Title, summary: press.SearchDoc(cp).Summary,
				html: string(renderMarkdown(cp.BodyMD)), published: cp.PublishedAt, updated: cp.UpdatedAt})
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
	base := s.siteURL(c)
	f := &feeds.Feed{
		Title:       "Phòng, chống ma túy tỉnh Thái Bình: chiến dịch và bài viết",
		Link:        &feeds.Link{Href: base + "/"},
		Description: "Chiến dịch tuyên truyền và bài viết phòng, chống ma túy của tỉnh Thái Bình.",
		Author:      &feeds.Author{Name: "Cổng thông tin phòng, chống ma túy tỉnh Thái Bình"},
		Created:     time.Unix(0, 0).UTC(),
	}
	for _, it := range items {
		if it.updated.After(f.Updated) {
			f.Updated = it.updated
		}
		f.Items = append(f.Items, &feeds.Item{
			Title:       it.title,
			Link:        &feeds.Link{Href: base + it.path},
			Id:          base + it.path,
			Description: it.summary,
			Content:     it.html,
			Created:     it.published,
			Updated:     it.updated,
		})
	}
	if f.Updated.IsZero() {
		f.Updated = time.Unix(0, 0).UTC()
	}
	atom, err := f.ToAtom()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendString(atom)
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

// sitemap is /sitemap.xml: every public page, with the date of last change
// where known, built on every request (encoding/xml).
func (s *Server) sitemap(c *fiber.Ctx) error {
	base := s.siteURL(c)
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
		list, err := s.Press.PublicCampaigns(c.UserContext(), 0)
		if err != nil {
			return err
		}
		for _, cp := range list {
			add(press.URL(cp), lastChange(cp))
		}
	}
	out, err := xml.MarshalIndent(set, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(append([]byte(xml.Header), out...))
}

// lastChange is when a public campaign last changed for a reader.
func lastChange(cp store.Campaign) time.Time {
	if cp.UpdatedAt.After(cp.PublishedAt) {
		return cp.UpdatedAt
	}
	return cp.PublishedAt
}
