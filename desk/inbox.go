package desk

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// PageSize is how many cases one inbox page (and one page of the desk API)
// shows.
const PageSize = 50

// Query is a desk's inbox request, as typed in the filters or the API's
// query string. Empty fields do not filter.
type Query struct {
	Status   string
	Category string
	Area     string
	// From and To are dates (YYYY-MM-DD, Vietnam), inclusive.
	From, To string
	// Assignee is a username, "-" for cases nobody has, "" for any.
	Assignee string
	Overdue  bool
	Unread   bool
	// Newest orders newest first (default: oldest first).
	Newest bool
	// Page counts from 1.
	Page int
}

// Row is one case in the inbox: clear columns only, no content.
type Row struct {
	ID            int64
	Kind          string
	Status        string
	StatusLabel   string
	Outcome       string
	OutcomeLabel  string
	Category      string
	CategoryLabel string
	Area          string
	AreaLabel     string
	ReceivedAt    time.Time
	// Received is the date and hour of receipt ("29/11/2026, 14 giờ").
	Received string
	Assignee string
	Unread   bool
	// Overdue: no first response and past the desk's goal.
	Overdue bool
	// DueAt is when the first response is due (received + goal); Due is
	// it as a date and hour.
	DueAt time.Time
	Due   string
	// Responded reports a first response.
	Responded bool
}

// StatusCount is one tab of the inbox.
type StatusCount struct {
	Code, Label string
	Count       int
}

// Inbox is one page of a desk's inbox.
type Inbox struct {
	Desk  *Desk
	Query Query
	Rows  []Row
	// Total counts every case matching the query; Pages the pages.
	Total, Pages int
	// Counts are the cases per status under the other filters.
	Counts []StatusCount
	// All counts every status under the other filters.
	All int
}

// List returns the page of a's inbox that q asks for. Filters with values
// the desk does not know give FieldErrors naming the field.
func (s *Service) List(ctx context.Context, a Actor, q Query) (Inbox, error) {
	d, ok := s.data.Desk(a.Desk)
	if !ok {
		return Inbox{}, ErrNotFound
	}
	f, fe := s.filter(d, q)
	if len(fe) > 0 {
		return Inbox{}, fe
	}
	if q.Page < 1 {
		q.Page = 1
	}
	f.Limit, f.Offset = PageSize, (q.Page-1)*PageSize
	page, err := s.db.ListCases(ctx, f)
	if err != nil {
		return Inbox{}, err
	}
	in := Inbox{Desk: d, Query: q, Total: page.Total, Pages: (page.Total + PageSize - 1) / PageSize}
	for _, c := range page.Cases {
		in.Rows = append(in.Rows, s.row(d, c))
	}
	for _, st := range s.data.Statuses {
		n := page.ByStatus[st.Code]
		in.Counts = append(in.Counts, StatusCount{Code: st.Code, Label: st.Label, Count: n})
		in.All += n
	}
	return in, nil
}

// filter checks q against the desk's data and turns it into a store filter.
func (s *Service) filter(d *Desk, q Query) (store.CaseFilter, formerr.FieldErrors) {
	fe := formerr.FieldErrors{}
	f := store.CaseFilter{Desk: d.Code, Unread: q.Unread, NewestFirst: q.Newest}
	for _, st := range s.data.Statuses {
		f.Statuses = append(f.Statuses, st.Code)
	}
	if q.Status != "" {
		if _, ok := s.data.Status(q.Status); !ok {
			addLabelled(fe, FieldStatus, "không có trạng thái “"+q.Status+"”; dùng một trong "+s.statusCodes())
		}
		f.Status = q.Status
	}
	if q.Category != "" {
		if !hasCode(s.Categories(d.Code), q.Category) {
			addLabelled(fe, FieldCategory, "không có trong danh sách")
		}
		f.Category = q.Category
	}
	if q.Area != "" {
		if !hasCode(s.catalog.Options.Areas, q.Area) {
			addLabelled(fe, FieldArea, "không có trong danh sách")
		}
		f.Area = q.Area
	}
	if q.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, q.From, Vietnam)
		if err != nil {
			addLabelled(fe, FieldFrom, "cần là ngày dạng năm-tháng-ngày, ví dụ 2026-11-29")
		}
		f.ReceivedFrom = t
	}
	if q.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, q.To, Vietnam)
		if err != nil {
			addLabelled(fe, FieldTo, "cần là ngày dạng năm-tháng-ngày, ví dụ 2026-11-30")
		}
		f.ReceivedBefore = t.AddDate(0, 0, 1)
	}
	if !f.ReceivedFrom.IsZero() && !f.ReceivedBefore.IsZero() && !f.ReceivedFrom.Before(f.ReceivedBefore) {
		addLabelled(fe, FieldTo, "phải từ “Từ ngày” trở đi")
	}
	switch q.Assignee {
	case "":
	case "-":
		f.Unassigned = true
	default:
		f.Assignee = q.Assignee
	}
	if q.Overdue {
		f.AwaitingBefore = s.now().Add(-d.FirstResponseGoal())
	}
	return f, fe
}

func (s *Service) statusCodes() string {
	codes := make([]string, len(s.data.Statuses))
	for i, st := range s.data.Statuses {
		codes[i] = st.Code
	}
	return strings.Join(codes, ", ")
}

func hasCode(list []intake.Option, code string) bool {
	for _, o := range list {
		if o.Code == code {
			return true
		}
	}
	return false
}

// row is the inbox line of c.
func (s *Service) row(d *Desk, c store.Case) Row {
	st, _ := s.data.Status(c.Status)
	r := Row{ID: c.ID, Kind: c.Kind, Status: c.Status, StatusLabel: st.Label, Outcome: c.Outcome,
		Category: c.Category, CategoryLabel: s.CategoryLabel(c.Kind, c.Category),
		Area: c.Area, AreaLabel: s.AreaLabel(c.Area), ReceivedAt: c.ReceivedAt, Received: HourLabel(c.ReceivedAt),
		Assignee: c.Assignee, Unread: c.Unread, DueAt: c.ReceivedAt.Add(d.FirstResponseGoal()),
		Responded: !c.FirstResponseAt.IsZero()}
	if r.StatusLabel == "" {
		r.StatusLabel = c.Status
	}
	if o, ok := d.Outcome(c.Outcome); ok {
		r.OutcomeLabel = o.Label
	}
	r.Due = HourLabel(r.DueAt)
	r.Overdue = !r.Responded && s.now().After(r.DueAt)
	return r
}

// ParsePage reads a page number as typed ("" is 1); anything else that is
// not a positive number is a FieldErrors naming field.
func ParsePage(field, v string) (int, error) {
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		fe := formerr.FieldErrors{}
		addLabelled(fe, field, "cần là một số nguyên từ 1 trở lên")
		return 0, fe
	}
	return n, nil
}
