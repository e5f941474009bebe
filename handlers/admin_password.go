package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// passwordPath is the page where a signed-in staff member changes their
// own password (issue 11: "no self-service password change page").
const passwordPath = adminPrefix + "/mat-khau"

// passwordFields are the password page's fields, in the order of the form
// (and of its error summary).
var passwordFields = []string{press.FieldCurrentPassword, press.FieldNewPassword, press.FieldConfirmPassword}

// Messages of the password page.
const (
	msgPasswordInvalid = "Chưa đổi được mật khẩu. Vui lòng sửa các mục dưới đây rồi gửi lại."
	msgPasswordChanged = "Đã đổi mật khẩu. Mọi phiên đăng nhập khác của tài khoản đã được đăng xuất; phiên này vẫn mở."
	msgPasswordKeyKept = " Khóa giải mã của bạn đã được bọc lại theo mật khẩu mới, nên quyền đọc hồ sơ của bộ phận vẫn giữ nguyên."
)

// passwordData is the password page's data. The passwords typed are never
// shown again.
type passwordData struct {
	Staff   press.Principal
	Errors  formerr.FieldErrors
	Summary []formError
	Message string
	Notice  string
	// MinLen is the shortest password accepted, for the hint.
	MinLen int
}

// Err is the message of field, or "".
func (d passwordData) Err(field string) string { return d.Errors[field] }

func (h *admin) passwordForm(c *fiber.Ctx) error {
	d := passwordData{Staff: principal(c), MinLen: press.MinPasswordLen}
	if c.Query("tb") == "da-doi" {
		d.Notice = msgPasswordChanged
		if h.Keys != nil {
			d.Notice += msgPasswordKeyKept
		}
	}
	return h.render(c, fiber.StatusOK, "admin-password", View{Title: "Đổi mật khẩu", Data: d})
}

// changePassword checks the form (current password, new one twice) and
// changes the signed-in member's password (press.Office.ChangeOwnPassword:
// the desk key copy is rewrapped in the same transaction, the other
// sessions ended). A broken rule or a wrong current password gives 422,
// too many wrong passwords 429 with Retry-After (the sign-in's limits),
// each re-showing the form with an error summary; success redirects to
// the page with a notice, so reloading it sends nothing again.
func (h *admin) changePassword(c *fiber.Ctx) error {
	p := principal(c)
	req := press.PasswordChange{
		Username:  p.Username,
		Current:   strings.Clone(c.FormValue(press.FieldCurrentPassword)),
		New:       strings.Clone(c.FormValue(press.FieldNewPassword)),
		Confirm:   strings.Clone(c.FormValue(press.FieldConfirmPassword)),
		ClientKey: ratelimit.ClientKey(loginScope, h.clientAddr(c)),
		Token:     strings.Clone(c.Cookies(sessionCookie)),
	}
	if h.Keys != nil {
		req.Rewrap = h.rewrapOwnKey
	}
	_, err := h.Press.ChangeOwnPassword(c.UserContext(), req)
	d := passwordData{Staff: p, MinLen: press.MinPasswordLen}
	again := func(status int) error {
		return h.render(c, status, "admin-password", View{Title: "Đổi mật khẩu", Data: d})
	}
	var fe formerr.FieldErrors
	var te *press.ThrottledError
	switch {
	case err == nil:
		return c.Redirect(passwordPath+"?tb=da-doi", fiber.StatusSeeOther)
	case errors.As(err, &fe):
		d.Errors, d.Message, d.Summary = fe, msgPasswordInvalid, summary(fe, "", passwordFields...)
		return again(fiber.StatusUnprocessableEntity)
	case errors.As(err, &te):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(te.RetryAfter.Seconds())+1))
		d.Message = te.Error()
		return again(fiber.StatusTooManyRequests)
	case errors.Is(err, press.ErrThrottleUnavailable):
		d.Message = err.Error()
		return again(fiber.StatusServiceUnavailable)
	case errors.Is(err, press.ErrPasswordConflict):
		d.Message = err.Error()
		return again(fiber.StatusConflict)
	case errors.Is(err, press.ErrNoSession):
		return &Problem{Status: fiber.StatusUnauthorized, Message: err.Error()}
	}
	return err
}

// rewrapOwnKey is press.PasswordChange.Rewrap over the keyring. A wrap the
// current password does not open (an admin reset the password and the
// member's key pair was not remade since) is left alone, as it would be
// without this page: the next sign-in makes a new pair, to be granted
// again (docs/security.md).
func (h *admin) rewrapOwnKey(ctx context.Context, st store.Staff, current, next string) (store.StaffKey, bool, error) {
	sk, ok, err := h.Keys.Rewrap(ctx, st, current, next)
	if errors.Is(err, seal.ErrWrongKey) {
		h.log.Warn("password change: own key not under the current password; left for the next sign-in to replace")
		return store.StaffKey{}, false, nil
	}
	return sk, ok, err
}
