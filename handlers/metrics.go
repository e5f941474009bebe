package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// Observer receives what the operator's metrics count of the web layer
// (package metrics implements it; Deps.Observer nil counts nothing). It
// is given route patterns and fixed names only, never a path, a query, an
// address or anything a person typed.
type Observer interface {
	// ObserveRequest: one answered request, with the pattern of the route
	// that answered ("/van-ban/:slug"; "unmatched" when none did), the
	// final status and the time taken.
	ObserveRequest(method, route string, status int, elapsed time.Duration)
	// ObserveCacheLookup: one lookup in a cache ("pages" for the rendered
	// page cache), hit or miss.
	ObserveCacheLookup(cache string, hit bool)
}

// unmatchedRoute labels requests that no route took (404s of unknown
// paths), so unknown paths never become label values.
const unmatchedRoute = "unmatched"

// observe is the first middleware (panic recovery runs inside it): it times every
// request and reports it with its route pattern and final status. Errors
// returned down the chain are turned into their answer here, by the one
// error handler (as Fiber's logger middleware does), so the status counted
// is the status sent. Whatever answers below it — a route, the page
// cache, a 429 from the rate limiter — is counted. It costs two clock
// reads and a map lookup in the metrics library per request.
func (s *Server) observe(c *fiber.Ctx) error {
	if s.Observer == nil {
		return c.Next()
	}
	start := time.Now()
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	route := c.Route().Path
	if route == "/" && c.Path() != "/" {
		// Only a middleware mounted at the root was matched.
		route = unmatchedRoute
	}
	s.Observer.ObserveRequest(c.Method(), route, c.Response().StatusCode(), time.Since(start))
	return nil
}

// CacheLookup reports a lookup in cache (e.g. "pages") to the metrics:
// the page cache calls it on every lookup so that operators see its hit
// rate (portal_cache_lookups_total{cache,result}).
func (s *Server) CacheLookup(cache string, hit bool) {
	if s.Observer != nil {
		s.Observer.ObserveCacheLookup(cache, hit)
	}
}
