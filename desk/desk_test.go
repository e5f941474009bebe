package desk_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestDataLoads(t *testing.T) {
	d, err := desk.LoadData()
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range d.Statuses {
		labels = append(labels, s.Code+"="+s.Label)
	}
	if got := strings.Join(labels, ", "); got != "new=Mới tiếp nhận, verifying=Đang xác minh, referred=Đã chuyển đơn vị xử lý, closed=Đã kết thúc" {
		t.Errorf("statuses = %s", got)
	}
	for code, hours := range map[string]int{"police": 48, "social-affairs": 24} {
		k, ok := d.Desk(code)
		if !ok || k.FirstResponseGoal() != time.Duration(hours)*time.Hour || len(k.Outcomes) == 0 {
			t.Errorf("desk %s = %+v", code, k)
		}
	}
	if tr, ok := d.Transition("verifying", "closed"); !ok || !tr.Reason {
		t.Errorf("closing needs no reason: %+v %v", tr, ok)
	}
	if _, ok := d.Transition("closed", "new"); ok {
		t.Error("a closed case may go back to new")
	}
}

func TestOneCasePerSubmission(t *testing.T) { storetest.ForEach(t, testOneCasePerSubmission) }

func testOneCasePerSubmission(t *testing.T, db *store.DB) {
	ctx := context.Background()
	e := newEnv(t, db, "")
	en := e.tipEntry(t, 1, t0)
	msg := queue.Message{Entry: en, StreamID: "1-0", Deliveries: 1}
	ack, rej, err := e.svc.Ingest(ctx, "police", []queue.Message{msg, msg})
	if err != nil || len(rej) != 0 || len(ack) != 2 {
		t.Fatalf("Ingest = %v, %+v, %v", ack, rej, err)
	}
	// Delivered again later (a crash before the ack): still one case.
	if _, _, err := e.svc.Ingest(ctx, "police", []queue.Message{msg}); err != nil {
		t.Fatal(err)
	}
	in, err := e.svc.List(ctx, police, desk.Query{})
	if err != nil || in.Total != 1 || len(in.Rows) != 1 {
		t.Fatalf("inbox = %+v, %v", in, err)
	}
	r := in.Rows[0]
	if r.Status != "new" || r.StatusLabel != "Mới tiếp nhận" || r.Category != "trong-cay" || r.AreaLabel != "Các xã thuộc huyện Đông Hưng cũ" ||
		r.Received != "2/11/2026, 8 giờ" || r.Overdue || r.Assignee != "" {
		t.Errorf("row = %+v", r)
	}
	// Entries that can never be a police case are rejected, not retried.
	enq := e.enquiryEntry(t, 1, t0)
	bad := e.tipEntry(t, 2, t0)
	bad.Data = []byte(`{"x":1}`)
	_, rej, err = e.svc.Ingest(ctx, "police", []queue.Message{
		{Entry: enq, StreamID: "2-0"},
		{Entry: bad, StreamID: "3-0"},
		{StreamID: "4-0", Err: errors.New("not ours")},
	})
	if err != nil || len(rej) != 3 {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	if in, _ := e.svc.List(ctx, police, desk.Query{}); in.Total != 1 {
		t.Errorf("a rejected entry became a case: %d", in.Total)
	}
}

func TestDeskFlow(t *testing.T) { storetest.ForEach(t, testDeskFlow) }

// testDeskFlow walks one tip through its desk: list, open (read, audited),
// assign, note, message, the sender's answer, status changes with their
// rules, and what the sender sees at each step.
func testDeskFlow(t *testing.T, db *store.DB) {
	ctx := context.Background()
	e := newEnv(t, db, "")
	ids := e.ingest(t, e.tipEntry(t, 1, t0), e.enquiryEntry(t, 1, t0))
	tip, enq := ids["tip-0001"], ids["enq-0001"]

	// Each desk sees its own case only.
	if _, err := e.svc.Open(ctx, police, enq); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("police opens the enquiry: %v", err)
	}
	if _, err := e.svc.Open(ctx, social, tip); !errors.Is(err, desk.ErrNotFound) {
		t.Fatalf("social-affairs opens the tip: %v", err)
	}
	if in, _ := e.svc.List(ctx, social, desk.Query{}); in.Total != 1 || in.Rows[0].ID != enq {
		t.Errorf("social-affairs inbox = %+v", in)
	}

	v, err := e.svc.Open(ctx, police, tip)
	if err != nil {
		t.Fatal(err)
	}
	if v.Submission.Tip == nil || !strings.Contains(v.Submission.Tip.Description, "ngõ 5<nhà 3>\ngần chợ, \"tối thứ Bảy\" & Chủ nhật") {
		t.Errorf("submission = %+v", v.Submission.Tip)
	}
	if len(v.Next) != 3 || fmt.Sprint(v.Members) != "[hung lan]" || len(v.Events) != 1 || v.Events[0].When != "2/11/2026, 8 giờ" {
		t.Errorf("view: next %v members %v events %+v", v.Next, v.Members, v.Events)
	}

	// The sender sees the status, no messages yet.
	sv, err := e.svc.ForSubmitter(ctx, v.SubmissionID)
	if err != nil || sv.StatusLabel != "Mới tiếp nhận" || len(sv.Messages) != 0 || !sv.CanReply {
		t.Fatalf("sender view = %+v, %v", sv, err)
	}

	e.clk.Add(time.Hour)
	if err := e.svc.Assign(ctx, police, tip, "mai"); err == nil {
		t.Error("assigned to a member of another desk")
	}
	if err := e.svc.Assign(ctx, police, tip, "lan"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AddNote(ctx, police, tip, "  \n "); !hasField(err, desk.FieldNote) {
		t.Errorf("empty note: %v", err)
	}
	if err := e.svc.AddNote(ctx, police, tip, "Đối chiếu với vụ tháng 10."); err != nil {
		t.Fatal(err)
	}
	m, err := e.svc.SendMessage(ctx, police, tip, "Nhà số mấy? Khoảng mấy giờ?")
	if err != nil || m.From != desk.FromDesk {
		t.Fatalf("SendMessage = %+v, %v", m, err)
	}
	// The first response stops the clock: no longer awaiting it.
	if in, _ := e.svc.List(ctx, police, desk.Query{Overdue: true}); in.Total != 0 {
		t.Errorf("answered case listed overdue")
	}

	// The sender answers at 09:21:40: stored to the minute, unread.
	e.clk.Add(100 * time.Second)
	if _, err := e.svc.Reply(ctx, v.SubmissionID, " ", ""); !hasField(err, "body") {
		t.Errorf("empty reply: %v", err)
	}
	got, err := e.svc.Reply(ctx, v.SubmissionID, "Nhà số 3, sau 21 giờ.", "nonce-hash")
	if err != nil || !got.SentAt.Equal(t0.Add(time.Hour+time.Minute)) {
		t.Fatalf("Reply = %+v, %v", got, err)
	}
	if _, err := e.svc.Reply(ctx, v.SubmissionID, "Nhà số 3, sau 21 giờ.", "nonce-hash"); !errors.Is(err, desk.ErrAlreadySent) {
		t.Errorf("same form twice: %v", err)
	}
	if in, _ := e.svc.List(ctx, police, desk.Query{Unread: true}); in.Total != 1 || !in.Rows[0].Unread {
		t.Errorf("unread = %+v", in)
	}
	sv, _ = e.svc.ForSubmitter(ctx, v.SubmissionID)
	if len(sv.Messages) != 2 || sv.Messages[0].From != "desk" || sv.Messages[1].From != "submitter" || sv.Messages[1].SentOn() != "2026-11-02" {
		t.Errorf("sender's messages = %+v", sv.Messages)
	}

	// Status rules: outcome and reason to close, transitions from the data.
	err = e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{From: "new", To: "closed"})
	if !hasField(err, desk.FieldOutcome) || !hasField(err, desk.FieldNote) {
		t.Errorf("close without outcome and reason: %v", err)
	}
	if err := e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{From: "new", To: "hoan-thanh"}); !hasField(err, desk.FieldStatus) {
		t.Errorf("unknown status: %v", err)
	}
	if err := e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{From: "new", To: "verifying"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{From: "new", To: "referred"}); !errors.Is(err, desk.ErrStale) {
		t.Errorf("change from a stale form: %v", err)
	}
	if err := e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{To: "new"}); !hasField(err, desk.FieldStatus) {
		t.Errorf("back to new: %v", err)
	}
	sv, _ = e.svc.ForSubmitter(ctx, v.SubmissionID)
	if sv.Status != "verifying" || sv.StatusLabel != "Đang xác minh" {
		t.Errorf("sender sees %+v", sv)
	}
	err = e.svc.ChangeStatus(ctx, police, tip, desk.StatusChange{From: "verifying", To: "closed", Outcome: "da-xu-ly", Note: "Đã bắt quả tang."})
	if err != nil {
		t.Fatal(err)
	}
	sv, _ = e.svc.ForSubmitter(ctx, v.SubmissionID)
	if sv.StatusLabel != "Đã kết thúc" || sv.Outcome != "da-xu-ly" || !strings.HasPrefix(sv.OutcomePublic, "Thông tin đã được xác minh") || sv.CanReply {
		t.Errorf("closed, sender sees %+v", sv)
	}
	for _, m := range sv.Messages {
		if strings.Contains(m.Body, "bắt quả tang") || strings.Contains(m.Body, "tháng 10") {
			t.Errorf("internal text reached the sender: %q", m.Body)
		}
	}
	if _, err := e.svc.Reply(ctx, v.SubmissionID, "Còn nữa", ""); !errors.Is(err, desk.ErrCaseClosed) {
		t.Errorf("reply to a closed case: %v", err)
	}

	// The full history, who and when.
	v, err = e.svc.Open(ctx, police, tip)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ev := range v.Events {
		lines = append(lines, ev.When+" | "+ev.Who+" | "+ev.What+" | "+ev.Body)
	}
	want := []string{
		"2/11/2026, 8 giờ | Hệ thống | Tiếp nhận từ hàng đợi, tạo hồ sơ | ",
		"2/11/2026 09:20 | hung | Phân công cho lan | ",
		"2/11/2026 09:20 | hung | Ghi chú nội bộ | Đối chiếu với vụ tháng 10.",
		"2/11/2026 09:20 | hung | Nhắn cho người gửi | Nhà số mấy? Khoảng mấy giờ?",
		"2/11/2026, 9 giờ | Người gửi | Người gửi nhắn | Nhà số 3, sau 21 giờ.",
		"2/11/2026 09:21 | hung | Chuyển trạng thái: Đang xác minh | ",
		"2/11/2026 09:21 | hung | Chuyển trạng thái: Đã kết thúc (Đã xác minh, xử lý theo quy định) | Đã bắt quả tang.",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if v.Unread || v.Assignee != "lan" || v.FirstResponse != "2/11/2026 09:20" {
		t.Errorf("case = %+v", v.Row)
	}
	// Every action is audited, without content.
	audit, _ := db.ListAudit(ctx, 0, 100)
	actions := map[string]int{}
	for _, a := range audit {
		actions[a.Action]++
		if strings.Contains(a.Target, "tháng") || strings.Contains(a.Target, "Nhà") {
			t.Errorf("content in the audit log: %+v", a)
		}
	}
	for action, n := range map[string]int{"case.view": 2, "case.assign": 1, "case.note": 1, "case.message": 1, "case.status": 2} {
		if actions[action] != n {
			t.Errorf("audit %s: %d entries, want %d (%v)", action, actions[action], n, actions)
		}
	}
}

