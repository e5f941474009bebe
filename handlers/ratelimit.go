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
	// Messages bounds a sender's messages to the desk (POST
	// /tra-cuu/tin-nhan, POST /api/v1/messages), counted like tips.
	Messages ratelimit.Limit
}

// Rate-limit scopes: the first part of every key (ratelimit.Keyer.Key), so
// each route family has its own budget.
const (
	scopeTips      = "tips"
	scopeEnquiries = "enquiries"
	scopeStatus    = "status"
	scopeSearch    = "search"
	scopeMessages  = "messages"
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
// peer, or the X-Forwarded-For hop a trusted proxy names), given to the
// limiter as ratelimit.ClientKey, which the limiter stores only as an HMAC
// under random key material of the day (never on disk). The address itself
// goes nowhere: not to Redis, not to a log. If the limiter
// fails (Redis and the in-process fallback both failing, which the
// fallback makes next to impossible) the request is let through and the
// failure logged without key or address.
func (s *Server) rateLimit(scope string, l ratelimit.Limit) fiber.Handler {
	return s.limitEach(scope, l, nil)
}

// onLimited answers a request over its limit on an HTML form route: it
// shows the same form again with what was typed and msg (which says when
// to try again), with the given status (429). Retry-After and a CSRF token
// for the page are already set.
type onLimited func(c *fiber.Ctx, status int, msg string) error

// limitEach is rateLimit where a 429 on an HTML form is answered by
// limited (when not nil): every request counts, as for receipt look-ups,
// where failures must count to slow guessing.
func (s *Server) limitEach(scope string, l ratelimit.Limit, limited onLimited) fiber.Handler {
	if s.Limiter == nil || l.Rate <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return func(c *fiber.Ctx) error {
		if stop, err := s.allow(c, scope, ratelimit.ClientKey(scope, s.clientAddr(c)), l, limited); stop {
			return err
		}
		return c.Next()
	}
}

// invalidFactor: a client may send this many times its route's rate of
// submissions that turn out invalid (a mistake in the form, an expired
// CSRF token) before they start to count against the route's budget.
const invalidFactor = 5

// localCharge is the c.Locals key of the charge function a submission
// route's handler calls (see submissionLimit and s.charge).
const localCharge = "ratelimit-charge"

type chargeFunc func(invalid bool) (stop bool, err error)

// submissionLimit limits the submissions of one route (tips, enquiries)
// per client, counting what deserves to count: it takes nothing itself
// but lets the handler decide once it knows what the request is
// (s.charge). An accepted submission, a malformed body or a honeypot hit
// takes one unit of the route's budget l. An invalid submission (field
// errors, a failed CSRF check) takes one unit of a separate budget,
// "<scope>-invalid", of invalidFactor × l; only beyond that does it take
// from l too. So a person who makes a mistake does not use up the budget,
// while a flood of junk still does. Each decision is one atomic Allow, so
// parallel requests cannot exceed either budget. Over the limit, the form
// routes re-render the form through limited (what was typed, the message
// saying when to try again, 429 and Retry-After); the API (limited nil)
// answers the JSON 429.
func (s *Server) submissionLimit(scope string, l ratelimit.Limit, limited onLimited) fiber.Handler {
	if s.Limiter == nil || l.Rate <= 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	invalidLimit := ratelimit.Limit{Rate: l.Rate * invalidFactor, Period: l.Period}
	return func(c *fiber.Ctx) error {
		addr := s.clientAddr(c)
		c.Locals(localCharge, chargeFunc(func(invalid bool) (bool, error) {
			if invalid {
				res, err := s.Limiter.Allow(c.UserContext(), ratelimit.ClientKey(scope+"-invalid", addr), invalidLimit)
				if err == nil && res.Allowed {
					return false, nil
				}
				// Too many invalid submissions (or the limiter failed):
				// this one counts against the route's budget.
			}
			return s.allow(c, scope, ratelimit.ClientKey(scope, addr), l, limited)
		}))
		return c.Next()
	}
}

// charge counts this request against its route's submission budget (see
// submissionLimit); invalid tells an invalid submission from an accepted
// one. When stop is true the handler must return err at once: it is the
// 429 answer (already rendered for the forms). On routes without a limit
// it does nothing. Only the first call of a request counts.
func (s *Server) charge(c *fiber.Ctx, invalid bool) (stop bool, err error) {
	f, ok := c.Locals(localCharge).(chargeFunc)
	if !ok || f == nil {
		return false, nil
	}
	c.Locals(localCharge, chargeFunc(nil))
	return f(invalid)
}

// allow takes one unit under key. Over the limit it answers 429 with
// Retry-After and a Vietnamese message: through limited (the form again)
// when not nil, else as a Problem (page or JSON). If the limiter fails
// (Redis and the in-process fallback both failing, which the fallback
// makes next to impossible) the request is let through and the failure
// logged without key or address; an invalid limit is a logged 500.
func (s *Server) allow(c *fiber.Ctx, scope, key string, l ratelimit.Limit, limited onLimited) (stop bool, err error) {
	res, err := s.Limiter.Allow(c.UserContext(), key, l)
	if err != nil {
		if errors.Is(err, ratelimit.ErrInvalidLimit) {
			return true, err // a configuration bug: a logged 500
		}
		s.log.Error("rate limiter failed; request let through", "scope", scope, "err", err)
		return false, nil
	}
	if res.Allowed {
		return false, nil
	}
	secs := int(math.Ceil(res.RetryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	msg := strings.Replace(msgTooMany, "%s", vnDuration(secs), 1)
	if limited == nil {
		return true, &Problem{Status: fiber.StatusTooManyRequests, Message: msg, RetryAfter: secs}
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	if csrfToken(c) == "" {
		s.freshCSRFToken(c) // the CSRF middleware has not run yet
	}
	return true, limited(c, fiber.StatusTooManyRequests, msg)
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
