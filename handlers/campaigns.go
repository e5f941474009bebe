package handlers

import (
	"context"
	"errors"
	"html/template"
	"os"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
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

// homeCampaigns is Deps.HomeCampaigns when the press office is wired: the
// newest public campaigns as cards. A database error hides the section
// rather than failing the home page (it is logged).
func (s *Server) homeCampaigns(ctx context.Context) any {
	list, err := s.Press.PublicCampaigns(ctx, homeCampaignCount)
	if err != nil {
		s.log.Error("home campaigns", "err", err)
		return nil
	}
	cards := make([]campaignCard, 0, len(list))
	for _, cp := range list {
		cards = append(cards, cardOf(cp))
	}
	if len(cards) == 0 {
		return nil
	}
	return cards
}

// campaignList is /chien-dich: every public campaign, newest first.
func (s *Server) campaignList(c *fiber.Ctx) error {
	list, err := s.Press.PublicCampaigns(c.UserContext(), 0)
	if err != nil {
		return err
	}
	cards := make([]campaignCard, 0, len(list))
	for _, cp := range list {
		cards = append(cards, cardOf(cp))
	}
	return s.render(c, fiber.StatusOK, "campaigns", View{
		Title:       "Chiến dịch tuyên truyền",
		Description: "Các chiến dịch và bài viết phòng, chống ma túy do cơ quan báo chí – tuyên truyền của tỉnh đăng.",
		Data:        cards,
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

// campaignPage is /chien-dich/{slug}: the campaign rendered from Markdown
// through the sanitiser, with Open Graph and Twitter card tags. Drafts and
// scheduled campaigns do not exist for the public (404).
func (s *Server) campaignPage(c *fiber.Ctx) error {
	cp, err := s.Press.PublicCampaign(c.UserContext(), c.Params("slug"))
	if errors.Is(err, press.ErrNotFound) {
		return notFound("Không tìm thấy chiến dịch này. Xem danh sách tại trang Chiến dịch.")
	}
	if err != nil {
		return err
	}
	return s.renderCampaignPage(c, cp, false)
}

func (s *Server) renderCampaignPage(c *fiber.Ctx, cp store.Campaign, preview bool) error {
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
	v := View{Title: cp.Title, Description: cp.Summary, Data: &d, Canonical: ""}
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
	return s.render(c, fiber.StatusOK, "campaign", v)
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

// media serves a cover image with the fixed content type of the format we
// wrote, nosniff (set for every response), a CSP that forbids it from
// running anything, and a long cache: names are random and never reused.
func (s *Server) media(c *fiber.Ctx) error {
	path, ct, ok := s.Press.MediaFile(c.Params("name"))
	if !ok {
		return notFound("Không tìm thấy ảnh này.")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return notFound("Không tìm thấy ảnh này.")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(b)
}
