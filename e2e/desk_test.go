package e2e

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
	_ "modernc.org/sqlite" // the portal's embedded system of record
)

// The desks' side of issue 14: the inbox at /quan-tri/hop-thu worked by a
// police officer in a real browser (sign in, the tip's case in the inbox,
// filters, the case page, status, assignment, note, message), the sender's
// conversation through the receipt at /tra-cuu, and a social-affairs
// officer who sees only enquiries. Every desk page is checked in each of
// its states (CheckPage: axe, layout shift, no sideways scrolling, header
// height, screenshot) in the four modes.

const (
	officer, colleague, socialOfficer = "can-bo-hung", "can-bo-tuan", "can-bo-mai"
	deskPassword                      = "Mật khẩu cán bộ đủ dài 2026"
)

// TestDesk drives one portal: the social-affairs inbox while empty, then a
// tip's whole conversation in each mode, then an enquiry that only the
// social-affairs desk sees, then the police desk by keyboard alone.
func TestDesk(t *testing.T) {
	needBrowser(t)
	start := time.Now()
	p := StartPortal(t, t.TempDir())
	p.AddUser(t, officer, "police", deskPassword)
	p.AddUser(t, colleague, "police", deskPassword)
	p.AddUser(t, socialOfficer, "social-affairs", deskPassword)

	for _, m := range modes {
		t.Run("empty/"+modeName(m.Size, m.JS), func(t *testing.T) { emptyInbox(t, p, m.Size, m.JS) })
	}
	var tipCases []int
	for _, m := range modes {
		t.Run("police/"+modeName(m.Size, m.JS), func(t *testing.T) {
			if id := policeFlow(t, p, m.Size, m.JS); id != 0 {
				tipCases = append(tipCases, id)
			}
		})
	}
	t.Run("social-affairs/360x740-js", func(t *testing.T) { socialAffairs(t, p, Phone, true, tipCases) })
	t.Run("social-affairs/1280x800-nojs", func(t *testing.T) { socialAffairs(t, p, Desktop, false, tipCases) })
	t.Run("keyboard/1280x800-nojs", func(t *testing.T) { deskKeyboard(t, p, Desktop, false) })
	t.Run("keyboard/360x740-js", func(t *testing.T) { deskKeyboard(t, p, Phone, true) })
	t.Logf("desk browser tests took %s", time.Since(start).Round(time.Second))
}

// signIn follows the redirect of a desk page to the sign-in form and signs
// in; the page is then back where it was sent from.
func signIn(t *testing.T, pg *Page, user, want string) {
	t.Helper()
	if !strings.HasPrefix(pg.Path(), "/quan-tri/dang-nhap") {
		t.Fatalf("%s: not sent to the sign-in page: %s", pg.Mode(), pg.Path())
	}
	pg.Type("#username", user)
	pg.Type("#password", deskPassword)
	pg.Submit(`form.login button[type=submit]`)
	if got := pg.Path(); got != want {
		t.Fatalf("%s: after signing in as %s at %s, want %s", pg.Mode(), user, got, want)
	}
}

// emptyInbox: the social-affairs officer signs in before any enquiry and
// meets an empty inbox that says so.
func emptyInbox(t *testing.T, p *Portal, size Size, js bool) {
	pg := OpenPage(t, p.URL+"/quan-tri/hop-thu", size, js)
	signIn(t, pg, socialOfficer, "/quan-tri/hop-thu")
	if n := pg.Count("table.inbox tbody tr"); n != 0 {
		t.Errorf("%s: the empty inbox lists %d cases", pg.Mode(), n)
	}
	if !strings.Contains(pg.Text("main"), "Không có hồ sơ nào") {
		t.Errorf("%s: the empty inbox does not say so: %s", pg.Mode(), pg.Text("#ket-qua"))
	}
	deskCheck(t, pg, "hop-thu-trong")
}

// sendTip sends a tip through the public form and returns its receipt.
func sendTip(t *testing.T, p *Portal, size Size, js bool, text string) (*Page, string, string) {
	t.Helper()
	pg := OpenPage(t, p.URL+"/tin-bao", size, js)
	category := pg.EvalString(`document.querySelector("#f-category-0").value`)
	pg.Click("#f-category-0")
	pg.SetValue("#f-area", "vu-thu")
	pg.Type("#f-description", text)
	pg.Submit(`form[action="/tin-bao"] button[type=submit]`)
	receipt := pg.Text(".receipt")
	if !receiptRe.MatchString(receipt) {
		t.Fatalf("%s: no receipt after a valid tip (at %s): %s", pg.Mode(), pg.Path(), pg.Text("main"))
	}
	return pg, receipt, category
}

