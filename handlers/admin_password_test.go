package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/desk"
	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/press"
	"github.com/thaibinh-pcmt/portal/queue"
	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/seal"
)

// sealedDeskEnv is the desk environment with encryption at rest on, as
// serve wires it: intake and desk seal to the desks' keys, sign-in opens
// the desk's key into KeySessions.
type sealedDeskEnv struct {
	*deskEnv
	keys *seal.Keyring
}

func newSealedDeskEnv(t testing.TB) *sealedDeskEnv {
	t.Helper()
	e := &sealedDeskEnv{deskEnv: &deskEnv{}}
	e.pressEnv = newPressEnv(t, func(d *Deps) {
		e.keys = seal.NewKeyring(d.Store, d.Now)
		d.Keys, d.KeySessions = e.keys, &seal.Sessions{Idle: press.DefaultIdleTimeout, Now: d.Now}
		cat, err := intake.LoadCatalog()
		if err != nil {
			t.Fatal(err)
		}
		if e.intake, err = intake.NewService(intake.Config{DB: d.Store, Catalog: cat, Secret: d.Secret, Now: d.Now,
			Sealer: seal.Sealer{Keys: e.keys}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.intake.Close)
		data, err := desk.LoadData()
		if err != nil {
			t.Fatal(err)
		}
		if e.desk, err = desk.New(desk.Config{DB: d.Store, Data: data, Catalog: cat, Now: d.Now,
			Sealer: seal.Sealer{Keys: e.keys}}); err != nil {
			t.Fatal(err)
		}
		d.Intake, d.Desk, d.Limiter = e.intake, e.desk, ratelimit.NewMemory()
	})
	if _, err := e.office.AddStaff(context.Background(), press.ActorCLI, "tuan", press.RolePolice, deskPassword); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.q, err = queue.OpenLocal(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.q.Close() })
	return e
}

// changePasswordForm is the password page's form.
func changePasswordForm(current, next, confirm string) url.Values {
	return url.Values{press.FieldCurrentPassword: {current}, press.FieldNewPassword: {next}, press.FieldConfirmPassword: {confirm}}
}

