package handlers

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/photo"
)

// tipFields are the fields of the tip-off form, in page order.
var tipFields = []string{intake.FieldCategory, intake.FieldArea, intake.FieldDescription, intake.FieldOccurredAt, intake.FieldLocationDetail, intake.FieldAttachments}

// tipPosted are the posted fields the form shows again: its text fields
// and the nonce (a file input cannot be filled again by a page).
var tipPosted = []string{intake.FieldCategory, intake.FieldArea, intake.FieldDescription, intake.FieldOccurredAt, intake.FieldLocationDetail, nonceField}

const tipTitle = "Gửi tin báo về ma túy"

// Messages about a tip's photos that are not about one file.
const (
	msgPhotosBusy = "Máy chủ đang bận xử lý nhiều ảnh nên tin báo chưa được gửi. Nội dung bạn đã nhập vẫn ở dưới đây; vui lòng chọn lại ảnh và gửi lại sau ít phút."
)

// tipPage shows the empty tip-off form (from its shell: formshell.go).
func (s *Server) tipPage(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.emptyForm(c, "/tin-bao", "tin-bao", true, func(csrf, nonce string) View {
		v := s.tipView(nil, nil, nil, "", false)
		v.CSRF = csrf
		if nonce != "" {
			v.Data.(*intakeForm).Nonce = nonce
		}
		return v
	})
}

// renderTipForm shows the tip form with values, the field errors fe, the
// refusals of files ae (one message each, naming the file) and msg above
// it.
func (s *Server) renderTipForm(c *fiber.Ctx, status int, values map[string]string, fe formerr.FieldErrors, ae intake.AttachmentErrors, msg string) error {
	ups, _ := uploadsOf(c)
	// No page can fill a file input again: ask to choose the photos again.
	rechoose := len(ups) > 0 && status != fiber.StatusOK
	return s.render(c, status, "tin-bao", s.tipView(values, fe, ae, msg, rechoose))
}

// tipView is the View of the tip-off form with values, field errors fe,
// refused files ae, msg, and whether to ask for the photos again.
func (s *Server) tipView(values map[string]string, fe formerr.FieldErrors, ae intake.AttachmentErrors, msg string, rechoose bool) View {
	if len(ae) > 0 {
		merged := formerr.FieldErrors{intake.FieldAttachments: intake.FieldLabels[intake.FieldAttachments] + ": " + ae.Error()}
		for k, v := range fe {
			merged[k] = v
		}
		fe = merged
	}
	f := s.newIntakeForm(intake.KindTip, values, fe, tipFields)
	f.Files = ae
	if len(ae) > 0 {
		// One line per refused file in the summary, instead of them all
		// joined.
		var sum []formError
		for _, e := range f.Summary {
			if e.Field != intake.FieldAttachments {
				sum = append(sum, e)
			}
		}
		for _, e := range ae {
			sum = append(sum, formError{Field: intake.FieldAttachments, Message: e.Message})
		}
		f.Summary = sum
	}
	f.Rechoose = rechoose
	if msg != "" {
		f.Message = msg
	}
	return View{
		Title:       tipTitle,
		Description: "Tố giác hành vi mua bán, tàng trữ, vận chuyển, tổ chức sử dụng trái phép chất ma túy hay trồng cây có chứa chất ma túy, không cần cho biết họ tên.",
		Data:        f,
	}
}

// tipAgain shows the tip-off form again with what was posted and msg (after
// a 429 or a failed CSRF check); it stores nothing.
func (s *Server) tipAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.renderTipForm(c, status, formValues(c, tipPosted...), nil, nil, msg)
}

// tipInput is the TipInput of posted form values.
func tipInput(v map[string]string) intake.TipInput {
	return intake.TipInput{
		Category: v[intake.FieldCategory], Area: v[intake.FieldArea], Description: v[intake.FieldDescription],
		OccurredAt: v[intake.FieldOccurredAt], LocationDetail: v[intake.FieldLocationDetail],
	}
}

