package handlers

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// BenchmarkInboxPageHTTP measures whole inbox pages over the real app
// (session check, filters, the page of 50, counts per status, members,
// template) for a police desk holding 100,000 cases on SQLite, and reports
// p50 and p99 in ms. Command and figures: docs/performance.md.
func BenchmarkInboxPageHTTP(b *testing.B) {
	e := newDeskEnv(b)
	storetest.SeedCases(b, e.db, "police", 100_000, e.clk.Now(), 1, false)
	police := e.browser()
	police.login("hung", pressPassword)
	for _, q := range []struct{ name, query string }{
		{"default", ""},
		{"status-new", "status=new"},
		{"area-category", "area=tien-hai&category=mua-ban&order=newest"},
		{"assignee-status", "assignee=lan&status=verifying"},
		{"overdue", "overdue=1"},
		{"unread", "unread=1"},
		{"month", "from=2026-05-01&to=2026-05-31"},
		{"page-20", "page=20"},
	} {
		b.Run(q.name, func(b *testing.B) {
			durs := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodGet, inboxPath+"?"+q.query, nil)
				for k, v := range police.cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				t0 := time.Now()
				resp, err := e.app.Test(req, -1)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%s: %v %v", q.name, resp.StatusCode, err)
				}
				resp.Body.Close()
				durs = append(durs, time.Since(t0))
			}
			slices.Sort(durs)
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durs[(len(durs)-1)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
