package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/static"
)

// routes registers every route of the portal. Each feature registers its
// own in its file; pages with forms put s.csrf in front of their handlers
// (reading pages set no cookie at all).
func (s *Server) routes(app *fiber.App) {
	s.csrf = s.csrfMiddleware()

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get(static.Prefix+":name", s.asset)
	app.Get("/robots.txt", s.robots)

	// Rate limits of routes registered by others (search) come first.
	s.registerRateLimits(app)
	s.registerSite(app)
	s.registerSearch(app)
	s.registerIntake(app)
	s.registerAdmin(app)

	// Anything else is a Vietnamese 404 (HTML, or JSON under /api/).
	app.Use(func(c *fiber.Ctx) error { return notFound("") })
}
