package press

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// usernameRE is the shape of a username: 3 to 32 of a-z, 0-9, ".", "_",
// "-", starting with a letter or digit. ASCII only, so that look-alike
// letters cannot make two accounts that read the same.
var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// NormalizeUsername trims and lower-cases a typed username.
func NormalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFC.String(s)))
}

// CheckUsername returns a Vietnamese message when u (already normalised) is
// not a valid username, or "".
func CheckUsername(u string) string {
	if u == "" {
		return "Vui lòng nhập tên đăng nhập."
	}
	if !usernameRE.MatchString(u) {
		return "Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu (a–z), chữ số, dấu chấm, gạch dưới hoặc gạch ngang."
	}
	return ""
}

// AddStaff creates an account after checking the username, the role and the
// password rules. actor is who did it (ActorCLI from the command line). A
// rule broken gives FieldErrors with keys "username", "role", "password";
// a taken username gives ErrUsernameTaken.
func (o *Office) AddStaff(ctx context.Context, actor, username, role, password string) (store.Staff, error) {
	username = NormalizeUsername(username)
	fe := formerr.FieldErrors{}
	if msg := CheckUsername(username); msg != "" {
		fe["username"] = msg
	}
	if !slices.Contains(Roles, role) {
		fe["role"] = "Vai trò phải là một trong: press, police, social-affairs, admin."
	}
	if msg := CheckPassword(password, username); msg != "" {
		fe["password"] = msg
	}
	if len(fe) > 0 {
		return store.Staff{}, fe
	}
	hash, err := HashPassword(password)
	if err != nil {
		return store.Staff{}, err
	}
	s, err := o.db.CreateStaff(ctx, username, role, hash, o.now(), o.audit(actor, "staff.add", username+" ("+role+")"))
	if errors.Is(err, store.ErrConflict) {
		return store.Staff{}, ErrUsernameTaken
	}
	return s, err
}

// ListStaff returns every account, by username.
func (o *Office) ListStaff(ctx context.Context) ([]store.Staff, error) {
	return o.db.ListStaff(ctx)
}

// DisableStaff disables an account and ends its sessions at once (or
// re-enables it). An unknown username gives ErrNotFound.
func (o *Office) DisableStaff(ctx context.Context, actor, username string, disabled bool) error {
	username = NormalizeUsername(username)
	action := "staff.disable"
	if !disabled {
		action = "staff.enable"
	}
	err := o.db.SetStaffDisabled(ctx, username, disabled, o.now(), o.audit(actor, action, username))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// SetPassword checks the password rules, replaces the account's password
// and ends its sessions. Broken rules give FieldErrors{"password": …}; an
// unknown username gives ErrNotFound. The password is never logged or
// audited, only the fact that it changed.
func (o *Office) SetPassword(ctx context.Context, actor, username, password string) error {
	username = NormalizeUsername(username)
	if msg := CheckPassword(password, username); msg != "" {
		return formerr.FieldErrors{"password": msg}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	err = o.db.SetStaffPassword(ctx, username, hash, o.now(), o.audit(actor, "staff.passwd", username))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}
