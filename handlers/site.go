package handlers

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/pagecache"
)

// registerSite registers the reading pages: home, documents, the plan's
// assignments, articles, and the documents' JSON API.
func (s *Server) registerSite(app *fiber.App) {
	app.Get("/", s.home)
	app.Get("/van-ban", s.documentList)
	app.Get("/van-ban/:slug", s.documentPage)
	app.Get("/phan-cong", s.assignments)
	app.Get("/bai-viet", s.articleList)
	app.Get("/bai-viet/:slug", s.articlePage)
	app.Get("/api/v1/documents", s.apiDocuments)
	app.Get("/api/v1/documents/:slug", s.apiDocument)
}

// homeData is the home page's data. Campaigns is filled by the press
// office's code when it is wired (newest first, at most a few).
type homeData struct {
	Plan      *content.Document
	Articles  []*content.Article
	Campaigns any
}

// home is / (cached): the plan, the articles and the newest campaigns.
func (s *Server) home(c *fiber.Ctx) error { return s.cached(c, "/", s.buildHome) }

func (s *Server) buildHome(ctx context.Context) (pagecache.Content, error) {
	lib := s.Library
	plan, _ := lib.Document(lib.PlanSlug())
	data := homeData{Plan: plan, Articles: lib.Articles()}
	var expires time.Time
	switch {
	case s.Press != nil:
		// Read the next publication first: a campaign going live between
		// the two reads is then listed and its time already passed.
		expires = s.campaignsValidUntil(ctx)
		cards, err := s.homeCampaignCards(ctx)
		if err != nil {
			// The section is left out rather than the page failing, and
			// the page is built again in a few seconds.
			s.log.Error("home campaigns", "err", err)
			expires = s.Now().Add(degradedPageLifetime)
		} else if len(cards) > 0 {
			data.Campaigns = cards
		}
	case s.HomeCampaigns != nil:
		data.Campaigns = s.HomeCampaigns(ctx)
	}
	return s.htmlPage("/", "home", View{
		Title:       s.Identity.Portal.Name + " – " + s.Identity.Province.Area + ", tỉnh " + s.Identity.Province.Name,
		Description: s.Identity.Portal.Description,
		Data:        data,
	}, expires)
}

// documentList is /van-ban (cached).
func (s *Server) documentList(c *fiber.Ctx) error {
	return s.cached(c, "/van-ban", func(context.Context) (pagecache.Content, error) {
		return s.htmlPage("/van-ban", "documents", View{
			Title:       "Văn bản",
			Description: "Kế hoạch 53/KH-UBND của Ủy ban nhân dân tỉnh Thái Bình (nay thuộc tỉnh " + s.Identity.Province.Name + ") và các văn bản được dẫn chiếu: số hiệu, ngày ban hành, trích yếu, toàn văn.",
			Data:        s.Library.Documents(),
		}, time.Time{})
	})
}

// docLink is a linked document as shown in the "cites" and "cited by" lists.
type docLink struct {
	Slug, Type, Number, Title string
	IssuedOn                  time.Time
}

type documentData struct {
	Doc     *content.Document
	Cites   []docLink
	CitedBy []docLink
	IsPlan  bool
	// ReplacedBy and Replaces are the texts linked by the legal status.
	ReplacedBy []docLink
	Replaces   []docLink
}

func (s *Server) links(slugs []string) []docLink {
	out := make([]docLink, 0, len(slugs))
	for _, sl := range slugs {
		if d, ok := s.Library.Document(sl); ok {
			out = append(out, docLink{Slug: d.Slug, Type: d.Type, Number: d.Number, Title: d.Title, IssuedOn: d.IssuedOn})
		}
	}
	return out
}

// documentPage is /van-ban/{slug} (cached per document).
func (s *Server) documentPage(c *fiber.Ctx) error {
	doc, ok := s.Library.Document(c.Params("slug"))
	if !ok {
		return notFound("Không tìm thấy văn bản này. Xem danh sách tại trang Văn bản.")
	}
	return s.cached(c, "/van-ban/"+doc.Slug, s.buildDocument(doc))
}

// buildDocument renders the page of doc for the cache.
func (s *Server) buildDocument(doc *content.Document) pagecache.BuildFunc {
	return func(context.Context) (pagecache.Content, error) {
		title := doc.Type + " " + doc.Number
		if doc.Number == "" {
			title = doc.Type + " (không số)"
		}
		var replacedBy []string
		if doc.InForce.ReplacedBy != "" {
			replacedBy = []string{doc.InForce.ReplacedBy}
		}
		return s.htmlPage("/van-ban/"+doc.Slug, "document", View{
			Title:       title,
			Description: doc.Title,
			Data: documentData{Doc: doc, Cites: s.links(doc.Cites), CitedBy: s.links(doc.CitedBy),
				IsPlan: doc.Slug == s.Library.PlanSlug(), ReplacedBy: s.links(replacedBy), Replaces: s.links(doc.InForce.Replaces)},
		}, time.Time{})
	}
}

type assignmentsData struct {
	Plan        *content.Document
	Assignments []content.Assignment
}

