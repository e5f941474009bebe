package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/photo"
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
	// msgReplyPhotosBusy: the photos could not be handled for lack of
	// memory; nothing was sent.
	msgReplyPhotosBusy = "Máy chủ đang bận xử lý nhiều ảnh nên lời nhắn chưa được gửi. Nội dung bạn đã nhập vẫn ở dưới đây; vui lòng chọn lại ảnh và gửi lại sau ít phút."
)

// replyPhotoRules are the photo rules the reply form shows (those of a tip).
var replyPhotoRules = photoRules{Max: intake.MaxAttachments, EachMB: photo.MB(intake.MaxAttachmentBytes), AllMB: photo.MB(intake.MaxAttachmentsTotal)}

// onlyFields refuses a multipart body with a field other than allowed, or
// a field sent twice: 422 naming it, as for JSON (intake.CheckFields).
func onlyFields(c *fiber.Ctx, allowed ...string) error {
	var keys []string
	c.Request().PostArgs().VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	if fe := intake.CheckFields(keys, allowed, intake.FieldLabels); fe != nil {
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	}
	return nil
}

// filesProblem is the refusal of a body with field errors fields and
// refused files ae: 413 when a file or the total is too large, else
// status; the files are listed one by one (attachment_errors).
func filesProblem(status int, fields map[string]string, ae intake.AttachmentErrors) *Problem {
	p := &Problem{Status: status, Message: msgInvalidInput, Fields: fields}
	if len(ae) > 0 {
		p.Status = filesStatus(ae)
		if p.Fields == nil {
			p.Fields = map[string]string{}
		}
		p.Fields[intake.FieldAttachments] = intake.FieldLabels[intake.FieldAttachments] + ": " + ae.Error()
		p.Files = ae
	}
	return p
}

// registerMessages registers the reply form and its API.
func (s *Server) registerMessages(app *fiber.App) {
	if s.Desk == nil {
		return
	}
	app.Post("/tra-cuu/tin-nhan", intakeNoStore, photoForm(intakeFormBodyLimit),
		s.limitEach(scopeStatus, s.Limits.Status, s.replyAgain),
		s.submissionLimit(scopeMessages, s.Limits.Messages, s.replyAgain),
		s.intakeCSRF(s.replyAgain, msgReplyButton), s.replySubmit)
	app.Post("/api/v1/messages", intakeNoStore, photoForm(intakeAPIBodyLimit), s.apiGuard,
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
	if ups, _ := uploadsOf(c); len(ups) > 0 {
		v.Rechoose = true
	}
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
	ups, _ := uploadsOf(c)
	render := func(code int) error {
		v.Rechoose = len(ups) > 0 && code != fiber.StatusOK
		return s.render(c, code, "tra-cuu", View{Title: statusTitle, Data: v})
	}
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
	_, fe := intake.ValidateReply(v.Body)
	ae := intake.CheckUploads(ups)
	if fe != nil || ae != nil {
		if stop, err := s.charge(c, true); stop {
			return err
		}
		v.BodyError, v.Files = fe[intake.FieldBody], ae
		return render(filesStatus(ae))
	}
	if stop, err := s.charge(c, false); stop {
		return err
	}
	photos, ae, err := intake.SanitiseUploads(c.UserContext(), ups)
	switch {
	case errors.Is(err, photo.ErrBusy):
		v.BodyError = msgReplyPhotosBusy
		return render(fiber.StatusServiceUnavailable)
	case err != nil:
		return err
	case ae != nil:
		v.Files = ae
		return render(filesStatus(ae))
	}
	_, err = s.Desk.Reply(withReceiptKey(c.UserContext(), v.Receipt, v.Found.SubmissionID), v.Found.SubmissionID, v.Body, s.Intake.NonceHash(v.Nonce), photos...)
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
	var in intake.ReplyRequest
	ups, mp := uploadsOf(c)
	if mp {
		if err := onlyFields(c, intake.FieldReceipt, intake.FieldBody, intake.FieldAttachments); err != nil {
			if stop, cerr := s.charge(c, false); stop {
				return cerr
			}
			return err
		}
		in.Receipt, in.Body = strings.Clone(c.FormValue(intake.FieldReceipt)), strings.Clone(c.FormValue(intake.FieldBody))
	} else {
		var err error
		if in, err = intake.DecodeReplyRequest(c.Body()); err != nil {
			if stop, cerr := s.charge(c, false); stop {
				return cerr
			}
			return decodeProblem(err)
		}
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
	ae := intake.CheckUploads(ups)
	if len(fields) > 0 || ae != nil {
		if stop, cerr := s.charge(c, true); stop {
			return cerr
		}
		return filesProblem(fiber.StatusUnprocessableEntity, fields, ae)
	}
	if stop, cerr := s.charge(c, false); stop {
		return cerr
	}
	photos, ae, err := intake.SanitiseUploads(c.UserContext(), ups)
	switch {
	case errors.Is(err, photo.ErrBusy):
		return &Problem{Status: fiber.StatusServiceUnavailable, Message: msgReplyPhotosBusy}
	case err != nil:
		return err
	case ae != nil:
		return filesProblem(fiber.StatusUnprocessableEntity, nil, ae)
	}
	m, err := s.Desk.Reply(withReceiptKey(c.UserContext(), in.Receipt, st.SubmissionID), st.SubmissionID, in.Body, "", photos...)
	switch {
	case errors.Is(err, desk.ErrCaseClosed), errors.Is(err, desk.ErrNoCase):
		return &Problem{Status: fiber.StatusConflict, Message: err.Error()}
	case err != nil:
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(apiMessage{From: m.From, Body: m.Body, SentOn: m.SentOn(), Photos: m.Photos})
}
