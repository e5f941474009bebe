// Package press is the press office's business logic, below the web layer
// (no Fiber): staff accounts with argon2id password hashes, login sessions
// known only by the SHA-256 of their tokens, throttling of failed logins per
// account and per client key, the campaign service (create, edit, publish
// now or later, unpublish) that keeps the search index in step, the
// scheduler that makes scheduled campaigns go live by themselves, cover
// images re-encoded without metadata, and the audit log of staff actions.
//
// An Office is built once with New and is safe for concurrent use. Errors
// meant for people are formerr.FieldErrors (a Vietnamese message per form
// field), *ThrottledError, or the sentinel errors below; anything else is
// unexpected.
package press

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/search"
	"github.com/thaibinh-pcmt/portal/store"
)

// Roles of staff accounts (issue "Press office", item 1).
const (
	RolePress         = "press"
	RolePolice        = "police"
	RoleSocialAffairs = "social-affairs"
	RoleAdmin         = "admin"
)

// Roles lists every role, in the order shown to people.
var Roles = []string{RolePress, RolePolice, RoleSocialAffairs, RoleAdmin}

// RoleNames are the Vietnamese names of the roles.
var RoleNames = map[string]string{
	RolePress:         "Báo chí - tuyên truyền",
	RolePolice:        "Công an",
	RoleSocialAffairs: "Tư vấn cai nghiện (tiếp nhận đăng ký)",
	RoleAdmin:         "Quản trị",
}

// Actors written in the audit log for actions no staff member took.
const (
	ActorSystem = "hệ thống"  // the scheduler
	ActorCLI    = "dòng lệnh" // the `portal user` command
)

// Sentinel errors. Handlers map them to statuses; their texts are the
// Vietnamese messages to show.
var (
	// ErrBadCredentials: unknown user, wrong password or disabled account
	// (deliberately the same message, so accounts cannot be enumerated).
	ErrBadCredentials = errors.New("Tên đăng nhập hoặc mật khẩu không đúng.")
	// ErrNoSession: no cookie, or an unknown, expired or idle session.
	ErrNoSession = errors.New("Phiên làm việc đã hết hạn hoặc chưa đăng nhập. Vui lòng đăng nhập.")
	// ErrForbidden: logged in, but the role may not do this.
	ErrForbidden = errors.New("Tài khoản của bạn không có quyền thực hiện thao tác này.")
	// ErrNotFound: no such campaign or account.
	ErrNotFound = errors.New("Không tìm thấy mục bạn yêu cầu.")
	// ErrEditConflict: someone else saved the campaign since the form was opened.
	ErrEditConflict = errors.New("Bài này vừa được người khác sửa. Vui lòng mở lại trang sửa và thực hiện lại thay đổi.")
	// ErrUsernameTaken: the username is already in use.
	ErrUsernameTaken = errors.New("Tên đăng nhập này đã được dùng.")
)

// ThrottledError says that too many failed login attempts were made for an
// account or from a client; RetryAfter is how long to wait.
type ThrottledError struct{ RetryAfter time.Duration }

// Error is the Vietnamese message shown with the 429.
func (e *ThrottledError) Error() string {
	mins := int((e.RetryAfter + time.Minute - 1) / time.Minute)
	if mins < 1 {
		mins = 1
	}
	return fmt.Sprintf("Đăng nhập không thành công quá nhiều lần. Vui lòng thử lại sau %d phút.", mins)
}

// Config is what New needs.
type Config struct {
	// DB is the system of record (required).
	DB *store.DB
	// Index is kept in step with the public campaigns; nil: no search.
	Index search.Index
	// Limiter counts login attempts (required). Use the Redis limiter in
	// production so that every instance shares the counts.
	Limiter ratelimit.Limiter
	// Now is the clock; nil: time.Now. Tests inject their own.
	Now func() time.Time
	// Logger; nil: slog.Default(). Nothing identifying a client is logged.
	Logger *slog.Logger
	// AccountLimit and ClientLimit bound login attempts per account and per
	// client key; zero: DefaultAccountLimit, DefaultClientLimit.
	AccountLimit, ClientLimit ratelimit.Limit
	// IdleTimeout and MaxSessionAge bound sessions; zero: the defaults.
	IdleTimeout, MaxSessionAge time.Duration
	// TOTPRoles are the roles that must sign in with a second factor
	// (totp.go); an account of one that has not enrolled yet is sent to
	// the enrolment page and nowhere else. Empty: none (tests); serve
	// passes PORTAL_TOTP_ROLES, by default police, social-affairs, admin.
	TOTPRoles []string
}

