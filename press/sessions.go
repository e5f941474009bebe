package press

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store"
)

// ErrThrottleUnavailable is returned by Login when the login counters
// cannot be read: the login is refused (fail closed) rather than allowed
// uncounted (PITFALLS.md, "A limiter that allows everything … is no
// limiter").
var ErrThrottleUnavailable = errors.New("Tạm thời chưa kiểm tra được lượt đăng nhập. Vui lòng thử lại sau ít phút.")

// tokenBytes is the size of a session token: 256 bits from crypto/rand.
const tokenBytes = 32

// touchEvery limits how often activity is written for one session: the
// idle expiry is only as precise as this.
const touchEvery = time.Minute

// Principal is the logged-in staff member behind a request.
type Principal struct {
	Username string
	Role     string
	// ExpiresAt is when the session ends if idle from now on (never after
	// the absolute expiry).
	ExpiresAt time.Time
	// MustEnrolTOTP is set when the role requires a second factor that the
	// account has not enrolled yet: only the enrolment page is open to it.
	MustEnrolTOTP bool
}

// CanPublish reports whether p may manage campaigns (press and admin).
func (p Principal) CanPublish() bool { return p.Role == RolePress || p.Role == RoleAdmin }

// IsAdmin reports whether p may read the audit log.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// WorksDesk reports whether p works a desk's inbox (police, social-affairs).
// An admin manages accounts but does not: the cases' content is the desks'
// alone.
func (p Principal) WorksDesk() bool { return p.Role == RolePolice || p.Role == RoleSocialAffairs }

// LoginRequest is one login attempt.
type LoginRequest struct {
	Username, Password string
	// ClientKey identifies the client for throttling: an HMAC of its
	// address made by ratelimit's Keyer, never the address itself.
	ClientKey string
	// OldToken is the session cookie the client already had, if any; it is
	// deleted when the new session is made (rotation at login).
	OldToken string
	// Code is the two-step code (TOTP or a recovery code), required once
	// the account has enrolled (totp.go).
	Code string
}

// Session is a new login: the token goes into the cookie and nowhere else.
type Session struct {
	Token     string
	Principal Principal
	// MaxAge is the absolute lifetime, for the cookie's Max-Age.
	MaxAge time.Duration
}

// Login checks a username and password and opens a new session.
//
// Every attempt first reserves one unit from two GCRA limits, per account
// (AccountLimit) and per client key (ClientLimit), atomically in the
// limiter, before the password is checked: parallel guesses are counted as
// surely as serial ones. Over either limit gives *ThrottledError and the
// password is not checked. Wrong or unknown username, wrong password and
// disabled account all give ErrBadCredentials, after the same argon2id work,
// and keep their units: the limits count failed logins (README,
// PORTAL_LIMIT_LOGIN). A successful login gives its units back: the
// account's counter is reset (its owner has proved the password, so the
// typing mistakes before are forgotten) and the client's unit is refunded
// (not reset: a client that owns one account must not wipe the failures it
// made against other accounts by logging into its own).
//
// Trade-off of the per-account limit, accepted on purpose: anyone who knows
// a username can spend its budget with wrong passwords, from any number of
// addresses, and so keep its owner out (the right password is not checked
// while the account is throttled) for as long as the failures go on, at
// most AccountLimit.Period after the last one. The alternative, checking
// the password of a throttled account, would let guesses spread over many
// addresses escape the limit, which is the attack the limit exists for. An
// administrator can still log in with another account, and the lock-out
// ends by itself; no request is ever answered differently for an existing
// and an unknown username.
func (o *Office) Login(ctx context.Context, req LoginRequest) (Session, error) {
	username := NormalizeUsername(req.Username)
	if CheckUsername(username) != "" || req.Password == "" || len(req.Password) > MaxPasswordLen {
		// Malformed input is still an attempt from this client.
		if err := o.throttle(ctx, "", req.ClientKey); err != nil {
			return Session{}, err
		}
		return Session{}, ErrBadCredentials
	}
	if err := o.throttle(ctx, username, req.ClientKey); err != nil {
		return Session{}, err
	}
	accountKey, clientKey := accountThrottleKey(username), clientThrottleKey(req.ClientKey)
	st, err := o.db.StaffByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		VerifyPassword(req.Password, dummyHash())
		return Session{}, ErrBadCredentials
	}
	if err != nil {
		return Session{}, err
	}
	ok, err := VerifyPassword(req.Password, st.PasswordHash)
	if err != nil {
		return Session{}, fmt.Errorf("press: login %q: %w", username, err)
	}
	if !ok || st.Disabled {
		if aerr := o.db.AppendAudit(ctx, o.audit(username, "staff.login_failed", username)); aerr != nil {
			o.log.Error("audit failed login", "err", aerr)
		}
		return Session{}, ErrBadCredentials
	}
	// The second factor, once enrolled: a missing, wrong or used code
	// keeps the attempt's units, like a wrong password.
	on, err := o.totpEnabled(ctx, st.ID)
	if err != nil {
		return Session{}, err
	}
	if on {
		ok, err := o.checkSecondFactor(ctx, st, req.Code)
		if err != nil {
			return Session{}, err
		}
		if !ok {
			if aerr := o.db.AppendAudit(ctx, o.audit(username, "staff.login_failed_code", username)); aerr != nil {
				o.log.Error("audit failed login", "err", aerr)
			}
			return Session{}, ErrBadCode
		}
	}
	token, hash, err := newToken()
	if err != nil {
		return Session{}, err
	}
	now := o.now()
	var old []byte
	if req.OldToken != "" {
		old = hashToken(req.OldToken)
	}
	s := store.Session{TokenHash: hash, StaffID: st.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(o.maxAge)}
	if err := o.db.CreateSession(ctx, s, old, o.audit(username, "staff.login", "")); err != nil {
		return Session{}, err
	}
	o.giveBack(ctx, accountKey, clientKey)
	return Session{Token: token, MaxAge: o.maxAge,
		Principal: Principal{Username: st.Username, Role: st.Role, ExpiresAt: o.idleEnd(s.ExpiresAt, now),
			MustEnrolTOTP: !on && o.totpRoles[st.Role]}}, nil
}

