package desk

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// ExportMaxDays bounds the date range of one export.
const ExportMaxDays = 366

// utf8BOM makes spreadsheet programs read the file as UTF-8, so that
// Vietnamese shows correctly.
const utf8BOM = "\ufeff"

// ExportRange checks an export's dates (YYYY-MM-DD, Vietnam, inclusive)
// and returns the instants [from, before). Both are required, to after
// from, at most ExportMaxDays days; FieldErrors otherwise.
func ExportRange(from, to string) (time.Time, time.Time, error) {
	fe := formerr.FieldErrors{}
	f, err := time.ParseInLocation(time.DateOnly, from, Vietnam)
	if err != nil {
		addLabelled(fe, FieldFrom, "cần là ngày dạng năm-tháng-ngày, ví dụ 2026-11-01")
	}
	t, err := time.ParseInLocation(time.DateOnly, to, Vietnam)
	if err != nil {
		addLabelled(fe, FieldTo, "cần là ngày dạng năm-tháng-ngày, ví dụ 2026-11-30")
	}
	if len(fe) == 0 {
		switch days := int(t.Sub(f).Hours()/24) + 1; {
		case days < 1:
			addLabelled(fe, FieldTo, "phải từ “Từ ngày” trở đi")
		case days > ExportMaxDays:
			addLabelled(fe, FieldTo, fmt.Sprintf("mỗi lần xuất tối đa %d ngày", ExportMaxDays))
		}
	}
	if len(fe) > 0 {
		return time.Time{}, time.Time{}, fe
	}
	return f, t.AddDate(0, 0, 1), nil
}

// Export writes the cases of a's desk received from `from` to `to`
// (dates, inclusive) to w as CSV: UTF-8 with a byte-order mark, CRLF line
// ends, one row per case with its clear columns and what the sender wrote,
// opened. Every cell a spreadsheet could take for a formula (starting with
// =, +, -, @, tab or CR) is prefixed with an apostrophe (OWASP, CSV
// injection): the sender's text is never run. The export is audited
// ("case.export", with the range) before the first row is written. It
// returns how many cases it wrote.
func (s *Service) Export(ctx context.Context, a Actor, from, to string, w io.Writer) (int, error) {
	d, ok := s.data.Desk(a.Desk)
	if !ok {
		return 0, ErrNotFound
	}
	start, before, err := ExportRange(from, to)
	if err != nil {
		return 0, err
	}
	now := s.now()
	if err := s.db.AppendAudit(ctx, store.AuditEntry{At: now, Actor: a.Name, Action: "case.export",
		Target: "hop-thu " + from + " – " + to}); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := []string{"Số hồ sơ", "Loại", "Tiếp nhận (ngày, giờ)", "Trạng thái", "Kết quả", s.CategoryName(d.Code),
		"Địa bàn", "Người phụ trách", "Phản hồi đầu tiên", "Quá hạn phản hồi", "Nội dung", "Thời gian (theo người gửi)",
		"Địa điểm cụ thể", "Người liên hệ", "Số điện thoại", "Hình thức mong muốn", "Cơ sở, dịch vụ quan tâm", "Người gửi là", "Tin nhắn chưa đọc"}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	n := 0
	err = s.db.ExportCases(ctx, a.Desk, start, before, func(c store.Case) error {
		raw, err := s.sealer.Open(ctx, Scope{Desk: a.Desk}, c.Content)
		if err != nil {
			return err
		}
		sub, err := decodeSubmission(c.Kind, raw)
		if err != nil {
			return err
		}
		r := s.row(d, c)
		kind := intake.KindLabels[c.Kind]
		var text, when, where, name, phone, form, service, rel string
		switch {
		case sub.Tip != nil:
			text, when, where = sub.Tip.Description, sub.Tip.OccurredAt, sub.Tip.LocationDetail
		case sub.Enquiry != nil:
			e := sub.Enquiry
			text, name, phone, form, service, rel = e.Message, e.ContactName, e.Phone, e.PreferredFormLabel, e.ServiceLabel, e.RelationshipLabel
		}
		first := ""
		if !c.FirstResponseAt.IsZero() {
			first = MinuteLabel(c.FirstResponseAt)
		}
		row := []string{strconv.FormatInt(c.ID, 10), kind, r.Received, r.StatusLabel, r.OutcomeLabel, r.CategoryLabel,
			r.AreaLabel, c.Assignee, first, yesNo(r.Overdue), text, when, where, name, phone, form, service, rel, yesNo(c.Unread)}
		for i := range row {
			row[i] = neutralise(row[i])
		}
		n++
		return cw.Write(row)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

func yesNo(b bool) string {
	if b {
		return "có"
	}
	return "không"
}

// neutralise keeps a spreadsheet from reading a cell as a formula.
func neutralise(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
