package handlers

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/search"
)

// benchQueries are the ten queries of ops/bench/search-queries.lua.
var benchQueries = []string{"424/QĐ-TTg", "cai nghien", "cai nghiện ma túy", "phong chong ma tuy", "metadone",
	`"giảm tác hại"`, "tang cuong", "ke hoach 53", "tooij phamj", "hòa nhập cộng đồng"}

// BenchmarkSearchAPI is what one GET /api/v1/search costs the portal itself
// on the shipped corpus (no network), cycling the ten queries of the wrk
// script; for a CPU profile of the HTTP path:
//
//	go test -run '^$' -bench SearchAPI -benchmem -cpuprofile /tmp/api.prof ./handlers
//
// cache=false turns the engine's result cache off: every request searches
// and builds its snippets.
func BenchmarkSearchAPI(b *testing.B) {
	for _, cache := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) { benchSearchAPI(b, cache) })
	}
}

func benchSearchAPI(b *testing.B, cache bool) {
	app := newSearchApp(b, func(d *Deps) {
		if bl, ok := d.Index.(*search.Bleve); ok && !cache {
			bl.SetResultCache(0)
		}
	})
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
