package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// loginData is the login page's data.
type loginData struct {
	Username string
	Next     string
	Error    string
}

// totpPath is the two-step enrolment page.
const totpPath = "/quan-tri/hai-buoc"

// msgMustEnrol: an account that must enrol tried anything else.
const msgMustEnrol = "Tài khoản của bạn phải bật xác thực hai bước trước khi làm việc. Mở trang " + totpPath + " để cài đặt."

// loginScope is the throttle scope of login attempts per client key.
const loginScope = "login"

func (h *admin) loginForm(c *fiber.Ctx) error {
	if p, err := h.Press.Authenticate(c.UserContext(), c.Cookies(sessionCookie)); err == nil {
		return c.Redirect(afterLogin(c.Query("tiep"), p), fiber.StatusSeeOther)
	}
	return h.renderLogin(c, fiber.StatusOK, loginData{Next: safePath(c.Query("tiep"))})
}

func (h *admin) renderLogin(c *fiber.Ctx, status int, d loginData) error {
	return h.render(c, status, "admin-login", View{Title: "Đăng nhập quản trị", Data: d})
}

// login checks the form (username, password) and opens a session: a new
// token every time (rotation), the old session deleted. Wrong credentials
// give 401, too many attempts 429 with Retry-After, both re-showing the
// form with the username typed and a Vietnamese message.
func (h *admin) login(c *fiber.Ctx) error {
	d := loginData{
		Username: strings.Clone(strings.TrimSpace(c.FormValue("username"))),
		Next:     safePath(strings.Clone(c.FormValue("tiep"))),
	}
	password := strings.Clone(c.FormValue("password"))
	sess, err := h.Press.Login(c.UserContext(), press.LoginRequest{
		Username:  d.Username,
		Password:  password,
		Code:      strings.Clone(strings.TrimSpace(c.FormValue("ma"))),
		ClientKey: ratelimit.ClientKey(loginScope, h.clientAddr(c)),
		OldToken:  strings.Clone(c.Cookies(sessionCookie)),
	})
	var te *press.ThrottledError
	switch {
	case err == nil:
	case errors.As(err, &te):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds())+1))
		d.Error = te.Error()
		return h.renderLogin(c, fiber.StatusTooManyRequests, d)
	case errors.Is(err, press.ErrBadCredentials), errors.Is(err, press.ErrBadCode):
		d.Error = err.Error()
		return h.renderLogin(c, fiber.StatusUnauthorized, d)
	case errors.Is(err, press.ErrThrottleUnavailable):
		d.Error = err.Error()
		return h.renderLogin(c, fiber.StatusServiceUnavailable, d)
	default:
		return err
	}
	h.unlockDeskKey(c, sess, password)
	h.setSession(c, sess.Token, sess.MaxAge)
	if sess.Principal.MustEnrolTOTP {
		return c.Redirect(totpPath, fiber.StatusSeeOther)
	}
	return c.Redirect(afterLogin(d.Next, sess.Principal), fiber.StatusSeeOther)
}

// logout ends the session (the CSRF token makes a forged logout fail).
func (h *admin) logout(c *fiber.Ctx) error {
	if h.KeySessions != nil {
		h.KeySessions.Forget(c.Cookies(sessionCookie))
	}
	if err := h.Press.Logout(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return err
	}
	h.clearSession(c)
	return c.Redirect(loginPath, fiber.StatusSeeOther)
}

// unlockDeskKey runs after a successful sign-in, with the password just
// checked: it makes the member's own key pair at the first sign-in and,
// for a desk member who has been granted it, opens the desk's private key
// into this session's memory (seal.Sessions), never anywhere else. A
// failure is logged and the sign-in stands: the member then sees the
// inbox's clear columns and a notice instead of the content.
func (h *admin) unlockDeskKey(c *fiber.Ctx, sess press.Session, password string) {
	if h.Keys == nil || h.KeySessions == nil {
		return
	}
	ctx := c.UserContext()
	st, err := h.Store.StaffByUsername(ctx, sess.Principal.Username)
	if err != nil {
		h.log.Error("desk key: staff after sign-in", "err", err)
		return
	}
	deskCode := ""
	if sess.Principal.WorksDesk() {
		deskCode = sess.Principal.Role
	}
	id, err := h.Keys.Unlock(ctx, st, deskCode, password)
	if err != nil {
		h.log.Error("desk key: not unlocked at sign-in", "err", err)
		return
	}
	if id != nil {
		h.KeySessions.Put(sess.Token, deskCode, id)
	}
}
