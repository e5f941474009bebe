package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
)

// tipFields are the fields of the tip-off form, in page order.
var tipFields = []string{intake.FieldCategory, intake.FieldArea, intake.FieldDescription, intake.FieldOccurredAt, intake.FieldLocationDetail}

// tipPosted are the posted fields the form shows again: its fields and the
// nonce.
var tipPosted = append(append([]string{}, tipFields...), nonceField)

const tipTitle = "Gửi tin báo về ma túy"

// tipPage shows the empty tip-off form.
func (s *Server) tipPage(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.renderTipForm(c, fiber.StatusOK, nil, nil, "")
}

func (s *Server) renderTipForm(c *fiber.Ctx, status int, values map[string]string, fe intake.FieldErrors, msg string) error {
	f := s.newIntakeForm(intake.KindTip, values, fe, tipFields)
	if msg != "" {
		f.Message = msg
	}
	return s.render(c, status, "tin-bao", View{
		Title:       tipTitle,
		Description: "Tố giác hành vi mua bán, tàng trữ, vận chuyển, tổ chức sử dụng trái phép chất ma túy hay trồng cây có chứa chất ma túy, không cần cho biết họ tên.",
		Data:        f,
	})
}

// tipAgain shows the tip-off form again with what was posted and msg (after
// a 429 or a failed CSRF check); it stores nothing.
func (s *Server) tipAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.renderTipForm(c, status, formValues(c, tipPosted...), nil, msg)
}

// tipSubmit validates the posted form; on error it shows the form again
// with a message at each field and what was typed, else it commits the tip
// to the outbox and shows the receipt.
func (s *Server) tipSubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, tipPosted...)
	if honeypotFilled(c) {
		if stop, err := s.charge(c, false); stop {
			return err
		}
		return s.renderTipForm(c, fiber.StatusUnprocessableEntity, v, nil, msgHoneypot)
	}
	tip, fe := s.Intake.Catalog().ValidateTip(intake.TipInput{
		Category: v[intake.FieldCategory], Area: v[intake.FieldArea], Description: v[intake.FieldDescription],
		OccurredAt: v[intake.FieldOccurredAt], LocationDetail: v[intake.FieldLocationDetail],
	})
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return s.renderTipForm(c, fiber.StatusUnprocessableEntity, v, fe, "")
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := s.Intake.SubmitTip(c.UserContext(), tip, intake.WithNonce(v[nonceField]))
	if errors.Is(err, intake.ErrAlreadySubmitted) {
		delete(v, nonceField) // a fresh nonce: what is shown again may be sent as a new tip
		return s.renderTipForm(c, fiber.StatusConflict, v, nil, msgAlreadySentTip)
	}
	if err != nil {
		return err
	}
	return s.renderReceipt(c, intake.KindTip, r)
}
