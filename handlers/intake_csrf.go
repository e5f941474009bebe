package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// intakeCSRF is the CSRF middleware (s.csrf) of an intake form's POST
// route, with the route's own answer to a failed check: instead of the
// generic error page (which loses what was typed), the same form comes back
// with the values, a fresh token (cookie and field) and msgCSRFRetry asking
// to check and press the button again, status 403. Nothing is stored; it
// counts as an invalid submission (s.charge).
func (s *Server) intakeCSRF(rerender onLimited, button string) fiber.Handler {
	fail := fiber.Handler(func(c *fiber.Ctx) error {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		s.freshCSRFToken(c)
		return rerender(c, fiber.StatusForbidden, strings.Replace(msgCSRFRetry, "%s", button, 1))
	})
	return func(c *fiber.Ctx) error {
		c.Locals(csrfFailureLocal, fail)
		return s.csrf(c)
	}
}
