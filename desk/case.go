package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// Event is one line of a case's history, opened.
type Event struct {
	ID   int64
	Type string // store.Event*
	At   time.Time
	// When is At as staff see it: the hour for what the sender did (the
	// case's arrival, their messages), the minute for desk actions.
	When string
	// Who is the actor's name: a username, "api:NAME", or "Người gửi" /
	// "Hệ thống".
	Who string
	// What says what happened, in Vietnamese ("Chuyển trạng thái: Đang
	// xác minh").
	What string
	// Body is the note, message or reason, as written; "" when none.
	Body string
	// FromSubmitter reports the sender's own message.
	FromSubmitter bool
	// Photos is how many photos came with the sender's message (listed
	// with the case's photos, CaseView.Photos).
	Photos int
	// Internal reports what the sender never sees: notes, assignments,
	// and the reason of a status change (the status itself the sender
	// sees at /tra-cuu).
	Internal bool
}

// CaseView is a case as its desk sees it: clear columns, the submission
// and the history, opened.
type CaseView struct {
	Row
	SubmissionID string
	Submission   Submission
	Events       []Event
	// Next are the statuses the case may move to.
	Next []Status
	// Members are who the case may be assigned to.
	Members []string
	// FirstResponse is when the desk first answered ("" not yet).
	FirstResponse string
	// UnreadBefore reports that the case had an unread message when it
	// was opened (Open clears the mark).
	UnreadBefore bool
	// Photos are the case's photos, the submission's first, then those of
	// the sender's messages, in the order they came (not opened: Photo
	// opens one).
	Photos []PhotoInfo
}

// Actors shown in histories.
const (
	whoSubmitter = "Người gửi"
	whoSystem    = "Hệ thống"
)

// Open returns case id of a's desk with its submission and history, marks
// it read and records the access in the audit log ("case.view"). A case of
// another desk is ErrNotFound.
func (s *Service) Open(ctx context.Context, a Actor, id int64) (CaseView, error) {
	v, err := s.view(ctx, a, id)
	if err != nil {
		return CaseView{}, err
	}
	if v.Unread {
		if err := s.db.MarkCaseRead(ctx, a.Desk, id); err != nil {
			return CaseView{}, err
		}
		v.Unread = false
	}
	if err := s.db.AppendAudit(ctx, s.audit(a, "case.view", id, s.now())); err != nil {
		return CaseView{}, err
	}
	return v, nil
}

// Row returns the inbox line of case id of a's desk: clear columns only,
// nothing opened, marked or audited.
func (s *Service) Row(ctx context.Context, a Actor, id int64) (Row, error) {
	d, ok := s.data.Desk(a.Desk)
	if !ok {
		return Row{}, ErrNotFound
	}
	c, err := s.db.CaseByID(ctx, a.Desk, id)
	if errors.Is(err, store.ErrNotFound) {
		return Row{}, ErrNotFound
	}
	if err != nil {
		return Row{}, err
	}
	return s.row(d, c), nil
}

// view reads and opens a case without marking or auditing anything.
func (s *Service) view(ctx context.Context, a Actor, id int64) (CaseView, error) {
	d, ok := s.data.Desk(a.Desk)
	if !ok {
		return CaseView{}, ErrNotFound
	}
	c, err := s.db.CaseByID(ctx, a.Desk, id)
	if errors.Is(err, store.ErrNotFound) {
		return CaseView{}, ErrNotFound
	}
	if err != nil {
		return CaseView{}, err
	}
	v := CaseView{Row: s.row(d, c), SubmissionID: c.SubmissionID, Next: s.data.Next(c.Status), UnreadBefore: c.Unread}
	if !c.FirstResponseAt.IsZero() {
		v.FirstResponse = MinuteLabel(c.FirstResponseAt)
	}
	var raw []byte
	if raw, err = s.sealer.Open(ctx, Scope{Desk: a.Desk}, c.Content); err != nil {
		return CaseView{}, fmt.Errorf("desk: open case %d: %w", id, err)
	}
	if v.Submission, err = decodeSubmission(c.Kind, raw); err != nil {
		return CaseView{}, fmt.Errorf("desk: open case %d: %w", id, err)
	}
	evs, err := s.db.CaseEvents(ctx, a.Desk, id)
	if err != nil {
		return CaseView{}, err
	}
	for _, e := range evs {
		ev, err := s.event(ctx, d, e)
		if err != nil {
			return CaseView{}, fmt.Errorf("desk: open case %d: %w", id, err)
		}
		v.Events = append(v.Events, ev)
	}
	if v.Members, err = s.Members(ctx, a.Desk); err != nil {
		return CaseView{}, err
	}
	if v.Photos, err = s.photoList(ctx, a.Desk, id); err != nil {
		return CaseView{}, err
	}
	return v, nil
}

