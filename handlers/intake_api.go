package handlers

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
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
// date, YYYY-MM-DD (Vietnam time). Until a desk has the case, Status is
// "received" or "forwarded"; then it is the case's status (new, verifying,
// referred, closed) with its label and meaning, the outcome once closed,
// and the conversation (messages, oldest first; sent_on a date).
type submissionStatus struct {
	Kind         string       `json:"kind"`
	KindLabel    string       `json:"kind_label"`
	Status       string       `json:"status"`
	StatusLabel  string       `json:"status_label"`
	StatusHelp   string       `json:"status_help,omitempty"`
	Outcome      string       `json:"outcome,omitempty"`
	OutcomeLabel string       `json:"outcome_label,omitempty"`
	ReceivedOn   string       `json:"received_on"`
	Messages     []apiMessage `json:"messages"`
	CanReply     bool         `json:"can_reply"`
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
	var fe formerr.FieldErrors
	if errors.As(err, &fe) {
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	return badRequest(msgMalformedJSON)
}

// apiTip accepts a tip-off as JSON {category, area, description,
// occurred_at?, location_detail?} and answers 202 {receipt, status} once
// it is committed to the outbox; 422 {errors} on invalid input (a field it
// does not take included). With photos, the same fields come as
// multipart/form-data, the photos as files named "attachments" (up to 5,
// 10 MB each, 25 MB in all): a refused file is answered 413 (sizes) or 422
// with {errors, attachment_errors: [{index, file, error}]}.
func (s *Server) apiTip(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	if ups, mp := uploadsOf(c); mp {
		return s.apiTipMultipart(c, ups)
	}
	return apiSubmit(s, c, intake.DecodeTip, s.Intake.Catalog().ValidateTip,
		func(ctx context.Context, t intake.Tip) (intake.Receipt, error) { return s.Intake.SubmitTip(ctx, t) })
}

// apiTipMultipart is apiTip for a multipart body (parsed by photoForm: the
// text fields are now the form values). A field the API does not take, or
// one sent twice, is refused, as in JSON (onlyFields).
func (s *Server) apiTipMultipart(c *fiber.Ctx, ups []intake.Upload) error {
	if err := onlyFields(c, append(intake.TipFields(), intake.FieldAttachments)...); err != nil {
		if stop, cerr := s.charge(c, false); stop {
			return cerr
		}
		return err
	}
	in := tipInput(formValues(c, intake.TipFields()...))
	r, ref, stop, err := s.acceptTip(c, in, ups)
	switch {
	case stop:
		return err
	case ref != nil:
		p := &Problem{Status: ref.status, Message: ref.msg, Fields: ref.fe}
		if p.Message == "" {
			p.Message = msgInvalidInput
		}
		if len(ref.ae) > 0 {
			if p.Fields == nil {
				p.Fields = map[string]string{}
			}
			p.Fields[intake.FieldAttachments] = intake.FieldLabels[intake.FieldAttachments] + ": " + ref.ae.Error()
			p.Files = ref.ae
		}
		return p
	}
	return c.Status(fiber.StatusAccepted).JSON(accepted(r))
}

// apiEnquiry accepts a rehab enquiry as JSON {relationship, substance,
// preferred_form, area, contact_name, phone, message?, consent}, answered
// like apiTip.
func (s *Server) apiEnquiry(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	return apiSubmit(s, c, intake.DecodeEnquiry, s.Intake.Catalog().ValidateEnquiry,
		func(ctx context.Context, e intake.Enquiry) (intake.Receipt, error) {
			return s.Intake.SubmitEnquiry(ctx, e)
		})
}

// apiSubmit is the one flow of both JSON submissions: decode (a malformed
// body is charged to the client's budget and answered 400), validate (an
// invalid one draws on the allowance for mistakes and is answered 422),
// charge an accepted one, commit it to the outbox, answer 202.
func apiSubmit[In, V any](s *Server, c *fiber.Ctx, decode func([]byte) (In, error),
	validate func(In) (V, formerr.FieldErrors), submit func(context.Context, V) (intake.Receipt, error)) error {
	in, err := decode(c.Request().Body()) // as sent: see encoded
	if err != nil {
		if stop, cerr := s.charge(c, false); stop {
			return cerr
		}
		return decodeProblem(err)
	}
	v, fe := validate(in)
	if fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	r, err := submit(c.UserContext(), v)
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
	in, err := intake.DecodeStatusRequest(c.Request().Body())
	if err != nil {
		return decodeProblem(err)
	}
	v := statusView{Receipt: in.Receipt}
	code, err := s.lookUp(c.UserContext(), &v)
	switch {
	case err != nil:
		return err
	case code == fiber.StatusUnprocessableEntity:
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput,
			Fields: map[string]string{intake.FieldReceipt: msgReceiptFormat}}
	case code == fiber.StatusNotFound:
		return notFound(msgReceiptUnknown)
	}
	st := v.Found
	out := submissionStatus{Kind: st.Kind, KindLabel: st.KindLabel, Status: st.Status,
		StatusLabel: st.StatusLabel, ReceivedOn: st.ReceivedOn, Messages: []apiMessage{}}
	if cv := v.Case; cv != nil {
		out.Status, out.StatusLabel, out.StatusHelp, out.CanReply = cv.Status, cv.StatusLabel, cv.StatusHelp, cv.CanReply
		out.Outcome, out.OutcomeLabel = cv.Outcome, cv.OutcomePublic
		for _, m := range cv.Messages {
			out.Messages = append(out.Messages, apiMessage{From: m.From, Body: m.Body, SentOn: m.SentOn(), Photos: m.Photos, Sealed: m.Sealed})
		}
	}
	return c.JSON(out)
}
