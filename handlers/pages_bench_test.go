package handlers

import (
	"context"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/pagecache"
)

func pagesBenchServer(b *testing.B) (*Server, *fiber.App) {
	b.Helper()
	lib, err := content.Load(content.Corpus, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	s, app, err := newServer(Deps{Library: lib, Secret: []byte("test-secret-0123456789abcdef")})
	if err != nil {
		b.Fatal(err)
	}
	return s, app
}

// BenchmarkServeCached is what one request for a cached page costs the
// portal itself, in process (no network): the fasthttp handler the app
// serves with, answering the plan's page from memory.
//
//	go test -run '^$' -bench 'ServeCached|PageBuild' -benchmem ./handlers
func BenchmarkServeCached(b *testing.B) {
	s, app := pagesBenchServer(b)
	fetch(b, app, "GET", "/van-ban/53-kh-ubnd-2017") // builds the page
	h := s.pagesHandler()
	for _, ae := range []string{"identity", "gzip", "gzip, deflate, br"} {
		b.Run("ae="+ae, func(b *testing.B) {
			var ctx fasthttp.RequestCtx
			ctx.Request.Header.SetMethod("GET")
			ctx.Request.SetRequestURI("/van-ban/53-kh-ubnd-2017")
			ctx.Request.Header.Set("Accept-Encoding", ae)
			h(&ctx)
			if ctx.Response.StatusCode() != 200 || len(ctx.Response.Header.Peek("Etag")) == 0 {
				b.Fatalf("not served from the cache: %d", ctx.Response.StatusCode())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				ctx.Response.Reset()
				h(&ctx)
			}
		})
	}
}

// BenchmarkPageBuild is what a miss costs (the first request after an
// invalidation): render the plan's page and the home page, normalise, and
// compress with gzip -9 and brotli 11.
func BenchmarkPageBuild(b *testing.B) {
	s, _ := pagesBenchServer(b)
	plan, _ := s.Library.Document(s.Library.PlanSlug())
	for _, tc := range []struct {
		name  string
		build pagecache.BuildFunc
	}{
		{"home", s.buildHome},
		{"plan", s.buildDocument(plan)},
	} {
		b.Run(tc.name+"/render", func(b *testing.B) {
			for range b.N {
				if _, err := tc.build(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/render+compress", func(b *testing.B) {
			for range b.N {
				c, err := tc.build(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				pagecache.NewPage(c)
			}
		})
	}
}