// event opens one history line.
func (s *Service) event(ctx context.Context, d *Desk, e store.CaseEvent) (Event, error) {
	ev := Event{ID: e.ID, Type: e.Type, At: e.At, When: MinuteLabel(e.At), Who: e.Actor, Photos: e.Photos}
	scope := Scope{Desk: d.Code}
	switch e.Type {
	case store.EventReceived:
		ev.Who, ev.When, ev.What = whoSystem, HourLabel(e.At), "Tiếp nhận từ hàng đợi, tạo hồ sơ"
	case store.EventStatus:
		st, _ := s.data.Status(e.Status)
		ev.What = "Chuyển trạng thái: " + st.Label
		if o, ok := d.Outcome(e.Outcome); ok {
			ev.What += " (" + o.Label + ")"
		}
		ev.Internal = true
	case store.EventAssign:
		// The sender never sees who works the case.
		ev.What, ev.Internal = "Phân công cho "+e.Assignee, true
		if e.Assignee == "" {
			ev.What = "Bỏ phân công"
		}
	case store.EventNote:
		ev.What, ev.Internal = "Ghi chú nội bộ", true
	case store.EventMessageOut:
		ev.What, scope.Submitter = "Nhắn cho người gửi", true
	case store.EventMessageIn:
		ev.Who, ev.When, ev.What, ev.FromSubmitter, scope.Submitter = whoSubmitter, HourLabel(e.At), "Người gửi nhắn", true, true
	}
	var err error
	if ev.Body, err = s.openText(ctx, scope, e.Body); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// StatusChange is a desk's request to move a case.
type StatusChange struct {
	// From is the status the form showed ("" from the API: the current
	// one); when the case has moved since, ErrStale.
	From string
	To   string
	// Outcome is required when To is the final status.
	Outcome string
	// Note is the reason, required where the transition says so.
	Note string
}

// ChangeStatus moves case id of a's desk to c.To, as the data's
// transitions allow, with an outcome when closing and a reason where the
// transition needs one (kept internal, sealed). The change, its history
// line and its audit entry ("case.status") are one transaction. Bad input
// gives FieldErrors naming the field.
func (s *Service) ChangeStatus(ctx context.Context, a Actor, id int64, c StatusChange) error {
	d, ok := s.data.Desk(a.Desk)
	if !ok {
		return ErrNotFound
	}
	cur, err := s.db.CaseByID(ctx, a.Desk, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	from := c.From
	if from == "" {
		from = cur.Status
	}
	if from != cur.Status {
		return ErrStale
	}
	fe := formerr.FieldErrors{}
	to, ok := s.data.Status(c.To)
	var tr Transition
	switch {
	case c.To == "":
		addLabelled(fe, FieldStatus, "hãy chọn trạng thái mới")
	case !ok:
		addLabelled(fe, FieldStatus, "không có trạng thái “"+c.To+"”; dùng một trong "+s.statusCodes())
	default:
		if tr, ok = s.data.Transition(cur.Status, c.To); !ok {
			st, _ := s.data.Status(cur.Status)
			addLabelled(fe, FieldStatus, "không chuyển được từ “"+st.Label+"” sang “"+to.Label+"”")
		}
	}
	outcome := ""
	if to.Final {
		if c.Outcome == "" {
			addLabelled(fe, FieldOutcome, "hãy chọn kết quả khi kết thúc hồ sơ")
		} else if _, ok := d.Outcome(c.Outcome); !ok {
			addLabelled(fe, FieldOutcome, "không có trong danh sách kết quả của bộ phận")
		}
		outcome = c.Outcome
	} else if c.Outcome != "" {
		addLabelled(fe, FieldOutcome, "chỉ chọn kết quả khi kết thúc hồ sơ")
	}
	var note string
	switch {
	case intake.VisibleLen(intake.CleanText(c.Note, true)) > 0:
		note = cleanStaffText(fe, FieldNote, c.Note, NoteMax)
	case tr.Reason:
		addLabelled(fe, FieldNote, "cần ghi lý do khi "+reasonVerb(to))
	}
	if len(fe) > 0 {
		return fe
	}
	var body []byte
	if note != "" {
		if body, err = s.seal(ctx, Scope{Desk: a.Desk}, text{Body: note}); err != nil {
			return err
		}
	}
	now := s.now()
	_, err = s.db.UpdateCase(ctx, store.CaseChange{Desk: a.Desk, CaseID: id, Actor: a.Name, At: now, Type: store.EventStatus,
		FromStatus: cur.Status, Status: c.To, Outcome: outcome, Body: body, Audit: s.audit(a, "case.status", id, now)})
	return s.storeErr(err)
}

func reasonVerb(to Status) string {
	if to.Final {
		return "kết thúc hồ sơ"
	}
	return "mở lại hồ sơ"
}

// Assign gives case id of a's desk to username, an active member of the
// desk ("" takes it from whoever had it), with its history line and audit
// entry ("case.assign").
func (s *Service) Assign(ctx context.Context, a Actor, id int64, username string) error {
	if username != "" {
		members, err := s.Members(ctx, a.Desk)
		if err != nil {
			return err
		}
		if !contains(members, username) {
			return formerr.FieldErrors{FieldAssignee: FieldLabels[FieldAssignee] + ": “" + username + "” không phải cán bộ đang làm việc của bộ phận"}
		}
	}
	now := s.now()
	_, err := s.db.UpdateCase(ctx, store.CaseChange{Desk: a.Desk, CaseID: id, Actor: a.Name, At: now, Type: store.EventAssign,
		Assignee: username, Audit: s.audit(a, "case.assign", id, now)})
	return s.storeErr(err)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// AddNote adds an internal note (never shown to the sender) to case id of
// a's desk, sealed, with its audit entry ("case.note").
func (s *Service) AddNote(ctx context.Context, a Actor, id int64, note string) error {
	fe := formerr.FieldErrors{}
	note = cleanStaffText(fe, FieldNote, note, NoteMax)
	if len(fe) > 0 {
		return fe
	}
	body, err := s.seal(ctx, Scope{Desk: a.Desk}, text{Body: note})
	if err != nil {
		return err
	}
	now := s.now()
	_, err = s.db.UpdateCase(ctx, store.CaseChange{Desk: a.Desk, CaseID: id, Actor: a.Name, At: now, Type: store.EventNote,
		Body: body, Audit: s.audit(a, "case.note", id, now)})
	return s.storeErr(err)
}

// SendMessage writes a message from a's desk to the sender of case id: the
// sender reads it at /tra-cuu with the receipt. It is sealed for the desk
// and the sender (Scope.Submitter) and audited ("case.message"). It counts
// as the case's first response. It returns the stored message.
func (s *Service) SendMessage(ctx context.Context, a Actor, id int64, msg string) (Message, error) {
	fe := formerr.FieldErrors{}
	msg = cleanStaffText(fe, FieldBody, msg, MessageMax)
	if len(fe) > 0 {
		return Message{}, fe
	}
	key, err := s.db.CaseSubmitterKey(ctx, id)
	if err != nil {
		return Message{}, s.storeErr(err)
	}
	body, err := s.seal(ctx, Scope{Desk: a.Desk, Submitter: true, SubmitterKey: key}, text{Body: msg})
	if err != nil {
		return Message{}, err
	}
	now := s.now()
	e, err := s.db.UpdateCase(ctx, store.CaseChange{Desk: a.Desk, CaseID: id, Actor: a.Name, At: now, Type: store.EventMessageOut,
		Body: body, Audit: s.audit(a, "case.message", id, now)})
	if err != nil {
		return Message{}, s.storeErr(err)
	}
	return Message{From: FromDesk, Body: msg, SentAt: e.At}, nil
}

// storeErr maps the store's errors to the desk's.
func (s *Service) storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrStaleStatus):
		return ErrStale
	}
	return err
}