func hasField(err error, field string) bool {
	var fe formerr.FieldErrors
	if errors.As(err, &fe) {
		return fe[field] != ""
	}
	// The sender's reply is validated by intake.
	return err != nil && strings.Contains(fmt.Sprintf("%#v", err), `"`+field+`"`)
}

func TestOverdue(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite"), "")
	ctx := context.Background()
	ids := e.ingest(t, e.tipEntry(t, 1, t0), e.tipEntry(t, 2, t0.Add(30*time.Hour)), e.enquiryEntry(t, 1, t0))
	e.clk.Add(49 * time.Hour) // the first tip is past 48 h, the second is not; the enquiry past 24 h
	in, err := e.svc.List(ctx, police, desk.Query{Overdue: true})
	if err != nil || in.Total != 1 || in.Rows[0].ID != ids["tip-0001"] || !in.Rows[0].Overdue {
		t.Fatalf("overdue tips = %+v, %v", in, err)
	}
	all, _ := e.svc.List(ctx, police, desk.Query{})
	for _, r := range all.Rows {
		if r.Overdue != (r.ID == ids["tip-0001"]) {
			t.Errorf("row %d overdue = %v", r.ID, r.Overdue)
		}
	}
	if in, _ := e.svc.List(ctx, social, desk.Query{Overdue: true}); in.Total != 1 {
		t.Errorf("overdue enquiries = %d, want 1 (goal 24 h)", in.Total)
	}
	// Bad filters name their field.
	_, err = e.svc.List(ctx, police, desk.Query{Status: "xong", Area: "ha-noi", From: "2/11/2026"})
	for _, f := range []string{desk.FieldStatus, desk.FieldArea, desk.FieldFrom} {
		if !hasField(err, f) {
			t.Errorf("bad %s not reported: %v", f, err)
		}
	}
	if in, _ := e.svc.List(ctx, police, desk.Query{From: "2026-11-03", To: "2026-11-03"}); in.Total != 1 || in.Rows[0].ID != ids["tip-0002"] {
		t.Errorf("date filter = %+v", in.Rows)
	}
}

