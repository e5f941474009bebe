package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// forwardToLocalQueue runs the real forwarder from the env's outbox into an
// embedded queue in the env's data dir and reads every entry of stream as
// the desk's consumer group would.
func (e *intakeEnv) forwardToLocalQueue(t *testing.T, stream string) []queue.Message {
	t.Helper()
	ctx := context.Background()
	q, err := queue.OpenLocal(e.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	fwd := &intake.Forwarder{DB: e.db, Publisher: q, Catalog: e.svc.Catalog()}
	if _, err := fwd.ForwardPending(ctx); err != nil {
		t.Fatal(err)
	}
	if err := q.CreateGroup(ctx, stream, "desk"); err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Read(ctx, stream, "desk", "qa", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestTipTextReachesTheDeskUnchanged is the QA report's case end to end:
// JSON API → outbox → forwarder → queue entry. The desk gets exactly what
// was typed, plus a *_html twin that is escaped once (bluemonday strict).
func TestTipTextReachesTheDeskUnchanged(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	const (
		desc  = "Hắn bán <5 gói ma túy, giá >500k mỗi gói & giao tận nơi ở ngõ 5"
		place = "ngõ 5‹nhà 3 bên trái"
		when  = "a<b"
	)
	body, _ := json.Marshal(map[string]string{
		"category": "mua-ban", "area": "khac", "description": desc, "location_detail": place, "occurred_at": when,
	})
	resp, m := e.postJSON(t, "/api/v1/tips", string(body))
	if resp.StatusCode != 202 {
		t.Fatalf("tip: %d %v", resp.StatusCode, m)
	}
	msgs := e.forwardToLocalQueue(t, "portal:queue:police")
	if len(msgs) != 1 {
		t.Fatalf("%d queue entries, want 1", len(msgs))
	}
	var got map[string]string
	if err := json.Unmarshal(msgs[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"description":          desc,
		"description_html":     "Hắn bán &lt;5 gói ma túy, giá &gt;500k mỗi gói &amp; giao tận nơi ở ngõ 5",
		"location_detail":      place,
		"location_detail_html": place,
		"occurred_at":          when,
		"occurred_at_html":     "a&lt;b",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("queue entry %s = %q, want %q", k, got[k], v)
		}
	}
}

// TestAPIRefusesCrossSiteRequests: the QA report's text/plain POST with a
// foreign Origin got 202. The JSON API now wants application/json (415
// otherwise) and refuses a foreign Origin (403), before the rate limit, so
// refused requests store nothing and spend no budget.
func TestAPIRefusesCrossSiteRequests(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{limits: Limits{Tips: ratelimit.Limit{Rate: 1, Period: time.Hour}}})
	tip := `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối, giao tận nơi."}`
	cases := []struct {
		ctype, origin string
		status        int
		msg           string
	}{
		{"text/plain", "http://evil.example", 403, msgCrossSite}, // the origin is checked first, on every route
		{"text/plain", "", 415, msgNotJSON},
		{"", "", 415, msgNotJSON},
		{"application/x-www-form-urlencoded", "", 415, msgNotJSON},
		{"application/jsonx", "", 415, msgNotJSON},
		{"application/json", "http://evil.example", 403, msgCrossSite},
		{"application/json", "null", 403, msgCrossSite},
		{"application/json", "https://example.com", 403, msgCrossSite},     // other scheme
		{"application/json", "http://example.com:8080", 403, msgCrossSite}, // other port
		{"application/json", "http://example.com.evil.example", 403, msgCrossSite},
	}
	for _, path := range []string{"/api/v1/tips", "/api/v1/rehab-enquiries", "/api/v1/status"} {
		for _, tc := range cases {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(tip))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, body := e.do(t, req)
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				t.Fatalf("%s %q %q: not JSON: %q", path, tc.ctype, tc.origin, body)
			}
			want := tc.msg
			if want == msgNotJSON && path == "/api/v1/tips" {
				want = msgNotJSONTip // tips also come as multipart, with photos
			}
			if resp.StatusCode != tc.status || m["error"] != want {
				t.Errorf("%s %q origin %q: %d %v, want %d %q", path, tc.ctype, tc.origin, resp.StatusCode, m, tc.status, want)
			}
		}
	}
	if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
		t.Fatalf("refused requests stored %d submissions", n)
	}
	// The portal's own origin (the page's JavaScript) and a charset
	// parameter are fine; the one-per-hour budget was not spent above.
	resp, m := e.postJSON(t, "/api/v1/tips", tip, "Content-Type", "application/json; charset=utf-8", "Origin", "http://example.com")
	if resp.StatusCode != 202 {
		t.Fatalf("same-origin tip: %d %v", resp.StatusCode, m)
	}
	if !sameOrigin("http://example.com", "http://example.com:80") || !sameOrigin("HTTPS://Portal.example", "https://portal.example:443") {
		t.Error("default ports or case make origins differ")
	}
}

