package press

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// TestResetTOTP: after `portal user totp-reset` (Office.ResetTOTP) a member
// who lost their authenticator signs in with the password alone, is sent
// to enrol again, and every session opened before is ended; the reset is
// audited by the CLI.
func TestResetTOTP(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{TOTPRoles: []string{RolePolice}})
	if _, err := o.AddStaff(ctx, ActorCLI, "hung", RolePolice, goodPassword); err != nil {
		t.Fatal(err)
	}
	e, err := o.BeginTOTP(ctx, "hung")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(e.Secret, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.ConfirmTOTP(ctx, "hung", code); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "hung", Password: goodPassword}); !errors.Is(err, ErrBadCode) {
		t.Fatalf("sign-in without a code while enrolled: %v, want ErrBadCode", err)
	}
	clk.Add(time.Minute) // a later time step: the enrolment's code is used
	code, _ = totp.GenerateCode(e.Secret, clk.Now())
	before, err := o.Login(ctx, LoginRequest{Username: "hung", Password: goodPassword, Code: code})
	if err != nil {
		t.Fatal(err)
	}

	if err := o.ResetTOTP(ctx, ActorCLI, " Hung "); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Authenticate(ctx, before.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("session opened before the reset: %v, want ErrNoSession", err)
	}
	s, err := o.Login(ctx, LoginRequest{Username: "hung", Password: goodPassword})
	if err != nil {
		t.Fatalf("sign-in with the password alone after the reset: %v", err)
	}
	if !s.Principal.MustEnrolTOTP {
		t.Error("after the reset the member is not sent to enrol again")
	}
	if on, err := o.TOTPEnabled(ctx, "hung"); on || err != nil {
		t.Errorf("TOTPEnabled after the reset = %v, %v", on, err)
	}
	if again, err := o.BeginTOTP(ctx, "hung"); err != nil || again.Secret == e.Secret {
		t.Errorf("enrolment after the reset: %v, same secret %v", err, again.Secret == e.Secret)
	}
	entries, err := o.Audit(ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range entries {
		if a.Action == "staff.totp_reset" && a.Actor == ActorCLI && a.Target == "hung" {
			found = true
		}
	}
	if !found {
		t.Errorf("no staff.totp_reset by %q on hung in %+v", ActorCLI, entries)
	}
	if err := o.ResetTOTP(ctx, ActorCLI, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown username: %v, want ErrNotFound", err)
	}
}
