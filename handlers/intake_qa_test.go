package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
		{"text/plain", "http://evil.example", 415, msgNotJSON},
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
			if resp.StatusCode != tc.status || m["error"] != tc.msg {
				t.Errorf("%s %q origin %q: %d %v, want %d %q", path, tc.ctype, tc.origin, resp.StatusCode, m, tc.status, tc.msg)
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
