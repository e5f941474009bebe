// Package desk is where the police and social-affairs desks work what
// people send: every submission becomes a case (taken from its agency queue
// by the portal's own consumer group "desk", idempotently on the submission
// id), with statuses, assignment to a desk member, internal notes, a
// first-response goal per desk, a history of every action, an anonymous
// conversation with the sender keyed by the receipt, tokens for the
// agencies' own systems and a CSV export. It holds the rules; package
// store holds the rows, package handlers the pages. It imports no web
// framework.
//
// The statuses, their labels, the transitions, the outcomes and each
// desk's first-response goal are data (data/desk.yaml); which kinds reach
// which desk is intake's routing.yaml. Everything a person writes passes
// through one Sealer (sealer.go) on its way into and out of the store.
//
// Each desk sees only its own cases: a case of another desk is
// ErrNotFound, exactly like one that does not exist. Every action of a
// desk member or token is written to the audit log in the transaction
// that makes it, without content.
package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// Errors meant for people: their texts are the Vietnamese messages to show.
var (
	// ErrNotFound: no such case for this desk (or one of another desk).
	ErrNotFound = errors.New("Không tìm thấy hồ sơ này trong hộp thư của bộ phận bạn.")
	// ErrPhotoNotFound: the case is this desk's, but it has no such photo.
	ErrPhotoNotFound = errors.New("Hồ sơ này không có ảnh được yêu cầu.")
	// ErrStale: the case changed since the form was opened.
	ErrStale = errors.New("Hồ sơ vừa được người khác cập nhật trạng thái. Trang đã được tải lại với trạng thái mới; vui lòng kiểm tra rồi thực hiện lại.")
	// ErrNoCase: the receipt is valid, but no desk has the case yet.
	ErrNoCase = errors.New("Tin của bạn đã được lưu và đang được chuyển đến bộ phận tiếp nhận; khi bộ phận tiếp nhận có tin, bạn có thể nhắn tin tại đây.")
	// ErrCaseClosed: the sender may not write to a closed case.
	ErrCaseClosed = errors.New("Hồ sơ này đã kết thúc nên không nhận thêm lời nhắn. Nếu có thông tin mới, vui lòng gửi một tin báo hoặc đăng ký mới.")
	// ErrAlreadySent: the same message form was sent twice.
	ErrAlreadySent = errors.New("Lời nhắn này đã được gửi (có thể do bấm nút gửi hai lần hoặc tải lại trang), nên không lưu thêm bản nào.")
	// ErrBadToken: unknown or revoked desk API token.
	ErrBadToken = errors.New("Mã truy cập không hợp lệ hoặc đã bị thu hồi.")
)

// addLabelled records, unless field already has a message, the message
// "<label>: msg", the label from FieldLabels.
func addLabelled(fe formerr.FieldErrors, field, msg string) {
	fe.Add(field, FieldLabels[field]+": "+msg)
}

// Field names of the desk's forms and of the desk API's bodies and query.
const (
	FieldStatus   = "status"
	FieldOutcome  = "outcome"
	FieldNote     = "note"
	FieldBody     = "body"
	FieldAssignee = "assignee"
	FieldCategory = "category"
	FieldArea     = "area"
	FieldFrom     = "from"
	FieldTo       = "to"
	FieldSince    = "since"
	FieldPage     = "page"
	FieldName     = "name"
	FieldDesk     = "desk"
)

// FieldLabels are the Vietnamese names of the fields.
var FieldLabels = map[string]string{
	FieldStatus:   "Trạng thái",
	FieldOutcome:  "Kết quả",
	FieldNote:     "Ghi chú",
	FieldBody:     "Nội dung tin nhắn",
	FieldAssignee: "Người phụ trách",
	FieldCategory: "Phân loại",
	FieldArea:     "Địa bàn",
	FieldFrom:     "Từ ngày",
	FieldTo:       "Đến ngày",
	FieldSince:    "Từ ngày",
	FieldPage:     "Trang",
	FieldName:     "Tên",
	FieldDesk:     "Bộ phận",
}

// Length limits of what desk staff write, in characters (after NFC).
const (
	MessageMax = 4000 // a message to the sender
	NoteMax    = 4000 // an internal note or a reason
)

// Actor is who acts at a desk: a signed-in desk member or a desk API
// token.
type Actor struct {
	// Desk is the desk code, which is the member's role.
	Desk string
	// Name is the staff username, or "api:NAME" for a token.
	Name string
}

// Vietnam is the portal's civil time (UTC+7, no daylight saving): dates
// and hours are shown and filtered in it.
var Vietnam = time.FixedZone("ICT", 7*3600)

