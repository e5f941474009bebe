package handlers

import (
	"github.com/thaibinh-pcmt/portal/seal"

	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/press"
)

// Admin area of the press office, under /quan-tri. Every route there goes
// through the CSRF middleware; every route but the login page also through
// requireStaff, so a request without a valid session and the right role is
// refused before its handler runs and changes nothing.
const (
	adminPrefix   = "/quan-tri"
	loginPath     = adminPrefix + "/dang-nhap"
	logoutPath    = adminPrefix + "/dang-xuat"
	campaignsPath = adminPrefix + "/chien-dich"
	auditPath     = adminPrefix + "/nhat-ky"
	// sessionCookie holds the session token (press.Session.Token).
	sessionCookie = "phien"
	// staffLocal is the Locals key of the request's press.Principal.
	staffLocal = "staff"
)

// admin holds the press office's handlers.
type admin struct {
	*Server
}

// registerAdmin registers the press office's admin routes, the public
// campaign pages, the cover images, the Atom feed and the sitemap.
func (s *Server) registerAdmin(app *fiber.App) {
	app.Get("/feed.xml", s.feed)
	app.Get("/sitemap.xml", s.sitemap)
	if s.Press == nil {
		return
	}
	h := &admin{Server: s}
	app.Get(press.URLPrefix, s.campaignList)
	app.Get(press.URLPrefix+"/:slug", s.campaignPage)
	app.Get("/media/:name", s.media)

	g := app.Group(adminPrefix, noStore, s.csrf)
	g.Get("/", h.requireStaff(func(press.Principal) bool { return true }), func(c *fiber.Ctx) error {
		return c.Redirect(homeFor(principal(c)), fiber.StatusSeeOther)
	})
	g.Get("/dang-nhap", h.loginForm)
	g.Post("/dang-nhap", h.login)
	g.Post("/dang-xuat", h.logout)
	anyStaff := h.staffGate(func(press.Principal) bool { return true }, true)
	g.Get("/hai-buoc", anyStaff, h.totpPage)
	g.Post("/hai-buoc", anyStaff, limitBody(16<<10), h.totpConfirm)

	staff := h.requireStaff(press.Principal.CanPublish)
	g.Get("/chien-dich", staff, h.adminCampaigns)
	g.Post("/chien-dich", staff, h.createCampaign)
	g.Get("/chien-dich/moi", staff, h.newCampaign)
	g.Get("/chien-dich/:id<int>", staff, h.editCampaign)
	g.Post("/chien-dich/:id<int>", staff, h.updateCampaign)
	g.Get("/chien-dich/:id<int>/xem-truoc", staff, h.previewCampaign)
	g.Post("/chien-dich/:id<int>/dang-ngay", staff, h.publishNow)
	g.Post("/chien-dich/:id<int>/go-xuong", staff, h.unpublish)
	g.Get("/nhat-ky", h.requireStaff(press.Principal.IsAdmin), h.auditLog)
	everyRole := h.requireStaff(func(press.Principal) bool { return true })
	g.Get("/mat-khau", everyRole, h.passwordForm)
	g.Post("/mat-khau", everyRole, limitBody(16<<10), h.changePassword)
	if s.Desk != nil {
		h.registerDesk(g)
	}
	// Anything else under /quan-tri asks for a login first, so the admin
	// area's shape is not shown to strangers.
	g.Use(h.requireStaff(func(press.Principal) bool { return true }), func(c *fiber.Ctx) error { return notFound("") })
}

// noStore keeps admin pages out of every cache.
func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, cacheNoStore)
	return c.Next()
}

// requireStaff lets the request through only with a valid session whose
// principal passes allowed. Without one, a GET is redirected to the login
// page (coming back here after) and anything else gets 401; with the
// wrong role, 403.
func (h *admin) requireStaff(allowed func(press.Principal) bool) fiber.Handler {
	return h.staffGate(allowed, false)
}

