package handlers

import (
	"github.com/thaibinh-pcmt/portal/seal"

	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
)

// statusView is the Data of /tra-cuu: the look-up form (what was typed,
// its error) and, after a look-up, the status found with, once a desk has
// the case, its status, the conversation and the reply form.
type statusView struct {
	Receipt string
	Error   string
	Found   *intake.Status
	// ReceivedOn is Found.ReceivedOn written the Vietnamese way, 29/11/2026.
	ReceivedOn string
	// Case is what the desk shows the sender; nil while no desk has it.
	Case *desk.SubmitterView
	// Messages are Case's messages with their dates written out.
	Messages []statusMessage
	// Waiting: the receipt is known but no desk has the case yet.
	Waiting bool
	// Reply is the reply form: what was typed, its error, a notice after
	// sending, its one-time nonce; ReplyOpen shows it without a look-up
	// (after a 429 or a failed CSRF check).
	Body, BodyError, Notice, Nonce string
	ReplyOpen                      bool
	// Files are the refusals of the reply's photos (one message each,
	// naming the file); Rechoose asks to choose the photos again.
	Files    intake.AttachmentErrors
	Rechoose bool
}

// Photos are the photo rules the reply form shows (those of a tip).
func (statusView) Photos() photoRules { return replyPhotoRules }

// statusMessage is one message as /tra-cuu shows it.
type statusMessage struct {
	FromDesk bool
	Body     string
	SentOn   string // 29/11/2026
	// Photos is how many photos the sender sent with it (told, not shown).
	Photos int
	// Sealed reports a message the receipt cannot open (desk.Message).
	Sealed bool
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

// withReceiptKey returns ctx holding the receipt holder's key
// (seal.SubmitterIdentity of receipt and submissionID): it opens the
// conversation (seal.Scope.Submitter content), and a case made before its
// desk had a key pair records its public half (desk.Service). Derived from
// the receipt again at each request, never stored. ctx unchanged when the
// receipt does not parse.
func withReceiptKey(ctx context.Context, receipt, submissionID string) context.Context {
	code, err := intake.ParseReceipt(receipt)
	if err != nil {
		return ctx
	}
	id, err := seal.SubmitterIdentity(code, submissionID)
	if err != nil {
		return ctx
	}
	return seal.WithSubmitterKey(ctx, id)
}

// lookUp finds the receipt's status and, once a desk has the case, what
// the desk shows the sender. It fills v and returns the HTTP status of the
// page: 422 for a malformed receipt, 404 for an unknown one.
func (s *Server) lookUp(ctx context.Context, v *statusView) (int, error) {
	st, err := s.Intake.Status(ctx, v.Receipt)
	switch {
	case errors.Is(err, intake.ErrReceiptFormat):
		v.Error = msgReceiptFormat
		return fiber.StatusUnprocessableEntity, nil
	case errors.Is(err, intake.ErrUnknownReceipt):
		v.Error = intake.FieldLabels[intake.FieldReceipt] + ": " + msgReceiptUnknown
		return fiber.StatusNotFound, nil
	case err != nil:
		return 0, err
	}
	v.Found = &st
	v.ReceivedOn = st.ReceivedOn
	if d, err := time.Parse(time.DateOnly, st.ReceivedOn); err == nil {
		v.ReceivedOn = vnDate(d)
	}
	if s.Desk == nil {
		return fiber.StatusOK, nil
	}
	cv, err := s.Desk.ForSubmitter(withReceiptKey(ctx, v.Receipt, st.SubmissionID), st.SubmissionID)
	if errors.Is(err, desk.ErrNoCase) {
		v.Waiting = true
		return fiber.StatusOK, nil
	}
	if err != nil {
		return 0, err
	}
	v.Case = &cv
	v.Messages = v.Messages[:0]
	for _, m := range cv.Messages {
		v.Messages = append(v.Messages, statusMessage{FromDesk: m.From == desk.FromDesk, Body: m.Body, SentOn: desk.DateLabel(m.SentAt), Photos: m.Photos, Sealed: m.Sealed})
	}
	if v.Nonce == "" {
		v.Nonce, _ = intake.NewNonce()
	}
	return fiber.StatusOK, nil
}

// statusSubmit looks up the posted receipt.
func (s *Server) statusSubmit(c *fiber.Ctx) error {
	if err := s.intakeAvailable(); err != nil {
		return err
	}
	v := statusView{Receipt: strings.Clone(c.FormValue(intake.FieldReceipt))}
	code, err := s.lookUp(c.UserContext(), &v)
	if err != nil {
		return err
	}
	return s.render(c, code, "tra-cuu", View{Title: statusTitle, Description: statusDescription, Data: v})
}
