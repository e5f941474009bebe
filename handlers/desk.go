package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/press"
)

// The desks' inbox (issue 9) under /quan-tri/hop-thu: the list, a case's
// page and its actions, every one a plain form that works without
// JavaScript, behind the admin area's session, CSRF and no-store. Only the
// roles that work a desk get in (an admin manages accounts but reads no
// case: 403); a case of another desk is 404, like one that does not exist.
const inboxPath = adminPrefix + "/hop-thu"

// registerDesk registers the inbox routes on the admin group.
func (h *admin) registerDesk(g fiber.Router) {
	staff := h.requireStaff(press.Principal.WorksDesk)
	g.Get("/hop-thu", staff, h.inbox)
	g.Post("/hop-thu/xuat", staff, limitBody(16<<10), h.exportCases)
	g.Post("/hop-thu/cap-quyen", staff, limitBody(16<<10), h.grantKey)
	g.Get("/hop-thu/:id<int>", staff, h.casePage)
	g.Get("/hop-thu/:id<int>/anh/:photo<int>", staff, h.casePhoto)
	g.Post("/hop-thu/:id<int>/trang-thai", staff, limitBody(64<<10), h.caseStatus)
	g.Post("/hop-thu/:id<int>/phan-cong", staff, limitBody(16<<10), h.caseAssign)
	g.Post("/hop-thu/:id<int>/ghi-chu", staff, limitBody(64<<10), h.caseNote)
	g.Post("/hop-thu/:id<int>/tin-nhan", staff, limitBody(64<<10), h.caseMessage)
}

// actor is the desk member behind the request.
func actor(c *fiber.Ctx) desk.Actor {
	p := principal(c)
	return desk.Actor{Desk: p.Role, Name: p.Username}
}

// deskProblem turns the desk's errors into Problems: FieldErrors 422,
// a case of another desk or none 404, a stale form 409, content this
// session cannot open 403.
func deskProblem(err error) error {
	var fe formerr.FieldErrors
	switch {
	case errors.As(err, &fe):
		return &Problem{Status: fiber.StatusUnprocessableEntity, Message: msgInvalidInput, Fields: fe}
	case errors.Is(err, desk.ErrPhotoNotFound):
		return notFound(desk.ErrPhotoNotFound.Error())
	case errors.Is(err, desk.ErrNotFound):
		return notFound(desk.ErrNotFound.Error())
	case errors.Is(err, desk.ErrStale):
		return &Problem{Status: fiber.StatusConflict, Message: desk.ErrStale.Error()}
	case errors.Is(err, desk.ErrSealed):
		return &Problem{Status: fiber.StatusForbidden, Message: msgSealed}
	}
	return err
}

// deskAPIProblem is deskProblem for the desk API, whose caller is a token:
// a token without the desk's key cannot fix that by signing in again.
func deskAPIProblem(err error) error {
	if errors.Is(err, desk.ErrSealed) {
		return &Problem{Status: fiber.StatusForbidden, Message: msgSealedToken}
	}
	return deskProblem(err)
}

// msgSealedToken: msgSealed for a desk token, which holds its own copy of
// the desk's key only when a member granted it one (`portal token create`
// while the desk has a key, or the grant form).
const msgSealedToken = "Nội dung hồ sơ đã được mã hóa cho bộ phận của bạn, nhưng mã truy cập này chưa được cấp khóa giải mã. Một cán bộ đã có quyền đọc (hoặc người giữ khóa khôi phục) cần cấp quyền đọc cho mã truy cập này, hoặc tạo một mã truy cập mới."

// msgSealed: the case is encrypted to the desk's key and this session or
// token holds none (not granted, or the portal restarted since sign-in).
const msgSealed = "Nội dung hồ sơ đã được mã hóa cho bộ phận của bạn, nhưng phiên làm việc này chưa giữ khóa giải mã. Hãy đăng xuất rồi đăng nhập lại; nếu vẫn thấy thông báo này, một cán bộ đã có quyền đọc (hoặc người giữ khóa khôi phục) cần cấp quyền đọc cho tài khoản hoặc mã truy cập của bạn."

// inboxQuery reads the inbox's filters from the query string (the same
// names as the desk API): status, category, area, from, to, assignee,
// overdue, unread, order (oldest, newest), page.
func inboxQuery(c *fiber.Ctx) (desk.Query, error) {
	q := desk.Query{
		Status:   strings.Clone(c.Query("status")),
		Category: strings.Clone(c.Query("category")),
		Area:     strings.Clone(c.Query("area")),
		From:     strings.Clone(c.Query("from", c.Query("since"))),
		To:       strings.Clone(c.Query("to")),
		Assignee: strings.Clone(c.Query("assignee")),
		Overdue:  c.Query("overdue") == "1" || c.Query("overdue") == "true",
		Unread:   c.Query("unread") == "1" || c.Query("unread") == "true",
		Newest:   c.Query("order") == "newest",
	}
	var err error
	q.Page, err = desk.ParsePage(desk.FieldPage, c.Query("page"))
	return q, err
}

