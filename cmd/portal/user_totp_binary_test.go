package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestUserTOTPResetBinary: an operator resets the two-step sign-in of a
// police member who lost their phone with "portal user totp-reset" while
// serve runs: the member's session ends at once, the password alone then
// signs in and leads to the enrolment page with a new secret. Unknown or
// missing usernames are refused with a message, and --help tells of it.
func TestUserTOTPResetBinary(t *testing.T) {
	env := []string{"PORTAL_DATA_DIR=" + t.TempDir(), "PORTAL_SECRET=totp-reset-binary-test-secret-0123",
		"PORTAL_TOTP_ROLES=police,social-affairs,admin"}
	runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", "hung", "--role", "police", "--password-stdin")
	p := startPortal(t, env...)
	defer p.stop(t)

	signIn := func() *deskClient {
		w := newDeskClient(t, p.URL)
		w.get("/quan-tri/dang-nhap")
		resp, _ := w.post("/quan-tri/dang-nhap", url.Values{"username": {"hung"}, "password": {deskTestPassword}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/quan-tri/hai-buoc" {
			t.Fatalf("sign-in before enrolment: %d %s, want the enrolment page", resp.StatusCode, resp.Header.Get("Location"))
		}
		return w
	}
	w := signIn()
	w.get("/quan-tri/hai-buoc")
	secret := strings.TrimSpace(w.last.Find("#khoa-bi-mat").Text())
	code, _ := totp.GenerateCode(secret, time.Now())
	if resp, _ := w.post("/quan-tri/hai-buoc", url.Values{"ma": {code}}); resp.StatusCode != 200 {
		t.Fatalf("enrolment: %d", resp.StatusCode)
	}
	if resp, _ := w.get("/quan-tri/hop-thu"); resp.StatusCode != 200 {
		t.Fatalf("inbox after enrolment: %d", resp.StatusCode)
	}

	out, _ := runPortalOK(t, env, "", "user", "totp-reset", "--username", " Hung ")
	if !strings.Contains(out, "Đã xóa xác thực hai bước của hung và đăng xuất mọi phiên của tài khoản này.") {
		t.Errorf("totp-reset says %q", out)
	}
	if resp, _ := w.get("/quan-tri/hop-thu"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/quan-tri/dang-nhap") {
		t.Errorf("the session after the reset: %d %s, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}
	w = signIn() // the password alone, then enrolment again
	w.get("/quan-tri/hai-buoc")
	if again := strings.TrimSpace(w.last.Find("#khoa-bi-mat").Text()); again == "" || again == secret {
		t.Errorf("enrolment after the reset shows secret %q (old %q), want a new one", again, secret)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "totp-reset", "--username", "nobody"}, "Không tìm thấy mục bạn yêu cầu."},
		{[]string{"user", "totp-reset"}, "--username is required"},
	} {
		_, errOut, err := runPortal(t, "", env, tc.args...)
		if err == nil || !strings.Contains(errOut, tc.want) {
			t.Errorf("portal %v: %v, stderr %q; want an error with %q", tc.args, err, errOut, tc.want)
		}
	}
	if out, _ := runPortalOK(t, env, "", "user", "--help"); !strings.Contains(out, "portal user totp-reset --username U") ||
		!strings.Contains(out, "must enrol again") {
		t.Errorf("user --help does not tell of totp-reset:\n%s", out)
	}
}
