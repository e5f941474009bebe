package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
)

// The sender's side of the conversation with the desk (issue 9, item 3):
// the reply form of /tra-cuu (POST /tra-cuu/tin-nhan) and POST
// /api/v1/messages {receipt, body}. The receipt is the only key; nothing
// about the sender's connection is stored. Each request counts against
// the look-up budget (it checks a receipt) and, like a tip, against the
// messages budget; the same size limits, CSRF and validation as the forms
// apply, and what was typed comes back on every error.
const (
	msgReplySent   = "Đã gửi lời nhắn đến cán bộ tiếp nhận. Hãy quay lại trang này (với mã tiếp nhận) để đọc trả lời."
	msgReplyNoDesk = "Chưa gửi được lời nhắn: "
	msgReplyButton = "Gửi lời nhắn"
)

// registerMessages registers the reply form and its API.
func (s *Server) registerMessages(app *fiber.App) {
	if s.Desk == nil {
		return
	}
	app.Post("/tra-cuu/tin-nhan", intakeNoStore, limitBody(intakeFormBodyLimit),
		s.limitEach(scopeStatus, s.Limits.Status, s.replyAgain),
		s.submissionLimit(scopeMessages, s.Limits.Messages, s.replyAgain),
		s.intakeCSRF(s.replyAgain, msgReplyButton), s.replySubmit)
	app.Post("/api/v1/messages", intakeNoStore, limitBody(intakeAPIBodyLimit), s.apiGuard,
		s.rateLimit(scopeStatus, s.Limits.Status), s.submissionLimit(scopeMessages, s.Limits.Messages, nil), s.apiReply)
}

// replyAgain shows the reply form again with what was typed and msg (after
// a 429 or a failed CSRF check), without looking the receipt up: that is
// what the limit slows.
func (s *Server) replyAgain(c *fiber.Ctx, status int, msg string) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := statusView{Receipt: strings.Clone(c.FormValue(intake.FieldReceipt)), Body: strings.Clone(c.FormValue(intake.FieldBody)),
		Nonce: strings.Clone(c.FormValue(nonceField)), BodyError: msg, ReplyOpen: true}
	if !intake.ValidNonce(v.Nonce) {
		v.Nonce, _ = intake.NewNonce()
	}
	return s.render(c, status, "tra-cuu", View{Title: statusTitle, Data: v})
}

// replySubmit takes the sender's message: it looks up the receipt, stores
// the message on the case (sealed, unread for the desk) and shows the page
// again with the conversation; on any error the typed text comes back.
func (s *Server) replySubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := statusView{Receipt: strings.Clone(c.FormValue(intake.FieldReceipt)), Body: strings.Clone(c.FormValue(intake.FieldBody)),
		Nonce: strings.Clone(c.FormValue(nonceField))}
	if !intake.ValidNonce(v.Nonce) {
		v.Nonce = ""
	}
	render := func(code int) error { return s.render(c, code, "tra-cuu", View{Title: statusTitle, Data: v}) }
	if honeypotFilled(c) {
		if stop, err := s.charge(c, false); stop {
			return err
		}
		v.BodyError, v.ReplyOpen = msgHoneypot, true
		return render(fiber.StatusUnprocessableEntity)
	}
	code, err := s.lookUp(c.UserContext(), &v)
	if err != nil {
		return err
	}
	if v.Found == nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		v.ReplyOpen = true
		return render(code)
	}
	if _, fe := intake.ValidateReply(v.Body); fe != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		v.BodyError = fe[intake.FieldBody]
		return render(fiber.StatusUnprocessableEntity)
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	_, err = s.Desk.Reply(c.UserContext(), v.Found.SubmissionID, v.Body, s.Intake.NonceHash(v.Nonce))
	switch {
	case err == nil:
		v.Notice, v.Body, v.Nonce = msgReplySent, "", ""
	case errors.Is(err, desk.ErrAlreadySent):
		v.Notice, v.Nonce = desk.ErrAlreadySent.Error(), ""
		code = fiber.StatusConflict
	case errors.Is(err, desk.ErrCaseClosed), errors.Is(err, desk.ErrNoCase):
		v.BodyError, v.ReplyOpen = msgReplyNoDesk+err.Error(), true
		code = fiber.StatusConflict
	default:
		return err
	}
	// Show the conversation as it now is, with a fresh nonce.
	if _, err := s.lookUp(c.UserContext(), &v); err != nil {
		return err
	}
	return render(code)
}

// apiReply answers POST /api/v1/messages {receipt, body} with 202 and the
// message {from, body, sent_on}; 422 naming the field for a malformed
// receipt or an empty or long body, 404 for an unknown receipt, 409 while
// no desk has the case or once it is closed.
func (s *Server) apiReply(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	var in struct {
		Receipt string `json:"receipt"`
		Body    string `json:"body"`
	}
	if err := decodeIntakeBody(c.Body(), &in); err != nil {
		if stop, cerr := s.charge(c, false); stop {
			return cerr
		}
		return err
	}
	st, err := s.Intake.Status(c.UserContext(), in.Receipt)
	fields := map[string]string{}
	switch {
	case errors.Is(err, intake.ErrReceiptFormat):
		fields[intake.FieldReceipt] = msgReceiptFormat
	case errors.Is(err, intake.ErrUnknownReceipt):
		if stop, cerr := s.charge(c, true); stop {
			return cerr
		}
		return notFound(msgReceiptUnknown)
	case err != nil:
		return err
	}
	if _, fe := intake.ValidateReply(in.Body); fe != nil {
		fields[intake.FieldBody] = fe[intake.FieldBody]
	}
	if len(fields) > 0 {
		if stop, cerr := s.charge(c, true); stop {
			return cerr
		}
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fields}
	}
	if stop, cerr := s.charge(c, false); stop {
		return cerr
	}
	m, err := s.Desk.Reply(c.UserContext(), st.SubmissionID, in.Body, "")
	switch {
	case errors.Is(err, desk.ErrCaseClosed), errors.Is(err, desk.ErrNoCase):
		return &Problem{Status: fiber.StatusConflict, Message: err.Error()}
	case err != nil:
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(apiMessage{From: m.From, Body: m.Body, SentOn: m.SentOn()})
}

// decodeIntakeBody reads one JSON object of the sender's API into v; a
// field of the wrong type is a 422 naming it (intake's labels).
func decodeIntakeBody(body []byte, v any) error {
	err := decodeDeskBody(body, v)
	var p *Problem
	if errors.As(err, &p) && p.Status == fiber.StatusUnprocessableEntity {
		for f := range p.Fields {
			if l := intake.FieldLabels[f]; l != "" {
				p.Fields[f] = l + ": phải là một chuỗi ký tự"
			}
		}
	}
	return err
}
