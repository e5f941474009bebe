package handlers

import (
	"context"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/static"
)

// Cache-Control field values by kind of response (RFC 9111, section 5.2.2;
// stale-while-revalidate: RFC 5861, section 3).
const (
	// cacheReading is for the public reading pages, the feed, the sitemap
	// and robots.txt: fresh for a minute, so that a publication or a
	// withdrawal reaches browsers and proxies within about a minute; then
	// a cache may show its copy once more while it revalidates (a 304
	// costs a few hundred bytes), so a reader on a slow line never waits
	// for a page they already have.
	cacheReading = "public, max-age=60, stale-while-revalidate=600"
	// cacheImmutable is for content-hashed assets and cover images: a
	// changed file gets a new name, so a copy never goes stale.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheNoStore is for anything carrying a CSRF token, a one-time
	// nonce, a receipt or a login, and for errors.
	cacheNoStore = "no-store"
)

// securityHeaderFields are the fields every response carries, set by the
// securityHeaders middleware and, on the cached path that runs before it,
// by writePage. The CSP allows only this origin: no third-party requests
// can come from our pages.
var securityHeaderFields = [...][2]string{
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	// same-origin, not no-referrer: no address of ours ever reaches another
	// site, but our own form POSTs carry a Referer, which Fiber's CSRF
	// middleware requires over HTTPS (it refuses a POST without one).
	{"Referrer-Policy", "same-origin"},
	{"X-Frame-Options", "DENY"},
	{"Permissions-Policy", "microphone=(self), camera=(), geolocation=()"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
}

// securityHeaders sets securityHeaderFields on every response that goes
// through Fiber.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders sets securityHeaderFields on c's response (also
// where the middleware did not run: handleError for a request fasthttp
// threw away).
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Context().Response.Header
	for _, f := range securityHeaderFields {
		h.Set(f[0], f[1])
	}
}

// serveCached answers, straight from memory and before Fiber's router and
// middleware run, a GET or HEAD without a query string whose path is a page
// the cache holds or a static asset. It reports false for every other
// request, which then takes the normal route (where the page's handler
// builds it into the cache). It allocates nothing.
//
// The raw request-target is the key: the cache holds pages under their
// canonical paths, so a path spelled otherwise ("/VAN-BAN", "/van-ban/",
// percent-encoded) simply misses here and is routed as usual.
func (s *Server) serveCached(ctx *fasthttp.RequestCtx) bool {
	if !ctx.IsGet() && !ctx.IsHead() {
		return false
	}
	target := ctx.Request.Header.RequestURI()
	now := s.Now()
	p := s.pages.PeekBytes(target, now)
	if p == nil {
		if p = s.assets[string(target)]; p == nil {
			return false
		}
	}
	writePage(ctx, p, now)
	return true
}

// pagesHandler is the fasthttp handler the app serves with: serveCached,
// else Fiber's router.
func (s *Server) pagesHandler() fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if !s.serveCached(ctx) {
			s.routed(ctx)
		}
	}
}

// cached serves the page of key from the cache, building it with build
// when the cache does not hold it. key is the page's canonical path.
func (s *Server) cached(c *fiber.Ctx, key string, build pagecache.BuildFunc) error {
	p, err := s.pages.Get(c.UserContext(), key, build)
	if err != nil {
		return err
	}
	writePage(c.Context(), p, s.Now())
	return nil
}

// writePage answers a GET or HEAD with p: the coding the client accepts
// (Vary: Accept-Encoding), its ETag, Last-Modified, the page's
// Cache-Control and the security headers; 304 without a body when the
// client's copy is current (RFC 9110, section 13.2.2). fasthttp leaves the
// body out of a HEAD answer but keeps its Content-Length.
func writePage(ctx *fasthttp.RequestCtx, p *pagecache.Page, now time.Time) {
	req := &ctx.Request.Header
	r := p.Select(req.Peek(fiber.HeaderAcceptEncoding))
	h := &ctx.Response.Header
	for _, f := range securityHeaderFields {
		h.Set(f[0], f[1])
	}
	h.Set(fiber.HeaderCacheControl, p.CacheControl)
	h.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	h.Set(fiber.HeaderETag, r.ETag)
	if lm := p.LastModifiedAt(now); lm != "" {
		h.Set(fiber.HeaderLastModified, lm)
	}
	if p.NotModified(r, req.Peek(fiber.HeaderIfNoneMatch), req.Peek(fiber.HeaderIfModifiedSince), now) {
		ctx.Response.ResetBody()
		ctx.SetStatusCode(fiber.StatusNotModified)
		return
	}
	ctx.SetStatusCode(fiber.StatusOK)
	h.SetContentType(p.ContentType)
	if r.Encoding != pagecache.Identity {
		h.Set(fiber.HeaderContentEncoding, r.Encoding.Token())
	}
	ctx.Response.SetBodyRaw(r.Body)
}

// htmlPage renders a reading page as every visitor sees it, for the cache:
// no CSRF token, no search query, the navigation marked for path, links
// absolute on s.linkBase (never the request's Host, which anyone can set:
// a cached page must not carry it to others).
func (s *Server) htmlPage(path, page string, v View, expires time.Time) (pagecache.Content, error) {
	v.Path = path
	body, err := s.execute(page, v)
	if err != nil {
		return pagecache.Content{}, err
	}
	return pagecache.Content{Body: body, ContentType: fiber.MIMETextHTMLCharsetUTF8, CacheControl: cacheReading, Expires: expires}, nil
}

// campaignsValidUntil is when pages listing campaigns stop being true by
// themselves: the next scheduled publication (zero: none, or no press
// office). If it cannot be read, pages are kept a few seconds only.
func (s *Server) campaignsValidUntil(ctx context.Context) time.Time {
	if s.Press == nil {
		return time.Time{}
	}
	t, err := s.Press.NextPublication(ctx)
	if err != nil {
		s.log.Error("next scheduled publication", "err", err)
		return s.Now().Add(degradedPageLifetime)
	}
	return t
}

// degradedPageLifetime is how long a page built while part of it could
// not be read (the database failing) is kept before it is built again.
const degradedPageLifetime = 10 * time.Second

// linkBaseOf is the absolute base of links in cached pages (canonical
// URLs, link previews, the feed and the sitemap): the configured public
// URL, else the listen address (a wildcard host written as localhost), so
// that no page depends on the request's Host.
func linkBaseOf(baseURL, addr string) string {
	if baseURL != "" {
		return strings.TrimRight(baseURL, "/")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	hostPort := net.JoinHostPort(host, port)
	if port == "80" {
		hostPort = strings.TrimSuffix(hostPort, ":80")
	}
	return "http://" + hostPort
}

// assetPages are the static assets as pages, each compressed once per
// process with gzip and brotli (the first New pays for it, at start).
var assetPages = sync.OnceValue(func() map[string]*pagecache.Page {
	out := map[string]*pagecache.Page{}
	for _, a := range static.All() {
		out[static.Prefix+a.HashedName] = pagecache.NewPage(pagecache.Content{
			Body: a.Body, ContentType: a.ContentType, CacheControl: cacheImmutable})
	}
	return out
})

// asset serves an embedded file by its content-hashed name (requests that
// serveCached did not answer: a query string, a miss).
func (s *Server) asset(c *fiber.Ctx) error {
	p := s.assets[static.Prefix+c.Params("name")]
	if p == nil {
		return notFound("")
	}
	writePage(c.Context(), p, s.Now())
	return nil
}