// inboxData is the inbox page's data.
type inboxData struct {
	Staff        press.Principal
	Desk         *desk.Desk
	Inbox        desk.Inbox
	Query        desk.Query
	Errors       map[string]string
	Summary      []formError
	CategoryName string
	Categories   []intake.Option
	Areas        []intake.Option
	Members      []string
	// Tabs link each status (and "all") with the other filters kept.
	Tabs []inboxTab
	// Prev, Next, Newest and Oldest are links with the filters kept.
	Prev, Next, Newest, Oldest string
	// ExportFrom and ExportTo are the export form's dates, ExportErrors
	// its messages (keys from, to).
	ExportFrom, ExportTo string
	ExportErrors         map[string]string
}

type inboxTab struct {
	Label   string
	Count   int
	URL     string
	Current bool
}

// query is q as URL query parameters (only those set), with page.
func queryValues(q desk.Query, page int) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("status", q.Status)
	set("category", q.Category)
	set("area", q.Area)
	set("from", q.From)
	set("to", q.To)
	set("assignee", q.Assignee)
	if q.Overdue {
		v.Set("overdue", "1")
	}
	if q.Unread {
		v.Set("unread", "1")
	}
	if q.Newest {
		v.Set("order", "newest")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func inboxURL(v url.Values) string {
	if len(v) == 0 {
		return inboxPath
	}
	return inboxPath + "?" + v.Encode()
}

// inbox shows one page of the desk's cases with the filters, the counts
// per status and the export form.
func (h *admin) inbox(c *fiber.Ctx) error {
	q, perr := inboxQuery(c)
	in, err := desk.Inbox{}, perr
	if err == nil {
		in, err = h.Desk.List(c.UserContext(), actor(c), q)
	}
	var fe formerr.FieldErrors
	if err != nil && !errors.As(err, &fe) {
		return deskProblem(err)
	}
	now := h.Now().In(desk.Vietnam)
	d := inboxData{Staff: principal(c), Inbox: in, Query: q, Errors: fe,
		ExportFrom: now.AddDate(0, 0, 1-now.Day()).Format(time.DateOnly), ExportTo: now.Format(time.DateOnly)}
	return h.renderInbox(c, d, fe)
}

func (h *admin) renderInbox(c *fiber.Ctx, d inboxData, fe formerr.FieldErrors) error {
	a := actor(c)
	d.Desk, _ = h.Desk.Desk(a.Desk)
	d.CategoryName = h.Desk.CategoryName(a.Desk)
	d.Categories = h.Desk.Categories(a.Desk)
	d.Areas = h.Desk.Catalog().Options.Areas
	var err error
	if d.Members, err = h.Desk.Members(c.UserContext(), a.Desk); err != nil {
		return err
	}
	q := d.Query
	all := q
	all.Status = ""
	d.Tabs = append(d.Tabs, inboxTab{Label: "Tất cả", Count: d.Inbox.All, URL: inboxURL(queryValues(all, 1)), Current: q.Status == ""})
	for _, sc := range d.Inbox.Counts {
		t := q
		t.Status = sc.Code
		d.Tabs = append(d.Tabs, inboxTab{Label: sc.Label, Count: sc.Count, URL: inboxURL(queryValues(t, 1)), Current: q.Status == sc.Code})
	}
	if q.Page > 1 {
		d.Prev = inboxURL(queryValues(q, q.Page-1))
	}
	if q.Page < d.Inbox.Pages {
		d.Next = inboxURL(queryValues(q, q.Page+1))
	}
	n, o := q, q
	n.Newest, o.Newest = true, false
	d.Newest, d.Oldest = inboxURL(queryValues(n, 1)), inboxURL(queryValues(o, 1))
	status := fiber.StatusOK
	d.Summary = append(summary(fe, "", desk.FieldStatus, desk.FieldCategory, desk.FieldArea, desk.FieldFrom, desk.FieldTo, desk.FieldPage),
		summary(d.ExportErrors, "export-", desk.FieldFrom, desk.FieldTo)...)
	if len(d.Summary) > 0 {
		status = fiber.StatusUnprocessableEntity
	}
	return h.render(c, status, "desk-inbox", View{Title: "Hộp thư " + d.Desk.Name, Data: d})
}

// exportCases answers the export form with the CSV of the desk's cases
// received between the two dates (UTF-8 with BOM), audited; bad dates
// show the inbox again with the dates typed and a message at each.
func (h *admin) exportCases(c *fiber.Ctx) error {
	from, to := strings.Clone(c.FormValue("from")), strings.Clone(c.FormValue("to"))
	var buf bytes.Buffer
	a := actor(c)
	_, err := h.Desk.Export(c.UserContext(), a, from, to, &buf)
	var fe formerr.FieldErrors
	if errors.As(err, &fe) {
		d := inboxData{Staff: principal(c), Query: desk.Query{Page: 1}, ExportErrors: fe, ExportFrom: from, ExportTo: to}
		in, lerr := h.Desk.List(c.UserContext(), a, d.Query)
		if lerr != nil {
			return lerr
		}
		d.Inbox = in
		return h.renderInbox(c, d, nil)
	}
	if err != nil {
		return deskProblem(err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="hop-thu-%s-%s-%s.csv"`, a.Desk, from, to))
	return c.Send(buf.Bytes())
}

// caseData is a case page's data.
type caseData struct {
	Staff        press.Principal
	Desk         *desk.Desk
	Case         desk.CaseView
	KindLabel    string
	CategoryName string
	Notice       string
	// Errors and Summary are the messages of the form that came back;
	// Values what was typed in it.
	Errors  map[string]string
	Summary []formError
	Values  map[string]string
	// Form names the form that came back with errors.
	Form string
}

// Val returns what was typed in field of the form that came back.
func (d *caseData) Val(field string) string { return d.Values[field] }

// Err returns the message of field, or "".
func (d *caseData) Err(field string) string { return d.Errors[field] }

// caseNotices are the notices shown after an action (?xong=…).
var caseNotices = map[string]string{
	"trang-thai": "Đã cập nhật trạng thái.",
	"phan-cong":  "Đã cập nhật người phụ trách.",
	"ghi-chu":    "Đã lưu ghi chú nội bộ.",
	"tin-nhan":   "Đã gửi tin nhắn. Người gửi sẽ đọc được khi tra cứu bằng mã tiếp nhận.",
}

func caseID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(desk.ErrNotFound.Error())
	}
	return id, nil
}

// casePage shows a case: what the person wrote, the history, the forms.
func (h *admin) casePage(c *fiber.Ctx) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	return h.renderCase(c, id, fiber.StatusOK, &caseData{Notice: caseNotices[c.Query("xong")]})
}

func (h *admin) renderCase(c *fiber.Ctx, id int64, status int, d *caseData) error {
	v, err := h.Desk.Open(c.UserContext(), actor(c), id)
	if err != nil {
		return deskProblem(err)
	}
	d.Staff, d.Case = principal(c), v
	d.Desk, _ = h.Desk.Desk(actor(c).Desk)
	d.KindLabel = intake.KindLabels[v.Kind]
	d.CategoryName = h.Desk.CategoryName(d.Desk.Code)
	if d.Values == nil {
		d.Values = map[string]string{}
	}
	return h.render(c, status, "desk-case", View{Title: fmt.Sprintf("Hồ sơ số %d", id), Data: d})
}

// caseAction runs one action of a case's form: on success it redirects
// (303) to the case page with a notice; on bad input it shows the page
// again with what was typed and the message at each field (422); a stale
// form shows the page as it now is with the message (409).
func (h *admin) caseAction(c *fiber.Ctx, form string, fields []string, do func(id int64, v map[string]string) error) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	v := formValues(c, fields...)
	err = do(id, v)
	var fe formerr.FieldErrors
	switch {
	case err == nil:
		return c.Redirect(fmt.Sprintf("%s/%d?xong=%s#%s", inboxPath, id, form, "lich-su"), fiber.StatusSeeOther)
	case errors.As(err, &fe):
		d := &caseData{Errors: fe, Values: v, Form: form, Summary: summary(fe, form+"-", fields...)}
		return h.renderCase(c, id, fiber.StatusUnprocessableEntity, d)
	case errors.Is(err, desk.ErrStale):
		d := &caseData{Values: v, Form: form, Summary: []formError{{Field: form + "-" + desk.FieldStatus, Message: desk.ErrStale.Error()}}}
		return h.renderCase(c, id, fiber.StatusConflict, d)
	}
	return deskProblem(err)
}

func (h *admin) caseStatus(c *fiber.Ctx) error {
	return h.caseAction(c, "trang-thai", []string{"from", desk.FieldStatus, desk.FieldOutcome, desk.FieldNote}, func(id int64, v map[string]string) error {
		return h.Desk.ChangeStatus(c.UserContext(), actor(c), id, desk.StatusChange{
			From: v["from"], To: v[desk.FieldStatus], Outcome: v[desk.FieldOutcome], Note: v[desk.FieldNote]})
	})
}

func (h *admin) caseAssign(c *fiber.Ctx) error {
	return h.caseAction(c, "phan-cong", []string{desk.FieldAssignee}, func(id int64, v map[string]string) error {
		return h.Desk.Assign(c.UserContext(), actor(c), id, v[desk.FieldAssignee])
	})
}

func (h *admin) caseNote(c *fiber.Ctx) error {
	return h.caseAction(c, "ghi-chu", []string{desk.FieldNote}, func(id int64, v map[string]string) error {
		return h.Desk.AddNote(c.UserContext(), actor(c), id, v[desk.FieldNote])
	})
}

func (h *admin) caseMessage(c *fiber.Ctx) error {
	return h.caseAction(c, "tin-nhan", []string{desk.FieldBody}, func(id int64, v map[string]string) error {
		_, err := h.Desk.SendMessage(c.UserContext(), actor(c), id, v[desk.FieldBody])
		return err
	})
}
