package handlers

import (
	"encoding/base64"
	"errors"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/press"
)

// totpData is the enrolment page's data.
type totpData struct {
	Enabled  bool
	Required bool
	Secret   string
	// QR is the otpauth URL as a PNG drawn by the portal, as a data: URL
	// (the page's CSP allows data: images; no third-party request).
	QR template.URL
	// Codes are the recovery codes, shown once after confirmation.
	Codes []string
	Error string
}

// totpPage shows the two-step enrolment: the pending secret as a QR code and
// as text, and a field for a code from the app. An account that has it on
// sees that it is on.
func (h *admin) totpPage(c *fiber.Ctx) error {
	return h.renderTOTP(c, fiber.StatusOK, "")
}

func (h *admin) renderTOTP(c *fiber.Ctx, status int, msg string) error {
	p := principal(c)
	d := totpData{Required: h.Press.TOTPRequired(p.Role), Error: msg}
	on, err := h.Press.TOTPEnabled(c.UserContext(), p.Username)
	if err != nil {
		return err
	}
	if on {
		d.Enabled = true
	} else {
		e, err := h.Press.BeginTOTP(c.UserContext(), p.Username)
		if err != nil {
			return err
		}
		d.Secret = e.Secret
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG))
	}
	return h.render(c, status, "admin-totp", View{Title: "Xác thực hai bước", Data: d})
}

// totpConfirm turns two-step sign-in on with a code from the app and shows
// the recovery codes once; a wrong code shows the same QR code again and the
// message (422).
func (h *admin) totpConfirm(c *fiber.Ctx) error {
	p := principal(c)
	codes, err := h.Press.ConfirmTOTP(c.UserContext(), p.Username, strings.Clone(strings.TrimSpace(c.FormValue("ma"))))
	switch {
	case errors.Is(err, press.ErrBadCode):
		// Not ErrBadCode's own text: it offers recovery codes, which do not
		// exist before this step succeeds.
		return h.renderTOTP(c, fiber.StatusUnprocessableEntity, "Mã xác thực: "+msgEnrolBadCode)
	case errors.Is(err, press.ErrNoPendingTOTP):
		return h.renderTOTP(c, fiber.StatusUnprocessableEntity, "Mã xác thực: "+err.Error())
	case err != nil:
		return err
	}
	return h.render(c, fiber.StatusOK, "admin-totp", View{Title: "Xác thực hai bước", Data: totpData{Enabled: true, Codes: codes}})
}

// msgEnrolBadCode: the first code typed while turning two-step sign-in on
// is wrong or expired.
const msgEnrolBadCode = "mã không đúng hoặc đã hết hạn. Nhập mã 6 chữ số đang hiện trong ứng dụng xác thực (mã đổi sau mỗi 30 giây); nếu vẫn sai, kiểm tra giờ của điện thoại."
