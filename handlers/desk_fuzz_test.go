package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/press"
)

// FuzzDeskAPI sends arbitrary bodies to the desk API's writes and arbitrary
// query strings to its list, with a valid token: never a 5xx, always JSON.
func FuzzDeskAPI(f *testing.F) {
	e := newDeskEnv(f)
	sendTip(f, e.browser(), "Có người bán ma túy ở đầu ngõ mỗi tối, khoảng 21 giờ.")
	e.deliver(f)
	token, _, err := e.desk.CreateToken(context.Background(), press.ActorCLI, "police", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(0, `{"body":"Nhà số mấy?"}`, "status=new&page=1")
	f.Add(1, `{"status":"closed","outcome":"da-xu-ly","note":"x"}`, "since=2026-13-40&order=newest")
	f.Add(1, `{"status":["x"],"note":{}}`, "page=-1&overdue=true&unread=1")
	f.Add(0, "{\"body\":\"\xff\xfe\u202e\"}", "assignee=-&area=%ff&category=mua-ban")
	f.Add(1, `{"status":"verifying"} {}`, "to=2026-01-01&since=2027-01-01")
	f.Fuzz(func(t *testing.T, which int, body, query string) {
		for _, r := range []struct{ method, path, body string }{
			{http.MethodPost, []string{"/api/v1/desk/cases/1/messages", "/api/v1/desk/cases/1/status"}[(which%2+2)%2], body},
			{http.MethodGet, "/api/v1/desk/cases?" + clientQuery(query), ""},
		} {
			req := httptest.NewRequest(r.method, "/", strings.NewReader(r.body))
			req.URL.Path, req.URL.RawQuery, _ = strings.Cut(r.path, "?")
			req.RequestURI = r.path
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("%s %s %q: %d %s", r.method, r.path, r.body, resp.StatusCode, b)
			}
		}
	})
}

// FuzzInboxAndReply: arbitrary inbox query strings for a signed-in desk
// member, and arbitrary bodies to the sender's message API: never a 5xx.
func FuzzInboxAndReply(f *testing.F) {
	e := newDeskEnv(f)
	receipt := sendTip(f, e.browser(), "Có người bán ma túy ở đầu ngõ mỗi tối, khoảng 21 giờ.")
	e.deliver(f)
	police := e.browser()
	police.login("hung", pressPassword)
	f.Add("status=new&category=mua-ban&area=vu-thu&from=2026-01-01&to=2026-12-31&assignee=-&overdue=1&unread=1&order=newest&page=2", `{"receipt":"`+receipt+`","body":"Nhà số 3."}`)
	f.Add("page=99999999999999999999&from=%00", `{"receipt":1,"body":[]}`)
	f.Add("status=%E2%80%AE&to=0000-00-00", `{"receipt":"`+receipt+`","body":"`+strings.Repeat("á", 3000)+`"}`)
	f.Fuzz(func(t *testing.T, query, body string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		q := clientQuery(query)
		req.URL.Path, req.URL.RawQuery, req.RequestURI = inboxPath, q, inboxPath+"?"+q
		for k, v := range police.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 || resp.StatusCode == 404 || !strings.Contains(string(page), "</html>") {
			t.Fatalf("inbox ?%s: %d", query, resp.StatusCode)
		}
		req = httptest.NewRequest(http.MethodPost, "/api/v1/messages", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err = e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST /api/v1/messages %q: %d %s", body, resp.StatusCode, b)
		}
	})
}

// clientQuery percent-encodes what a client cannot send raw in a query
// string (controls, spaces, '#', non-ASCII bytes), keeping the rest as
// typed: the fuzzed text as a browser would put it on the wire.
func clientQuery(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
