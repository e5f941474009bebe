package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzIntakeAPI posts arbitrary bodies to the JSON API: never a 5xx, and
// every answer is JSON.
func FuzzIntakeAPI(f *testing.F) {
	e := newIntakeEnv(f, intakeOpts{})
	f.Add("/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ mỗi tối."}`)
	f.Add("/api/v1/rehab-enquiries", `{"relationship":"ban-than","substance":"heroin","preferred_form":"methadone","area":"khac","contact_name":"An","phone":"0912345678","consent":true}`)
	f.Add("/api/v1/status", `{"receipt":"1234 5678 9012 3456"}`)
	f.Add("/api/v1/tips", `{"category":[1,2],"description":null}`)
	f.Add("/api/v1/rehab-enquiries", "{\"contact_name\":\"\xff\xfe\",\"consent\":1}")
	paths := []string{"/api/v1/tips", "/api/v1/rehab-enquiries", "/api/v1/status"}
	f.Fuzz(func(t *testing.T, path, body string) {
		p := paths[len(path)%len(paths)]
		req := httptest.NewRequest(http.MethodPost, p, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", p, body, resp.StatusCode, b)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("POST %s: Content-Type %q", p, resp.Header.Get("Content-Type"))
		}
	})
}

// FuzzIntakeForms posts arbitrary form bodies, with a valid CSRF token, to
// the three forms: never a 5xx, always a whole HTML page.
func FuzzIntakeForms(f *testing.F) {
	e := newIntakeEnv(f, intakeOpts{})
	cookie, token := e.formSession(f, "/tin-bao")
	f.Add(0, url.Values{"category": {"mua-ban"}, "area": {"khac"}, "description": {"Có người bán ma túy ở đầu ngõ mỗi tối."}}.Encode())
	f.Add(1, url.Values{"relationship": {"khac"}, "phone": {"+84 912 345 678"}, "consent": {"on"}, "contact_name": {"<b>x</b>"}}.Encode())
	f.Add(2, "receipt=%EF%BC%91234")
	f.Add(0, "description=%ff%fe&category=%00&website=")
	f.Add(1, "a=b&&&=&%%%")
	paths := []string{"/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"}
	f.Fuzz(func(t *testing.T, which int, form string) {
		p := paths[(which%3+3)%3]
		req := httptest.NewRequest(http.MethodPost, p, strings.NewReader("_csrf="+url.QueryEscape(token)+"&"+form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s %q: %d %s", p, form, resp.StatusCode, b)
		}
		if !strings.Contains(string(b), "</html>") {
			t.Fatalf("POST %s %q: %d, not a whole page", p, form, resp.StatusCode)
		}
	})
}
