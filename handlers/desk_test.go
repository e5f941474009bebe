package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// deskEnv is the press environment (real app, SQLite, staff) with the
// intake service, the desk service and an embedded queue: the whole path
// from a form to a desk's inbox, in process.
type deskEnv struct {
	*pressEnv
	intake *intake.Service
	desk   *desk.Service
	q      *queue.Local
}

const deskPassword = "Cán bộ tiếp nhận 2026"

func newDeskEnv(t testing.TB) *deskEnv {
	t.Helper()
	e := &deskEnv{}
	e.pressEnv = newPressEnv(t, func(d *Deps) {
		cat, err := intake.LoadCatalog()
		if err != nil {
			t.Fatal(err)
		}
		if e.intake, err = intake.NewService(intake.Config{DB: d.Store, Catalog: cat, Secret: d.Secret, Now: d.Now}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.intake.Close)
		data, err := desk.LoadData()
		if err != nil {
			t.Fatal(err)
		}
		if e.desk, err = desk.New(desk.Config{DB: d.Store, Data: data, Catalog: cat, Now: d.Now}); err != nil {
			t.Fatal(err)
		}
		d.Intake, d.Desk, d.Limiter = e.intake, e.desk, ratelimit.NewMemory()
	})
	for _, u := range []struct{ name, role string }{{"tuan", press.RolePolice}, {"mai", press.RoleSocialAffairs}} {
		if _, err := e.office.AddStaff(context.Background(), press.ActorCLI, u.name, u.role, deskPassword); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if e.q, err = queue.OpenLocal(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.q.Close() })
	return e
}

