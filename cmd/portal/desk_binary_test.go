package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// These tests run the real binary over HTTP, as a person with JavaScript
// off and as an agency's system would: forms posted plainly, links
// followed by hand, the Bearer API called with JSON.

// deskTestRedisDB is the Redis database of the desk's binary tests on the
// shared server (TEST_REDIS_URL): the portal's stream names are fixed by
// routing.yaml, so the tests own a whole database and empty the portal's
// keys in it before and after.
const deskTestRedisDB = 10

// deskRedisURL returns the URL of the desk tests' Redis database, after
// deleting what an earlier run left there; the test is skipped when Redis
// does not answer.
func deskRedisURL(t *testing.T) string {
	t.Helper()
	u, _, _ := ownRedisDB(t, deskTestRedisDB, "portal:*")
	return u
}

// ownRedisDB returns the URL of Redis database db on TEST_REDIS_URL's
// server (default redis://127.0.0.1:6379), a client of it, and clean,
// which deletes the keys matching pattern there (never a FLUSH); clean
// runs now and at the end of the test. Binary tests own a whole numbered
// database because the agency queues have fixed names (routing.yaml); each
// test names its own. The test is skipped when Redis does not answer.
func ownRedisDB(t *testing.T, db int, pattern string) (string, *redis.Client, func()) {
	t.Helper()
	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		base = "redis://127.0.0.1:6379"
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	opt.DB = db
	c := redis.NewClient(opt)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("Redis does not answer: %v", err)
	}
	clean := func() {
		iter := c.Scan(ctx, 0, pattern, 200).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	}
	clean()
	t.Cleanup(func() { clean(); c.Close() })
	u, _ := url.Parse(base)
	u.Path = fmt.Sprintf("/%d", db)
	return u.String(), c, clean
}

// deskClient is one person's browser without JavaScript: a cookie jar, no
// automatic redirects, the CSRF token of the last page it saw, and the
// Origin and Referer a browser sends with a form.
type deskClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	last *goquery.Document
}

func newDeskClient(t *testing.T, base string) *deskClient {
	jar, _ := cookiejar.New(nil)
	return &deskClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (w *deskClient) do(req *http.Request) (*http.Response, string) {
	w.t.Helper()
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if d, err := goquery.NewDocumentFromReader(strings.NewReader(string(b))); err == nil {
			w.last = d
			if tok, ok := d.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
				w.csrf = tok
			}
		}
	}
	return resp, string(b)
}

func (w *deskClient) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, w.base+path, nil)
	return w.do(req)
}

// post sends a form with the page's CSRF token (unless v has one).
func (w *deskClient) post(path string, v url.Values) (*http.Response, string) {
	if _, ok := v["_csrf"]; !ok {
		v.Set("_csrf", w.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, w.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", w.base)
	req.Header.Set("Referer", w.base+path)
	return w.do(req)
}

// formValues is what a browser submits from the form matching sel on the
// last page: inputs (checked ones only for checkboxes), textareas, the
// selected options.
func (w *deskClient) formValues(sel string) url.Values {
	w.t.Helper()
	f := w.last.Find(sel)
	if f.Length() != 1 {
		w.t.Fatalf("no form %s on the page", sel)
	}
	v := url.Values{}
	f.Find("input[name]").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		typ, _ := in.Attr("type")
		val, _ := in.Attr("value")
		if (typ == "checkbox" || typ == "radio") && in.AttrOr("checked", "-") == "-" {
			return
		}
		v.Add(name, val)
	})
	f.Find("textarea[name]").Each(func(_ int, ta *goquery.Selection) { v.Add(ta.AttrOr("name", ""), ta.Text()) })
	f.Find("select[name]").Each(func(_ int, s *goquery.Selection) {
		v.Add(s.AttrOr("name", ""), s.Find("option[selected]").AttrOr("value", ""))
	})
	return v
}

func (w *deskClient) login(user, pw string) {
	w.t.Helper()
	w.get("/quan-tri/dang-nhap")
	resp, body := w.post("/quan-tri/dang-nhap", url.Values{"username": {user}, "password": {pw}})
	if resp.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("login %s: %d\n%s", user, resp.StatusCode, body)
	}
}

var receiptPattern = regexp.MustCompile(`\d{4} \d{4} \d{4} \d{4}`)