// lookUp posts receipt on /tra-cuu until the desk has its case (the
// status is one of the desk's), at most 30 s: the desk consumer turns
// queue entries into cases in the background.
func lookUp(t *testing.T, pg *Page, p *Portal, receipt, wantStatus string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pg.Go(p.URL + "/tra-cuu")
		pg.Type("#f-receipt", receipt)
		pg.Submit(`form[action="/tra-cuu"] button[type=submit]`)
		got := pg.Text(".notice-ok dd strong")
		if got == wantStatus {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /tra-cuu for %s shows %q, want %q:\n%s", pg.Mode(), receipt, got, wantStatus, pg.Text("main"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var caseHrefRe = regexp.MustCompile(`^/quan-tri/hop-thu/(\d+)$`)

// caseLinks are the case numbers the inbox page lists, in order.
func caseLinks(t *testing.T, pg *Page) []int {
	t.Helper()
	var hrefs []string
	pg.Eval(`Array.from(document.querySelectorAll("table.inbox tbody th a")).map(a => a.pathname)`, &hrefs)
	var ids []int
	for _, h := range hrefs {
		m := caseHrefRe.FindStringSubmatch(h)
		if m == nil {
			t.Errorf("%s: inbox link %q", pg.Mode(), h)
			continue
		}
		id, _ := strconv.Atoi(m[1])
		ids = append(ids, id)
	}
	return ids
}

func contains(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// policeFlow is one tip's life in one mode: the sender sends it; a police
// officer signs in, finds its case in the inbox (with and without filters,
// and a filter with an error), opens it, changes the status, meets an
// error, assigns a colleague, writes a note and a message; the sender
// reads the message at /tra-cuu and answers (an empty answer first); the
// officer sees the answer as unread. It returns the case number.
func policeFlow(t *testing.T, p *Portal, size Size, js bool) int {
	mode := modeName(size, js)
	tipText := "Có người bán ma túy đá ở quán nước đầu ngõ 5 vào tối thứ Bảy (" + mode + ")."
	sender, receipt, category := sendTip(t, p, size, js, tipText)
	lookUp(t, sender, p, receipt, "Mới tiếp nhận")

	pg := OpenPage(t, p.URL+"/quan-tri/hop-thu?order=newest", size, js)
	signIn(t, pg, officer, "/quan-tri/hop-thu?order=newest")
	ids := caseLinks(t, pg)
	if len(ids) == 0 {
		t.Fatalf("%s: the police inbox is empty after a tip:\n%s", pg.Mode(), pg.Text("main"))
	}
	id := ids[0]
	casePath := fmt.Sprintf("/quan-tri/hop-thu/%d", id)
	if pg.Count(`table.inbox tbody tr:first-child .badge-unread`) != 0 {
		t.Errorf("%s: a new case has no message yet but is marked unread", pg.Mode())
	}
	deskCheck(t, pg, "hop-thu")
	checkInboxRows(t, pg)

	// Filters through the form: this desk's category, the area, "new".
	// The form is folded away while no filter is in use.
	if pg.EvalString(`String(document.querySelector("details.filter-box").open)`) != "false" {
		t.Errorf("%s: the filters are open with none in use", pg.Mode())
	}
	openFilters(pg)
	pg.SetValue("#f-status", "new")
	pg.SetValue("#f-category", category)
	pg.SetValue("#f-area", "vu-thu")
	pg.Submit(`form.filters button[type=submit]`)
	if path := pg.Path(); !strings.Contains(path, "status=new") || !strings.Contains(path, "area=vu-thu") || !strings.Contains(path, "category="+category) {
		t.Errorf("%s: the filter form led to %s", pg.Mode(), path)
	}
	if !contains(caseLinks(t, pg), id) {
		t.Errorf("%s: case %d not in the filtered inbox", pg.Mode(), id)
	}
	if pg.EvalString(`document.querySelector("#f-area").value`) != "vu-thu" {
		t.Errorf("%s: the filter form forgot the area", pg.Mode())
	}
	deskCheck(t, pg, "hop-thu-loc")

	// A filter with an error: "to" before "from". The summary is focused,
	// the dates typed are kept.
	pg.SetValue("#f-from", "2026-11-20")
	pg.SetValue("#f-to", "2026-11-01")
	pg.Submit(`form.filters button[type=submit]`)
	if id := pg.ActiveID(); id != "loi" {
		t.Errorf("%s: after a filter error focus is on %q, want the error summary #loi", pg.Mode(), id)
	}
	if pg.Count(`#loi a[href="#f-to"]`) != 1 || pg.EvalString(`document.querySelector("#f-from").value`) != "2026-11-20" {
		t.Errorf("%s: filter error summary %q, from %q", pg.Mode(), pg.Text("#loi"), pg.EvalString(`document.querySelector("#f-from").value`))
	}
	deskCheck(t, pg, "hop-thu-loi")

	// The case page, through its link in the inbox.
	pg.Go(p.URL + "/quan-tri/hop-thu?order=newest")
	pg.Submit(`table.inbox a[href="` + casePath + `"]`)
	if pg.Path() != casePath {
		t.Fatalf("%s: the inbox link led to %s", pg.Mode(), pg.Path())
	}
	if got := pg.Text("#noi-dung-tin"); got != tipText {
		t.Errorf("%s: case page shows %q, want %q", pg.Mode(), got, tipText)
	}
	deskCheck(t, pg, "ho-so")

	// Status: new → verifying.
	pg.SetValue("#f-trang-thai-status", "verifying")
	pg.Submit(`form[action$="/trang-thai"] button[type=submit]`)
	if !strings.Contains(pg.Text(".notice-ok"), "Đã cập nhật trạng thái") || !strings.Contains(pg.Text("dl.meta"), "Đang xác minh") {
		t.Errorf("%s: after the status change: %q / %q", pg.Mode(), pg.Text(".notice-ok"), pg.Text("dl.meta"))
	}
	// Closing without a reason: 422, the summary focused, the choice kept.
	pg.SetValue("#f-trang-thai-status", "closed")
	pg.SetValue("#f-trang-thai-outcome", "chua-du-co-so")
	pg.Submit(`form[action$="/trang-thai"] button[type=submit]`)
	if id := pg.ActiveID(); id != "loi" {
		t.Errorf("%s: after a status error focus is on %q, want #loi", pg.Mode(), id)
	}
	if pg.Count(`#loi a[href="#f-trang-thai-note"]`) != 1 || pg.EvalString(`document.querySelector("#f-trang-thai-status").value`) != "closed" {
		t.Errorf("%s: status error: summary %q, status %q", pg.Mode(), pg.Text("#loi"), pg.EvalString(`document.querySelector("#f-trang-thai-status").value`))
	}
	deskCheck(t, pg, "ho-so-loi")
	// The summary's link leads to the field.
	pg.Click(`#loi a[href="#f-trang-thai-note"]`)
	if id := pg.ActiveID(); id != "f-trang-thai-note" {
		t.Errorf("%s: the summary's link leaves focus on %q", pg.Mode(), id)
	}

	// Assignment to a colleague.
	pg.SetValue("#f-phan-cong-assignee", colleague)
	pg.Submit(`form[action$="/phan-cong"] button[type=submit]`)
	if !strings.Contains(pg.Text(".notice-ok"), "người phụ trách") || !strings.Contains(pg.Text("dl.meta"), colleague) {
		t.Errorf("%s: after assigning: %q / %q", pg.Mode(), pg.Text(".notice-ok"), pg.Text("dl.meta"))
	}
	// An internal note.
	note := "Đã báo tổ công tác xã Vũ Thư kiểm tra (" + mode + ")."
	pg.Type("#f-ghi-chu-note", note)
	pg.Submit(`form[action$="/ghi-chu"] button[type=submit]`)
	if !strings.Contains(pg.Text(".history"), note) {
		t.Errorf("%s: the note is not in the history: %s", pg.Mode(), pg.Text(".history"))
	}
	// A message to the sender.
	question := "Người bán thường đến lúc mấy giờ? Đi xe gì? (" + mode + ")"
	pg.Type("#f-tin-nhan-body", question)
	pg.Submit(`form[action$="/tin-nhan"] button[type=submit]`)
	if !strings.Contains(pg.Text(".conversation .from-desk"), question) {
		t.Errorf("%s: the message is not in the conversation: %s", pg.Mode(), pg.Text(".conversation"))
	}
	deskCheck(t, pg, "ho-so-da-xu-ly")

	// The sender reads it through the receipt and answers.
	lookUp(t, sender, p, receipt, "Đang xác minh")
	if !strings.Contains(sender.Text(".conversation"), question) {
		t.Errorf("%s: the desk's message is not at /tra-cuu: %s", sender.Mode(), sender.Text("main"))
	}
	if strings.Contains(sender.Text("main"), note) || strings.Contains(sender.Text("main"), colleague) {
		t.Errorf("%s: /tra-cuu shows the internal note or the officer", sender.Mode())
	}
	deskCheck(t, sender, "tra-cuu-tin-nhan")
	sender.Submit(`form[action="/tra-cuu/tin-nhan"] button[type=submit]`)
	if id := sender.ActiveID(); id != "f-body" {
		t.Errorf("%s: after an empty answer focus is on %q, want the answer's field", sender.Mode(), id)
	}
	if sender.Text("#body-error") == "" {
		t.Errorf("%s: an empty answer gives no message", sender.Mode())
	}
	deskCheck(t, sender, "tra-cuu-tra-loi-loi")
	answer := "Khoảng 8 giờ tối, xe máy màu đỏ (" + mode + ")."
	sender.Type("#f-body", answer)
	sender.Submit(`form[action="/tra-cuu/tin-nhan"] button[type=submit]`)
	if !strings.Contains(sender.Text("p.notice-ok"), "Đã gửi lời nhắn") || !strings.Contains(sender.Text(".conversation"), answer) {
		t.Errorf("%s: after answering: %q\n%s", sender.Mode(), sender.Text("p.notice-ok"), sender.Text(".conversation"))
	}
	deskCheck(t, sender, "tra-cuu-da-tra-loi")

	// The desk sees the answer: the case is unread in the inbox.
	pg.Go(p.URL + "/quan-tri/hop-thu")
	openFilters(pg)
	pg.Click("#f-unread")
	pg.Submit(`form.filters button[type=submit]`)
	if ids := caseLinks(t, pg); !contains(ids, id) {
		t.Errorf("%s: the answered case %d is not among the unread ones %v", pg.Mode(), id, ids)
	}
	if pg.Text(`table.inbox tr.unread .badge-unread`) == "" {
		t.Errorf("%s: no “Tin nhắn mới” badge on the answered case", pg.Mode())
	}
	deskCheck(t, pg, "hop-thu-chua-doc")
	pg.Submit(`table.inbox a[href="` + casePath + `"]`)
	if !strings.Contains(pg.Text(".conversation .from-submitter"), answer) || pg.Text(".notice-new") == "" {
		t.Errorf("%s: the answer is not on the case page: %s", pg.Mode(), pg.Text(".conversation"))
	}
	deskCheck(t, pg, "ho-so-tin-moi")
	return id
}

// checkInboxRows: on a phone each case is a card whose number, status and
// deadline are on screen without scrolling sideways.
func checkInboxRows(t *testing.T, pg *Page) {
	t.Helper()
	var r struct {
		Rows, Visible int
		Height        float64
		FirstTop      float64 // of the first case, from the top of the page
		Folded        bool    // the filter form is folded away
	}
	pg.Eval(`(() => {
  const w = window.innerWidth, rows = document.querySelectorAll("table.inbox tbody tr");
  const ok = el => { if (!el) return false; const b = el.getBoundingClientRect(); return b.width > 0 && b.left >= 0 && b.right <= w; };
  let visible = 0, height = 0;
  rows.forEach(r => { if (ok(r.querySelector("th a")) && Array.from(r.querySelectorAll("td")).every(ok)) visible++; height += r.getBoundingClientRect().height; });
  const folded = !document.querySelector("details.filter-box").open;
  return {Rows: rows.length, Visible: visible, Height: height, Folded: folded, FirstTop: rows.length ? rows[0].getBoundingClientRect().top + window.scrollY : 0};
})()`, &r)
	if r.Visible != r.Rows {
		t.Errorf("%s inbox: %d of %d cases fully within the screen's width", pg.Mode(), r.Visible, r.Rows)
	}
	// With no filter in use the first case starts on the first screen,
	// below the status tabs (the filters are folded away).
	if r.Folded && r.Rows > 0 && r.FirstTop+80 > float64(pg.Size.Height) {
		t.Errorf("%s inbox: the first case starts %.0f px down a %d px screen", pg.Mode(), r.FirstTop, pg.Size.Height)
	}
	if pg.Size == Phone && r.Rows > 0 && r.Height/float64(r.Rows) > 320 {
		t.Errorf("%s inbox: %d cases take %.0f px", pg.Mode(), r.Rows, r.Height)
	}
}

// socialAffairs: an enquiry reaches the social-affairs inbox and no tip
// does; the police inbox does not list the enquiry, and its case page is
// "not found" for a police officer.
func socialAffairs(t *testing.T, p *Portal, size Size, js bool, tipCases []int) {
	family := OpenPage(t, p.URL+"/cai-nghien/dang-ky", size, js)
	family.Click("#f-relationship-1")
	family.SetValue("#f-substance", "heroin")
	family.Click("#f-preferred_form-2")
	family.SetValue("#f-area", "dong-hung")
	family.Type("#f-contact_name", "Chị Hoa")
	family.Type("#f-phone", "0912 345 678")
	family.Click("#f-consent")
	family.Submit(`form[action="/cai-nghien/dang-ky"] button[type=submit]`)
	receipt := family.Text(".receipt")
	if !receiptRe.MatchString(receipt) {
		t.Fatalf("%s: no receipt after an enquiry: %s", family.Mode(), family.Text("main"))
	}
	lookUp(t, family, p, receipt, "Mới tiếp nhận")

	pg := OpenPage(t, p.URL+"/quan-tri/hop-thu?order=newest", size, js)
	signIn(t, pg, socialOfficer, "/quan-tri/hop-thu?order=newest")
	ids := caseLinks(t, pg)
	if len(ids) == 0 {
		t.Fatalf("%s: the social-affairs inbox is empty after an enquiry", pg.Mode())
	}
	for _, tip := range tipCases {
		if contains(ids, tip) {
			t.Errorf("%s: the social-affairs inbox lists the tip's case %d", pg.Mode(), tip)
		}
	}
	enquiry := ids[0]
	deskCheck(t, pg, "hop-thu-xa-hoi")

	// Overdue: the enquiry, back-dated past the desk's first-response
	// goal in the database (the portal has no clock to turn), stands out.
	backDate(t, p, enquiry, 3*24*time.Hour)
	pg.Go(p.URL + "/quan-tri/hop-thu?overdue=1")
	if !contains(caseLinks(t, pg), enquiry) || pg.Text(`table.inbox tr.overdue .badge-overdue`) != "Quá hạn" {
		t.Errorf("%s: the back-dated enquiry %d is not shown overdue: %s", pg.Mode(), enquiry, pg.Text("#ket-qua"))
	}
	deskCheck(t, pg, "hop-thu-qua-han")
	checkInboxRows(t, pg)
	pg.Submit(fmt.Sprintf(`table.inbox a[href="/quan-tri/hop-thu/%d"]`, enquiry))
	if !strings.Contains(pg.Text("main"), "Chị Hoa") || pg.Count(`main a[href^="tel:"]`) == 0 {
		t.Errorf("%s: the enquiry's case page: %s", pg.Mode(), pg.Text("main"))
	}
	deskCheck(t, pg, "ho-so-xa-hoi")
	for _, tip := range tipCases {
		pg.Go(fmt.Sprintf("%s/quan-tri/hop-thu/%d", p.URL, tip))
		if strings.Contains(pg.Text("main"), "quán nước") || !strings.Contains(pg.Text("h1"), "Không tìm thấy") {
			t.Errorf("%s: social-affairs opens the tip's case %d: %s", pg.Mode(), tip, pg.Text("h1"))
		}
	}

	police := OpenPage(t, p.URL+"/quan-tri/hop-thu", size, js)
	signIn(t, police, officer, "/quan-tri/hop-thu")
	if contains(caseLinks(t, police), enquiry) {
		t.Errorf("%s: the police inbox lists the enquiry's case %d", police.Mode(), enquiry)
	}
	police.Go(fmt.Sprintf("%s/quan-tri/hop-thu/%d", p.URL, enquiry))
	if strings.Contains(police.Text("main"), "Chị Hoa") {
		t.Errorf("%s: police opens the enquiry's case", police.Mode())
	}
}

// deskKeyboard: a police officer with the keyboard alone signs in, opens
// the newest case from the inbox, changes its status and writes to the
// sender.
func deskKeyboard(t *testing.T, p *Portal, size Size, js bool) {
	_, receipt, _ := sendTip(t, p, size, js, "Tôi thấy người lạ giao ma túy ở bãi xe chợ (bàn phím "+modeName(size, js)+").")
	sender := OpenPage(t, "", size, js)
	lookUp(t, sender, p, receipt, "Mới tiếp nhận")

	pg := OpenPage(t, p.URL+"/quan-tri/hop-thu?order=newest", size, js)
	tabTo := func(what, expr string, max int) {
		t.Helper()
		var ok bool
		for i := 0; i < max; i++ {
			if pg.Eval(expr, &ok); ok {
				return
			}
			pg.Keys(kb.Tab)
		}
		t.Fatalf("%s: %s not reached with %d Tabs (focus on %s)", pg.Mode(), what, max,
			pg.EvalString(`document.activeElement.outerHTML.slice(0, 120)`))
	}
	tabTo("the user name", `document.activeElement.id === "username"`, 40)
	pg.Keys(officer)
	pg.Keys(kb.Tab)
	pg.Keys(deskPassword)
	pg.KeysNavigate(kb.Enter)
	if pg.Path() != "/quan-tri/hop-thu?order=newest" {
		t.Fatalf("%s: signing in by keyboard led to %s", pg.Mode(), pg.Path())
	}
	tabTo("the newest case", `document.activeElement.matches("table.inbox tbody tr:first-child th a")`, 60)
	casePath := pg.EvalString(`document.activeElement.pathname`)
	pg.KeysNavigate(kb.Enter)
	if pg.Path() != casePath {
		t.Fatalf("%s: Enter on the case link led to %s", pg.Mode(), pg.Path())
	}
	tabTo("the message field", `document.activeElement.id === "f-tin-nhan-body"`, 60)
	msg := "Cảm ơn bạn. Bãi xe nào, chợ nào? (bàn phím)"
	pg.Keys(msg)
	pg.Keys(kb.Tab)
	pg.KeysNavigate(kb.Enter)
	if !strings.Contains(pg.Text(".conversation .from-desk"), msg) {
		t.Errorf("%s: the message sent by keyboard is not in the conversation", pg.Mode())
	}
	tabTo("the status", `document.activeElement.id === "f-trang-thai-status"`, 60)
	pg.Keys(kb.ArrowDown) // the first next status: Đang xác minh
	tabTo("the status button", `document.activeElement.type === "submit" && document.activeElement.form.action.endsWith("/trang-thai")`, 8)
	pg.KeysNavigate(kb.Enter)
	if !strings.Contains(pg.Text("dl.meta"), "Đang xác minh") {
		t.Errorf("%s: status by keyboard: %s", pg.Mode(), pg.Text("dl.meta"))
	}
}

// deskCheck runs CheckPage and requires every id on the page to be unique
// (a label, a skip link or aria-labelledby pointing at a repeated id names
// the wrong element; axe-core no longer checks this).
func deskCheck(t *testing.T, pg *Page, name string) {
	t.Helper()
	var dup []string
	pg.Eval(`(() => { const seen = {}, dup = [];
  document.querySelectorAll("[id]").forEach(e => { if (seen[e.id]) dup.push(e.id); seen[e.id] = true; });
  return dup; })()`, &dup)
	if len(dup) > 0 {
		t.Errorf("%s %s: ids used more than once: %v", pg.Mode(), name, dup)
	}
	pg.CheckPage(name)
}

// openFilters opens the inbox's folded filter form as a person would, by
// its summary (native <details>: no script needed).
func openFilters(pg *Page) {
	pg.t.Helper()
	if pg.EvalString(`String(document.querySelector("details.filter-box").open)`) != "true" {
		pg.Click("details.filter-box > summary")
	}
	if pg.EvalString(`String(document.querySelector("details.filter-box").open)`) != "true" {
		pg.t.Fatalf("%s: the filters do not open", pg.Mode())
	}
}

// backDate moves case id's reception back by d in the portal's SQLite
// database (the running server shares it: WAL, busy timeout).
func backDate(t *testing.T, p *Portal, id int, d time.Duration) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(p.DataDir, "portal.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE cases SET received_at = received_at - ? WHERE id = ?`, int64(d/time.Second), id)
	if err != nil {
		t.Fatalf("back-date case %d: %v", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("back-date case %d: %d rows", id, n)
	}
}