// throttle takes one attempt from the account's and the client's budgets
// (username "" or clientKey "": that budget is skipped).
func (o *Office) throttle(ctx context.Context, username, clientKey string) error {
	var wait time.Duration
	check := func(key string, l ratelimit.Limit) error {
		r, err := o.limiter.Allow(ctx, key, l)
		if err != nil {
			o.log.Error("login throttle unavailable", "err", err)
			return ErrThrottleUnavailable
		}
		if !r.Allowed && r.RetryAfter > wait {
			wait = r.RetryAfter
		}
		if !r.Allowed && wait == 0 {
			wait = time.Second
		}
		return nil
	}
	if username != "" {
		if err := check(accountThrottleKey(username), o.accountLimit); err != nil {
			return err
		}
	}
	if clientKey != "" {
		if err := check(clientThrottleKey(clientKey), o.clientLimit); err != nil {
			return err
		}
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// giveBack returns the units a successful login reserved (see Login): the
// account's counter is reset, the client's unit refunded. A failure is
// logged (the error names no key or address) and does not undo the login:
// the units then expire by themselves.
func (o *Office) giveBack(ctx context.Context, accountKey, clientKey string) {
	if err := o.limiter.Reset(ctx, accountKey); err != nil {
		o.log.Warn("login throttle: account counter not reset after a successful login", "err", err)
	}
	if clientKey == "" {
		return
	}
	if err := o.limiter.Refund(ctx, clientKey, o.clientLimit); err != nil {
		o.log.Warn("login throttle: client unit not refunded after a successful login", "err", err)
	}
}

// accountThrottleKey is the limiter key of an account, scope
// "login-account". The limiter stores only an HMAC of it under the day's
// random key material (ratelimit.Limiter), so Redis keys name no account
// and cannot be matched against a list of usernames without that
// material.
func accountThrottleKey(username string) string {
	return "login-account:" + username
}

// clientThrottleKey is the limiter key of a client key ("" for none),
// scope "login-client"; stored as an HMAC like every limiter key.
func clientThrottleKey(clientKey string) string {
	if clientKey == "" {
		return ""
	}
	return "login-client:" + clientKey
}

// Authenticate returns who holds the session token. An empty, unknown,
// expired or idle token, or one of a disabled account, gives ErrNoSession
// (an expired one is deleted). Activity is recorded at most once a minute.
func (o *Office) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !validToken(token) {
		return Principal{}, ErrNoSession
	}
	hash := hashToken(token)
	s, err := o.db.SessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	now := o.now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= o.idle || s.Staff.Disabled {
		if err := o.db.DeleteSession(ctx, hash, store.AuditEntry{}); err != nil {
			o.log.Error("delete expired session", "err", err)
		}
		return Principal{}, ErrNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := o.db.TouchSession(ctx, hash, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Principal{}, err
		}
	}
	p := Principal{Username: s.Staff.Username, Role: s.Staff.Role, ExpiresAt: o.idleEnd(s.ExpiresAt, now)}
	if p.MustEnrolTOTP, err = o.needsTOTP(ctx, s.Staff); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// Logout ends the session of token (if it exists) and records it.
func (o *Office) Logout(ctx context.Context, token string) error {
	if !validToken(token) {
		return nil
	}
	hash := hashToken(token)
	var entry store.AuditEntry
	if s, err := o.db.SessionByHash(ctx, hash); err == nil {
		entry = o.audit(s.Staff.Username, "staff.logout", "")
	}
	return o.db.DeleteSession(ctx, hash, entry)
}

func (o *Office) idleEnd(absolute, now time.Time) time.Time {
	if end := now.Add(o.idle); end.Before(absolute) {
		return end
	}
	return absolute
}

// newToken returns a fresh random token (base64url, 43 characters) and the
// SHA-256 hash under which it is stored.
func newToken() (string, []byte, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("press: new session token: %w", err)
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, hashToken(t), nil
}

func hashToken(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// validToken reports whether t has the shape of a token we issue.
func validToken(t string) bool {
	if len(t) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}
