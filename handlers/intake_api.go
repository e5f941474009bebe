package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
)

// submissionAccepted is the 202 body of POST /api/v1/tips and
// /api/v1/rehab-enquiries. Receipt is the 16 digits, shown once.
type submissionAccepted struct {
	Receipt     string `json:"receipt"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Agency      string `json:"agency"`
}

// submissionStatus is the 200 body of POST /api/v1/status. ReceivedOn is a
// date, YYYY-MM-DD (Vietnam time).
type submissionStatus struct {
	Kind        string `json:"kind"`
	KindLabel   string `json:"kind_label"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	ReceivedOn  string `json:"received_on"`
}

// apiFormOptions answers GET /api/v1/form-options with every list of
// choices: {tip_categories, areas, relationships, substances, rehab_forms},
// each a list of {code, label}.
func (s *Server) apiFormOptions(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(s.Intake.Catalog().Options)
}

// decodeProblem turns a Decode error into 400 (malformed) or 422 (a field
// of the wrong type).
func decodeProblem(err error) error {
	var fe intake.FieldErrors
	if errors.As(err, &fe) {
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	return badRequest(msgMalformedJSON)
}

// apiTip accepts a tip-off as JSON {category, area, description,
// occurred_at?, location_detail?} and answers 202 {receipt, status} once
// it is committed to the outbox; 422 {errors} on invalid input.
func (s *Server) apiTip(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	in, err := intake.DecodeTip(c.Body())
	if err != nil {
		if stop, cerr := s.charge(c, false); stop { // malformed bodies count
			return cerr
		}
		return decodeProblem(err)
	}
	tip, fe := s.Intake.Catalog().ValidateTip(in)
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := s.Intake.SubmitTip(c.UserContext(), tip)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(accepted(r))
}

// apiEnquiry accepts a rehab enquiry as JSON {relationship, substance,
// preferred_form, area, contact_name, phone, message?, consent}.
func (s *Server) apiEnquiry(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	in, err := intake.DecodeEnquiry(c.Body())
	if err != nil {
		if stop, cerr := s.charge(c, false); stop { // malformed bodies count
			return cerr
		}
		return decodeProblem(err)
	}
	e, fe := s.Intake.Catalog().ValidateEnquiry(in)
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := s.Intake.SubmitEnquiry(c.UserContext(), e)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(accepted(r))
}

func accepted(r intake.Receipt) submissionAccepted {
	return submissionAccepted{Receipt: r.Code, Status: r.Status, StatusLabel: intake.StatusLabels[r.Status], Agency: r.Agency}
}

// apiStatus answers POST /api/v1/status {receipt} with 200 {kind, status,
// received_on}, 404 for an unknown receipt, 422 for one that is not 16
// digits.
func (s *Server) apiStatus(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	in, err := intake.DecodeStatusRequest(c.Body())
	if err != nil {
		return decodeProblem(err)
	}
	st, err := s.Intake.Status(c.UserContext(), in.Receipt)
	switch {
	case errors.Is(err, intake.ErrReceiptFormat):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput,
			Fields: map[string]string{intake.FieldReceipt: msgReceiptFormat}}
	case errors.Is(err, intake.ErrUnknownReceipt):
		return notFound(msgReceiptUnknown)
	case err != nil:
		return err
	}
	return c.JSON(submissionStatus{Kind: st.Kind, KindLabel: st.KindLabel, Status: st.Status,
		StatusLabel: st.StatusLabel, ReceivedOn: st.ReceivedOn})
}