func TestExportCSV(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite"), "")
	ctx := context.Background()
	en := e.tipEntry(t, 1, t0)
	tip, _ := e.cat.ValidateTip(tipInput(1))
	tip.Description = "=HYPERLINK(\"http://x\") mua bán ở ngõ 5"
	en.Data = mustJSON(t, tip)
	e.ingest(t, en, e.tipEntry(t, 2, t0.AddDate(0, 0, 40)), e.enquiryEntry(t, 1, t0))
	var buf bytes.Buffer
	n, err := e.svc.Export(ctx, police, "2026-11-01", "2026-11-30", &buf)
	if err != nil || n != 1 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffSố hồ sơ,") || !strings.Contains(out, "\r\n") {
		t.Errorf("no BOM or CRLF: %q", out[:40])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v %v", rows, err)
	}
	if rows[0][5] != "Loại hành vi" || rows[1][2] != "2/11/2026, 8 giờ" || rows[1][3] != "Mới tiếp nhận" || rows[1][10] != `'=HYPERLINK("http://x") mua bán ở ngõ 5` {
		t.Errorf("row = %q", rows[1])
	}
	var social bytes.Buffer
	if n, err := e.svc.Export(ctx, desk.Actor{Desk: "social-affairs", Name: "mai"}, "2026-11-01", "2026-11-30", &social); err != nil || n != 1 ||
		!strings.Contains(social.String(), "'+84912345678") || !strings.Contains(social.String(), "Trần Thị Hoa") {
		t.Errorf("social-affairs export: %d %v %q", n, err, social.String())
	}
	if _, err := e.svc.Export(ctx, police, "2026-11-30", "2026-11-01", &buf); !hasField(err, desk.FieldTo) {
		t.Errorf("reversed range: %v", err)
	}
	if _, err := e.svc.Export(ctx, police, "2025-01-01", "2026-11-01", &buf); !hasField(err, desk.FieldTo) {
		t.Errorf("range over a year: %v", err)
	}
	a, _ := e.db.ListAudit(ctx, 0, 10)
	if len(a) < 2 || a[0].Action != "case.export" || a[1].Action != "case.export" || a[1].Actor != "hung" || a[0].Target != "hop-thu 2026-11-01 – 2026-11-30" {
		t.Errorf("audit = %+v", a)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite"), "")
	ctx := context.Background()
	tok, rec, err := e.svc.CreateToken(ctx, "dòng lệnh", "police", "He-Thong-PC04")
	if err != nil || !strings.HasPrefix(tok, desk.TokenPrefix) || len(tok) != 47 || rec.Name != "he-thong-pc04" {
		t.Fatalf("CreateToken = %q %+v %v", tok, rec, err)
	}
	if strings.Contains(string(rec.TokenHash), tok) {
		t.Error("the token itself is stored")
	}
	a, err := e.svc.Authenticate(ctx, tok)
	if err != nil || a != (desk.Actor{Desk: "police", Name: "api:he-thong-pc04"}) {
		t.Errorf("Authenticate = %+v, %v", a, err)
	}
	for _, bad := range []string{"", "pdt_", tok + "x", strings.ToUpper(tok), "Bearer " + tok} {
		if _, err := e.svc.Authenticate(ctx, bad); !errors.Is(err, desk.ErrBadToken) {
			t.Errorf("Authenticate(%q) = %v", bad, err)
		}
	}
	if _, _, err := e.svc.CreateToken(ctx, "dòng lệnh", "police", "he-thong-pc04"); !errors.Is(err, desk.ErrTokenNameTaken) {
		t.Errorf("name taken: %v", err)
	}
	if _, _, err := e.svc.CreateToken(ctx, "dòng lệnh", "admin", "x y"); !hasField(err, desk.FieldDesk) || !hasField(err, desk.FieldName) {
		t.Errorf("bad desk and name: %v", err)
	}
	if err := e.svc.RevokeToken(ctx, "dòng lệnh", "he-thong-pc04"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, desk.ErrBadToken) {
		t.Errorf("revoked token: %v", err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
