package handlers

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/ratelimit"
)

var tipValues = url.Values{"category": {"mua-ban"}, "area": {"khac"},
	"description": {"Có người bán ma túy ở đầu ngõ vào buổi tối, nhiều người lạ ra vào."}}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestCrossSiteOriginOverPlainHTTP: a form post over plain HTTP with a
// valid token and cookie but a cross-site Origin (or, without Origin, a
// cross-site Referer, or Sec-Fetch-Site: cross-site) is refused with 403
// and nothing is stored; the same post from our own origin is accepted.
// The JSON API refuses a foreign Origin as well.
func TestCrossSiteOriginOverPlainHTTP(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	ctx := context.Background()
	post := func(hdr map[string]string) int {
		cookie, token := e.formSession(t, "/tin-bao")
		v := cloneValues(tipValues)
		v.Set("_csrf", token)
		req := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(v.Encode()))
		req.Host = "phongchongmatuy.example"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, val := range hdr {
			req.Header.Set(k, val)
		}
		req.AddCookie(cookie)
		resp, _ := e.do(t, req)
		return resp.StatusCode
	}
	for name, hdr := range map[string]map[string]string{
		"cross-site Origin":             {"Origin": "http://evil.example"},
		"cross-site Origin, other port": {"Origin": "http://phongchongmatuy.example:8081"},
		"Origin null":                   {"Origin": "null"},
		"cross-site Referer, no Origin": {"Referer": "http://evil.example/trang"},
		"Sec-Fetch-Site cross-site":     {"Sec-Fetch-Site": "cross-site"},
		"https Origin for an http page": {"Origin": "https://phongchongmatuy.example"},
	} {
		if got := post(hdr); got != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, got)
		}
	}
	if n, _ := e.db.CountPendingSubmissions(ctx); n != 0 {
		t.Fatalf("refused posts stored %d submissions", n)
	}
	if got := post(map[string]string{"Origin": "http://phongchongmatuy.example"}); got != http.StatusOK {
		t.Errorf("same-origin post: %d, want 200", got)
	}
	if got := post(nil); got != http.StatusOK {
		t.Errorf("post without Origin or Referer over HTTP: %d, want 200", got)
	}
	if n, _ := e.db.CountPendingSubmissions(ctx); n != 2 {
		t.Fatalf("accepted posts stored %d submissions, want 2", n)
	}
	resp, m := e.postJSON(t, "/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ vào buổi tối."}`,
		"Origin", "http://evil.example")
	if resp.StatusCode != http.StatusForbidden || m["error"] != msgCrossSite {
		t.Errorf("API with a foreign Origin: %d %v", resp.StatusCode, m)
	}
}

// TestCSRFTokenIsBoundToItsCookie: a token taken from one visitor's page
// does not pass with another visitor's cookie (an attacker who has a token
// of their own cannot use it against someone else).
func TestCSRFTokenIsBoundToItsCookie(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	_, attackersToken := e.formSession(t, "/tin-bao")
	victimsCookie, victimsToken := e.formSession(t, "/tin-bao")
	if attackersToken == victimsToken {
		t.Fatal("two sessions got the same token")
	}
	resp, _ := e.postFormWith(t, "/tin-bao", cloneValues(tipValues), victimsCookie, attackersToken)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else's token: %d, want 403", resp.StatusCode)
	}
	resp, _ = e.postFormWith(t, "/tin-bao", cloneValues(tipValues), victimsCookie, victimsToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("own token: %d, want 200", resp.StatusCode)
	}
}

// TestCSRFCookieIsHostPrefixedOverHTTPS: over HTTPS (here as
// X-Forwarded-Proto from a trusted proxy) the cookie is __Host-csrf,
// Secure, Path=/, no Domain, whatever PORTAL_BASE_URL says; the same header
// from an untrusted peer changes nothing; over plain HTTP it is csrf_.
func TestCSRFCookieIsHostPrefixedOverHTTPS(t *testing.T) {
	cookieOf := func(e *intakeEnv, proto string) *http.Cookie {
		req := httptest.NewRequest(http.MethodGet, "/tin-bao", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		resp, _ := e.do(t, req)
		cs := resp.Cookies()
		if len(cs) != 1 {
			t.Fatalf("cookies %v, want one", cs)
		}
		return cs[0]
	}
	trusted := newIntakeEnv(t, intakeOpts{trusted: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}})
	c := cookieOf(trusted, "https")
	if c.Name != csrfCookieHTTPS || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
		t.Errorf("over HTTPS: %+v, want __Host-csrf, Secure, Path=/, no Domain, HttpOnly", c)
	}
	if c := cookieOf(trusted, ""); c.Name != csrfCookie || c.Secure {
		t.Errorf("over HTTP: %+v", c)
	}
	untrusted := newIntakeEnv(t, intakeOpts{})
	if c := cookieOf(untrusted, "https"); c.Name != csrfCookie || c.Secure {
		t.Errorf("X-Forwarded-Proto from an untrusted peer: %+v, want the plain-HTTP cookie", c)
	}
	// And the HTTPS form posts with it.
	get := httptest.NewRequest(http.MethodGet, "/tin-bao", nil)
	get.Header.Set("X-Forwarded-Proto", "https")
	resp, body := trusted.do(t, get)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	v := cloneValues(tipValues)
	v.Set("_csrf", token)
	post := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(v.Encode()))
	post.Host = "example.com"
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("X-Forwarded-Proto", "https")
	post.Header.Set("Origin", "https://example.com")
	post.AddCookie(resp.Cookies()[0])
	if resp, _ := trusted.do(t, post); resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS post with the __Host- cookie: %d", resp.StatusCode)
	}
}

// TestEveryForwardedForLineIsRead: a trusted proxy that adds its own
// X-Forwarded-For line after the client's: the client is the right-most
// untrusted hop of all lines together, so a client cannot escape its
// limit by writing a line of its own.
func TestEveryForwardedForLineIsRead(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{
		trusted: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")},
		limits:  Limits{Status: ratelimit.Limit{Rate: 1, Period: time.Hour}},
	})
	status := func(lines ...string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/status", strings.NewReader(`{"receipt":"1234567890123456"}`))
		req.Header.Set("Content-Type", "application/json")
		for _, l := range lines {
			req.Header.Add("X-Forwarded-For", l)
		}
		resp, _ := e.do(t, req)
		return resp.StatusCode
	}
	if got := status("10.9.9.9", "198.51.100.7"); got != http.StatusNotFound {
		t.Fatalf("first look-up: %d", got)
	}
	if got := status("10.8.8.8", "198.51.100.7"); got != http.StatusTooManyRequests {
		t.Fatalf("same client, another forged first line: %d, want 429", got)
	}
	if got := status("198.51.100.8"); got != http.StatusNotFound {
		t.Fatalf("another client: %d", got)
	}
}

func TestForwardedForTable(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	peer := netip.MustParseAddr("10.0.0.1")
	for _, tc := range []struct{ xff, want string }{
		{"", "10.0.0.1"},
		{"203.0.113.5", "203.0.113.5"},
		{"1.2.3.4, 203.0.113.5", "203.0.113.5"},
		{"1.2.3.4,203.0.113.5,10.0.0.7", "203.0.113.5"},
		{"203.0.113.5, junk", "10.0.0.1"},
		{"10.0.0.9", "10.0.0.9"},
		{"::ffff:203.0.113.5", "203.0.113.5"},
	} {
		if got := resolveClientAddr(peer, tc.xff, trusted); got.String() != tc.want {
			t.Errorf("%q: %v, want %s", tc.xff, got, tc.want)
		}
	}
	if got := resolveClientAddr(netip.MustParseAddr("203.0.113.9"), "1.1.1.1", trusted); got.String() != "203.0.113.9" {
		t.Errorf("untrusted peer: %v", got)
	}
}

// FuzzResolveClientAddr: whatever the header lines, the client is the peer
// or an address written in them, never panics, and is never a trusted
// proxy's address when an untrusted hop stands to its right.
func FuzzResolveClientAddr(f *testing.F) {
	for _, s := range []string{"", "203.0.113.5", "1.2.3.4, 203.0.113.5", " , ,", "::1,10.0.0.2", "2001:db8::1%eth0", "10.0.0.7,junk", strings.Repeat("1.1.1.1,", 50)} {
		f.Add([]byte{10, 0, 0, 1}, s)
	}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, peerRaw []byte, xff string) {
		peer, ok := netip.AddrFromSlice(peerRaw)
		if !ok {
			return
		}
		got := resolveClientAddr(peer.Unmap(), xff, trusted)
		if got == peer.Unmap() {
			return
		}
		if !isTrusted(peer.Unmap(), trusted) {
			t.Fatalf("untrusted peer %v, xff %q: client %v", peer, xff, got)
		}
		found := false
		for _, h := range strings.Split(xff, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(h)); err == nil && a.Unmap() == got {
				found = true
			}
		}
		if !found {
			t.Fatalf("xff %q: client %v is not one of its hops", xff, got)
		}
	})
}

// TestChunkedJSONOverTheLimitGetsJSON413: a chunked JSON body over the
// API's limit, and one over the server's own limit (which makes fasthttp
// throw the request away), both get the JSON 413, over a real connection.
func TestChunkedJSONOverTheLimitGetsJSON413(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.app.Listener(ln)
	defer e.app.Shutdown()
	for _, n := range []int{intakeAPIBodyLimit + 1000, bodyLimit + 1000} {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /api/v1/tips HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
		body := `{"description":"` + strings.Repeat("a", n) + `"}`
		go func() {
			for i := 0; i < len(body); i += 32 << 10 {
				j := min(i+32<<10, len(body))
				if _, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", j-i, body[i:j]); err != nil {
					return
				}
			}
			fmt.Fprintf(conn, "0\r\n\r\n")
		}()
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%d bytes: no response: %v", n, err)
		}
		var m map[string]string
		derr := json.NewDecoder(resp.Body).Decode(&m)
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
			derr != nil || !strings.Contains(m["error"], "quá lớn") {
			t.Fatalf("%d bytes chunked: %d %s %v %v", n, resp.StatusCode, resp.Header.Get("Content-Type"), m, derr)
		}
	}
}

// TestFullDiskAnswers503: when SQLite cannot grow (SQLITE_FULL, as on a
// full disk; here through max_page_count), a submission gets 503 with
// Retry-After and a Vietnamese message, JSON on the API and the form with
// what was typed on the page, and nothing is stored.
func TestFullDiskAnswers503(t *testing.T) {
	e := newIntakeEnv(t, intakeOpts{})
	sqlDB := e.db.SQL()
	sqlDB.SetMaxOpenConns(1)
	var pages int
	if err := sqlDB.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("Có người bán ma túy ở đầu ngõ. ", 150)
	resp, m := e.postJSON(t, "/api/v1/tips", `{"category":"mua-ban","area":"khac","description":"`+long+`"}`)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || m["error"] != msgDiskFull {
		t.Fatalf("API on a full disk: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), m)
	}
	v := cloneValues(tipValues)
	v.Set("description", long)
	resp, doc, _ := e.postForm(t, "/tin-bao", v)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(doc.Text(), "bộ nhớ máy chủ đã đầy") || doc.Find("#f-description").Text() != long {
		t.Fatalf("form on a full disk: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	sqlDB.Exec("PRAGMA max_page_count = 1073741823")
	if n, _ := e.db.CountPendingSubmissions(context.Background()); n != 0 {
		t.Fatalf("stored %d", n)
	}
}

func TestDiskFullTable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("write: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), true},
		{fmt.Errorf("queue: %w", codeErr(13)), true},
		{codeErr(13 | 3<<8), true},
		{codeErr(5), false},
		{fmt.Errorf("pg: %w", sqlStateErr("53100")), true},
		{sqlStateErr("23505"), false},
		{errors.New("database or disk is full?"), false},
		{os.ErrPermission, false},
	} {
		if got := diskFull(tc.err); got != tc.want {
			t.Errorf("diskFull(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type codeErr int

func (e codeErr) Error() string { return fmt.Sprintf("sqlite %d", int(e)) }
func (e codeErr) Code() int     { return int(e) }

type sqlStateErr string

func (e sqlStateErr) Error() string    { return "pg " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }

// TestFeedAndSitemapIgnoreTheRequestHost: without PORTAL_BASE_URL the
// feed, the sitemap and canonical links use the listen address (the pages
// branch's linkBase), whatever Host or X-Forwarded-Host the request names.
func TestFeedAndSitemapIgnoreTheRequestHost(t *testing.T) {
	b := newPressEnv(t, func(d *Deps) { d.BaseURL = ""; d.Addr = "127.0.0.1:8080" })
	for _, path := range []string{"/feed.xml", "/sitemap.xml", "/"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = "evil.example"
		req.Header.Set("X-Forwarded-Host", "evil2.example")
		resp, err := b.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		buf := new(strings.Builder)
		_, _ = bufio.NewReader(resp.Body).WriteTo(buf)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(buf.String(), "evil") || !strings.Contains(buf.String(), "http://127.0.0.1:8080/") {
			t.Errorf("%s: %d; host from the request, or no listen URL:\n%.400s", path, resp.StatusCode, buf.String())
		}
	}
}

// FuzzCSRFToken: whatever the form field and cookie hold, the check never
// panics and accepts only a token issued for that very cookie.
func FuzzCSRFToken(f *testing.F) {
	s := &Server{Deps: Deps{Secret: []byte("test-secret-0123456789abcdef"), Now: time.Now}}
	id := "AAAAAAAAAAAAAAAAAAAAAAAA"
	good := s.csrfIssue(id)
	for _, tok := range []string{good, "", ".", "1.", "x.y", good + "x", "99999999999999999999." + strings.Split(good, ".")[1]} {
		f.Add(id, tok)
	}
	f.Fuzz(func(t *testing.T, cookie, token string) {
		ok := validCookieID(cookie) && s.csrfValid(cookie, token)
		if ok && token != s.csrfIssue(cookie) && !strings.HasPrefix(token, strings.Split(token, ".")[0]+".") {
			t.Fatalf("accepted %q for %q", token, cookie)
		}
		if ok {
			issued, _, _ := strings.Cut(token, ".")
			if token != issued+"."+s.csrfMAC(cookie, issued) {
				t.Fatalf("accepted %q for %q without its MAC", token, cookie)
			}
		}
	})
}
