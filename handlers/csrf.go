package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSRF protection, in two independent layers:
//
//  1. originGuard, on every unsafe method (POST, PUT, PATCH, DELETE) of
//     every route, over HTTP as over HTTPS: a request whose Origin (or,
//     without Origin, Referer) names another origin, or whose
//     Sec-Fetch-Site says cross-site, is refused with 403 before anything
//     runs. Over HTTPS a request with neither Origin nor Referer is refused
//     too (browsers send Origin on every POST; privacy tools strip Referer,
//     not Origin).
//  2. The token (s.csrf, on routes that show or accept forms): a signed
//     double submit. The form's cookie holds a random id; the form field
//     holds "issued.mac" with mac = HMAC-SHA256(secret, id, issued), so a
//     token is valid only with the cookie it was issued for, for
//     csrfLifetime, on any instance with the same secret, across restarts.
//
// The cookie is "__Host-csrf", Secure, Path=/ whenever the request arrived
// over HTTPS (directly, or as X-Forwarded-Proto from a trusted proxy), so
// no subdomain and no plain-HTTP page can set or read it; over plain HTTP
// (development) it is "csrf_". Fiber's csrf middleware fixes the cookie's
// name and flags at start, from configuration, which is why this is ours.
const (
	csrfField       = "_csrf"
	csrfCookie      = "csrf_"
	csrfCookieHTTPS = "__Host-csrf"
	csrfLocal       = "csrf"
	csrfLifetime    = 12 * time.Hour
	// csrfFailureLocal is the c.Locals key of a route's own answer to a
	// failed CSRF check (a fiber.Handler); see csrfMiddleware.
	csrfFailureLocal = "csrf-failure"
)

// msgCSRFFailed is the answer to a failed token check on routes without an
// answer of their own.
const msgCSRFFailed = "Biểu mẫu đã hết hạn hoặc không hợp lệ. " +
	"Vui lòng quay lại trang trước, sao chép nội dung bạn đã viết, tải lại trang rồi dán và gửi lại."

// unsafeMethod reports whether m changes state (RFC 9110, 9.2.1).
func unsafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions, fiber.MethodTrace:
		return false
	}
	return true
}

// originGuard is layer 1 (see above). The origin of the request is its
// scheme (c.Protocol: X-Forwarded-Proto only from trusted proxies) and
// host (Host, or X-Forwarded-Host from a trusted proxy); the configured
// PORTAL_BASE_URL counts as the same origin too.
func (s *Server) originGuard(c *fiber.Ctx) error {
	if !unsafeMethod(c.Method()) {
		return c.Next()
	}
	if !s.sameOriginRequest(c) {
		return &Problem{Status: fiber.StatusForbidden, Message: msgCrossSite}
	}
	return c.Next()
}

// sameOriginRequest is the decision of originGuard.
func (s *Server) sameOriginRequest(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	self := c.Protocol() + "://" + c.Hostname()
	from := c.Get(fiber.HeaderOrigin)
	if from == "" && !isAPI(c) {
		// Referer stands in for Origin on the forms. Not on the JSON API:
		// a browser's cross-site fetch always carries Origin, and apps
		// may send any Referer.
		if ref := c.Get(fiber.HeaderReferer); ref != "" {
			u, err := url.Parse(ref)
			if err != nil {
				return false
			}
			from = u.Scheme + "://" + u.Host
		}
	}
	if from == "" {
		// Neither header: not a browser sent from another site (they send
		// Origin on every cross-origin POST). Over HTTPS, where our own
		// pages always send one, the forms refuse it; the JSON API, which
		// no cookie authorises, takes apps and scripts that send none.
		return c.Protocol() != "https" || isAPI(c)
	}
	return sameOrigin(from, self) || (s.BaseURL != "" && sameOrigin(from, s.BaseURL))
}

// csrfCookieName is the cookie's name for this request (see above).
func csrfCookieName(c *fiber.Ctx) string {
	if c.Protocol() == "https" {
		return csrfCookieHTTPS
	}
	return csrfCookie
}

// csrfMiddleware is layer 2. On a safe method it makes sure the client has
// a cookie id and puts a token for it on the page (csrfToken). On an
// unsafe method it checks the form field against the cookie; a failure is
// answered by the route's own handler (c.Locals(csrfFailureLocal): the
// intake forms show the form again with what was typed) or with 403.
func (s *Server) csrfMiddleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if isAPI(c) {
			// The JSON API is authorised by nothing a browser sends on
			// its own (no cookies); originGuard and apiGuard cover it.
			return c.Next()
		}
		id := c.Cookies(csrfCookieName(c))
		if !unsafeMethod(c.Method()) {
			if !validCookieID(id) {
				id = s.newCSRFCookie(c)
			}
			c.Locals(csrfLocal, s.csrfIssue(id))
			return c.Next()
		}
		if !validCookieID(id) || !s.csrfValid(id, c.FormValue(csrfField)) {
			if h, ok := c.Locals(csrfFailureLocal).(fiber.Handler); ok && h != nil {
				return h(c)
			}
			return &Problem{Status: fiber.StatusForbidden, Message: msgCSRFFailed}
		}
		// Pages shown in answer (a form with errors) carry a fresh token
		// for the same cookie.
		c.Locals(csrfLocal, s.csrfIssue(id))
		return c.Next()
	}
}

// freshCSRFToken gives the client a new cookie id and puts a token for it
// on the page being rendered, after a failed check or before the CSRF
// middleware ran (a 429 on a form route).
func (s *Server) freshCSRFToken(c *fiber.Ctx) {
	c.Locals(csrfLocal, s.csrfIssue(s.newCSRFCookie(c)))
}

// csrfToken returns the token for this request's page.
func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfLocal).(string)
	return t
}

// newCSRFCookie sets a cookie with a new random id and returns the id.
func (s *Server) newCSRFCookie(c *fiber.Ctx) string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("csrf: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	c.Cookie(&fiber.Cookie{
		Name:     csrfCookieName(c),
		Value:    id,
		Path:     "/",
		Secure:   c.Protocol() == "https",
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
		Expires:  s.Now().Add(csrfLifetime),
	})
	return id
}

// validCookieID reports whether id has the shape newCSRFCookie gives.
func validCookieID(id string) bool {
	if len(id) != 24 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil
}

// csrfMAC is HMAC-SHA256(secret, "csrf", id, issued), base64url.
func (s *Server) csrfMAC(id, issued string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("csrf\x00" + id + "\x00" + issued))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfIssue returns a token for the cookie id: "issued.mac".
func (s *Server) csrfIssue(id string) string {
	issued := strconv.FormatInt(s.Now().Unix(), 10)
	return issued + "." + s.csrfMAC(id, issued)
}

// csrfValid reports whether token was issued for the cookie id, less than
// csrfLifetime ago (and not more than a minute in the future: clocks of
// instances differ a little).
func (s *Server) csrfValid(id, token string) bool {
	issued, mac, ok := strings.Cut(token, ".")
	if !ok || len(issued) > 20 {
		return false
	}
	if !hmac.Equal([]byte(mac), []byte(s.csrfMAC(id, issued))) {
		return false
	}
	t, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return false
	}
	age := s.Now().Sub(time.Unix(t, 0))
	return age >= -time.Minute && age <= csrfLifetime
}