// postFormWith posts v to path with the given CSRF cookie and token.
func (e *intakeEnv) postFormWith(t *testing.T, path string, v url.Values, cookie *http.Cookie, token string) (*http.Response, *goquery.Document) {
	t.Helper()
	v.Set("_csrf", token)
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, body := e.do(t, req)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return resp, doc
}

// TestFormKeepsTextWhenLimited: after the tip limit, the form comes back
// with everything typed, the Vietnamese message and Retry-After (QA: the
// generic error page, text lost). Invalid submissions do not use up the
// budget, unless they come in a flood.
func TestFormKeepsTextWhenLimited(t *testing.T) {
	for _, engine := range []string{"memory", "redis"} {
		t.Run(engine, func(t *testing.T) {
			o := intakeOpts{limits: Limits{Tips: ratelimit.Limit{Rate: 2, Period: time.Hour}, Enquiries: ratelimit.Limit{Rate: 1, Period: time.Hour}}}
			if engine == "redis" {
				o.limiter, _, _ = testRedisLimiter(t)
			}
			e := newIntakeEnv(t, o)
			cookie, token := e.formSession(t, "/tin-bao")
			// Mistakes do not count: 5 short descriptions, then 2 tips.
			for i := 0; i < 5; i++ {
				resp, _ := e.postFormWith(t, "/tin-bao", url.Values{"category": {"mua-ban"}, "area": {"khac"}, "description": {"ngắn"}}, cookie, token)
				if resp.StatusCode != 422 {
					t.Fatalf("invalid %d: %d", i, resp.StatusCode)
				}
			}
			valid := url.Values{"category": {"mua-ban"}, "area": {"khac"}, "description": {"Có người bán ma túy ở đầu ngõ mỗi tối, giao tận nơi."}}
			for i := 0; i < 2; i++ {
				if resp, _ := e.postFormWith(t, "/tin-bao", valid, cookie, token); resp.StatusCode != 200 {
					t.Fatalf("tip %d: %d", i, resp.StatusCode)
				}
			}
			typed := url.Values{"category": {"trong-cay"}, "area": {"khac"},
				"description": {"Vườn sau nhà có trồng cây thuốc phiện <khoảng 30 cây> & có chó dữ."}, "occurred_at": {"sáng Chủ nhật"}, "location_detail": {"ngõ 5‹nhà 3 bên trái"}}
			resp, doc := e.postFormWith(t, "/tin-bao", typed, cookie, token)
			if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("3rd tip: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			if msg := doc.Find("#loi").Text(); !strings.Contains(msg, "Vui lòng thử lại sau") {
				t.Errorf("429 message %q", msg)
			}
			if got := doc.Find("#f-description").Text(); got != typed.Get("description") {
				t.Errorf("description on the 429 form = %q", got)
			}
			if got := doc.Find("#f-location_detail").Text(); got != typed.Get("location_detail") {
				t.Errorf("location on the 429 form = %q", got)
			}
			if got, _ := doc.Find("#f-occurred_at").Attr("value"); got != "sáng Chủ nhật" {
				t.Errorf("time on the 429 form = %q", got)
			}
			if got, _ := doc.Find(`input[name="category"][checked]`).Attr("value"); got != "trong-cay" {
				t.Errorf("category on the 429 form = %q", got)
			}
			if tok, _ := doc.Find(`input[name="_csrf"]`).Attr("value"); tok == "" {
				t.Error("429 form has no CSRF token")
			}
			if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 2 {
				t.Errorf("outbox holds %d, want 2", n)
			}

			// A flood of invalid enquiries does count: the budget of
			// invalid ones is 5 × 1/h; the 6th uses the real unit.
			cookie, token = e.formSession(t, "/cai-nghien/dang-ky")
			for i := 0; i < 6; i++ {
				if resp, _ := e.postFormWith(t, "/cai-nghien/dang-ky", url.Values{"contact_name": {"An"}}, cookie, token); resp.StatusCode != 422 {
					t.Fatalf("invalid enquiry %d: %d", i, resp.StatusCode)
				}
			}
			enq := url.Values{"relationship": {"ban-than"}, "substance": {"heroin"}, "preferred_form": {"methadone"}, "area": {"khac"},
				"contact_name": {"Nguyễn Thị Hoa"}, "phone": {"0912 345 678"}, "message": {"Gọi sau 18 giờ"}, "consent": {"on"}}
			resp, doc = e.postFormWith(t, "/cai-nghien/dang-ky", enq, cookie, token)
			if resp.StatusCode != 429 {
				t.Fatalf("enquiry after a flood of invalid ones: %d", resp.StatusCode)
			}
			if got, _ := doc.Find("#f-contact_name").Attr("value"); got != "Nguyễn Thị Hoa" {
				t.Errorf("name on the 429 form = %q", got)
			}
			if doc.Find(`input[name="consent"][checked]`).Length() != 1 {
				t.Error("consent lost on the 429 form")
			}
		})
	}
}

