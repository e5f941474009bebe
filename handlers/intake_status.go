package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
)

// statusView is the Data of /tra-cuu: the form (what was typed, its
// error) and, after a look-up, the status found.
type statusView struct {
	Receipt string
	Error   string
	Found   *intake.Status
	// ReceivedOn is Found.ReceivedOn written the Vietnamese way, 29/11/2026.
	ReceivedOn string
}

const (
	statusTitle       = "Tra cứu tin đã gửi"
	statusDescription = "Nhập mã tiếp nhận 16 chữ số để xem tin báo hoặc đăng ký tư vấn đã được chuyển đến cơ quan chức năng hay chưa."
)

// statusPage shows the receipt look-up form (from its shell:
// formshell.go). The receipt is posted, never put in a URL, so it stays
// out of histories and proxy logs.
func (s *Server) statusPage(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.emptyForm(c, "/tra-cuu", "tra-cuu", false, func(csrf, _ string) View {
		return View{Title: statusTitle, Description: statusDescription, Data: statusView{}, CSRF: csrf}
	})
}

// statusAgain shows the look-up form again with the posted receipt and msg
// (after a 429 or a failed CSRF check). Unlike the submission forms, every
// look-up counts against the budget, found or not: it slows guessing.
func (s *Server) statusAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	typed := strings.Clone(c.FormValue(intake.FieldReceipt))
	return s.render(c, status, "tra-cuu", View{Title: statusTitle, Description: statusDescription, Data: statusView{Receipt: typed, Error: msg}})
}

// statusSubmit looks up the posted receipt.
func (s *Server) statusSubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	typed := strings.Clone(c.FormValue(intake.FieldReceipt))
	st, err := s.Intake.Status(c.UserContext(), typed)
	v := statusView{Receipt: typed}
	code := fiber.StatusOK
	switch {
	case errors.Is(err, intake.ErrReceiptFormat):
		v.Error, code = msgReceiptFormat, fiber.StatusUnprocessableEntity
	case errors.Is(err, intake.ErrUnknownReceipt):
		v.Error, code = intake.FieldLabels[intake.FieldReceipt]+": "+msgReceiptUnknown, fiber.StatusNotFound
	case err != nil:
		return err
	default:
		v.Found = &st
		v.ReceivedOn = st.ReceivedOn
		if d, err := time.Parse(time.DateOnly, st.ReceivedOn); err == nil {
			v.ReceivedOn = d.Format("2/1/2006")
		}
	}
	return s.render(c, code, "tra-cuu", View{Title: statusTitle, Description: statusDescription, Data: v})
}