// Defaults of Config. Ten attempts per account per 15 minutes stops
// guessing while a person who mistypes can still get in; a client key may
// try a few accounts (one NAT address may be a whole office).
var (
	DefaultAccountLimit  = ratelimit.Limit{Rate: 10, Period: 15 * time.Minute}
	DefaultClientLimit   = ratelimit.Limit{Rate: 30, Period: 15 * time.Minute}
	DefaultIdleTimeout   = 30 * time.Minute
	DefaultMaxSessionAge = 12 * time.Hour
)

// Office is the press office service. Build it with New.
type Office struct {
	db      *store.DB
	index   search.Index
	limiter ratelimit.Limiter
	now     func() time.Time
	log     *slog.Logger

	accountLimit, clientLimit ratelimit.Limit
	idle, maxAge              time.Duration
	totpRoles                 map[string]bool

	// syncMu serialises search-index updates so that a Put and a Delete of
	// the same campaign cannot overtake each other, and guards indexed.
	syncMu sync.Mutex
	// indexed is what this Office put in its search index since start:
	// campaign id → the version and slug put. With several instances each
	// has its own index (Bleve in its own data dir), so this is per
	// process, not a column of the shared database.
	indexed map[int64]indexedCampaign

	// onChange are the functions OnChange registered.
	changeMu sync.Mutex
	onChange []func()
}

// New checks cfg and builds the Office.
func New(cfg Config) (*Office, error) {
	if cfg.DB == nil {
		return nil, errors.New("press: Config.DB is required")
	}
	if cfg.Limiter == nil {
		return nil, errors.New("press: Config.Limiter is required (login throttling)")
	}
	o := &Office{db: cfg.DB, index: cfg.Index, limiter: cfg.Limiter, now: cfg.Now, log: cfg.Logger,
		indexed: map[int64]indexedCampaign{}, accountLimit: cfg.AccountLimit, clientLimit: cfg.ClientLimit,
		idle: cfg.IdleTimeout, maxAge: cfg.MaxSessionAge}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.accountLimit == (ratelimit.Limit{}) {
		o.accountLimit = DefaultAccountLimit
	}
	if o.clientLimit == (ratelimit.Limit{}) {
		o.clientLimit = DefaultClientLimit
	}
	for name, l := range map[string]ratelimit.Limit{"account": o.accountLimit, "client": o.clientLimit} {
		if err := l.Validate(); err != nil {
			return nil, fmt.Errorf("press: %s login limit: %w", name, err)
		}
	}
	if o.idle <= 0 {
		o.idle = DefaultIdleTimeout
	}
	o.totpRoles = map[string]bool{}
	for _, r := range cfg.TOTPRoles {
		o.totpRoles[r] = true
	}
	if o.maxAge <= 0 {
		o.maxAge = DefaultMaxSessionAge
	}
	return o, nil
}

// Now is the Office's clock.
func (o *Office) Now() time.Time { return o.now() }

// IdleTimeout is how long a session lives without activity.
func (o *Office) IdleTimeout() time.Duration { return o.idle }

// Audit returns up to limit audit entries, newest first, older than beforeID
// (0: from the newest).
func (o *Office) Audit(ctx context.Context, beforeID int64, limit int) ([]store.AuditEntry, error) {
	return o.db.ListAudit(ctx, beforeID, limit)
}

// OnChange registers f to be called, synchronously, after every change that
// may alter what the public sees, once it is committed: a campaign created,
// edited, published, scheduled or unpublished, and a scheduler pass that
// brought scheduled campaigns live (or took withdrawn ones out of search).
// The web layer registers its page cache's Invalidate here. f must be
// quick and must not call back into the Office.
func (o *Office) OnChange(f func()) {
	o.changeMu.Lock()
	o.onChange = append(o.onChange, f)
	o.changeMu.Unlock()
}

// changed calls the OnChange functions.
func (o *Office) changed() {
	o.changeMu.Lock()
	fs := o.onChange
	o.changeMu.Unlock()
	for _, f := range fs {
		f()
	}
}

func (o *Office) audit(actor, action, target string) store.AuditEntry {
	return store.AuditEntry{At: o.now(), Actor: actor, Action: action, Target: target}
}