// TestFormKeepsTextOnCSRFFailure: a forged or expired token shows the same
// form with what was typed, a fresh token that works, and a message asking
// to press the button again; status 403, nothing stored.
func TestFormKeepsTextOnCSRFFailure(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	typed := url.Values{"category": {"mua-ban"}, "area": {"khac"}, "description": {"Có người bán ma túy ở đầu ngõ mỗi tối, giao tận nơi."}}
	cookie, _ := e.formSession(t, "/tin-bao")
	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
		token  string
	}{
		{"forged token", cookie, "123.abc.def"},
		{"no cookie", nil, "123.abc.def"},
		{"expired", &http.Cookie{Name: csrfCookie, Value: "1.x.y"}, "1.x.y"},
	} {
		resp, doc := e.postFormWith(t, "/tin-bao", url.Values{"category": typed["category"], "area": typed["area"], "description": typed["description"]}, tc.cookie, tc.token)
		if resp.StatusCode != 403 {
			t.Fatalf("%s: %d", tc.name, resp.StatusCode)
		}
		if msg := doc.Find("#loi").Text(); !strings.Contains(msg, "bấm “Gửi tin báo” lần nữa") {
			t.Errorf("%s: message %q", tc.name, msg)
		}
		if got := doc.Find("#f-description").Text(); got != typed.Get("description") {
			t.Errorf("%s: description = %q", tc.name, got)
		}
		if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
			t.Fatalf("%s: stored %d", tc.name, n)
		}
		// The fresh token (field and cookie) lets the person send it.
		fresh, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
		var freshCookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == csrfCookie {
				freshCookie = c
			}
		}
		if fresh == "" || freshCookie == nil || freshCookie.Value == "" || fresh == tc.token {
			t.Fatalf("%s: fresh token %q, cookie %v", tc.name, fresh, freshCookie)
		}
		if tc.name == "expired" {
			resp, _ = e.postFormWith(t, "/tin-bao", typed, freshCookie, fresh)
			if resp.StatusCode != 200 {
				t.Fatalf("resend with the fresh token: %d", resp.StatusCode)
			}
		}
	}
	// /tra-cuu and the enquiry form too.
	resp, doc := e.postFormWith(t, "/tra-cuu", url.Values{"receipt": {"1234 5678 9012 3456"}}, nil, "x")
	if got, _ := doc.Find("#f-receipt").Attr("value"); resp.StatusCode != 403 || got != "1234 5678 9012 3456" || !strings.Contains(doc.Find("#receipt-error").Text(), "“Tra cứu”") {
		t.Errorf("tra-cuu CSRF failure: %d %q %q", resp.StatusCode, got, doc.Find("#receipt-error").Text())
	}
	resp, doc = e.postFormWith(t, "/cai-nghien/dang-ky", url.Values{"contact_name": {"Trần Văn An"}, "consent": {"on"}}, nil, "x")
	if got, _ := doc.Find("#f-contact_name").Attr("value"); resp.StatusCode != 403 || got != "Trần Văn An" || doc.Find(`input[name="consent"][checked]`).Length() != 1 {
		t.Errorf("enquiry CSRF failure: %d %q", resp.StatusCode, got)
	}
}