// runPortal runs a subcommand of the binary with env and stdin.
func runPortalOK(t *testing.T, env []string, stdin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(portalBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("portal %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// apiJSON calls the JSON API with an optional Bearer token.
// caseIDs is the ids of the cases in a desk API list answer, in its order;
// it fails the test, naming the answer, when the list is not there or a case
// has no numeric id, rather than panicking and aborting the package.
func caseIDs(t *testing.T, m map[string]any) []float64 {
	t.Helper()
	cases, ok := m["cases"].([]any)
	if !ok {
		t.Fatalf("desk API list without a cases array: %v", m)
	}
	ids := make([]float64, len(cases))
	for i, c := range cases {
		cm, _ := c.(map[string]any)
		id, ok := cm["id"].(float64)
		if !ok {
			t.Fatalf("desk API list: case %d without a numeric id: %v", i, c)
		}
		ids[i] = id
	}
	return ids
}

// firstCaseID is the id of the first case of a desk API list answer; false
// when the list is empty (a count can run ahead of the page while a case is
// being committed, so callers wait and ask again).
func firstCaseID(t *testing.T, m map[string]any) (float64, bool) {
	t.Helper()
	ids := caseIDs(t, m)
	if len(ids) == 0 {
		return 0, false
	}
	return ids[0], true
}

func apiJSON(t *testing.T, method, u, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, u, resp.StatusCode, raw)
	}
	if cc := resp.Header.Get("Cache-Control"); strings.Contains(u, "/desk/") && cc != "no-store" {
		t.Errorf("%s %s: Cache-Control %q, want no-store", method, u, cc)
	}
	return resp.StatusCode, m
}

// waitFor polls cond every 50 ms for up to limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const deskTestPassword = "Mật khẩu cán bộ 2026"

// TestDeskOverHTTP is issue 9's "What it must show" against the real
// binary and real Redis, on each engine of the system of record: a tip
// sent through the form reaches the police inbox and not the
// social-affairs one, an enquiry the other way round; a desk message shows
// at /tra-cuu for that receipt and no other; the sender's answer lands in
// the case; a status change shows at /tra-cuu with its label; the Bearer
// API does the same; cross-desk access is 404; anonymous and press users
// (and the admin) cannot reach the inbox. Everything is plain form posts:
// JavaScript off.
func TestDeskOverHTTP(t *testing.T) {
	redisURL := deskRedisURL(t)
	for _, eng := range storetest.Engines {
		t.Run(eng, func(t *testing.T) {
			env := []string{"PORTAL_DATA_DIR=" + t.TempDir(), "REDIS_URL=" + redisURL, "PORTAL_SECRET=desk-binary-test-secret-0123456789",
				"PORTAL_LIMIT_TIPS=1000/h", "PORTAL_LIMIT_ENQUIRIES=1000/h", "PORTAL_LIMIT_STATUS=1000/h", "PORTAL_LIMIT_MESSAGES=1000/h"}
			if eng == "postgres" {
				env = append(env, "DATABASE_URL="+storetest.PostgresURL(t))
			}
			testDeskOverHTTP(t, env)
		})
	}
}

func testDeskOverHTTP(t *testing.T, env []string) {
	for _, u := range [][2]string{{"hung", "police"}, {"mai", "social-affairs"}, {"lan", "press"}, {"quantri", "admin"}} {
		runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", u[0], "--role", u[1], "--password-stdin")
	}
	policeToken, _ := runPortalOK(t, env, "", "token", "create", "--role", "police", "--name", "he-thong-pc04")
	socialToken, _ := runPortalOK(t, env, "", "token", "create", "--role", "social-affairs", "--name", "he-thong-xh")
	policeToken, socialToken = strings.TrimSpace(policeToken), strings.TrimSpace(socialToken)
	if list, _ := runPortalOK(t, env, "", "token", "list"); !strings.Contains(list, "he-thong-pc04") || strings.Contains(list, policeToken) {
		t.Errorf("token list: %s", list)
	}
	p := startPortal(t, env...)
	defer p.stop(t)

	// A tip and an enquiry through the forms, JavaScript off.
	sender := newDeskClient(t, p.URL)
	sender.get("/tin-bao")
	v := sender.formValues(`form[action="/tin-bao"]`)
	tipText := "Nhà có cổng xanh ở ngõ 7<cạnh quán nước> thường có người đến mua ma túy,\nnhất là tối thứ Bảy."
	v.Set("category", "mua-ban")
	v.Set("area", "vu-thu")
	v.Set("description", tipText)
	resp, body := sender.post("/tin-bao", v)
	tipReceipt := receiptPattern.FindString(body)
	if resp.StatusCode != 200 || tipReceipt == "" {
		t.Fatalf("tip form: %d\n%s", resp.StatusCode, body)
	}
	family := newDeskClient(t, p.URL)
	family.get("/cai-nghien/dang-ky")
	v = family.formValues(`form[action="/cai-nghien/dang-ky"]`)
	for k, x := range map[string]string{"relationship": "nguoi-than", "substance": "heroin", "preferred_form": "methadone",
		"area": "dong-hung", "contact_name": "Trần Thị Hoa", "phone": "0912 345 678", "consent": "on"} {
		v.Set(k, x)
	}
	resp, body = family.post("/cai-nghien/dang-ky", v)
	enqReceipt := receiptPattern.FindString(body)
	if resp.StatusCode != 200 || enqReceipt == "" {
		t.Fatalf("enquiry form: %d\n%s", resp.StatusCode, body)
	}

	// The desk consumer makes the cases.
	var tipCase, enqCase float64
	waitFor(t, 60*time.Second, "both cases", func() bool {
		_, pm := apiJSON(t, "GET", p.URL+"/api/v1/desk/cases", policeToken, "")
		_, sm := apiJSON(t, "GET", p.URL+"/api/v1/desk/cases", socialToken, "")
		if pm["total"] != float64(1) || sm["total"] != float64(1) {
			return false
		}
		var tipOK, enqOK bool
		tipCase, tipOK = firstCaseID(t, pm)
		enqCase, enqOK = firstCaseID(t, sm)
		return tipOK && enqOK
	})
	tipPath, enqPath := fmt.Sprintf("/quan-tri/hop-thu/%.0f", tipCase), fmt.Sprintf("/quan-tri/hop-thu/%.0f", enqCase)

	police := newDeskClient(t, p.URL)
	police.login("hung", deskTestPassword)
	social := newDeskClient(t, p.URL)
	social.login("mai", deskTestPassword)
	_, pBody := police.get("/quan-tri/hop-thu")
	_, sBody := social.get("/quan-tri/hop-thu")
	if !strings.Contains(pBody, `href="`+tipPath+`"`) || strings.Contains(pBody, `href="`+enqPath+`"`) {
		t.Errorf("police inbox: the tip must be there and the enquiry not")
	}
	if !strings.Contains(sBody, `href="`+enqPath+`"`) || strings.Contains(sBody, `href="`+tipPath+`"`) {
		t.Errorf("social-affairs inbox: the enquiry must be there and the tip not")
	}
	// Cross-desk: 404, in the inbox and in the API.
	if resp, _ := police.get(enqPath); resp.StatusCode != 404 {
		t.Errorf("police opens the enquiry: %d", resp.StatusCode)
	}
	if resp, _ := social.get(tipPath); resp.StatusCode != 404 {
		t.Errorf("social-affairs opens the tip: %d", resp.StatusCode)
	}
	if st, _ := apiJSON(t, "GET", fmt.Sprintf("%s/api/v1/desk/cases/%.0f", p.URL, enqCase), policeToken, ""); st != 404 {
		t.Errorf("police token reads the enquiry: %d", st)
	}
	// Anonymous, press and admin cannot reach the inbox.
	anon := newDeskClient(t, p.URL)
	if resp, _ := anon.get("/quan-tri/hop-thu"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/quan-tri/dang-nhap") {
		t.Errorf("anonymous: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := anon.get(tipPath); resp.StatusCode != 303 {
		t.Errorf("anonymous case page: %d", resp.StatusCode)
	}
	for _, u := range []string{"lan", "quantri"} {
		w := newDeskClient(t, p.URL)
		w.login(u, deskTestPassword)
		for _, path := range []string{"/quan-tri/hop-thu", tipPath} {
			if resp, body := w.get(path); resp.StatusCode != 403 || strings.Contains(body, "cổng xanh") {
				t.Errorf("%s GET %s: %d", u, path, resp.StatusCode)
			}
		}
	}

	// The case page shows what was written, escaped, line breaks kept.
	police.get(tipPath)
	if got := police.last.Find("#noi-dung-tin").Text(); got != tipText {
		t.Errorf("case page shows %q", got)
	}
	// A desk message, by the form.
	police.post(tipPath+"/tin-nhan", url.Values{"body": {"Nhà số mấy? Người bán đi xe gì?"}})
	lookUp := func(w *deskClient, receipt string) string {
		w.get("/tra-cuu")
		resp, body := w.post("/tra-cuu", url.Values{"receipt": {receipt}})
		if resp.StatusCode != 200 {
			t.Fatalf("tra-cuu: %d", resp.StatusCode)
		}
		return body
	}
	if body := lookUp(sender, tipReceipt); !strings.Contains(body, "Nhà số mấy? Người bán đi xe gì?") {
		t.Errorf("the desk message is not at /tra-cuu for its receipt")
	}
	if body := lookUp(newDeskClient(t, p.URL), enqReceipt); strings.Contains(body, "Nhà số mấy") {
		t.Errorf("the desk message shows for another receipt")
	}
	// The sender answers from the same page.
	lookUp(sender, tipReceipt)
	v = sender.formValues(`form[action="/tra-cuu/tin-nhan"]`)
	v.Set("body", "Nhà số 12, xe máy màu đỏ.")
	if resp, body := sender.post("/tra-cuu/tin-nhan", v); resp.StatusCode != 200 || !strings.Contains(body, "Đã gửi lời nhắn") {
		t.Fatalf("answer: %d", resp.StatusCode)
	}
	police.get("/quan-tri/hop-thu?unread=1")
	if police.last.Find(`table.inbox a[href="`+tipPath+`"]`).Length() != 1 {
		t.Error("the answered case is not listed as unread")
	}
	_, body = police.get(tipPath)
	if !strings.Contains(police.last.Find(".conversation .from-submitter").Text(), "Nhà số 12, xe máy màu đỏ.") {
		t.Errorf("the answer is not in the case")
	}
	// A status change by the form shows at /tra-cuu with its label.
	v = police.formValues(`form[action="` + tipPath + `/trang-thai"]`)
	v.Set("status", "verifying")
	if resp, _ := police.post(tipPath+"/trang-thai", v); resp.StatusCode != 303 {
		t.Fatalf("status form: %d", resp.StatusCode)
	}
	lookUp(sender, tipReceipt)
	if st := sender.last.Find(".notice-ok strong").Text(); st != "Đang xác minh" {
		t.Errorf("/tra-cuu shows %q after the change", st)
	}

	// The Bearer API does the same for the enquiry.
	caseURL := fmt.Sprintf("%s/api/v1/desk/cases/%.0f", p.URL, enqCase)
	if st, m := apiJSON(t, "POST", caseURL+"/messages", socialToken, `{"body":"Chúng tôi sẽ gọi cho bạn chiều thứ Ba."}`); st != 201 {
		t.Errorf("API message: %d %v", st, m)
	}
	if st, m := apiJSON(t, "POST", caseURL+"/status", socialToken, `{"status":"referred","note":"Chuyển cơ sở điều trị methadone."}`); st != 200 {
		t.Errorf("API status: %d %v", st, m)
	}
	st, m := apiJSON(t, "POST", p.URL+"/api/v1/status", "", `{"receipt":"`+enqReceipt+`"}`)
	msgs, _ := m["messages"].([]any)
	if st != 200 || m["status"] != "referred" || m["status_label"] != "Đã chuyển đơn vị xử lý" || len(msgs) != 1 ||
		msgs[0].(map[string]any)["body"] != "Chúng tôi sẽ gọi cho bạn chiều thứ Ba." {
		t.Errorf("status API for the enquiry: %d %v", st, m)
	}
	if st, m := apiJSON(t, "POST", p.URL+"/api/v1/messages", "", `{"receipt":"`+enqReceipt+`","body":"Vâng, tôi chờ."}`); st != 202 {
		t.Errorf("answer through the API: %d %v", st, m)
	}
	_, m = apiJSON(t, "GET", caseURL, socialToken, "")
	if ms, _ := m["messages"].([]any); len(ms) != 2 || ms[1].(map[string]any)["from"] != "submitter" {
		t.Errorf("API case messages: %v", m["messages"])
	}
	// Nothing stays behind: the outbox is empty, the desk group has
	// acknowledged everything.
	out, _ := runPortalOK(t, env, "", "queue", "stats", "--json")
	var stats []map[string]any
	json.Unmarshal([]byte(out), &stats)
	for _, s := range stats {
		for _, g := range s["groups"].([]any) {
			g := g.(map[string]any)
			if g["name"] == "desk" && g["pending"] != float64(0) {
				t.Errorf("desk group of %v has pending entries: %v", s["stream"], g)
			}
		}
	}
	_, rb := httpGet(t, p.URL+"/readyz")
	if strings.Contains(rb, `"desk"`) && !strings.Contains(rb, `"desk":"ok"`) {
		t.Errorf("/readyz: %s", rb)
	}
}
