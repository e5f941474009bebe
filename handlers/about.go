package handlers

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/static"
)

// registerAbout registers what comes from the site's identity
// (identity.yaml): the about-and-contact page, the favicon and the web
// manifest.
func (s *Server) registerAbout(app *fiber.App) {
	app.Get("/gioi-thieu", s.about)
	app.Get("/favicon.ico", s.favicon)
	app.Get("/manifest.webmanifest", s.manifest)
}

// about is /gioi-thieu (cached): who runs the portal, on what basis, the
// agencies and the telephone lines, each fact with its source, all from
// the identity file and the library.
func (s *Server) about(c *fiber.Ctx) error {
	return s.cached(c, "/gioi-thieu", func(context.Context) (pagecache.Content, error) {
		plan, _ := s.Library.Document(s.Identity.Portal.Basis)
		return s.htmlPage("/gioi-thieu", "about", View{
			Title:       "Giới thiệu và liên hệ",
			Description: "Ai vận hành cổng thông tin phòng, chống ma túy, căn cứ xây dựng, các cơ quan và số điện thoại cần biết.",
			Data:        struct{ Plan any }{Plan: plan},
		}, time.Time{})
	})
}

// favicon serves the 32×32 icon browsers ask for at /favicon.ico; a day
// of caching, since its URL cannot carry a content hash.
func (s *Server) favicon(c *fiber.Ctx) error {
	a, ok := static.ByName("favicon.ico")
	if !ok {
		return notFound("")
	}
	c.Set(fiber.HeaderContentType, "image/x-icon")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(a.Body)
}

// manifestIcon is one icon of the web manifest.
type manifestIcon struct {
	Src     string `json:"src"`
	Sizes   string `json:"sizes"`
	Type    string `json:"type"`
	Purpose string `json:"purpose,omitempty"`
}

// manifest is /manifest.webmanifest (W3C Web Application Manifest): the
// names, colours and icons a phone uses when the portal is added to its
// home screen.
func (s *Server) manifest(c *fiber.Ctx) error {
	id := s.Identity
	body, err := json.Marshal(struct {
		Name            string         `json:"name"`
		ShortName       string         `json:"short_name"`
		Description     string         `json:"description"`
		Lang            string         `json:"lang"`
		StartURL        string         `json:"start_url"`
		Scope           string         `json:"scope"`
		Display         string         `json:"display"`
		BackgroundColor string         `json:"background_color"`
		ThemeColor      string         `json:"theme_color"`
		Icons           []manifestIcon `json:"icons"`
	}{
		Name: id.Portal.Name + " – " + id.Province.Area, ShortName: id.Portal.ShortName,
		Description: id.Portal.Description, Lang: "vi", StartURL: "/", Scope: "/", Display: "browser",
		BackgroundColor: "#ffffff", ThemeColor: id.Portal.ThemeColor,
		Icons: []manifestIcon{
			{Src: static.URL("icon-192.png"), Sizes: "192x192", Type: "image/png"},
			{Src: static.URL("icon-512.png"), Sizes: "512x512", Type: "image/png"},
			{Src: static.URL(id.Portal.Emblem), Sizes: "any", Type: "image/svg+xml"},
		},
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/manifest+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(body)
}