// auditCount counts the audit entries of action.
func (e *pressEnv) auditCount(action string) int {
	e.t.Helper()
	entries, err := e.office.Audit(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, a := range entries {
		if a.Action == action {
			n++
		}
	}
	return n
}

// TestPasswordChangeOverHTTP: a desk member changes their own password at
// /quan-tri/mat-khau with JavaScript off. Wrong current password,
// mismatch and weak passwords are 422 with the message at the field and
// in the focused summary, and change nothing; the change itself keeps this
// session, ends the others, and rewraps the member's copy of the desk key,
// so that a case sealed before the change opens after signing in with the
// new password, and the old password no longer signs in.
func TestPasswordChangeOverHTTP(t *testing.T) {
	e := newSealedDeskEnv(t)
	ctx := context.Background()

	// The police desk's key, granted to tuan (who must have signed in once).
	recovery, err := e.keys.Init(ctx, press.RolePolice, press.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	e.browser().login("tuan", deskPassword)
	deskKey, err := e.keys.FromRecovery(ctx, press.RolePolice, recovery)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.keys.Grant(ctx, press.RolePolice, deskKey, "tuan", press.ActorCLI); err != nil {
		t.Fatal(err)
	}

	const secret = "Kho hàng cất giấu ở bến phà Tân Đệ, sau dãy ki-ốt"
	receipt := sendTip(t, e.browser(), secret)
	e.deliver(t)
	c, err := e.db.CaseBySubmission(ctx, submissionOf(t, e.deskEnv, receipt))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = e.db.CaseByID(ctx, press.RolePolice, c.ID); err != nil {
		t.Fatal(err)
	}
	casePath := fmt.Sprintf("%s/%d", inboxPath, c.ID)
	if !seal.IsSealed(c.Content) {
		t.Fatal("the case is stored in clear: encryption at rest is not on in this test")
	}

	me, other := e.browser(), e.browser()
	me.login("tuan", deskPassword)
	other.login("tuan", deskPassword)
	if resp, body := me.get(casePath); resp.StatusCode != http.StatusOK || !strings.Contains(body, secret) {
		t.Fatalf("case before the change: %d, text shown %v", resp.StatusCode, strings.Contains(body, secret))
	}

	// The page: linked from the admin navigation, no-store, three fields.
	_, inbox := me.get(inboxPath)
	if doc(t, inbox).Find(`nav.admin a[href="`+passwordPath+`"]`).Length() != 1 {
		t.Error("the admin navigation has no link to the password page")
	}
	resp, body := me.get(passwordPath)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET %s: %d, Cache-Control %q", passwordPath, resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	page := doc(t, body)
	for _, f := range passwordFields {
		if page.Find(`form[action="`+passwordPath+`"] input[type="password"][name="`+f+`"]#f-`+f).Length() != 1 {
			t.Errorf("the form has no password input %s", f)
		}
	}

	const newPassword = "Bến phà Tân Đệ lúc bình minh 2027"
	failedBefore := e.auditCount("staff.passwd_self_failed")
	for _, tc := range []struct {
		name        string
		form        url.Values
		field, want string
	}{
		{"wrong current password", changePasswordForm("không phải mật khẩu này", newPassword, newPassword),
			press.FieldCurrentPassword, "Mật khẩu hiện tại không đúng."},
		{"empty current password", changePasswordForm("", newPassword, newPassword),
			press.FieldCurrentPassword, "Vui lòng nhập mật khẩu hiện tại."},
		{"mismatch", changePasswordForm(deskPassword, newPassword, newPassword+"!"),
			press.FieldConfirmPassword, "Mật khẩu nhập lại không khớp với mật khẩu mới."},
		{"too short", changePasswordForm(deskPassword, "ngắn quá", "ngắn quá"),
			press.FieldNewPassword, fmt.Sprintf("Mật khẩu mới phải có ít nhất %d ký tự.", press.MinPasswordLen)},
		{"common", changePasswordForm(deskPassword, "123456789012", "123456789012"),
			press.FieldNewPassword, "Mật khẩu mới này quá phổ biến và dễ bị đoán. Vui lòng chọn mật khẩu khác."},
		{"contains the username", changePasswordForm(deskPassword, "tuan-tuan-tuan-2027", "tuan-tuan-tuan-2027"),
			press.FieldNewPassword, "Mật khẩu mới không được chứa tên đăng nhập."},
		{"same as the current one", changePasswordForm(deskPassword, deskPassword, deskPassword),
			press.FieldNewPassword, "Mật khẩu mới phải khác mật khẩu hiện tại."},
	} {
		me.get(passwordPath)
		resp, body := me.post(passwordPath, tc.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
			continue
		}
		d := doc(t, body)
		if got := d.Find("#loi-" + tc.field).Text(); got != tc.want {
			t.Errorf("%s: message at %s = %q, want %q", tc.name, tc.field, got, tc.want)
		}
		summary := d.Find(`#loi[role="alert"][autofocus] a[href="#f-` + tc.field + `"]`)
		if summary.Text() != tc.want {
			t.Errorf("%s: focused summary links %q to the field, want %q", tc.name, summary.Text(), tc.want)
		}
		if v, _ := d.Find("#f-" + tc.field).Attr("value"); v != "" {
			t.Errorf("%s: a password is shown again: %q", tc.name, v)
		}
	}
	if got := e.auditCount("staff.passwd_self_failed") - failedBefore; got != 1 {
		t.Errorf("%d wrong current passwords audited, want 1 (only the wrong one, not the empty or the rule breaks)", got)
	}
	if e.auditCount("staff.passwd_self") != 0 {
		t.Fatal("a refused form changed the password")
	}

	// The change.
	me.get(passwordPath)
	resp, _ = me.post(passwordPath, changePasswordForm(deskPassword, newPassword, newPassword))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != passwordPath+"?tb=da-doi" {
		t.Fatalf("change: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = me.get(resp.Header.Get("Location"))
	if notice := doc(t, body).Find(`.notice-ok[role="status"]`).Text(); notice != msgPasswordChanged+msgPasswordKeyKept {
		t.Errorf("notice after the change = %q", notice)
	}
	if e.auditCount("staff.passwd_self") != 1 {
		t.Error("the change is not in the audit log")
	}
	// This session stays, with its key; the other one is ended.
	if resp, body := me.get(casePath); resp.StatusCode != http.StatusOK || !strings.Contains(body, secret) {
		t.Errorf("the session that changed the password: case %d, text shown %v", resp.StatusCode, strings.Contains(body, secret))
	}
	if resp, _ := other.get(inboxPath); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), loginPath) {
		t.Errorf("the other session after the change: %d → %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}

	// The old password no longer signs in; the new one does, and the desk
	// key opened with it reads the case sealed before the change.
	old := e.browser()
	old.get(loginPath)
	if resp, _ := old.post(loginPath, url.Values{"username": {"tuan"}, "password": {deskPassword}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with the old password: %d, want 401", resp.StatusCode)
	}
	fresh := e.browser()
	fresh.login("tuan", newPassword)
	if resp, body := fresh.get(casePath); resp.StatusCode != http.StatusOK || !strings.Contains(body, secret) {
		t.Errorf("case after signing in with the new password: %d, text shown %v", resp.StatusCode, strings.Contains(body, secret))
	}
	st, err := e.db.StaffByUsername(ctx, "tuan")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := e.keys.Unlock(ctx, st, press.RolePolice, newPassword); err != nil || id == nil || id.String() != deskKey.String() {
		t.Errorf("the desk key under the new password: %v, %v", id != nil, err)
	}
}

// TestPasswordChangeWrongCurrentIsAFailedLogin: wrong current passwords
// spend the account's sign-in budget: once it is spent the page answers
// 429 with Retry-After, and signing in with the right password is refused
// too, exactly as after wrong sign-ins.
func TestPasswordChangeWrongCurrentIsAFailedLogin(t *testing.T) {
	e := newPressEnv(t)
	me := e.browser()
	me.login("lan", pressPassword)
	const next = "Một mật khẩu mới đủ dài 2027"
	for i := 0; i < press.DefaultAccountLimit.Rate; i++ {
		me.get(passwordPath)
		if resp, _ := me.post(passwordPath, changePasswordForm("sai mật khẩu lần "+fmt.Sprint(i), next, next)); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d: %d, want 422", i+1, resp.StatusCode)
		}
	}
	me.get(passwordPath)
	resp, body := me.post(passwordPath, changePasswordForm(pressPassword, next, next))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d wrong current passwords: %d, Retry-After %q; want 429", press.DefaultAccountLimit.Rate, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if msg := doc(t, body).Find(`#loi[role="alert"]`).Text(); !strings.Contains(msg, "Đăng nhập không thành công quá nhiều lần") {
		t.Errorf("429 message = %q", msg)
	}
	b := e.browser()
	b.get(loginPath)
	if resp, _ := b.post(loginPath, url.Values{"username": {"lan"}, "password": {pressPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in with the right password after the wrong current passwords: %d, want 429", resp.StatusCode)
	}
	if got := e.auditCount("staff.passwd_self_failed"); got != press.DefaultAccountLimit.Rate {
		t.Errorf("%d failures audited, want %d", got, press.DefaultAccountLimit.Rate)
	}
	if ok, _ := press.VerifyPassword(pressPassword, mustStaffHash(t, e, "lan")); !ok {
		t.Error("the password changed while throttled")
	}
}

func mustStaffHash(t *testing.T, e *pressEnv, username string) string {
	t.Helper()
	st, err := e.db.StaffByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return st.PasswordHash
}