// Config is what New needs.
type Config struct {
	// DB is the system of record (required).
	DB *store.DB
	// Data is the loaded data/desk.yaml (required).
	Data *Data
	// Catalog gives the labels of categories, substances and areas and
	// the routing of kinds to desks (required).
	Catalog *intake.Catalog
	// Sealer seals what people write; PlainSealer when nil.
	Sealer Sealer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives failures; never content or anything identifying a
	// sender.
	Logger *slog.Logger
}

// Service is the desks' business logic. Build it with New; safe for
// concurrent use.
type Service struct {
	db      *store.DB
	data    *Data
	catalog *intake.Catalog
	sealer  Sealer
	now     func() time.Time
	log     *slog.Logger
}

// New checks cfg, and that every kind in the routing goes to a desk of the
// data, and builds the Service.
func New(cfg Config) (*Service, error) {
	if cfg.DB == nil || cfg.Data == nil || cfg.Catalog == nil {
		return nil, errors.New("desk: New needs DB, Data and Catalog")
	}
	for kind, r := range cfg.Catalog.Routes {
		if _, ok := cfg.Data.Desk(r.Desk); !ok {
			return nil, fmt.Errorf("desk: routing.yaml sends %q to desk %q, which desk.yaml does not have", kind, r.Desk)
		}
	}
	s := &Service{db: cfg.DB, data: cfg.Data, catalog: cfg.Catalog, sealer: cfg.Sealer, now: cfg.Now, log: cfg.Logger}
	if s.sealer == nil {
		s.sealer = PlainSealer{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Data is the loaded desk.yaml.
func (s *Service) Data() *Data { return s.data }

// Catalog is the intake catalog (labels, routing).
func (s *Service) Catalog() *intake.Catalog { return s.catalog }

// Desk returns the desk with that code.
func (s *Service) Desk(code string) (*Desk, bool) { return s.data.Desk(code) }

// DeskOfKind is the code of the desk the routing sends kind to.
func (s *Service) DeskOfKind(kind string) (string, bool) {
	r, ok := s.catalog.Routes[kind]
	return r.Desk, ok
}

// Streams maps each agency queue (stream) that feeds a desk to that
// desk's code, from the routing.
func (s *Service) Streams() map[string]string {
	out := map[string]string{}
	for _, r := range s.catalog.Routes {
		out[r.Queue] = r.Desk
	}
	return out
}

// IsDeskRole reports whether role is the code of a desk (its staff work
// cases).
func (s *Service) IsDeskRole(role string) bool {
	_, ok := s.data.Desk(role)
	return ok
}

// Members lists the usernames of the active staff of desk (role = the
// desk's code), sorted: who a case can be assigned to.
func (s *Service) Members(ctx context.Context, desk string) ([]string, error) {
	all, err := s.db.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, st := range all {
		if st.Role == desk && !st.Disabled {
			out = append(out, st.Username)
		}
	}
	return out, nil
}

// audit is the audit entry of an action on case id.
func (s *Service) audit(a Actor, action string, id int64, at time.Time) store.AuditEntry {
	return store.AuditEntry{At: at, Actor: a.Name, Action: action, Target: caseTarget(id)}
}

// caseTarget names a case in the audit log: its inbox path, no content.
func caseTarget(id int64) string { return fmt.Sprintf("hop-thu/%d", id) }

// HourLabel writes a time the way desk staff see when a submission came:
// the date and the hour only, in Vietnam ("29/11/2026, 14 giờ"); nothing
// about a submission is shown more finely (issue 10).
func HourLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	v := t.In(Vietnam)
	return fmt.Sprintf("%d/%d/%d, %d giờ", v.Day(), int(v.Month()), v.Year(), v.Hour())
}

// MinuteLabel writes the time of a desk member's action: "29/11/2026 14:05".
func MinuteLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	v := t.In(Vietnam)
	return fmt.Sprintf("%d/%d/%d %02d:%02d", v.Day(), int(v.Month()), v.Year(), v.Hour(), v.Minute())
}

// DateLabel writes a date: "29/11/2026".
func DateLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	v := t.In(Vietnam)
	return fmt.Sprintf("%d/%d/%d", v.Day(), int(v.Month()), v.Year())
}

// IsoDate is the date in Vietnam as YYYY-MM-DD (the API's *_on fields).
func IsoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format(time.DateOnly)
}

// cleanStaffText checks one text written by desk staff: cleaned like the
// forms' free text (intake.CleanText), required, at most max characters.
func cleanStaffText(fe formerr.FieldErrors, field, raw string, max int) string {
	if len(raw) > 8*max+64 {
		addLabelled(fe, field, fmt.Sprintf("tối đa %d ký tự", max))
		return ""
	}
	s := intake.CleanText(raw, true)
	if intake.VisibleLen(s) == 0 {
		addLabelled(fe, field, "không được để trống")
		return ""
	}
	if n := len([]rune(s)); n > max {
		addLabelled(fe, field, fmt.Sprintf("tối đa %d ký tự (bạn đã nhập %d)", max, n))
		return ""
	}
	return s
}
