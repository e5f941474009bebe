package press

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"

	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/thaibinh-pcmt/portal/store"
)

// Two-step sign-in (issue 11, point 3): TOTP per RFC 6238 with the
// parameters every authenticator app understands (30 s, 6 digits, SHA-1),
// a code accepted one step either side of now, each step at most once per
// account; ten one-time recovery codes. Wrong codes cost login attempts
// exactly like wrong passwords (Login's throttle).

// Errors meant for people.
var (
	// ErrBadCode: the two-step code is missing, wrong or already used.
	ErrBadCode = errors.New("Mã xác thực hai bước không đúng, đã hết hạn hoặc đã được dùng. Nhập mã mới trong ứng dụng xác thực, hoặc một mã khôi phục chưa dùng.")
	// ErrTOTPEnabled: enrolment asked for an account that already has it.
	ErrTOTPEnabled = errors.New("Tài khoản này đã bật xác thực hai bước.")
	// ErrNoPendingTOTP: confirmation without enrolment begun.
	ErrNoPendingTOTP = errors.New("Chưa bắt đầu cài đặt xác thực hai bước; hãy tải lại trang.")
)

// totpIssuer is the name the authenticator app shows beside the account.
const totpIssuer = "Cổng thông tin phòng chống ma túy"

// recoveryCodeCount is how many recovery codes enrolment gives.
const recoveryCodeCount = 10

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPRequired reports whether role must sign in with a second factor
// (Config.TOTPRoles).
func (o *Office) TOTPRequired(role string) bool { return o.totpRoles[role] }

// TOTPEnrolment is what the enrolment page shows: the secret as text (to
// type into an app) and as a QR code drawn here (PNG), never by a third
// party.
type TOTPEnrolment struct {
	Secret string
	URL    string // otpauth://totp/…
	QRPNG  []byte
}

// BeginTOTP shows username's pending secret, making one when there is
// none: the page shown again (a reload, a mistyped code) keeps the secret
// the officer's app has already scanned. ErrTOTPEnabled when the account
// has it on already.
func (o *Office) BeginTOTP(ctx context.Context, username string) (TOTPEnrolment, error) {
	st, err := o.db.StaffByUsername(ctx, username)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	opts := totp.GenerateOpts{Issuer: totpIssuer, AccountName: st.Username, Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	pending, err := o.db.StaffTOTP(ctx, st.ID)
	switch {
	case err == nil && pending.Enabled:
		return TOTPEnrolment{}, ErrTOTPEnabled
	case err == nil:
		// The stored secret is base32 without padding (otp.Key.Secret).
		raw, derr := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(pending.Secret)
		if derr == nil {
			opts.Secret = raw
		}
	case !errors.Is(err, store.ErrNotFound):
		return TOTPEnrolment{}, err
	}
	key, err := totp.Generate(opts)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if opts.Secret == nil {
		if err := o.db.PutPendingTOTP(ctx, st.ID, key.Secret(), o.now()); errors.Is(err, store.ErrConflict) {
			return TOTPEnrolment{}, ErrTOTPEnabled
		} else if err != nil {
			return TOTPEnrolment{}, err
		}
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, err
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// TOTPEnabled reports whether username signs in with a second factor.
func (o *Office) TOTPEnabled(ctx context.Context, username string) (bool, error) {
	st, err := o.db.StaffByUsername(ctx, username)
	if err != nil {
		return false, err
	}
	return o.totpEnabled(ctx, st.ID)
}

func (o *Office) totpEnabled(ctx context.Context, id int64) (bool, error) {
	t, err := o.db.StaffTOTP(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return t.Enabled, err
}

// ConfirmTOTP turns the pending secret on when code is a current code of
// it, and returns the recovery codes, to be shown once (only their hashes
// are kept). ErrBadCode for a wrong code, ErrNoPendingTOTP without a
// pending secret. Audited ("staff.totp_enable").
func (o *Office) ConfirmTOTP(ctx context.Context, username, code string) ([]string, error) {
	st, err := o.db.StaffByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	t, err := o.db.StaffTOTP(ctx, st.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.Enabled) {
		return nil, ErrNoPendingTOTP
	}
	if err != nil {
		return nil, err
	}
	step, ok := matchStep(t.Secret, code, o.now())
	if !ok {
		return nil, ErrBadCode
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([]string, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, 5)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		c := strings.ToLower(base32.StdEncoding.EncodeToString(b)) // 8 characters
		codes[i] = c[:4] + "-" + c[4:]
		hashes[i] = recoveryHash(c)
	}
	now := o.now()
	if err := o.db.EnableTOTP(ctx, st.ID, step, hashes, now, o.audit(st.Username, "staff.totp_enable", st.Username)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNoPendingTOTP
		}
		return nil, err
	}
	return codes, nil
}

// checkSecondFactor accepts a current TOTP code not used before, or an
// unused recovery code (then used up).
func (o *Office) checkSecondFactor(ctx context.Context, st store.Staff, code string) (bool, error) {
	t, err := o.db.StaffTOTP(ctx, st.ID)
	if err != nil {
		return false, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return false, nil
	}
	if step, ok := matchStep(t.Secret, code, o.now()); ok {
		return o.db.UseTOTPStep(ctx, st.ID, step)
	}
	norm := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(norm) != 8 {
		return false, nil
	}
	used, err := o.db.UseRecoveryCode(ctx, st.ID, recoveryHash(norm))
	if used && err == nil {
		if aerr := o.db.AppendAudit(ctx, o.audit(st.Username, "staff.recovery_code_used", st.Username)); aerr != nil {
			o.log.Error("audit recovery code", "err", aerr)
		}
	}
	return used, err
}

// matchStep returns the time step (Unix time / 30) whose code is code,
// among now's and one either side (clock drift), compared in constant
// time.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / 30
	for _, s := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*30, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

func recoveryHash(code string) string {
	sum := sha256.Sum256([]byte("portal recovery code v1:" + code))
	return hex.EncodeToString(sum[:])
}

// needsTOTP reports whether the principal of st must still enrol.
func (o *Office) needsTOTP(ctx context.Context, st store.Staff) (bool, error) {
	if !o.totpRoles[st.Role] {
		return false, nil
	}
	on, err := o.totpEnabled(ctx, st.ID)
	return !on, err
}
