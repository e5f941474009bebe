package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// Senders of a message, as the API names them.
const (
	FromDesk      = "desk"
	FromSubmitter = "submitter"
)

// Message is one message of the conversation between a desk and the
// sender.
type Message struct {
	// From is FromDesk or FromSubmitter.
	From string
	Body string
	// SentAt is when it was written: to the minute for the desk, the
	// minute for the sender (stored so), shown to the sender as a date.
	SentAt time.Time
	// Photos is how many photos the sender sent with this message (0 for
	// the desk's). The sender is told the count, not shown the photos:
	// they are sealed for the desk alone (docs/security.md).
	Photos int
	// Sealed reports a message the receipt holder cannot open (Body is
	// ""): sealed to the desk alone because the case did not know the
	// receipt's key yet (a case made before `portal desk init` whose
	// sender had not looked it up since). ForSubmitter only.
	Sealed bool
}

// SentOn is the message's date in Vietnam, YYYY-MM-DD (the API's sent_on).
func (m Message) SentOn() string { return IsoDate(m.SentAt) }

// SubmitterView is what the holder of a receipt sees of the case: the
// status with its label and meaning, the outcome when closed, and the
// messages in both directions. Nothing internal (notes, reasons, who
// worked the case) is in it.
type SubmitterView struct {
	Status      string
	StatusLabel string
	StatusHelp  string
	// Outcome and OutcomePublic are set once the case is closed.
	Outcome       string
	OutcomePublic string
	Messages      []Message
	// CanReply reports whether the sender may still write (not closed).
	CanReply bool
}

// ForSubmitter returns what the holder of a receipt sees of the case of
// submissionID, or ErrNoCase while no desk has it yet. The caller has
// found submissionID through the receipt: the receipt stays the only key.
func (s *Service) ForSubmitter(ctx context.Context, submissionID string) (SubmitterView, error) {
	c, err := s.db.CaseBySubmission(ctx, submissionID)
	if errors.Is(err, store.ErrNotFound) {
		return SubmitterView{}, ErrNoCase
	}
	if err != nil {
		return SubmitterView{}, err
	}
	d, ok := s.data.Desk(c.Desk)
	if !ok {
		return SubmitterView{}, ErrNoCase
	}
	st, _ := s.data.Status(c.Status)
	if _, err := s.submitterKey(ctx, c.ID); err != nil {
		return SubmitterView{}, err
	}
	v := SubmitterView{Status: c.Status, StatusLabel: st.Label, StatusHelp: st.Help, CanReply: !st.Final}
	if o, ok := d.Outcome(c.Outcome); ok && st.Final {
		v.Outcome, v.OutcomePublic = o.Code, o.Public
	}
	evs, err := s.db.CaseEvents(ctx, c.Desk, c.ID, store.EventMessageOut, store.EventMessageIn)
	if err != nil {
		return SubmitterView{}, err
	}
	for _, e := range evs {
		body, err := s.openText(ctx, Scope{Desk: c.Desk, Submitter: true}, e.Body)
		sealed := errors.Is(err, ErrSealed)
		if err != nil && !sealed {
			return SubmitterView{}, err
		}
		m := Message{From: FromDesk, Body: body, SentAt: e.At, Sealed: sealed}
		if e.Type == store.EventMessageIn {
			m.From, m.Photos = FromSubmitter, e.Photos
		}
		v.Messages = append(v.Messages, m)
	}
	return v, nil
}

// Reply records the sender's message on the case of submissionID, sealed
// for the desk and the sender, with the time to the minute, and marks the
// case unread. body is validated like the forms' free text
// (intake.ValidateReply: FieldErrors naming "body"). nonceHash, when not
// empty, makes it one-time (ErrAlreadySent the second time). A closed case
// gives ErrCaseClosed, no case yet ErrNoCase. Nothing about the sender's
// connection reaches this function. photos are the message's photos,
// sanitised (intake.SanitiseUploads), at most intake.MaxAttachments; each
// is sealed for the desk alone and stored with the message.
func (s *Service) Reply(ctx context.Context, submissionID, body, nonceHash string, photos ...intake.Attachment) (Message, error) {
	if len(photos) > intake.MaxAttachments {
		return Message{}, formerr.FieldErrors{intake.FieldAttachments: fmt.Sprintf("Mỗi tin nhắn chỉ gửi được tối đa %d ảnh.", intake.MaxAttachments)}
	}
	plain, fe := intake.ValidateReply(body)
	if fe != nil {
		return Message{}, fe
	}
	c, err := s.db.CaseBySubmission(ctx, submissionID)
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, ErrNoCase
	}
	if err != nil {
		return Message{}, err
	}
	if st, _ := s.data.Status(c.Status); st.Final {
		return Message{}, ErrCaseClosed
	}
	key, err := s.submitterKey(ctx, c.ID)
	if err != nil {
		return Message{}, err
	}
	blob, err := s.seal(ctx, Scope{Desk: c.Desk, Submitter: true, SubmitterKey: key}, text{Body: plain})
	if err != nil {
		return Message{}, err
	}
	var sealed [][]byte
	for i, p := range photos {
		b, err := s.sealPhoto(ctx, c.Desk, p)
		if err != nil {
			return Message{}, fmt.Errorf("desk: reply: seal photo %d: %w", i, err)
		}
		sealed = append(sealed, b)
	}
	e, err := s.db.AddSubmitterMessage(ctx, submissionID, blob, nonceHash, s.now(), sealed...)
	switch {
	case errors.Is(err, store.ErrDuplicateNonce):
		return Message{}, ErrAlreadySent
	case errors.Is(err, store.ErrNotFound):
		return Message{}, ErrNoCase
	case err != nil:
		return Message{}, err
	}
	return Message{From: FromSubmitter, Body: plain, SentAt: e.At, Photos: len(photos)}, nil
}

// submitterKey returns the submitter public key recorded with case id. A
// case made before its desk had a key pair has none; then the receipt
// holder's key that ctx holds (seal.SubmitterRecipient: the caller derived
// it from the receipt of this very case) is recorded first, so that from
// this request on the conversation is sealed to the sender too. "" when
// neither exists.
func (s *Service) submitterKey(ctx context.Context, id int64) (string, error) {
	key, err := s.db.CaseSubmitterKey(ctx, id)
	if err != nil || key != "" {
		return key, err
	}
	k, ok := seal.SubmitterRecipient(ctx)
	if !ok {
		return "", nil
	}
	set, err := s.db.SetCaseSubmitterKey(ctx, id, k)
	if err != nil {
		return "", err
	}
	if set {
		return k, nil
	}
	// Another request recorded one first: the stored one wins.
	return s.db.CaseSubmitterKey(ctx, id)
}
