package handlers

import (
	"context"
	"errors"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/store"
)

// homeCampaignCount is how many campaigns the home page shows.
const homeCampaignCount = 3

// campaignCard is a campaign as listed (home page, /chien-dich): what the
// "campaign-cards" partial shows.
type campaignCard struct {
	URL, Title, Summary, Type, Cover string
	Published                        time.Time
}

func cardOf(cp store.Campaign) campaignCard {
	card := campaignCard{URL: press.URL(cp), Title: cp.Title, Summary: cp.Summary, Type: press.TypeName(cp),
		Published: cp.PublishedAt.In(press.Location)}
	if cp.Cover != "" {
		card.Cover = "/media/" + cp.Cover
	}
	return card
}

// homeCampaignCards are the newest public campaigns as cards, for the
// home page.
func (s *Server) homeCampaignCards(ctx context.Context) ([]campaignCard, error) {
	list, err := s.Press.PublicCampaigns(ctx, homeCampaignCount)
	if err != nil {
		return nil, err
	}
	cards := make([]campaignCard, 0, len(list))
	for _, cp := range list {
		cards = append(cards, cardOf(cp))
	}
	return cards, nil
}

// campaignList is /chien-dich (cached): every public campaign, newest first.
func (s *Server) campaignList(c *fiber.Ctx) error {
	return s.cached(c, press.URLPrefix, func(ctx context.Context) (pagecache.Content, error) {
		expires := s.campaignsValidUntil(ctx)
		list, err := s.Press.PublicCampaigns(ctx, 0)
		if err != nil {
			return pagecache.Content{}, err
		}
		cards := make([]campaignCard, 0, len(list))
		for _, cp := range list {
			cards = append(cards, cardOf(cp))
		}
		return s.htmlPage(press.URLPrefix, "campaigns", View{
			Title:       "Chiến dịch tuyên truyền",
			Description: "Các chiến dịch và bài viết phòng, chống ma túy do cơ quan báo chí – tuyên truyền của tỉnh đăng.",
			Data:        cards,
		}, expires)
	})
}

// campaignPageData is the campaign page's data.
type campaignPageData struct {
	Campaign  store.Campaign
	Type      string
	Body      template.HTML
	Published time.Time // local time
	Updated   time.Time // local time; zero when never edited after publication
	Cover     string
	Preview   bool // shown to staff before publication
	State     string
}

// campaignPage is /chien-dich/{slug} (cached per campaign): the campaign
// rendered from Markdown through the sanitiser, with Open Graph and
// Twitter card tags. Drafts and scheduled campaigns do not exist for the
// public (404, not cached: the page is built when it goes live).
func (s *Server) campaignPage(c *fiber.Ctx) error {
	slug := strings.Clone(c.Params("slug"))
	path := press.URLPrefix + "/" + slug
	return s.cached(c, path, func(ctx context.Context) (pagecache.Content, error) {
		cp, err := s.Press.PublicCampaign(ctx, slug)
		if errors.Is(err, press.ErrNotFound) {
			return pagecache.Content{}, notFound("Không tìm thấy chiến dịch này. Xem danh sách tại trang Chiến dịch.")
		}
		if err != nil {
			return pagecache.Content{}, err
		}
		return s.htmlPage(press.URL(cp), "campaign", s.campaignView(cp, false), time.Time{})
	})
}

// campaignView is the View of a campaign's page; preview marks the staff's
// view before publication.
func (s *Server) campaignView(cp store.Campaign, preview bool) View {
	d := campaignPageData{Campaign: cp, Type: press.TypeName(cp), Body: renderMarkdown(cp.BodyMD), Preview: preview}
	if !cp.PublishedAt.IsZero() {
		d.Published = cp.PublishedAt.In(press.Location)
		if cp.UpdatedAt.After(cp.PublishedAt.Add(time.Minute)) {
			d.Updated = cp.UpdatedAt.In(press.Location)
		}
	}
	now := s.Press.Now()
	switch {
	case cp.Public(now):
		d.State = "đang hiển thị công khai"
	case cp.Scheduled(now):
		d.State = "đã được hẹn giờ đăng, chưa hiển thị"
	default:
		d.State = "là bản nháp, chưa hiển thị"
	}
	v := View{Title: cp.Title, Description: cp.Summary, Data: &d}
	if v.Description == "" {
		v.Description = press.SearchDoc(cp).Summary
	}
	if cp.Cover != "" {
		d.Cover = "/media/" + cp.Cover
		v.Image = d.Cover
	}
	if preview {
		v.Title = "Xem trước: " + cp.Title
	}
	return v
}

// renderMarkdown renders a campaign body with content.RenderMarkdown
// (goldmark, raw HTML dropped, then the one bluemonday policy: no script,
// no event handlers, no javascript: URLs, rel="noopener" on links to other
// sites). Its output is used as it is, never unescaped. goldmark does not
// fail on any input; if it ever did, the text is shown escaped.
func renderMarkdown(md string) template.HTML {
	h, err := content.RenderMarkdown([]byte(md))
	if err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(md) + "</pre>")
	}
	return h
}

// media serves a cover image (from the system of record, so every
// instance has it) with the fixed content type of the format we wrote,
// nosniff (set for every response), a CSP that forbids it from running
// anything, and a long cache: names are random and never reused.
func (s *Server) media(c *fiber.Ctx) error {
	b, ct, err := s.Press.Media(c.UserContext(), c.Params("name"))
	if errors.Is(err, press.ErrNoMedia) {
		return notFound(press.ErrNoMedia.Error())
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, cacheImmutable)
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(b)
}