// TestFormSentTwice: a double click or a refresh sends the same form (same
// one-time nonce) twice; the second stores nothing and says the form was
// already sent. Never a second queue entry.
func TestFormSentTwice(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	ctx := context.Background()
	formWithNonce := func(path string) (*http.Cookie, string, string) {
		resp, body := e.do(t, httptest.NewRequest(http.MethodGet, path, nil))
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
		nonce, _ := doc.Find(`input[name="_nonce"]`).Attr("value")
		var cookie *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == csrfCookie {
				cookie = c
			}
		}
		if cookie == nil || token == "" || !intake.ValidNonce(nonce) {
			t.Fatalf("GET %s: cookie %v token %q nonce %q", path, cookie, token, nonce)
		}
		return cookie, token, nonce
	}
	tip := func(nonce string) url.Values {
		return url.Values{"category": {"mua-ban"}, "area": {"khac"}, "_nonce": {nonce},
			"description": {"Có người bán ma túy ở đầu ngõ mỗi tối, giao tận nơi."}}
	}

	cookie, token, nonce := formWithNonce("/tin-bao")
	resp, doc := e.postFormWith(t, "/tin-bao", tip(nonce), cookie, token)
	if resp.StatusCode != 200 || !receiptRE.MatchString(strings.TrimSpace(doc.Find(".receipt").Text())) {
		t.Fatalf("first send: %d %q", resp.StatusCode, doc.Find(".receipt").Text())
	}
	// Sent again with the text edited (back button, reload): nothing stored,
	// and the edited text comes back with a fresh nonce, so it is not lost
	// and may be sent as a new tip.
	edited := tip(nonce)
	edited.Set("description", "Có người bán ma túy ở đầu ngõ mỗi tối, giao tận nơi. Bổ sung: xe máy biển 17B1.")
	resp, doc = e.postFormWith(t, "/tin-bao", edited, cookie, token)
	if resp.StatusCode != 409 || doc.Find(".receipt").Length() != 0 || !strings.Contains(doc.Find("main").Text(), "đã được gửi trước đó") {
		t.Fatalf("second send: %d %q", resp.StatusCode, doc.Find("h1").Text())
	}
	if got := doc.Find("#f-description").Text(); got != edited.Get("description") {
		t.Errorf("edited text not shown again: %q", got)
	}
	fresh, _ := doc.Find(`input[name="_nonce"]`).Attr("value")
	if !intake.ValidNonce(fresh) || fresh == nonce {
		t.Errorf("second send: nonce %q, want a fresh one", fresh)
	}
	if n, _ := e.db.CountPendingSubmissions(ctx); n != 1 {
		t.Fatalf("outbox holds %d, want 1", n)
	}
	resp, doc = e.postFormWith(t, "/tin-bao", func() url.Values { edited.Set("_nonce", fresh); return edited }(), cookie, token)
	if resp.StatusCode != 200 || doc.Find(".receipt").Length() != 1 {
		t.Fatalf("sending the edited text as a new tip: %d", resp.StatusCode)
	}
	if n, _ := e.db.CountPendingSubmissions(ctx); n != 2 {
		t.Fatalf("outbox holds %d, want 2", n)
	}

	// A double click: two parallel posts of one form, exactly one stored.
	cookie, token, nonce = formWithNonce("/tin-bao")
	codes := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			v := tip(nonce)
			v.Set("_csrf", token)
			req := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cookie)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	if a, b := <-codes, <-codes; a+b != 200+409 {
		t.Errorf("double click answered %d and %d, want 200 and 409", a, b)
	}

	// A form that came back with an error keeps its nonce, and sending it
	// corrected works once.
	cookie, token, nonce = formWithNonce("/cai-nghien/dang-ky")
	enq := url.Values{"relationship": {"ban-than"}, "substance": {"heroin"}, "preferred_form": {"methadone"}, "area": {"khac"},
		"contact_name": {"Nguyễn Thị Hoa"}, "phone": {"0912"}, "consent": {"on"}, "_nonce": {nonce}}
	resp, doc = e.postFormWith(t, "/cai-nghien/dang-ky", enq, cookie, token)
	if got, _ := doc.Find(`input[name="_nonce"]`).Attr("value"); resp.StatusCode != 422 || got != nonce {
		t.Fatalf("invalid enquiry: %d, nonce %q want %q", resp.StatusCode, got, nonce)
	}
	enq.Set("phone", "0912 345 678")
	if resp, _ = e.postFormWith(t, "/cai-nghien/dang-ky", enq, cookie, token); resp.StatusCode != 200 {
		t.Fatalf("corrected enquiry: %d", resp.StatusCode)
	}
	if resp, _ = e.postFormWith(t, "/cai-nghien/dang-ky", enq, cookie, token); resp.StatusCode != 409 {
		t.Fatalf("enquiry sent again: %d", resp.StatusCode)
	}

	// Three tips (first send, the edited one sent as new, one double click)
	// and one enquiry.
	if n, _ := e.db.CountPendingSubmissions(ctx); n != 4 {
		t.Errorf("outbox holds %d, want 4", n)
	}
	police := e.forwardToLocalQueue(t, "portal:queue:police")
	if len(police) != 3 {
		t.Errorf("police queue holds %d entries, want 3", len(police))
	}
	// The database keeps a keyed hash of the nonce, never the nonce.
	b, err := os.ReadFile(filepath.Join(e.dataDir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(e.dataDir, "portal.db-wal"))
	if bytes.Contains(append(b, wal...), []byte(nonce)) {
		t.Error("the nonce itself is in the database")
	}
}