// tipRefusal is why a tip was not taken: a status, the field errors, the
// refused files and a message above the form.
type tipRefusal struct {
	status int
	fe     formerr.FieldErrors
	ae     intake.AttachmentErrors
	msg    string
}

// acceptTip is the one flow of a tip from the form or the API, photos or
// not: validate the text and check every file without decoding it (an
// invalid submission is charged to the allowance for mistakes), charge an
// acceptable one to the route's budget before the costly part (decoding
// and re-encoding the photos, so that it happens only within a client's
// budget), sanitise the photos, and commit the tip. It returns the
// receipt, or a refusal to show, or stop with err when the handler must
// return err at once (a 429 already answered, or a failure).
func (s *Server) acceptTip(c *fiber.Ctx, in intake.TipInput, ups []intake.Upload, opts ...intake.SubmitOption) (r intake.Receipt, ref *tipRefusal, stop bool, err error) {
	tip, fe := s.Intake.Catalog().ValidateTip(in)
	ae := intake.CheckUploads(ups)
	if fe != nil || ae != nil {
		if stop, err := s.charge(c, true); stop {
			return r, nil, true, err
		}
		return r, &tipRefusal{status: filesStatus(ae), fe: fe, ae: ae}, false, nil
	}
	if stop, err := s.charge(c, false); stop {
		return r, nil, true, err
	}
	if len(ups) > 0 {
		atts, ae, err := intake.SanitiseUploads(c.UserContext(), ups)
		switch {
		case errors.Is(err, photo.ErrBusy):
			return r, &tipRefusal{status: fiber.StatusServiceUnavailable, msg: msgPhotosBusy}, false, nil
		case err != nil:
			return r, nil, true, err
		case ae != nil:
			return r, &tipRefusal{status: filesStatus(ae), ae: ae}, false, nil
		}
		tip.Attachments = atts
	}
	r, err = s.Intake.SubmitTip(c.UserContext(), tip, opts...)
	if err != nil {
		return r, nil, true, err
	}
	return r, nil, false, nil
}

// filesStatus is the status of a refusal: 413 when a file or the total is
// too large, else 422.
func filesStatus(ae intake.AttachmentErrors) int {
	if ae.TooLarge() {
		return fiber.StatusRequestEntityTooLarge
	}
	return fiber.StatusUnprocessableEntity
}

// tipSubmit validates the posted form and its photos; on error it shows
// the form again with a message at each field and each refused file, and
// what was typed; else it commits the tip to the outbox and shows the
// receipt.
func (s *Server) tipSubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, tipPosted...)
	if honeypotFilled(c) {
		if stop, err := s.charge(c, false); stop {
			return err
		}
		return s.renderTipForm(c, fiber.StatusUnprocessableEntity, v, nil, nil, msgHoneypot)
	}
	ups, _ := uploadsOf(c)
	r, ref, stop, err := s.acceptTip(c, tipInput(v), ups, intake.WithNonce(v[nonceField]))
	switch {
	case stop && errors.Is(err, intake.ErrAlreadySubmitted):
		delete(v, nonceField) // a fresh nonce: what is shown again may be sent as a new tip
		return s.renderTipForm(c, fiber.StatusConflict, v, nil, nil, msgAlreadySentTip)
	case stop && diskFull(err):
		// Nothing stored: the form comes back with what was typed, 503
		// and Retry-After.
		s.log.Error("disk full: submission refused with 503", "err", err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(diskFullRetryAfter))
		return s.renderTipForm(c, fiber.StatusServiceUnavailable, v, nil, nil, msgDiskFull)
	case stop:
		return err
	case ref != nil:
		return s.renderTipForm(c, ref.status, v, ref.fe, ref.ae, ref.msg)
	}
	return s.renderReceipt(c, intake.KindTip, r)
}