// assignments is /phan-cong (cached).
func (s *Server) assignments(c *fiber.Ctx) error {
	return s.cached(c, "/phan-cong", func(context.Context) (pagecache.Content, error) {
		plan, _ := s.Library.Document(s.Library.PlanSlug())
		return s.htmlPage("/phan-cong", "assignments", View{
			Title:       "Phân công nhiệm vụ: cơ quan nào làm gì",
			Description: "13 cơ quan, đơn vị và nhiệm vụ của từng nơi theo mục III của Kế hoạch 53/KH-UBND.",
			Data:        assignmentsData{Plan: plan, Assignments: s.Library.Assignments()},
		}, time.Time{})
	})
}

// articleList is /bai-viet (cached).
func (s *Server) articleList(c *fiber.Ctx) error {
	return s.cached(c, "/bai-viet", func(context.Context) (pagecache.Content, error) {
		return s.htmlPage("/bai-viet", "articles", View{
			Title:       "Bài viết tuyên truyền",
			Description: "Bài viết ngắn về phòng, chống ma túy dựa trên Kế hoạch 53/KH-UBND.",
			Data:        s.Library.Articles(),
		}, time.Time{})
	})
}

type articleData struct {
	Article *content.Article
	Cites   []docLink
}

// articlePage is /bai-viet/{slug} (cached per article).
func (s *Server) articlePage(c *fiber.Ctx) error {
	a, ok := s.Library.Article(c.Params("slug"))
	if !ok {
		return notFound("Không tìm thấy bài viết này.")
	}
	path := "/bai-viet/" + a.Slug
	return s.cached(c, path, func(context.Context) (pagecache.Content, error) {
		return s.htmlPage(path, "article", View{
			Title:       a.Title,
			Description: a.Summary,
			Data:        articleData{Article: a, Cites: s.links(a.Cites)},
		}, time.Time{})
	})
}

// healthz answers 200 while the process serves, whatever its backends do.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// readyz checks every configured backend with a short timeout and answers
// 200 with {"status":"ok","checks":{...}} or 503 naming what failed;
// DegradedChecks that fail give 200 with {"status":"degraded"}.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := map[string]func(context.Context) error{}
	if s.Store != nil {
		checks["database"] = s.Store.Ping
	}
	for name, f := range s.ReadyChecks {
		checks[name] = f
	}
	results := fiber.Map{}
	status := fiber.StatusOK
	for name, check := range checks {
		if err := check(ctx); err != nil {
			results[name] = "lỗi: " + err.Error()
			status = fiber.StatusServiceUnavailable
			continue
		}
		results[name] = "ok"
	}
	// Degraded checks inform without failing, each with its own timeout
	// so a hanging backend cannot eat the time of the others.
	degraded := false
	// Search down means searching fails, not that the portal cannot take
	// submissions or serve documents: it degrades, it does not fail.
	degradedChecks := map[string]func(context.Context) error{}
	if s.Index != nil {
		degradedChecks["search"] = s.Index.Ping
	}
	for name, f := range s.DegradedChecks {
		degradedChecks[name] = f
	}
	for name, check := range degradedChecks {
		dctx, dcancel := context.WithTimeout(c.UserContext(), time.Second)
		err := check(dctx)
		dcancel()
		if err != nil {
			results[name] = "degraded: " + err.Error()
			degraded = true
			continue
		}
		results[name] = "ok"
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	overall := "ok"
	if status != fiber.StatusOK {
		overall = "unavailable"
	} else if degraded {
		overall = "degraded"
	}
	body := fiber.Map{"status": overall, "checks": results}
	for name, info := range s.ReadyInfo {
		ictx, icancel := context.WithTimeout(c.UserContext(), time.Second)
		body[name] = info(ictx)
		icancel()
	}
	return c.Status(status).JSON(body)
}

// robots is /robots.txt (cached).
func (s *Server) robots(c *fiber.Ctx) error {
	return s.cached(c, "/robots.txt", func(context.Context) (pagecache.Content, error) {
		body := "User-agent: *\nDisallow: /quan-tri/\nDisallow: /api/\n"
		if s.BaseURL != "" {
			body += "Sitemap: " + s.BaseURL + "/sitemap.xml\n"
		}
		return pagecache.Content{Body: []byte(body), ContentType: fiber.MIMETextPlainCharsetUTF8, CacheControl: cacheReading}, nil
	})
}

// checkUTF8 refuses requests whose path or query is not valid UTF-8 with a
// 400 before any handler sees them.
func (s *Server) checkUTF8(c *fiber.Ctx) error {
	valid := utf8.ValidString(c.Path())
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if !utf8.Valid(k) || !utf8.Valid(v) {
			valid = false
		}
	})
	if !valid {
		return badRequest("Địa chỉ trang có ký tự không đọc được. Vui lòng kiểm tra lại đường dẫn.")
	}
	return c.Next()
}

// nfcTrim is how every inbound short string is cleaned before use.
func nfcTrim(s string) string { return strings.TrimSpace(normNFC(s)) }
