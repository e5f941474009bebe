package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Behind a TLS proxy, Fiber's csrf also checks Referer. An informant whose
// browser strips Referer must still be able to send the form: the Origin
// every browser sends on a POST stands in for it, and a foreign Origin is
// still refused.
func TestCSRFOverHTTPSWithoutReferer(t *testing.T) {
	// app.Test's peer is 0.0.0.0: trusting it makes X-Forwarded-Proto count.
	e := newIntakeEnv(t, intakeOpts{trusted: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}})
	post := func(origin string) int {
		// The form is fetched over HTTPS too: its cookie is __Host-csrf.
		get := httptest.NewRequest(http.MethodGet, "/tin-bao", nil)
		get.Header.Set("X-Forwarded-Proto", "https")
		resp, body := e.do(t, get)
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
		token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
		cookie := resp.Cookies()[0]
		v := url.Values{"category": {"mua-ban"}, "area": {"khac"}, "_csrf": {token},
			"description": {"Có người bán ma túy ở đầu ngõ vào buổi tối, nhiều người lạ ra vào."}}
		req := httptest.NewRequest(http.MethodPost, "/tin-bao", strings.NewReader(v.Encode()))
		req.Host = "phongchongmatuy.example"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Proto", "https")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.AddCookie(cookie)
		resp, _ = e.do(t, req)
		return resp.StatusCode
	}
	if got := post("https://phongchongmatuy.example"); got != http.StatusOK {
		t.Errorf("same-site Origin, no Referer: %d, want 200", got)
	}
	if got := post("https://evil.example"); got != http.StatusForbidden {
		t.Errorf("foreign Origin, no Referer: %d, want 403", got)
	}
	if got := post(""); got != http.StatusForbidden {
		t.Errorf("neither Origin nor Referer over HTTPS: %d, want 403", got)
	}
}