// deliver forwards the outbox to the queue and runs the desk consumer
// until every submission is a case.
func (e *deskEnv) deliver(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	f := &intake.Forwarder{DB: e.db, Publisher: e.q, Catalog: e.intake.Catalog()}
	if _, err := f.ForwardPending(ctx); err != nil {
		t.Fatal(err)
	}
	c := &desk.Consumer{Queue: e.q, Service: e.desk, Name: "test", Block: 20 * time.Millisecond}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { c.Run(cctx); close(done) }()
	defer func() { cancel(); <-done }()
	for i := 0; ; i++ {
		st, _ := e.db.OutboxStats(ctx)
		if st.Sent == 0 && st.Unsent == 0 {
			return
		}
		if i > 500 {
			t.Fatalf("outbox still holds %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func doc(t testing.TB, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var receiptRe = regexp.MustCompile(`\d{4} \d{4} \d{4} \d{4}`)

// sendTip fills and sends the tip form as a person with JavaScript off
// would, and returns the receipt shown.
func sendTip(t testing.TB, b *browser, description string) string {
	t.Helper()
	b.get("/tin-bao")
	resp, body := b.post("/tin-bao", url.Values{"category": {"mua-ban"}, "area": {"vu-thu"}, "description": {description},
		"occurred_at": {"tối thứ Bảy"}, "location_detail": {"ngõ 5"}, "_nonce": {mustNonce(t)}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tip: %d\n%s", resp.StatusCode, body)
	}
	r := receiptRe.FindString(doc(t, body).Find(".receipt").Text())
	if r == "" {
		t.Fatalf("no receipt on %s", body)
	}
	return r
}

func sendEnquiry(t testing.TB, b *browser) string {
	t.Helper()
	b.get("/cai-nghien/dang-ky")
	resp, body := b.post("/cai-nghien/dang-ky", url.Values{"relationship": {"nguoi-than"}, "substance": {"heroin"},
		"preferred_form": {"methadone"}, "area": {"dong-hung"}, "contact_name": {"Trần Thị Hoa"}, "phone": {"0912 345 678"},
		"message": {"Gọi sau 17 giờ."}, "consent": {"on"}, "_nonce": {mustNonce(t)}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enquiry: %d\n%s", resp.StatusCode, body)
	}
	return receiptRe.FindString(doc(t, body).Find(".receipt").Text())
}

func mustNonce(t testing.TB) string {
	n, err := intake.NewNonce()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lookUp posts a receipt to /tra-cuu and returns the page.
func lookUp(t *testing.T, b *browser, receipt string) *goquery.Document {
	t.Helper()
	b.get("/tra-cuu")
	resp, body := b.post("/tra-cuu", url.Values{"receipt": {receipt}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("tra-cuu: %d\n%s", resp.StatusCode, body)
	}
	return doc(t, body)
}

// caseIDs reads the case numbers listed on an inbox page.
func caseIDs(d *goquery.Document) []string {
	var ids []string
	d.Find("table.inbox tbody th a").Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		ids = append(ids, strings.TrimPrefix(h, "/quan-tri/hop-thu/"))
	})
	return ids
}

// TestDeskFlowWithoutJavaScript: the whole desk flow by plain form posts,
// as with JavaScript off: a tip and an enquiry through the forms reach
// their desks only; a desk message reaches that receipt's /tra-cuu and no
// other; the sender answers from the same page; status changes show with
// their labels; closing needs an outcome and a reason; what was typed
// survives every error; internal notes never reach the sender.
func TestDeskFlowWithoutJavaScript(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	public := e.browser()
	tipText := "Có người bán ma túy ở ngõ 5<nhà 3>\nbên trái chợ & \"quán nước\".\n\nThường tối thứ Bảy."
	tipReceipt := sendTip(t, public, tipText)
	other := sendTip(t, e.browser(), "Một tin báo khác về việc mua bán ma túy ở xã bên cạnh.")
	enqReceipt := sendEnquiry(t, e.browser())
	e.deliver(t)

	police := e.browser()
	police.login("hung", pressPassword)
	social := e.browser()
	social.login("mai", deskPassword)

	// Login lands desk staff in their inbox.
	b := e.browser()
	b.get(loginPath)
	if resp, _ := b.post(loginPath, url.Values{"username": {"tuan"}, "password": {deskPassword}}); resp.Header.Get("Location") != inboxPath {
		t.Errorf("police login lands on %q, want the inbox", resp.Header.Get("Location"))
	}

	resp, body := police.get(inboxPath)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("police inbox: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	pIDs := caseIDs(doc(t, body))
	_, sBody := social.get(inboxPath)
	sIDs := caseIDs(doc(t, sBody))
	if len(pIDs) != 2 || len(sIDs) != 1 {
		t.Fatalf("police sees %v, social-affairs %v; want 2 tips and 1 enquiry", pIDs, sIDs)
	}
	cTip, _ := e.db.CaseBySubmission(ctx, submissionOf(t, e, tipReceipt))
	tipPath := fmt.Sprintf("%s/%d", inboxPath, cTip.ID)
	enqPath := inboxPath + "/" + sIDs[0]
	if !slices.Contains(pIDs, fmt.Sprint(cTip.ID)) || slices.Contains(pIDs, sIDs[0]) {
		t.Fatalf("inboxes mixed: police %v, social %v", pIDs, sIDs)
	}
	// Another desk's case is 404, not 403; so is an unknown one.
	for _, p := range []string{enqPath, inboxPath + "/999999"} {
		if resp, _ := police.get(p); resp.StatusCode != 404 {
			t.Errorf("police GET %s: %d, want 404", p, resp.StatusCode)
		}
	}
	if resp, _ := social.get(tipPath); resp.StatusCode != 404 {
		t.Errorf("social-affairs GET the tip: %d, want 404", resp.StatusCode)
	}
	if resp, _ := social.post(tipPath+"/ghi-chu", url.Values{"note": {"x"}}); resp.StatusCode != 404 {
		t.Errorf("social-affairs POST a note on the tip: %d, want 404", resp.StatusCode)
	}

	// Anonymous, press and admin: no inbox, no case.
	anon := e.browser()
	if resp, _ := anon.get(inboxPath); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), loginPath) {
		t.Errorf("anonymous inbox: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for user, pw := range map[string]string{"lan": pressPassword, "quantri": adminPassword} {
		s := e.browser()
		s.login(user, pw)
		for _, p := range []string{inboxPath, tipPath} {
			if resp, body := s.get(p); resp.StatusCode != 403 || strings.Contains(body, "ngõ 5") {
				t.Errorf("%s GET %s: %d", user, p, resp.StatusCode)
			}
		}
		if resp, _ := s.post(tipPath+"/tin-nhan", url.Values{"body": {"x"}}); resp.StatusCode != 403 {
			t.Errorf("%s POST a message: %d", user, resp.StatusCode)
		}
	}

	// The case page: what the person wrote, escaped, as written; the date
	// and hour only.
	resp, body = police.get(tipPath)
	d := doc(t, body)
	written := d.Find("#noi-dung-tin")
	if resp.StatusCode != 200 || written.Text() != tipText || !strings.Contains(body, "ngõ 5&lt;nhà 3&gt;\nbên trái chợ &amp;") {
		t.Fatalf("case page: %d, written %q", resp.StatusCode, written.Text())
	}
	if got := d.Find("dl.meta dt:contains('Tiếp nhận') + dd").Text(); !regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4}, \d{1,2} giờ$`).MatchString(got) {
		t.Errorf("received shown as %q, want the date and the hour only", got)
	}

	// A message to the sender; it shows at /tra-cuu for that receipt only.
	resp, _ = police.post(tipPath+"/tin-nhan", url.Values{"body": {"Nhà số mấy? Khoảng mấy giờ?"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("message: %d", resp.StatusCode)
	}
	if conv := lookUp(t, public, tipReceipt).Find(".conversation").Text(); !strings.Contains(conv, "Nhà số mấy? Khoảng mấy giờ?") {
		t.Errorf("the desk's message is not at /tra-cuu: %q", conv)
	}
	for _, r := range []string{other, enqReceipt} {
		if strings.Contains(lookUp(t, e.browser(), r).Text(), "Nhà số mấy") {
			t.Errorf("the message shows for receipt %s", r)
		}
	}

	// The sender answers from the same page; a too long answer comes back
	// with what was typed and a message naming the field.
	page := lookUp(t, public, tipReceipt)
	form := page.Find(`form[action="/tra-cuu/tin-nhan"]`)
	if form.Length() != 1 {
		t.Fatal("no reply form at /tra-cuu")
	}
	long := strings.Repeat("dài ", 600)
	v := browserFormValues(form)
	v.Set("body", long)
	resp, body = public.post("/tra-cuu/tin-nhan", v)
	if resp.StatusCode != 422 || !strings.Contains(body, "Lời nhắn: tối đa 2.000 ký tự") || doc(t, body).Find("#f-body").Text() != long {
		t.Errorf("long reply: %d, typed text kept: %v", resp.StatusCode, doc(t, body).Find("#f-body").Text() == long)
	}
	v = browserFormValues(doc(t, body).Find(`form[action="/tra-cuu/tin-nhan"]`))
	v.Set("body", "Nhà số 3,\nsau 21 giờ.")
	resp, body = public.post("/tra-cuu/tin-nhan", v)
	if resp.StatusCode != 200 || !strings.Contains(body, "Đã gửi lời nhắn") || !strings.Contains(doc(t, body).Find(".conversation").Text(), "Nhà số 3,\nsau 21 giờ.") {
		t.Fatalf("reply: %d\n%s", resp.StatusCode, body)
	}
	// The same form sent again stores nothing.
	if resp, _ := public.post("/tra-cuu/tin-nhan", v); resp.StatusCode != 409 {
		t.Errorf("reply sent twice: %d, want 409", resp.StatusCode)
	}

	// It lands in the case, unread.
	_, body = police.get(inboxPath + "?unread=1")
	if ids := caseIDs(doc(t, body)); len(ids) != 1 || ids[0] != fmt.Sprint(cTip.ID) {
		t.Errorf("unread filter: %v", ids)
	}
	_, body = police.get(tipPath)
	conv := doc(t, body).Find(".conversation li.from-submitter")
	if conv.Length() != 1 || !strings.Contains(conv.Text(), "Nhà số 3,\nsau 21 giờ.") || !strings.Contains(body, "Người gửi có tin nhắn mới") {
		t.Errorf("the answer in the case: %q", conv.Text())
	}
	if _, body = police.get(inboxPath + "?unread=1"); len(caseIDs(doc(t, body))) != 0 {
		t.Error("still unread after opening")
	}

	// Closing without an outcome and a reason: the page comes back with an
	// error summary naming the fields and what was typed.
	resp, body = police.post(tipPath+"/trang-thai", url.Values{"from": {"new"}, "status": {"closed"}, "note": {"   "}})
	d = doc(t, body)
	if resp.StatusCode != 422 || !strings.Contains(d.Find(".error-summary").Text(), "Kết quả: hãy chọn kết quả") ||
		!strings.Contains(d.Find(".error-summary").Text(), "Ghi chú: cần ghi lý do khi kết thúc hồ sơ") {
		t.Errorf("close without reason: %d %q", resp.StatusCode, d.Find(".error-summary").Text())
	}
	if sel, _ := d.Find(`#f-trang-thai-status option[selected]`).Attr("value"); sel != "closed" {
		t.Errorf("chosen status lost: %q", sel)
	}
	// Verifying: the sender sees the label.
	if resp, _ := police.post(tipPath+"/trang-thai", url.Values{"from": {"new"}, "status": {"verifying"}}); resp.StatusCode != 303 {
		t.Fatalf("to verifying: %d", resp.StatusCode)
	}
	if st := lookUp(t, public, tipReceipt).Find(".notice-ok strong").Text(); st != "Đang xác minh" {
		t.Errorf("/tra-cuu status = %q", st)
	}
	// A form opened before that change is stale: 409, nothing changes.
	if resp, _ := police.post(tipPath+"/trang-thai", url.Values{"from": {"new"}, "status": {"referred"}}); resp.StatusCode != 409 {
		t.Errorf("stale status form: %d", resp.StatusCode)
	}
	if resp, _ := police.post(tipPath+"/phan-cong", url.Values{"assignee": {"tuan"}}); resp.StatusCode != 303 {
		t.Errorf("assign: %d", resp.StatusCode)
	}
	if resp, _ := police.post(tipPath+"/ghi-chu", url.Values{"note": {"Đối chiếu với vụ tháng 10, không báo người gửi."}}); resp.StatusCode != 303 {
		t.Errorf("note: %d", resp.StatusCode)
	}
	// A post without the CSRF token changes nothing.
	if resp, _ := police.post(tipPath+"/ghi-chu", url.Values{"note": {"giả mạo"}, "_csrf": {""}}); resp.StatusCode != 403 {
		t.Errorf("note without CSRF: %d", resp.StatusCode)
	}
	resp, _ = police.post(tipPath+"/trang-thai", url.Values{"from": {"verifying"}, "status": {"closed"}, "outcome": {"da-xu-ly"},
		"note": {"Đã phối hợp bắt quả tang."}})
	if resp.StatusCode != 303 {
		t.Fatalf("close: %d", resp.StatusCode)
	}
	page = lookUp(t, public, tipReceipt)
	if st := page.Find(".notice-ok strong").Text(); st != "Đã kết thúc" || !strings.Contains(page.Text(), "Thông tin đã được xác minh và xử lý") {
		t.Errorf("closed at /tra-cuu: %q", st)
	}
	if page.Find(`form[action="/tra-cuu/tin-nhan"]`).Length() != 0 {
		t.Error("a closed case still takes messages")
	}
	for _, secret := range []string{"tháng 10", "quả tang", "tuan", "hung"} {
		if strings.Contains(page.Text(), secret) {
			t.Errorf("/tra-cuu shows internal %q", secret)
		}
	}

	// The history: who and when.
	_, body = police.get(tipPath)
	var hist []string
	doc(t, body).Find("ol.history li").Each(func(_ int, li *goquery.Selection) {
		hist = append(hist, strings.Join(strings.Fields(li.Find("p").First().Text()), " "))
	})
	// What the sender never sees is marked; a status change is seen by
	// the sender, only its reason is internal.
	want := []string{"Hệ thống: Tiếp nhận", "hung: Nhắn cho người gửi", "Người gửi: Người gửi nhắn",
		"hung: Chuyển trạng thái: Đang xác minh (người gửi thấy trạng thái; lý do chỉ nội bộ)",
		"hung: Phân công cho tuan (nội bộ)", "hung: Ghi chú nội bộ (nội bộ)",
		"hung: Chuyển trạng thái: Đã kết thúc (Đã xác minh, xử lý theo quy định) (người gửi thấy trạng thái; lý do chỉ nội bộ)"}
	if len(hist) != len(want) {
		t.Fatalf("history %q", hist)
	}
	for i, w := range want {
		if !strings.Contains(hist[i], w) {
			t.Errorf("history %d = %q, want %q", i, hist[i], w)
		}
	}

	// Export: CSV, UTF-8 with BOM, the desk's own cases only, audited.
	_, body = police.get(inboxPath)
	ev := browserFormValues(doc(t, body).Find(`form[action="/quan-tri/hop-thu/xuat"]`))
	resp, body = police.post(inboxPath+"/xuat", ev)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 || strings.Contains(body, "Trần Thị Hoa") {
		t.Errorf("export rows %d, %v", len(rows), err)
	}
	resp, body = police.post(inboxPath+"/xuat", url.Values{"from": {"2026-12-01"}, "to": {"2026-01-01"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "Đến ngày: phải từ “Từ ngày” trở đi") {
		t.Errorf("export with reversed dates: %d", resp.StatusCode)
	}

	// Every desk action is in the audit log, which the admin reads
	// without any content.
	admin := e.browser()
	admin.login("quantri", adminPassword)
	_, body = admin.get("/quan-tri/nhat-ky")
	for _, a := range []string{"Xem hồ sơ", "Gửi tin nhắn cho người gửi", "Đổi trạng thái hồ sơ", "Phân công hồ sơ", "Ghi chú nội bộ", "Xuất danh sách hồ sơ"} {
		if !strings.Contains(body, a) {
			t.Errorf("audit log lacks %q", a)
		}
	}
	for _, content := range []string{"ngõ 5", "Nhà số", "tháng 10"} {
		if strings.Contains(body, content) {
			t.Errorf("audit log shows content %q", content)
		}
	}
}

// submissionOf finds the submission a receipt names.
func submissionOf(t *testing.T, e *deskEnv, receipt string) string {
	t.Helper()
	st, err := e.intake.Status(context.Background(), receipt)
	if err != nil {
		t.Fatal(err)
	}
	return st.SubmissionID
}

// TestInboxFilters: filters, counts per status, order and paging of the
// inbox, and bad filter values named in Vietnamese.
func TestInboxFilters(t *testing.T) {
	e := newDeskEnv(t)
	for i := 0; i < 3; i++ {
		sendTip(t, e.browser(), fmt.Sprintf("Tin báo số %d về việc mua bán ma túy gần trường học.", i))
		e.clk.Add(time.Hour)
	}
	e.deliver(t)
	police := e.browser()
	police.login("hung", pressPassword)
	_, body := police.get(inboxPath)
	ids := caseIDs(doc(t, body))
	if len(ids) != 3 {
		t.Fatalf("inbox %v", ids)
	}
	_, body = police.get(inboxPath + "?order=newest")
	if got := caseIDs(doc(t, body)); got[0] != ids[2] {
		t.Errorf("newest first = %v", got)
	}
	police.post(inboxPath+"/"+ids[0]+"/trang-thai", url.Values{"from": {"new"}, "status": {"verifying"}})
	_, body = police.get(inboxPath + "?status=new")
	d := doc(t, body)
	if got := caseIDs(d); len(got) != 2 {
		t.Errorf("status=new: %v", got)
	}
	tabs := strings.Join(strings.Fields(d.Find("ul.tabs").Text()), " ")
	if !strings.Contains(tabs, "Tất cả (3)") || !strings.Contains(tabs, "Mới tiếp nhận (2)") || !strings.Contains(tabs, "Đang xác minh (1)") {
		t.Errorf("tabs = %q", tabs)
	}
	// 49 h later the two never answered are overdue and stand out.
	e.clk.Add(49 * time.Hour)
	police.login("hung", pressPassword) // the session expired meanwhile
	_, body = police.get(inboxPath + "?overdue=1")
	d = doc(t, body)
	if got := caseIDs(d); len(got) != 2 || d.Find("tr.overdue .badge-overdue").Length() != 2 {
		t.Errorf("overdue: %v", got)
	}
	resp, body := police.get(inboxPath + "?status=xong&area=ha-noi&from=29-11-2026&page=0")
	d = doc(t, body)
	sum := d.Find(".error-summary").Text()
	if resp.StatusCode != 422 || !strings.Contains(sum, "Trang: cần là một số nguyên") {
		t.Errorf("bad page: %d %q", resp.StatusCode, sum)
	}
	resp, body = police.get(inboxPath + "?status=xong&area=ha-noi&from=29-11-2026")
	sum = doc(t, body).Find(".error-summary").Text()
	for _, want := range []string{"Trạng thái: không có trạng thái “xong”", "Địa bàn: không có trong danh sách", "Từ ngày: cần là ngày"} {
		if resp.StatusCode != 422 || !strings.Contains(sum, want) {
			t.Errorf("bad filters: %d, summary lacks %q: %q", resp.StatusCode, want, sum)
		}
	}
}

// TestDeskAPI: the Bearer API does what the inbox does, for its desk only.
func TestDeskAPI(t *testing.T) {
	e := newDeskEnv(t)
	ctx := context.Background()
	receipt := sendTip(t, e.browser(), "Có người bán ma túy qua mạng xã hội, hẹn giao hàng ở cổng chợ.")
	enq := sendEnquiry(t, e.browser())
	e.deliver(t)
	police, _, err := e.desk.CreateToken(ctx, press.ActorCLI, "police", "he-thong-pc04")
	if err != nil {
		t.Fatal(err)
	}
	social, _, _ := e.desk.CreateToken(ctx, press.ActorCLI, "social-affairs", "he-thong-xh")
	api := func(method, path, token, body string) (int, map[string]any, http.Header) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, raw := e.browser().do(req)
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("%s %s: %d not JSON: %q", method, path, resp.StatusCode, raw)
		}
		return resp.StatusCode, m, resp.Header
	}
	st, m, hdr := api("GET", "/api/v1/desk/cases", "", "")
	if st != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") || !strings.Contains(m["error"].(string), "Authorization") {
		t.Errorf("no token: %d %v %v", st, m, hdr)
	}
	if st, _, hdr := api("GET", "/api/v1/desk/cases", "pdt_sai", ""); st != 401 || !strings.Contains(hdr.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("bad token: %d", st)
	}
	st, m, hdr = api("GET", "/api/v1/desk/cases?status=new", police, "")
	cases, _ := m["cases"].([]any)
	if st != 200 || m["total"] != float64(1) || m["page"] != float64(1) || len(cases) != 1 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("list: %d %v", st, m)
	}
	c := cases[0].(map[string]any)
	if c["kind"] != "tip" || c["status"] != "new" || c["category"] != "mua-ban" || c["area"] != "vu-thu" || c["unread"] != false ||
		!regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(c["received_on"].(string)) {
		t.Errorf("case = %v", c)
	}
	id := int64(c["id"].(float64))
	_, sm, _ := api("GET", "/api/v1/desk/cases", social, "")
	scases, _ := sm["cases"].([]any)
	if len(scases) != 1 {
		t.Fatalf("social-affairs list: %v", sm)
	}
	sc, _ := scases[0].(map[string]any)
	enqID := int64(0)
	if f, ok := sc["id"].(float64); ok {
		enqID = int64(f)
	}
	if enqID == 0 || sc["substance"] != "heroin" || sc["category"] != nil {
		t.Errorf("enquiry in the API: %v", sc)
	}
	// Cross-desk: 404, for reading and for writing.
	for _, r := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/api/v1/desk/cases/%d", enqID), ""},
		{"POST", fmt.Sprintf("/api/v1/desk/cases/%d/messages", enqID), `{"body":"x"}`},
		{"POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", enqID), `{"status":"verifying"}`},
	} {
		if st, _, _ := api(r.method, r.path, police, r.body); st != 404 {
			t.Errorf("police %s %s: %d, want 404", r.method, r.path, st)
		}
	}
	st, m, _ = api("GET", fmt.Sprintf("/api/v1/desk/cases/%d", id), police, "")
	if sub, _ := m["submission"].(map[string]any); st != 200 || !strings.Contains(fmt.Sprint(sub["description"]), "mạng xã hội") {
		t.Fatalf("case: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/messages", id), police, `{"body":"Bạn có ảnh chụp tài khoản đó không?"}`)
	if st != 201 || m["from"] != "desk" {
		t.Errorf("message: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/messages", id), police, `{"body":""}`)
	if errs, _ := m["errors"].(map[string]any); st != 422 || errs["body"] != "Nội dung tin nhắn: không được để trống" {
		t.Errorf("empty message: %d %v", st, m)
	}
	// Keys as on the public API: exact, once each, none it does not take.
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/messages", id), police, `{"body":"ok","extra":1}`)
	if errs, _ := m["errors"].(map[string]any); st != 422 || !strings.HasPrefix(fmt.Sprint(errs["extra"]), "extra: trường này không có trong yêu cầu") {
		t.Errorf("unknown field: %d %v", st, m)
	}
	// A change made on a status the client read before someone moved the
	// case: 409, nothing changed.
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":"verifying","from":"closed"}`)
	if st != 409 {
		t.Errorf("stale from: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":"verifying","status":"closed"}`)
	if errs, _ := m["errors"].(map[string]any); st != 422 || !strings.HasPrefix(fmt.Sprint(errs["status"]), "Trạng thái: được gửi nhiều lần") {
		t.Errorf("repeated field: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":"closed"}`)
	if errs, _ := m["errors"].(map[string]any); st != 422 || errs["outcome"] == nil || errs["note"] == nil {
		t.Errorf("close without outcome: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":1}`)
	if errs, _ := m["errors"].(map[string]any); st != 422 || errs["status"] != "Trạng thái: phải là một chuỗi ký tự" {
		t.Errorf("status of the wrong type: %d %v", st, m)
	}
	st, m, _ = api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":"verifying","note":"Đang đối chiếu."}`)
	if cs, _ := m["case"].(map[string]any); st != 200 || cs["status"] != "verifying" || cs["status_label"] != "Đang xác minh" {
		t.Errorf("status: %d %v", st, m)
	}
	if st, m, _ := api("GET", "/api/v1/desk/cases?status=sai", police, ""); st != 422 || m["errors"].(map[string]any)["status"] == nil {
		t.Errorf("bad status filter: %d %v", st, m)
	}
	// The error names the parameter the client sent (since, or the
	// inbox's from).
	if st, m, _ := api("GET", "/api/v1/desk/cases?since=abc", police, ""); st != 422 || m["errors"].(map[string]any)["since"] == nil || m["errors"].(map[string]any)["from"] != nil {
		t.Errorf("since=abc: %d %v", st, m)
	}
	if st, m, _ := api("GET", "/api/v1/desk/cases?from=abc", police, ""); st != 422 || m["errors"].(map[string]any)["from"] == nil {
		t.Errorf("from=abc: %d %v", st, m)
	}

	// The sender sees it all through POST /api/v1/status and answers
	// through POST /api/v1/messages.
	b := e.browser()
	req := func(path, body string) (int, map[string]any) {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		resp, raw := b.do(r)
		var m map[string]any
		json.Unmarshal([]byte(raw), &m)
		return resp.StatusCode, m
	}
	st, m = req("/api/v1/status", `{"receipt":"`+receipt+`"}`)
	msgs, _ := m["messages"].([]any)
	if st != 200 || m["status"] != "verifying" || m["status_label"] != "Đang xác minh" || len(msgs) != 1 ||
		msgs[0].(map[string]any)["from"] != "desk" || msgs[0].(map[string]any)["body"] != "Bạn có ảnh chụp tài khoản đó không?" {
		t.Errorf("status API: %d %v", st, m)
	}
	if _, m := req("/api/v1/status", `{"receipt":"`+enq+`"}`); len(m["messages"].([]any)) != 0 || m["status"] != "new" {
		t.Errorf("the other receipt's status: %v", m)
	}
	if st, m := req("/api/v1/messages", `{"receipt":"`+receipt+`","body":"  "}`); st != 422 || m["errors"].(map[string]any)["body"] != "Lời nhắn: không được để trống" {
		t.Errorf("empty answer: %d %v", st, m)
	}
	if st, m := req("/api/v1/messages", `{"receipt":"12","body":"x"}`); st != 422 || m["errors"].(map[string]any)["receipt"] == nil {
		t.Errorf("bad receipt: %d %v", st, m)
	}
	// A field the API does not take is refused, naming it (as the tip's).
	if st, m := req("/api/v1/messages", `{"receipt":"`+receipt+`","body":"Nhà số 5.","zzz":1}`); st != 422 ||
		!strings.HasPrefix(fmt.Sprint(m["errors"].(map[string]any)["zzz"]), "zzz: trường này không có trong yêu cầu") {
		t.Errorf("unknown field: %d %v", st, m)
	}
	if st, _ := req("/api/v1/messages", `{"receipt":"0000 0000 0000 0001","body":"x"}`); st != 404 {
		t.Errorf("unknown receipt: %d", st)
	}
	st, m = req("/api/v1/messages", `{"receipt":"`+receipt+`","body":"Có, tôi sẽ gửi tin báo mới kèm ảnh."}`)
	if st != 202 || m["from"] != "submitter" {
		t.Errorf("answer: %d %v", st, m)
	}
	_, m, _ = api("GET", "/api/v1/desk/cases?unread=true", police, "")
	if m["total"] != float64(1) {
		t.Errorf("unread after the answer: %v", m)
	}
	_, m, _ = api("GET", fmt.Sprintf("/api/v1/desk/cases/%d", id), police, "")
	if ms := m["messages"].([]any); len(ms) != 2 || ms[1].(map[string]any)["from"] != "submitter" {
		t.Errorf("messages in the case: %v", ms)
	}
	api("POST", fmt.Sprintf("/api/v1/desk/cases/%d/status", id), police, `{"status":"closed","outcome":"chua-du-co-so","note":"Chưa đủ căn cứ."}`)
	if st, _ := req("/api/v1/messages", `{"receipt":"`+receipt+`","body":"Còn nữa."}`); st != 409 {
		t.Errorf("answer to a closed case: %d", st)
	}
	a, _ := e.db.ListAudit(ctx, 0, 50)
	var apiActions []string
	for _, x := range a {
		if x.Actor == "api:he-thong-pc04" {
			apiActions = append(apiActions, x.Action)
		}
	}
	if len(apiActions) < 5 {
		t.Errorf("API actions audited: %v", apiActions)
	}
}
