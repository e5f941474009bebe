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

// freshCSRFToken issues a new token for the page being rendered after a
// failed check, as the csrf middleware does on a GET: the same cookie
// (name, path, flags and lifetime of csrfMiddleware) and the same value
// for the form field ({{.CSRF}}).
func (s *Server) freshCSRFToken(c *fiber.Ctx) {
	st := &csrfStore{secret: s.Secret, now: s.Now}
	token := st.generate()
	c.Cookie(&fiber.Cookie{
		Name:     csrfCookie,
		Value:    token,
		Secure:   strings.HasPrefix(s.BaseURL, "https://"),
		HTTPOnly: true,
		SameSite: "Lax",
		Expires:  s.Now().Add(csrfLifetime),
	})
	c.Locals(csrfLocal, token)
}