// staffGate is requireStaff; enrolPage lets through an account that must
// still enrol its second factor (press.Principal.MustEnrolTOTP), which is
// sent to the enrolment page from everywhere else.
func (h *admin) staffGate(allowed func(press.Principal) bool, enrolPage bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := h.Press.Authenticate(c.UserContext(), c.Cookies(sessionCookie))
		if errors.Is(err, press.ErrNoSession) && h.KeySessions != nil {
			h.KeySessions.Forget(c.Cookies(sessionCookie))
		}
		if errors.Is(err, press.ErrNoSession) {
			if c.Cookies(sessionCookie) != "" {
				h.clearSession(c)
			}
			if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
				return c.Redirect(loginPath+"?tiep="+url.QueryEscape(string([]byte(c.OriginalURL()))), fiber.StatusSeeOther)
			}
			return &Problem{Status: fiber.StatusUnauthorized, Message: press.ErrNoSession.Error()}
		}
		if err != nil {
			return err
		}
		if p.MustEnrolTOTP && !enrolPage {
			if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
				return c.Redirect(totpPath, fiber.StatusSeeOther)
			}
			return &Problem{Status: fiber.StatusForbidden, Message: msgMustEnrol}
		}
		if !allowed(p) {
			return &Problem{Status: fiber.StatusForbidden, Message: press.ErrForbidden.Error()}
		}
		c.Locals(staffLocal, p)
		if h.KeySessions != nil && p.WorksDesk() {
			if d, id, ok := h.KeySessions.Get(c.Cookies(sessionCookie)); ok && d == p.Role {
				c.SetUserContext(seal.WithDeskKey(c.UserContext(), d, id))
			} else if err := h.refuseKeylessWrite(c, p); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// refuseKeylessWrite refuses, with the 403 that asks to sign in again, a
// desk action (any unsafe method under the inbox: status, assignment,
// note, message, export, grant) from a session that does not hold its
// desk's key while the desk has one (after a restart, say): the officer
// would act on a case they cannot read, and be shown the 403 of the case
// page after an action that did happen. Reading the list needs no key.
func (h *admin) refuseKeylessWrite(c *fiber.Ctx, p press.Principal) error {
	if h.Keys == nil || c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead ||
		!strings.HasPrefix(c.Path(), inboxPath) {
		return nil
	}
	if _, on, err := h.Keys.Recipient(c.UserContext(), p.Role); err != nil {
		return err
	} else if on {
		return &Problem{Status: fiber.StatusForbidden, Message: msgSealed}
	}
	return nil
}

// principal is the staff member requireStaff let through.
func principal(c *fiber.Ctx) press.Principal {
	p, _ := c.Locals(staffLocal).(press.Principal)
	return p
}

// setSession writes the session cookie: HttpOnly, SameSite=Lax, Secure when
// the request came over TLS (c.Protocol believes X-Forwarded-Proto only
// from trusted proxies), limited to the admin area, living as long as the
// session's absolute lifetime (the idle expiry is enforced by the server).
func (h *admin) setSession(c *fiber.Ctx, token string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name:     sessionCookie,
		Value:    token,
		Path:     adminPrefix,
		MaxAge:   int(maxAge / time.Second),
		HTTPOnly: true,
		Secure:   c.Protocol() == "https",
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (h *admin) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name:     sessionCookie,
		Value:    "",
		Path:     adminPrefix,
		MaxAge:   -1,
		Expires:  time.Unix(1, 0),
		HTTPOnly: true,
		Secure:   c.Protocol() == "https",
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// homeFor is where a staff member lands: the inbox for a desk, the
// campaigns for the press office and admins.
func homeFor(p press.Principal) string {
	if p.WorksDesk() {
		return inboxPath
	}
	return campaignsPath
}

// afterLogin is where a login goes: next when it is a safe path inside the
// admin area, else the role's home.
func afterLogin(next string, p press.Principal) string {
	if n := safePath(next); n != "" {
		return n
	}
	return homeFor(p)
}

// safePath returns next when it is a path inside the admin area (never
// another site: no "//" or "\" tricks, not the logout), else "".
func safePath(next string) string {
	if strings.HasPrefix(next, adminPrefix+"/") && !strings.ContainsAny(next, "\\\r\n") &&
		!strings.HasPrefix(next, "//") && !strings.Contains(next, "/../") && next != logoutPath {
		if u, err := url.Parse(next); err == nil && u.Host == "" && u.Scheme == "" {
			return next
		}
	}
	return ""
}
