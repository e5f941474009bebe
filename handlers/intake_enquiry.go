package handlers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/pagecache"
)

// enquiryFields are the fields of the rehab enquiry form, in page order.
var enquiryFields = []string{
	intake.FieldRelationship, intake.FieldSubstance, intake.FieldPreferredForm, intake.FieldArea,
	intake.FieldContactName, intake.FieldPhone, intake.FieldMessage, intake.FieldConsent,
}

// enquiryPosted are the posted fields the form shows again: its fields and
// the nonce.
var enquiryPosted = append(append([]string{}, enquiryFields...), nonceField)

// rehabGuide shows the guidance on the forms of rehab (cached: the help
// page of the enquiry form, which has no form of its own).
func (s *Server) rehabGuide(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.cached(c, "/cai-nghien", func(context.Context) (pagecache.Content, error) {
		cat := s.Intake.Catalog()
		return s.htmlPage("/cai-nghien", "cai-nghien", View{
			Title:       "Cai nghiện ma túy: các hình thức và cách đăng ký tư vấn",
			Description: "Cai nghiện tự nguyện tại gia đình, cộng đồng; tại cơ sở cai nghiện; điều trị thay thế bằng Methadone. Đăng ký để được gọi lại tư vấn.",
			Data:        struct{ Agency string }{cat.Routes[intake.KindRehabEnquiry].Agency},
		}, time.Time{})
	})
}

// enquiryPage shows the empty enquiry form (from its shell: formshell.go).
func (s *Server) enquiryPage(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return s.emptyForm(c, "/cai-nghien/dang-ky", "cai-nghien-dang-ky", true, func(csrf, nonce string) View {
		v := s.enquiryView(nil, false, nil, "")
		v.CSRF = csrf
		if nonce != "" {
			v.Data.(*intakeForm).Nonce = nonce
		}
		return v
	})
}

func (s *Server) renderEnquiryForm(c *fiber.Ctx, status int, values map[string]string, consent bool, fe intake.FieldErrors, msg string) error {
	return s.render(c, status, "cai-nghien-dang-ky", s.enquiryView(values, consent, fe, msg))
}

// enquiryView is the View of the enquiry form with values, consent,
// errors and msg.
func (s *Server) enquiryView(values map[string]string, consent bool, fe intake.FieldErrors, msg string) View {
	f := s.newIntakeForm(intake.KindRehabEnquiry, values, fe, enquiryFields)
	f.Consent = consent
	if msg != "" {
		f.Message = msg
	}
	return View{
		Title:       "Đăng ký tư vấn cai nghiện",
		Description: "Để lại số điện thoại để cán bộ tư vấn gọi lại về các hình thức cai nghiện ma túy.",
		Data:        f,
	}
}

// enquiryAgain shows the enquiry form again with what was posted and msg
// (after a 429 or a failed CSRF check); it stores nothing.
func (s *Server) enquiryAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, enquiryPosted...)
	return s.renderEnquiryForm(c, status, v, v[intake.FieldConsent] != "", nil, msg)
}

// enquirySubmit validates the posted enquiry; on error the form comes back
// with messages and values, else the enquiry is committed and the receipt
// shown.
func (s *Server) enquirySubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := formValues(c, enquiryPosted...)
	consent := v[intake.FieldConsent] != ""
	if honeypotFilled(c) {
		if stop, err := s.charge(c, false); stop {
			return err
		}
		return s.renderEnquiryForm(c, fiber.StatusUnprocessableEntity, v, consent, nil, msgHoneypot)
	}
	e, fe := s.Intake.Catalog().ValidateEnquiry(intake.EnquiryInput{
		Relationship: v[intake.FieldRelationship], Substance: v[intake.FieldSubstance],
		PreferredForm: v[intake.FieldPreferredForm], Area: v[intake.FieldArea],
		ContactName: v[intake.FieldContactName], Phone: v[intake.FieldPhone],
		Message: v[intake.FieldMessage], Consent: consent,
	})
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return s.renderEnquiryForm(c, fiber.StatusUnprocessableEntity, v, consent, fe, "")
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := s.Intake.SubmitEnquiry(c.UserContext(), e, intake.WithNonce(v[nonceField]))
	if errors.Is(err, intake.ErrAlreadySubmitted) {
		delete(v, nonceField) // a fresh nonce: what is shown again may be sent as a new enquiry
		return s.renderEnquiryForm(c, fiber.StatusConflict, v, consent, nil, msgAlreadySentEnquiry)
	}
	if diskFull(err) {
		// Nothing stored: the form comes back with what was typed, 503
		// and Retry-After (the error is logged by handleError's rule).
		s.log.Error("disk full: submission refused with 503", "err", err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(diskFullRetryAfter))
		return s.renderEnquiryForm(c, fiber.StatusServiceUnavailable, v, consent, nil, msgDiskFull)
	}
	if err != nil {
		return err
	}
	return s.renderReceipt(c, intake.KindRehabEnquiry, r)
}
