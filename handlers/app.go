// Package handlers is the portal's web layer: the Fiber application, every
// route, the middleware (security headers, CSRF, rate limits), the HTML
// templates (embedded, parsed once at start) and the JSON API. It turns
// typed errors into Vietnamese pages or JSON in one error handler.
package handlers

import (
	"github.com/thaibinh-pcmt/portal/seal"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/content"
	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/identity"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/pagecache"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/rehab"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// Deps is everything the web layer needs, built by cmd/portal.
type Deps struct {
	Logger  *slog.Logger
	Library *content.Library
	// Index is the search engine; nil when none is configured.
	Index search.Index
	Store *store.DB
	// Now is the clock; tests inject their own.
	Now func() time.Time
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Secret keys the CSRF tokens and every keyed hash (at least 16 bytes).
	Secret []byte
	// BaseURL is the public absolute URL without a trailing slash, for
	// canonical links, Open Graph tags, the feed and the sitemap; empty:
	// http://Addr (see linkBaseOf). Pages never take it from the request.
	BaseURL string
	// Addr is the listen address (host:port), the base of absolute links
	// when BaseURL is empty.
	Addr string
	// Pages is the cache of rendered reading pages; nil: New makes one.
	// cmd/portal passes its own so that it can call Invalidate when
	// another instance changes what pages show (pagecache's doc).
	Pages *pagecache.Cache
	// DataDir is the data directory (imported documents, secret, queue).
	DataDir string
	// ReadyChecks are extra named checks run by /readyz (e.g. "redis").
	ReadyChecks map[string]func(context.Context) error
	// DegradedChecks are named checks /readyz reports without failing: a
	// failure shows as "degraded" in the body, status still 200 (e.g.
	// "redis": intake keeps accepting through the outbox meanwhile).
	DegradedChecks map[string]func(context.Context) error
	// ReadyInfo are named facts /readyz reports beside the checks, at the
	// top level of its JSON (e.g. "redis_persistence": "none"); each gets
	// a second.
	ReadyInfo map[string]func(context.Context) any
	// HomeCampaigns returns the campaigns shown on the home page when
	// there is no press office (Press nil); nil shows none. With a press
	// office the home page lists its newest public campaigns.
	HomeCampaigns func(context.Context) any
	// Keys are the desks' key pairs (issue 11): sign-in and desk API
	// tokens open a desk's private key with them. nil: no encryption.
	Keys *seal.Keyring
	// KeySessions holds the opened keys of signed-in sessions, in memory
	// only; set together with Keys.
	KeySessions *seal.Sessions
	// Intake accepts tip-offs and rehab enquiries (outbox, receipts); nil:
	// the intake pages answer 503. Set by startIntake.
	Intake *intake.Service
	// Limiter decides the per-client rate limits (Redis with the
	// in-process fallback, or in-process only); nil: no limits. Set by
	// startIntake.
	Limiter ratelimit.Limiter
	// Limits are the rates of the limited routes (handlers/ratelimit.go).
	Limits Limits
	// Identity is the site's identity (province, names, emblem, operator,
	// agencies, hotlines); nil: the embedded identity.
	Identity *identity.Identity
	// Rehab is the directory of rehab services shown on /cai-nghien; nil:
	// the page lists none. Set by startIntake (its catalog validates the
	// service an enquiry names).
	Rehab *rehab.Directory
	// Press is the press office (staff, sessions, campaigns, audit); nil:
	// no admin routes and no campaign pages.
	Press *press.Office
	// Desk is where the desks work cases (inbox, conversation, desk API);
	// nil: no inbox and /tra-cuu shows the intake status only. Needs Press
	// (sign-in) for the inbox and Intake (receipts) for the conversation.
	Desk *desk.Service
	// Observer counts requests and cache lookups for the operator's
	// metrics (handlers/metrics.go); nil: nothing is counted.
	Observer Observer
}

// Server holds the dependencies and parsed templates behind every handler.
type Server struct {
	Deps
	log  *slog.Logger
	tmpl *templateSet
	// csrf is the CSRF middleware, put in front of routes that show or
	// accept forms.
	csrf fiber.Handler
	// pages holds the reading pages (Deps.Pages); assets the static files,
	// compressed once.
	pages  *pagecache.Cache
	assets map[string]*pagecache.Page
	// linkBase is the absolute base of links in pages (linkBaseOf).
	linkBase string
	// routed is Fiber's own handler, for every request serveCached does
	// not answer.
	routed fasthttp.RequestHandler
	// forms are the empty intake forms, split at their per-visitor parts
	// (formshell.go).
	forms formShells
}

// Limits of the HTTP server. BodyLimit is the cap fasthttp enforces before
// a handler runs (the routes that take photos get photoBodyLimit instead:
// bodyLimitFor); routes check their own, smaller limits first so that
// people get the form back with a message. Over the cap, fasthttp answers
// 413 through handleError and the connection closes lingeringly (Listener),
// so the client reads the message rather than a reset.
const (
	readTimeout  = 15 * time.Second
	writeTimeout = 30 * time.Second
	idleTimeout  = 60 * time.Second
	bodyLimit    = 12 << 20
	// writeBufferSize: see the WriteBufferSize comment in New.
	writeBufferSize = 48 << 10
)

// New builds the Fiber application with every route. It fails if a template
// does not parse or an asset is missing, so a broken build fails at start,
// not on a request.
func New(d Deps) (*fiber.App, error) {
	_, app, err := newServer(d)
	return app, err
}

// newServer is New, also returning the Server (for tests).
func newServer(d Deps) (*Server, *fiber.App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Library == nil {
		return nil, nil, errors.New("handlers: Deps.Library is required")
	}
	if d.Identity == nil {
		id, err := identity.Default()
		if err != nil {
			return nil, nil, err
		}
		d.Identity = id
	}
	if len(d.Secret) < 16 {
		return nil, nil, errors.New("handlers: Deps.Secret must be at least 16 bytes")
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, nil, fmt.Errorf("handlers: %w", err)
	}
	if d.Pages == nil {
		d.Pages = pagecache.New(d.Now)
	}
	s := &Server{Deps: d, log: d.Logger, tmpl: tmpl, pages: d.Pages, assets: assetPages(),
		linkBase: linkBaseOf(d.BaseURL, d.Addr)}
	if d.Press != nil {
		// Every change the press office makes to what the public sees
		// (publish, unpublish, edit, schedule, go-live) drops the pages.
		// The form shells go too: their menu offers "Chiến dịch" only
		// while a campaign is public.
		d.Press.OnChange(func() {
			s.pages.Invalidate()
			s.forms.reset()
		})
	}
	app := fiber.New(fiber.Config{
		AppName:               "portal",
		ServerHeader:          "",
		DisableStartupMessage: true,
		ReadTimeout:           readTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
		BodyLimit:             bodyLimit,
		ReadBufferSize:        16 << 10,
		// A cached page goes out in one write: headers and body fit the
		// buffer (the plan's page is 32 KB uncompressed). With fasthttp's
		// default 4 KB, every answer over ~3.5 KB took two write system
		// calls, a fifth more CPU per request (docs/performance.md,
		// "Pages"). The buffer lives as long as its connection.
		WriteBufferSize: writeBufferSize,
		// Multipart bodies are parsed when a handler asks (the cover
		// upload), not by fasthttp while reading: a malformed one then
		// gets our Vietnamese answer (JSON on the API), not fasthttp's.
		DisablePreParseMultipartForm: true,
		ErrorHandler:                 s.handleError,
		// X-Forwarded-Proto and -Host are believed only from trusted
		// proxies. No ProxyHeader is set: c.IP() is the socket peer, and
		// clientAddr alone reads X-Forwarded-For.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          prefixStrings(d.TrustedProxies),
	})
	app.Server().HeaderReceived = bodyLimitFor
	lingerOnTooLarge(app)
	// Metrics first, so that every answer is counted, panics included.
	app.Use(s.observe)
	// Panics become 500s through handleError; the stack trace is logged
	// without the request line, headers or address.
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.securityHeaders)
	app.Use(s.checkUTF8)
	app.Use(s.originGuard)
	s.routes(app)
	// Cached pages and assets are answered before Fiber routes the
	// request (serveCached); everything else, and every first request for
	// a page, goes through the app as usual.
	s.routed = app.Server().Handler
	app.Server().Handler = s.pagesHandler()
	return s, app, nil
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic in handler", "route", c.Route().Path, "panic", fmt.Sprint(e))
}
