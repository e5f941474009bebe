package press

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

// Field names of the page where a staff member changes their own password
// (the form's inputs and the keys of its FieldErrors).
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
	FieldConfirmPassword = "confirm_password"
)

// Messages of the password change, each naming its field.
const (
	msgCurrentEmpty    = "Vui lòng nhập mật khẩu hiện tại."
	msgCurrentWrong    = "Mật khẩu hiện tại không đúng."
	msgNewSameAsOld    = "Mật khẩu mới phải khác mật khẩu hiện tại."
	msgConfirmEmpty    = "Vui lòng nhập lại mật khẩu mới."
	msgConfirmMismatch = "Mật khẩu nhập lại không khớp với mật khẩu mới."
)

// ErrPasswordConflict: the password or the key pair changed (an admin's
// reset, a change in another tab) between reading and writing; nothing
// was changed by this request.
var ErrPasswordConflict = errors.New("Mật khẩu của tài khoản vừa được thay đổi ở nơi khác nên lần đổi này chưa được thực hiện. Vui lòng tải lại trang và thử lại.")

// PasswordChange is a signed-in staff member's request to change their own
// password.
type PasswordChange struct {
	// Username is the signed-in member (Principal.Username).
	Username string
	// Current, New and Confirm are the three password inputs as typed.
	Current, New, Confirm string
	// ClientKey identifies the client for throttling, as in LoginRequest.
	ClientKey string
	// Token is the session making the change: it stays open, every other
	// session of the member is ended.
	Token string
	// Rewrap returns the member's own key pair with its private key wrapped
	// under the new password instead of the current one, without storing
	// it (seal.Keyring.Rewrap); ok false when the member has none. Nil when
	// encryption at rest is off.
	Rewrap func(ctx context.Context, st store.Staff, current, new string) (sk store.StaffKey, ok bool, err error)
}

// ChangeOwnPassword changes a signed-in member's own password and returns
// how many of their other sessions it ended.
//
// The new password must follow the rules of `portal user` (CheckPassword),
// differ from the current one and be typed twice alike; broken rules give
// formerr.FieldErrors naming the field, before anything is counted. The
// current password is then checked exactly like a sign-in (Login): one
// unit of the account's and the client's budgets is reserved first
// (*ThrottledError over either, ErrThrottleUnavailable when the counters
// cannot be read), a wrong one keeps it, is audited
// ("staff.passwd_self_failed") and gives FieldErrors naming the current
// password, and a right one gives the units back.
//
// On success the new hash, the member's own private key rewrapped under the
// new password (Rewrap: desk grants, made to the public key, stay valid),
// the end of every other session and the audit entry ("staff.passwd_self")
// are written in one transaction: a failure leaves all of them as they
// were. A change that raced another gives ErrPasswordConflict.
func (o *Office) ChangeOwnPassword(ctx context.Context, req PasswordChange) (int, error) {
	username := NormalizeUsername(req.Username)
	fe := formerr.FieldErrors{}
	if req.Current == "" {
		fe.Add(FieldCurrentPassword, msgCurrentEmpty)
	}
	if msg := CheckPassword(req.New, username); msg != "" {
		fe.Add(FieldNewPassword, newPasswordMessage(msg))
	} else if norm.NFC.String(req.New) == norm.NFC.String(req.Current) {
		fe.Add(FieldNewPassword, msgNewSameAsOld)
	}
	switch {
	case req.Confirm == "":
		fe.Add(FieldConfirmPassword, msgConfirmEmpty)
	case norm.NFC.String(req.Confirm) != norm.NFC.String(req.New):
		fe.Add(FieldConfirmPassword, msgConfirmMismatch)
	}
	if len(fe) > 0 {
		return 0, fe
	}
	if err := o.throttle(ctx, username, req.ClientKey); err != nil {
		return 0, err
	}
	if len(req.Current) > MaxPasswordLen {
		// Longer than any password we accept: wrong, without the work.
		return 0, o.wrongCurrentPassword(ctx, username)
	}
	st, err := o.db.StaffByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return 0, ErrNoSession // deleted since the session was checked
	}
	if err != nil {
		return 0, err
	}
	if st.Disabled {
		return 0, ErrNoSession
	}
	ok, err := VerifyPassword(req.Current, st.PasswordHash)
	if err != nil {
		return 0, fmt.Errorf("press: change own password of %q: %w", username, err)
	}
	if !ok {
		return 0, o.wrongCurrentPassword(ctx, username)
	}
	hash, err := HashPassword(req.New)
	if err != nil {
		return 0, err
	}
	var key *store.StaffKey
	if req.Rewrap != nil {
		sk, ok, err := req.Rewrap(ctx, st, req.Current, req.New)
		if err != nil {
			return 0, fmt.Errorf("press: change own password of %q: rewrap key: %w", username, err)
		}
		if ok {
			key = &sk
		}
	}
	ended, err := o.db.ChangeOwnPassword(ctx, st.ID, st.PasswordHash, hash, key, hashToken(req.Token), o.now(),
		o.audit(username, "staff.passwd_self", username))
	if errors.Is(err, store.ErrConflict) {
		return 0, ErrPasswordConflict
	}
	if err != nil {
		return 0, err
	}
	o.giveBack(ctx, accountThrottleKey(username), clientThrottleKey(req.ClientKey))
	return ended, nil
}

// wrongCurrentPassword audits a wrong current password and returns its
// FieldErrors; the attempt's throttle units are kept, as for a failed
// sign-in.
func (o *Office) wrongCurrentPassword(ctx context.Context, username string) error {
	if err := o.db.AppendAudit(ctx, o.audit(username, "staff.passwd_self_failed", username)); err != nil {
		o.log.Error("audit failed password change", "err", err)
	}
	return formerr.FieldErrors{FieldCurrentPassword: msgCurrentWrong}
}

// newPasswordMessage turns a CheckPassword message ("Mật khẩu phải có…")
// into one that names the new password's field ("Mật khẩu mới phải có…"),
// since the page has three password fields.
func newPasswordMessage(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "Mật khẩu "); ok {
		return "Mật khẩu mới " + rest
	}
	return "Mật khẩu mới: " + msg
}

// ResetTOTP removes username's second factor and ends all of their
// sessions, audited ("staff.totp_reset") by actor: for a member who lost
// their authenticator, at their next sign-in they enrol again (when their
// role requires it). An unknown username gives ErrNotFound.
func (o *Office) ResetTOTP(ctx context.Context, actor, username string) error {
	username = NormalizeUsername(username)
	err := o.db.ResetStaffTOTP(ctx, username, o.now(), o.audit(actor, "staff.totp_reset", username))
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	return err
}
