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
	s.registerAbout(app)
	s.registerSearch(app)
	s.registerIntake(app)
	s.registerMessages(app)
	s.registerDeskAPI(app)
	s.registerAdmin(app)

	// Nothing else is registered: Fiber answers an unknown path with
	// ErrNotFound and a known path with the wrong method with
	// ErrMethodNotAllowed (and its Allow header); handleError turns both
	// into Vietnamese pages, or JSON under /api/.
}
