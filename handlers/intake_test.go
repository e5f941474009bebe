package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// intakeEnv is a real app with a real store, outbox service and limiter.
type intakeEnv struct {
	app     *fiber.App
	srv     *Server
	db      *store.DB
	svc     *intake.Service
	dataDir string
	logs    *bytes.Buffer
}

type intakeOpts struct {
	limits  Limits
	limiter ratelimit.Limiter
	trusted []netip.Prefix
	// engine of the system of record: "" or "sqlite" (a file in the test's
	// directory), "postgres" (a schema of TEST_DATABASE_URL's server).
	engine string
}

func newIntakeEnv(t testing.TB, o intakeOpts) *intakeEnv {
	t.Helper()
	lib, err := content.Load(content.Corpus, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var db *store.DB
	if o.engine == "postgres" {
		db = storetest.Open(t, "postgres")
	} else if db, err = store.OpenSQLite(context.Background(), filepath.Join(dir, "portal.db")); err != nil {
		t.Fatal(err)
	}
	cat, err := intake.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("test-secret-0123456789abcdef")
	svc, err := intake.NewService(intake.Config{DB: db, Catalog: cat, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); db.Close() })
	if o.limiter == nil {
		o.limiter = ratelimit.NewMemory()
	}
	logs := &bytes.Buffer{}
	srv, app, err := newServer(Deps{
		Library: lib, Secret: secret, Store: db, DataDir: dir,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Intake:         svc,
		Limiter:        o.limiter,
		Limits:         o.limits,
		TrustedProxies: o.trusted,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &intakeEnv{app: app, srv: srv, db: db, svc: svc, dataDir: dir, logs: logs}
}

func (e *intakeEnv) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := e.app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// formSession GETs a form page and returns its CSRF cookie and token.
func (e *intakeEnv) formSession(t testing.TB, path string) (*http.Cookie, string) {
	t.Helper()
	resp, body := e.do(t, httptest.NewRequest(http.MethodGet, path, nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET %s: Cache-Control %q; a shared cache would hand one nonce to many", path, cc)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == csrfCookie {
			cookie = c
		}
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	if cookie == nil || token == "" {
		t.Fatalf("GET %s: no CSRF cookie or token", path)
	}
	return cookie, token
}

func (e *intakeEnv) postForm(t *testing.T, path string, v url.Values) (*http.Response, *goquery.Document, string) {
	t.Helper()
	cookie, token := e.formSession(t, path)
	v.Set("_csrf", token)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	resp, body := e.do(t, req)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	return resp, doc, body
}

func (e *intakeEnv) postJSON(t *testing.T, path, body string, hdr ...string) (*http.Response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, raw := e.do(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatalf("POST %s: %d, body is not JSON: %q", path, resp.StatusCode, raw)
	}
	return resp, m
}

var receiptRE = regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4}$`)

// checkLabels asserts every visible control has a label, and every
// aria-describedby id exists.
func checkLabels(t *testing.T, doc *goquery.Document) {
	t.Helper()
	doc.Find("form input, form select, form textarea").Each(func(_ int, s *goquery.Selection) {
		if typ, _ := s.Attr("type"); typ == "hidden" {
			return
		}
		id, _ := s.Attr("id")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			name, _ := s.Attr("name")
			t.Errorf("control %q (id %q) has no label", name, id)
		}
	})
	doc.Find("[aria-describedby]").Each(func(_ int, s *goquery.Selection) {
		ids, _ := s.Attr("aria-describedby")
		for _, id := range strings.Fields(ids) {
			if doc.Find("#"+id).Length() != 1 {
				t.Errorf("aria-describedby names missing #%s", id)
			}
		}
	})
}

func TestTipForm(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	resp, body := e.do(t, httptest.NewRequest(http.MethodGet, "/tin-bao", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("GET /tin-bao: %d", resp.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	checkLabels(t, doc)
	if n := doc.Find(`input[name="category"][type="radio"]`).Length(); n != 6 {
		t.Errorf("%d category choices, want 6", n)
	}
	if n := doc.Find(`select[name="area"] option[value!=""]`).Length(); n != 13 {
		t.Errorf("%d areas, want 13", n)
	}
	hp := doc.Find(`.hp[aria-hidden="true"] input[name="website"][tabindex="-1"]`)
	if hp.Length() != 1 {
		t.Error("honeypot is not hidden from people and screen readers")
	}
	if !strings.Contains(doc.Find("details").Text(), "Không ghi lại địa chỉ mạng (IP)") {
		t.Error("no note on what the portal keeps")
	}
	if len(body) > 20000 {
		t.Errorf("tip page is %d bytes; keep it small for cheap phones", len(body))
	}

	// Invalid: a message at each field, and everything typed kept.
	typed := "bán ma túy <b>"
	resp, doc, _ = e.postForm(t, "/tin-bao", url.Values{
		"category": {"mua-ban"}, "area": {"ha-noi"}, "description": {typed}, "occurred_at": {"tối qua"},
	})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid tip: status %d", resp.StatusCode)
	}
	checkLabels(t, doc)
	if got := doc.Find("#description-error").Text(); got != "Nội dung: cần ít nhất 20 ký tự (bạn đã nhập 14)" {
		t.Errorf("description error = %q", got)
	}
	if got := doc.Find("#area-error").Text(); got != "Địa bàn: hãy chọn một mục trong danh sách" {
		t.Errorf("area error = %q", got)
	}
	if d, _ := doc.Find("#f-description").Attr("aria-describedby"); d != "description-hint description-error" {
		t.Errorf("description aria-describedby = %q", d)
	}
	if inv, _ := doc.Find("#f-description").Attr("aria-invalid"); inv != "true" {
		t.Error("description not marked aria-invalid")
	}
	if got := doc.Find("#f-description").Text(); got != typed {
		t.Errorf("typed description not kept: %q", got)
	}
	if v, _ := doc.Find("#f-occurred_at").Attr("value"); v != "tối qua" {
		t.Errorf("typed time not kept: %q", v)
	}
	if _, ok := doc.Find(`input[name="category"][value="mua-ban"]`).Attr("checked"); !ok {
		t.Error("chosen category not kept")
	}
	if n := doc.Find(`#loi a[href="#f-description"]`).Length(); n != 1 {
		t.Error("error summary does not link to the field")
	}
	if c, _ := e.db.CountPendingSubmissions(context.Background()); c != 0 {
		t.Fatalf("invalid tip stored")
	}

	// Valid: the receipt page, and the outbox holds it.
	resp, doc, _ = e.postForm(t, "/tin-bao", url.Values{
		"category": {"trong-cay"}, "area": {"tien-hai"},
		"description": {"Nhà cuối thôn trồng cây thuốc phiện sau vườn, khoảng hai chục gốc."},
	})
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("valid tip: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	receipt := strings.TrimSpace(doc.Find(".receipt").Text())
	if !receiptRE.MatchString(receipt) {
		t.Fatalf("receipt %q", receipt)
	}
	if c, _ := e.db.CountPendingSubmissions(context.Background()); c != 1 {
		t.Errorf("outbox holds %d, want 1", c)
	}

	// Look it up.
	resp, doc, _ = e.postForm(t, "/tra-cuu", url.Values{"receipt": {receipt}})
	if resp.StatusCode != 200 || !strings.Contains(doc.Find(".notice-ok").Text(), "Đã tiếp nhận") {
		t.Errorf("status page: %d %q", resp.StatusCode, doc.Find(".notice-ok").Text())
	}
	if got, want := doc.Find(".notice-ok dd").Eq(1).Text(), time.Now().In(time.FixedZone("", 7*3600)).Format("2/1/2006"); got != want {
		t.Errorf("day of receipt = %q, want %q", got, want)
	}
	resp, doc, _ = e.postForm(t, "/tra-cuu", url.Values{"receipt": {"0000 0000 0000 0000"}})
	if resp.StatusCode != 404 || !strings.Contains(doc.Find("#receipt-error").Text(), "Không tìm thấy") {
		t.Errorf("unknown receipt: %d %q", resp.StatusCode, doc.Find("#receipt-error").Text())
	}
	resp, doc, _ = e.postForm(t, "/tra-cuu", url.Values{"receipt": {"12ab"}})
	if resp.StatusCode != 422 || doc.Find("#receipt-error").Text() != msgReceiptFormat {
		t.Errorf("malformed receipt: %d %q", resp.StatusCode, doc.Find("#receipt-error").Text())
	}
	if v, _ := doc.Find("#f-receipt").Attr("value"); v != "12ab" {
		t.Errorf("typed receipt not kept: %q", v)
	}
}

func TestTipFormHoneypotAndCSRF(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	v := url.Values{"category": {"khac"}, "area": {"khac"}, "description": {"Một nội dung đủ dài để hợp lệ hoàn toàn."}, "website": {"http://spam"}}
	resp, doc, _ := e.postForm(t, "/tin-bao", v)
	if resp.StatusCode != 422 || !strings.Contains(doc.Find("#loi").Text(), "điền tự động") {
		t.Errorf("honeypot: %d %q", resp.StatusCode, doc.Find("#loi").Text())
	}
	if got := doc.Find("#f-description").Text(); got != v.Get("description") {
		t.Errorf("typed text lost on honeypot: %q", got)
	}
	if c, _ := e.db.CountPendingSubmissions(context.Background()); c != 0 {
		t.Error("honeypot submission stored")
	}
	// Without the CSRF token: 403, nothing stored.
	v.Del("website")
	req := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = e.do(t, req)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", resp.StatusCode)
	}
	// Too large.
	req = httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader("description="+strings.Repeat("a", intakeFormBodyLimit)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, body := e.do(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "quá lớn") {
		t.Errorf("large form: %d", resp.StatusCode)
	}
	if c, _ := e.db.CountPendingSubmissions(context.Background()); c != 0 {
		t.Error("stored without CSRF token")
	}
}

func TestEnquiryForm(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	resp, body := e.do(t, httptest.NewRequest(http.MethodGet, "/cai-nghien/dang-ky", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	checkLabels(t, doc)
	if im, _ := doc.Find("#f-phone").Attr("inputmode"); im != "tel" {
		t.Errorf("phone inputmode = %q", im)
	}
	if !strings.Contains(body, "Luật số 91/2025/QH15") || !strings.Contains(doc.Find(".lead").Text(), "chuyển đến") {
		t.Error("consent rule or receiving agency not named")
	}
	v := url.Values{
		"relationship": {"nguoi-than"}, "substance": {"heroin"}, "preferred_form": {"methadone"},
		"area": {"quynh-phu"}, "contact_name": {"Chị Lan"}, "phone": {"0912 34"}, "message": {"Gọi sau 18 giờ"},
	}
	resp, doc, _ = e.postForm(t, "/cai-nghien/dang-ky", v)
	if resp.StatusCode != 422 {
		t.Fatalf("invalid enquiry: %d", resp.StatusCode)
	}
	if !strings.HasPrefix(doc.Find("#phone-error").Text(), "Số điện thoại: ") || !strings.HasPrefix(doc.Find("#consent-error").Text(), "Đồng ý xử lý dữ liệu cá nhân: ") {
		t.Errorf("errors: phone %q, consent %q", doc.Find("#phone-error").Text(), doc.Find("#consent-error").Text())
	}
	if val, _ := doc.Find("#f-phone").Attr("value"); val != "0912 34" {
		t.Errorf("typed phone not kept: %q", val)
	}
	if _, ok := doc.Find(`#f-substance option[value="heroin"]`).Attr("selected"); !ok {
		t.Error("chosen substance not kept")
	}
	v.Set("phone", "+84 912 345 678")
	// Only the checkbox's value is consent.
	for _, no := range []string{"khong", "false", "0"} {
		v.Set("consent", no)
		resp, doc, _ = e.postForm(t, "/cai-nghien/dang-ky", v)
		if resp.StatusCode != 422 || !strings.HasPrefix(doc.Find("#consent-error").Text(), "Đồng ý xử lý dữ liệu cá nhân: ") {
			t.Errorf("consent=%s: %d %q", no, resp.StatusCode, doc.Find("#consent-error").Text())
		}
	}
	v.Set("consent", "dong-y")
	resp, doc, _ = e.postForm(t, "/cai-nghien/dang-ky", v)
	if resp.StatusCode != 200 || !receiptRE.MatchString(strings.TrimSpace(doc.Find(".receipt").Text())) {
		t.Fatalf("valid enquiry: %d", resp.StatusCode)
	}
	rows, _ := e.db.PendingSubmissions(context.Background(), 10)
	if len(rows) != 1 || rows[0].Kind != intake.KindRehabEnquiry || !strings.Contains(string(rows[0].Data), `"phone":"+84912345678"`) {
		t.Errorf("outbox = %+v", rows)
	}
	resp, body = e.do(t, httptest.NewRequest(http.MethodGet, "/cai-nghien", nil))
	if resp.StatusCode != 200 || !strings.Contains(body, "Methadone") || !strings.Contains(body, "tại gia đình, cộng đồng") {
		t.Errorf("guide: %d", resp.StatusCode)
	}
}

func TestIntakeAPI(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	resp, body := e.do(t, httptest.NewRequest(http.MethodGet, "/api/v1/form-options", nil))
	var opts map[string][]intake.Option
	if err := json.Unmarshal([]byte(body), &opts); err != nil || resp.StatusCode != 200 {
		t.Fatalf("form-options: %d %v", resp.StatusCode, err)
	}
	for _, k := range []string{"tip_categories", "areas", "relationships", "substances", "rehab_forms"} {
		if len(opts[k]) == 0 || opts[k][0].Code == "" || opts[k][0].Label == "" {
			t.Errorf("form-options %s = %v", k, opts[k])
		}
	}

	resp, m := e.postJSON(t, "/api/v1/tips", `{"category":"ban-tren-mang","area":"thai-thuy","description":"Tài khoản mạng xã hội rao bán ma túy, giao hàng tận nơi.","location_detail":"trên mạng"}`)
	receipt, _ := m["receipt"].(string)
	if resp.StatusCode != 202 || len(receipt) != 16 || m["status"] != "received" {
		t.Fatalf("tip: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/status", `{"receipt":"`+receipt+`"}`)
	if resp.StatusCode != 200 || m["kind"] != "tip" || m["status"] != "received" || m["received_on"] != time.Now().In(time.FixedZone("", 7*3600)).Format("2006-01-02") {
		t.Errorf("status: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/status", `{"receipt":"1111222233334444"}`)
	if resp.StatusCode != 404 || m["error"] != msgReceiptUnknown {
		t.Errorf("unknown receipt: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/status", `{"receipt":"x"}`)
	if resp.StatusCode != 422 {
		t.Errorf("bad receipt: %d %v", resp.StatusCode, m)
	}

	resp, m = e.postJSON(t, "/api/v1/rehab-enquiries", `{"relationship":"ban-than","substance":"can-sa","preferred_form":"chua-biet","area":"kien-xuong","contact_name":"An","phone":"0362123456","consent":true}`)
	if resp.StatusCode != 202 || m["status"] != "received" {
		t.Errorf("enquiry: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/rehab-enquiries", `{"relationship":"ban-than","substance":"can-sa","preferred_form":"chua-biet","area":"kien-xuong","contact_name":"An","phone":"0362123456","consent":false}`)
	errs, _ := m["errors"].(map[string]any)
	if resp.StatusCode != 422 || !strings.HasPrefix(errs["consent"].(string), "Đồng ý xử lý dữ liệu cá nhân: ") || len(errs) != 1 {
		t.Errorf("no consent: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"ngắn"}`)
	errs, _ = m["errors"].(map[string]any)
	if resp.StatusCode != 422 || errs["description"] != "Nội dung: cần ít nhất 20 ký tự (bạn đã nhập 4)" {
		t.Errorf("short: %d %v", resp.StatusCode, m)
	}
	// Lone surrogates (and invalid bytes) decode to U+FFFD, which counts for
	// nothing, as the form drops invalid bytes: the text is empty.
	resp, m = e.postJSON(t, "/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"`+strings.Repeat(`\ud800`, 25)+"\xff\xfe"+`"}`)
	errs, _ = m["errors"].(map[string]any)
	if resp.StatusCode != 422 || errs["description"] != "Nội dung: không được để trống" {
		t.Errorf("replacement characters only: %d %v", resp.StatusCode, m)
	}
	// A byte order mark before the object is ignored (RFC 8259 §8.1).
	resp, m = e.postJSON(t, "/api/v1/status", "\uFEFF"+`{"receipt":"`+receipt+`"}`)
	if resp.StatusCode != 200 || m["kind"] != "tip" {
		t.Errorf("body with a BOM: %d %v", resp.StatusCode, m)
	}
	resp, m = e.postJSON(t, "/api/v1/tips", `{"category":`)
	if resp.StatusCode != 400 || m["error"] != msgMalformedJSON {
		t.Errorf("malformed: %d %v", resp.StatusCode, m)
	}
	resp, _ = e.postJSON(t, "/api/v1/tips", `{"description":"`+strings.Repeat("a", intakeAPIBodyLimit)+`"}`)
	if resp.StatusCode != 413 {
		t.Errorf("large: %d", resp.StatusCode)
	}
	// The longest valid text, 5,000 characters of NFD "ệ" (e + two marks)
	// written as \u escapes, is ~90 KiB of JSON: it must not be refused as
	// too large.
	longest := `{"category":"mua-ban","area":"khac","description":"` + strings.Repeat(`e\u0323\u0302`, 5000) + `"}`
	resp, m = e.postJSON(t, "/api/v1/tips", longest)
	if resp.StatusCode != 202 {
		t.Errorf("5,000 escaped NFD characters (%d bytes): %d %v", len(longest), resp.StatusCode, m)
	}
	if c, _ := e.db.CountPendingSubmissions(context.Background()); c != 3 {
		t.Errorf("outbox holds %d, want 3", c)
	}
}

// testRedisLimiter is the production limiter (Redis with in-process
// fallback) on TEST_REDIS_URL under a random prefix; it skips when Redis
// is absent.
func testRedisLimiter(t testing.TB) (ratelimit.Limiter, *redis.Client, string) {
	t.Helper()
	rdb, prefix := redistest.Shared(t)
	return ratelimit.NewFallback(ratelimit.NewRedis(rdb, prefix), ratelimit.DefaultPrimaryTimeout, nil), rdb, prefix
}

func TestRateLimitTips(t *testing.T) {
	for _, engine := range []string{"memory", "redis"} {
		t.Run(engine, func(t *testing.T) {
			o := intakeOpts{limits: Limits{Tips: ratelimit.Limit{Rate: 3, Period: time.Hour}}}
			if engine == "redis" {
				o.limiter, _, _ = testRedisLimiter(t)
			}
			e := newIntakeEnv(t, o)
			tip := `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối."}`
			for i := 0; i < 3; i++ {
				if resp, m := e.postJSON(t, "/api/v1/tips", tip); resp.StatusCode != 202 {
					t.Fatalf("tip %d: %d %v", i+1, resp.StatusCode, m)
				}
			}
			// The 4th is refused, and so is one with a forged
			// X-Forwarded-For: the peer (0.0.0.0 under app.Test) is not a
			// trusted proxy.
			for _, xff := range []string{"", "198.51.100.23", "198.51.100.23, 10.0.0.1"} {
				resp, m := e.postJSON(t, "/api/v1/tips", tip, "X-Forwarded-For", xff)
				if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("XFF %q: %d Retry-After %q", xff, resp.StatusCode, resp.Header.Get("Retry-After"))
				}
				if msg, _ := m["error"].(string); !strings.HasPrefix(msg, "Bạn đã gửi quá nhiều yêu cầu") {
					t.Errorf("429 message %q", msg)
				}
			}
			// The HTML form answers 429 with a Vietnamese page (a valid
			// tip: invalid ones do not count, see intake_qa_test.go).
			cookie, token := e.formSession(t, "/tin-bao")
			req := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(url.Values{"_csrf": {token},
				"category": {"mua-ban"}, "area": {"khac"}, "description": {"Có người bán ma túy ở đầu ngõ mỗi tối."}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cookie)
			resp, body := e.do(t, req)
			if resp.StatusCode != 429 || !strings.Contains(body, "Bạn đã gửi quá nhiều yêu cầu") || !strings.Contains(body, "<html") {
				t.Errorf("form 429: %d", resp.StatusCode)
			}
			// Enquiries have their own budget (unlimited here).
			resp2, _ := e.postJSON(t, "/api/v1/rehab-enquiries", `{}`)
			if resp2.StatusCode != 422 {
				t.Errorf("enquiry after tips limit: %d", resp2.StatusCode)
			}
		})
	}
}

// TestRateLimitTrustedProxy: behind a trusted proxy, each client named by
// X-Forwarded-For has its own budget.
func TestRateLimitTrustedProxy(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{
		limits:  Limits{Status: ratelimit.Limit{Rate: 2, Period: time.Hour}},
		trusted: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")},
	})
	body := `{"receipt":"1111222233334444"}`
	for i := 0; i < 2; i++ {
		if resp, _ := e.postJSON(t, "/api/v1/status", body, "X-Forwarded-For", "192.0.2.10"); resp.StatusCode != 404 {
			t.Fatalf("look-up %d: %d", i, resp.StatusCode)
		}
	}
	if resp, _ := e.postJSON(t, "/api/v1/status", body, "X-Forwarded-For", "192.0.2.10"); resp.StatusCode != 429 {
		t.Errorf("3rd look-up of 192.0.2.10: %d, want 429", resp.StatusCode)
	}
	// A client-written left part does not help: the right-most untrusted hop counts.
	if resp, _ := e.postJSON(t, "/api/v1/status", body, "X-Forwarded-For", "203.0.113.5, 192.0.2.10"); resp.StatusCode != 429 {
		t.Errorf("spoofed left hop: %d, want 429", resp.StatusCode)
	}
	if resp, _ := e.postJSON(t, "/api/v1/status", body, "X-Forwarded-For", "192.0.2.11"); resp.StatusCode != 404 {
		t.Errorf("other client: %d, want 404", resp.StatusCode)
	}
}

// TestSearchRateLimit: the search limit is in front of /tim-kiem and
// /api/v1/search even though those routes are registered by search.go.
func TestSearchRateLimit(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{limits: Limits{Search: ratelimit.Limit{Rate: 1, Period: time.Minute}}})
	first, _ := e.do(t, httptest.NewRequest(http.MethodGet, "/api/v1/search?q=ma+t%C3%BAy", nil))
	if first.StatusCode == 429 {
		t.Fatal("first search refused")
	}
	resp, _ := e.do(t, httptest.NewRequest(http.MethodGet, "/tim-kiem?q=ma+t%C3%BAy", nil))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second search: %d, want 429", resp.StatusCode)
	}
}

// TestNoClientAddressAnywhere submits through a trusted proxy naming a
// distinctive client address, with the Redis limiter, then searches every
// Redis key and value of the test prefix, every file of the data dir and
// the captured log for that address in text and binary form.
func TestNoClientAddressAnywhere(t *testing.T) {
	limiter, rdb, prefix := testRedisLimiter(t)
	e := newIntakeEnv(t, intakeOpts{
		limiter: limiter,
		limits:  Limits{Tips: ratelimit.Limit{Rate: 2, Period: time.Hour}, Status: ratelimit.Limit{Rate: 5, Period: time.Hour}},
		trusted: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")},
	})
	const addr = "203.0.113.77"
	ua := "Mozilla/5.0 (TestPhone; distinctive-UA-7731)"
	ref := "http://example.com/distinctive-ref-7731" // same origin: a foreign Referer is refused on form POSTs
	hdr := []string{"X-Forwarded-For", addr, "User-Agent", ua, "Referer", ref}
	tip := `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối."}`
	var receipt string
	for i := 0; i < 3; i++ {
		resp, m := e.postJSON(t, "/api/v1/tips", tip, hdr...)
		if i < 2 && resp.StatusCode != 202 || i == 2 && resp.StatusCode != 429 {
			t.Fatalf("tip %d: %d", i, resp.StatusCode)
		}
		if r, ok := m["receipt"].(string); ok {
			receipt = r
		}
	}
	e.postJSON(t, "/api/v1/status", `{"receipt":"`+receipt+`"}`, hdr...)
	e.postJSON(t, "/api/v1/tips", `{`, hdr...) // a 400 too
	e.svc.Close()

	needles := [][]byte{[]byte(addr), {203, 0, 113, 77}, []byte(ua), []byte("distinctive-ref-7731"), []byte(receipt)}
	// Redis: the limiter must have written keys, and none may hold the address.
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*"+prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("no rate-limit keys in Redis (%v): the test proves nothing", err)
	}
	for _, k := range keys {
		v, _ := rdb.Dump(ctx, k).Result()
		for _, n := range needles {
			if bytes.Contains([]byte(k), n) || bytes.Contains([]byte(v), n) {
				t.Errorf("Redis key %q or its value holds %q", k, n)
			}
		}
	}
	// Every file under the data dir (database, WAL).
	filepath.Walk(e.dataDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds %q", p, n)
			}
		}
		return nil
	})
	for _, n := range needles {
		if bytes.Contains(e.logs.Bytes(), n) {
			t.Errorf("log holds %q:\n%s", n, e.logs.String())
		}
	}
}

// A malformed multipart body on the JSON API gets the API's own JSON answer,
// not fasthttp's bare HTML error from parsing it while reading: 400 on
// /api/v1/tips (which takes multipart, with photos), 415 elsewhere.
func TestAPIMalformedMultipart(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	for path, want := range map[string]int{"/api/v1/tips": http.StatusBadRequest, "/api/v1/rehab-enquiries": http.StatusUnsupportedMediaType} {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"a":1}`))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		resp, body := e.do(t, req)
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, `"error":"D`) {
			t.Errorf("%s malformed multipart: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}
