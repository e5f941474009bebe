package press

import (
	"context"
	"errors"
	"testing"

	"github.com/pquerna/otp/totp"
)

// TestBeginTOTPKeepsThePendingSecret: the enrolment page shown again (a
// reload, a mistyped code) shows the secret the officer's app already
// scanned, and a code of it turns two-step sign-in on; once on, there is
// nothing to begin.
func TestBeginTOTPKeepsThePendingSecret(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "hung", RolePolice, goodPassword); err != nil {
		t.Fatal(err)
	}
	first, err := o.BeginTOTP(ctx, "hung")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.ConfirmTOTP(ctx, "hung", "000000"); !errors.Is(err, ErrBadCode) {
		t.Fatalf("wrong code: %v", err)
	}
	again, err := o.BeginTOTP(ctx, "hung")
	if err != nil {
		t.Fatal(err)
	}
	if again.Secret != first.Secret || again.URL != first.URL || len(again.QRPNG) == 0 {
		t.Fatalf("page shown again: secret %q, want the scanned %q", again.Secret, first.Secret)
	}
	code, err := totp.GenerateCode(first.Secret, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	codes, err := o.ConfirmTOTP(ctx, "hung", code)
	if err != nil || len(codes) == 0 {
		t.Fatalf("code of the first secret: %v %v", codes, err)
	}
	if _, err := o.BeginTOTP(ctx, "hung"); !errors.Is(err, ErrTOTPEnabled) {
		t.Fatalf("begin once on: %v", err)
	}
}
