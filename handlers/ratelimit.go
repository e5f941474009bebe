package handlers

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// Limits are the per-client rates of the limited routes, from
// PORTAL_LIMIT_TIPS, PORTAL_LIMIT_ENQUIRIES, PORTAL_LIMIT_STATUS and
// PORTAL_LIMIT_SEARCH. A zero Limit (Rate 0) means that route is not limited.
type Limits struct {
	Tips      ratelimit.Limit // POST /tin-bao, POST /api/v1/tips
	Enquiries ratelimit.Limit // POST /cai-nghien/dang-ky, POST /api/v1/rehab-enquiries
	Status    ratelimit.Limit // POST /tra-cuu, POST /api/v1/status
	Search    ratelimit.Limit // GET /tim-kiem, GET /api/v1/search
}

// Rate-limit scopes: the first part of every key (ratelimit.Keyer.Key), so
// each route family has its own budget.
const (
	scopeTips      = "tips"
	scopeEnquiries = "enquiries"
	scopeStatus    = "status"
	scopeSearch    = "search"
)

// msgTooMany is the message of a 429; the error handler adds Retry-After.
const msgTooMany = "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau %s."

// registerRateLimits puts the search limit in front of /tim-kiem and
// /api/v1/search. It runs before registerSearch (routes.go), because Fiber
// runs handlers in the order they were registered. The intake routes put
// their limits in front of their own handlers (registerIntake).
func (s *Server) registerRateLimits(app *fiber.App) {
	if s.Limiter == nil || s.Limits.Search.Rate <= 0 {
		return
	}
	lim := s.rateLimit(scopeSearch, s.Limits.Search)
	app.Get("/tim-kiem", lim)
	app.Get("/api/v1/search", lim)
}

// rateLimit returns a middleware that lets a client make l.Rate requests
// per l.Period in scope and answers the next with 429, Retry-After and a
// Vietnamese page or JSON error. The client is s.clientAddr(c) (socket
// peer, or the X-Forwarded-For hop a trusted proxy names), turned into a
// key by ratelimit.Keyer: an HMAC under a secret that rotates daily. The
// address itself goes nowhere: not to Redis, not to a log. If the limiter
// fails (Redis and the in-process fallback both failing, which the
// fallback makes next to impossible) the request is let through and the
// failure logged without key or address.
func (s *Server) rateLimit(scope string, l ratelimit.Limit) fiber.Handler {
	if s.Limiter == nil || l.Rate <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	keyer := ratelimit.NewKeyer(s.Secret)
	return func(c *fiber.Ctx) error {
		key := keyer.Key(scope, s.clientAddr(c), s.Now())
		res, err := s.Limiter.Allow(c.UserContext(), key, l)
		if err != nil {
			if errors.Is(err, ratelimit.ErrInvalidLimit) {
				return err // a configuration bug: a logged 500
			}
			s.log.Error("rate limiter failed; request let through", "scope", scope, "err", err)
			return c.Next()
		}
		if res.Allowed {
			return c.Next()
		}
		secs := int(math.Ceil(res.RetryAfter.Seconds()))
		if secs < 1 {
			secs = 1
		}
		return &Problem{
			Status:     fiber.StatusTooManyRequests,
			Message:    strings.Replace(msgTooMany, "%s", vnDuration(secs), 1),
			RetryAfter: secs,
		}
	}
}

// vnDuration writes a wait in Vietnamese: "45 giây", "3 phút", "2 giờ".
func vnDuration(secs int) string {
	switch {
	case secs < 60:
		return strconv.Itoa(secs) + " giây"
	case secs < 3600:
		return strconv.Itoa((secs+59)/60) + " phút"
	default:
		return strconv.Itoa((secs+3599)/3600) + " giờ"
	}
}
