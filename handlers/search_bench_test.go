package handlers

import (
	"net/url"
	"testing"

	"github.com/valyala/fasthttp"
)

// benchQueries are the ten queries of ops/bench/search-queries.lua.
var benchQueries = []string{"424/QĐ-TTg", "cai nghien", "cai nghiện ma túy", "phong chong ma tuy", "metadone",
	`"giảm tác hại"`, "tang cuong", "ke hoach 53", "tooij phamj", "hòa nhập cộng đồng"}

// BenchmarkSearchAPI is what one GET /api/v1/search costs the portal itself
// on the shipped corpus (no network), cycling the ten queries of the wrk
// script; for a CPU profile of the HTTP path:
//
//	go test -run '^$' -bench SearchAPI -benchmem -cpuprofile /tmp/api.prof ./handlers
func BenchmarkSearchAPI(b *testing.B) {
	app := newSearchApp(b)
	h := app.Handler()
	ctxs := make([]*fasthttp.RequestCtx, len(benchQueries))
	for i, q := range benchQueries {
		ctxs[i] = &fasthttp.RequestCtx{}
		ctxs[i].Request.Header.SetMethod("GET")
		ctxs[i].Request.SetRequestURI("/api/v1/search?q=" + url.QueryEscape(q))
		h(ctxs[i])
		if ctxs[i].Response.StatusCode() != 200 {
			b.Fatalf("%s: %d %s", q, ctxs[i].Response.StatusCode(), ctxs[i].Response.Body())
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ctx := ctxs[i%len(ctxs)]
		ctx.Response.Reset()
		h(ctx)
	}
}