// TestStatusPageDate: /tra-cuu writes the day of receipt the Vietnamese
// way, 29/11/2026, while the JSON API keeps ISO 2026-11-29. The day is
// the day in Vietnam (UTC+7): 29/11 17:30 UTC is already 30/11 there.
func TestStatusPageDate(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	for _, tc := range []struct {
		at        time.Time
		page, api string
	}{
		{time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), "29/11/2026", "2026-11-29"},
		{time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC), "30/11/2026", "2026-11-30"},
	} {
		svc, err := intake.NewService(intake.Config{DB: e.db, Catalog: e.svc.Catalog(),
			Secret: []byte("test-secret-0123456789abcdef"), Now: func() time.Time { return tc.at }})
		if err != nil {
			t.Fatal(err)
		}
		tip, fe := svc.Catalog().ValidateTip(intake.TipInput{Category: "mua-ban", Area: "khac", Description: "Có người bán ma túy ở đầu ngõ mỗi tối."})
		if fe != nil {
			t.Fatal(fe)
		}
		r, err := svc.SubmitTip(context.Background(), tip)
		svc.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, doc, _ := e.postForm(t, "/tra-cuu", url.Values{"receipt": {r.Code}})
		if got := doc.Find(".notice-ok dd").Eq(1).Text(); got != tc.page {
			t.Errorf("page day of receipt = %q, want %q", got, tc.page)
		}
		if _, m := e.postJSON(t, "/api/v1/status", `{"receipt":"`+r.Code+`"}`); m["received_on"] != tc.api {
			t.Errorf("API received_on = %v, want %q", m["received_on"], tc.api)
		}
	}
}
