package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"
)

// CSRF protection is Fiber's csrf middleware (double submit: the form field
// must equal the cookie) with a stateless token store: a token is
// "issued.nonce.mac" where mac is HMAC-SHA256(secret, issued.nonce). Any
// instance with the same secret accepts it and a restart does not turn a
// half-filled form into an error. Tokens live csrfLifetime.
const (
	csrfField    = "_csrf"
	csrfCookie   = "csrf_"
	csrfLocal    = "csrf"
	csrfLifetime = 12 * time.Hour
	// csrfFailureLocal is the c.Locals key of a route's own answer to a
	// failed CSRF check (a fiber.Handler); see the ErrorHandler.
	csrfFailureLocal = "csrf-failure"
)

func (s *Server) csrfMiddleware() fiber.Handler {
	st := &csrfStore{secret: s.Secret, now: s.Now}
	check := csrf.New(csrf.Config{
		// The JSON API is authorised by nothing a browser sends on its own
		// (no cookies), so it needs no token.
		Next:           isAPI,
		KeyLookup:      "form:" + csrfField,
		CookieName:     csrfCookie,
		CookieSameSite: "Lax",
		CookieHTTPOnly: true,
		// Secure when the public URL is https (the proxy terminates TLS).
		CookieSecure: strings.HasPrefix(s.BaseURL, "https://"),
		Expiration:   csrfLifetime,
		KeyGenerator: st.generate,
		Storage:      st,
		ContextKey:   csrfLocal,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			// A route may answer a failed check itself (the intake forms
			// show the form again with what was typed): handlers/intake_csrf.go.
			if h, ok := c.Locals(csrfFailureLocal).(fiber.Handler); ok && h != nil {
				return h(c)
			}
			return &Problem{Status: fiber.StatusForbidden, Message: "Biểu mẫu đã hết hạn hoặc không hợp lệ. " +
				"Vui lòng quay lại trang trước, sao chép nội dung bạn đã viết, tải lại trang rồi dán và gửi lại."}
		},
	})
	return func(c *fiber.Ctx) error {
		// Over HTTPS the middleware also wants a same-host Referer on a
		// POST. Privacy tools and some browser settings strip Referer —
		// exactly what careful informants use — but browsers still send
		// Origin on every POST (Fetch standard), so a same-site Origin
		// stands in for it; a foreign one still fails the check.
		if c.Method() == fiber.MethodPost && c.Get(fiber.HeaderReferer) == "" {
			if o := c.Get(fiber.HeaderOrigin); o != "" && o != "null" {
				c.Request().Header.Set(fiber.HeaderReferer, o+"/")
			}
		}
		return check(c)
	}
}

// csrfToken returns the token the middleware put on this request.
func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfLocal).(string)
	return t
}

// csrfStore implements fiber.Storage for the csrf middleware without
// storing anything: a key "exists" when its MAC is valid and it is fresh.
type csrfStore struct {
	secret []byte
	now    func() time.Time
}

func (st *csrfStore) mac(payload string) string {
	m := hmac.New(sha256.New, st.secret)
	m.Write([]byte("csrf:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (st *csrfStore) generate() string {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		panic("csrf: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	payload := strconv.FormatInt(st.now().Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(nonce)
	return payload + "." + st.mac(payload)
}

func (st *csrfStore) valid(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i <= 0 {
		return false
	}
	payload, mac := token[:i], token[i+1:]
	if !hmac.Equal([]byte(mac), []byte(st.mac(payload))) {
		return false
	}
	dot := strings.IndexByte(payload, '.')
	if dot <= 0 {
		return false
	}
	issued, err := strconv.ParseInt(payload[:dot], 10, 64)
	if err != nil {
		return false
	}
	age := st.now().Sub(time.Unix(issued, 0))
	return age >= -time.Minute && age <= csrfLifetime
}

// Get reports a valid token as present (any non-nil value will do).
func (st *csrfStore) Get(key string) ([]byte, error) {
	if st.valid(key) {
		return []byte{1}, nil
	}
	return nil, nil
}

// Set, Delete, Reset and Close have nothing to do: nothing is stored.
func (st *csrfStore) Set(string, []byte, time.Duration) error { return nil }
func (st *csrfStore) Delete(string) error                     { return nil }
func (st *csrfStore) Reset() error                            { return nil }
func (st *csrfStore) Close() error                            { return nil }
