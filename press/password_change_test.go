package press

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

const newGoodPassword = "Cánh cò bay lả trên đồng 2027"

// TestChangeOwnPasswordFailuresChangeNothing: when rewrapping the key fails,
// or an admin's reset lands between the check of the current password and
// the write, the password, the sessions and the audit log stay as they
// were (the hash and the key are written in one transaction).
func TestChangeOwnPasswordFailuresChangeNothing(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "hung", RolePolice, goodPassword); err != nil {
		t.Fatal(err)
	}
	mine, err := o.Login(ctx, LoginRequest{Username: "hung", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	other, err := o.Login(ctx, LoginRequest{Username: "hung", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	req := PasswordChange{Username: "hung", Current: goodPassword, New: newGoodPassword, Confirm: newGoodPassword, Token: mine.Token}

	broken := errors.New("disk on fire")
	req.Rewrap = func(context.Context, store.Staff, string, string) (store.StaffKey, bool, error) {
		return store.StaffKey{}, false, broken
	}
	if _, err := o.ChangeOwnPassword(ctx, req); !errors.Is(err, broken) {
		t.Fatalf("rewrap failure: %v", err)
	}
	if _, err := o.Authenticate(ctx, other.Token); err != nil {
		t.Errorf("the other session after a failed change: %v", err)
	}

	const reset = "Mật khẩu do quản trị đặt lại 2027"
	req.Rewrap = func(ctx context.Context, st store.Staff, _, _ string) (store.StaffKey, bool, error) {
		if err := o.SetPassword(ctx, ActorCLI, "hung", reset); err != nil {
			t.Fatal(err)
		}
		return store.StaffKey{}, false, nil
	}
	if _, err := o.ChangeOwnPassword(ctx, req); !errors.Is(err, ErrPasswordConflict) {
		t.Fatalf("change racing an admin's reset: %v, want ErrPasswordConflict", err)
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "hung", Password: reset}); err != nil {
		t.Errorf("the admin's password after the lost race: %v", err)
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "hung", Password: newGoodPassword}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("the member's new password after the lost race: %v, want ErrBadCredentials", err)
	}
	entries, _ := o.Audit(ctx, 0, 50)
	for _, e := range entries {
		if e.Action == "staff.passwd_self" {
			t.Errorf("a failed change is audited as done: %+v", e)
		}
	}
}

// TestChangeOwnPasswordSucceeds: this session stays, the others end, and
// the count says how many; a current password longer than any accepted is
// a wrong one.
func TestChangeOwnPasswordSucceeds(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for range 3 {
		s, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword})
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, s.Token)
	}
	req := PasswordChange{Username: "lan", Current: strings.Repeat("x", MaxPasswordLen+1), New: newGoodPassword, Confirm: newGoodPassword, Token: tokens[0]}
	var fe formerr.FieldErrors
	if _, err := o.ChangeOwnPassword(ctx, req); !errors.As(err, &fe) || fe[FieldCurrentPassword] != msgCurrentWrong {
		t.Fatalf("over-long current password: %v", err)
	}
	req.Current = goodPassword
	ended, err := o.ChangeOwnPassword(ctx, req)
	if err != nil || ended != 2 {
		t.Fatalf("change: %d sessions ended, %v; want 2", ended, err)
	}
	if _, err := o.Authenticate(ctx, tokens[0]); err != nil {
		t.Errorf("the session that changed the password: %v", err)
	}
	for _, tok := range tokens[1:] {
		if _, err := o.Authenticate(ctx, tok); !errors.Is(err, ErrNoSession) {
			t.Errorf("another session after the change: %v, want ErrNoSession", err)
		}
	}
	if _, err := o.Login(ctx, LoginRequest{Username: "lan", Password: newGoodPassword}); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
}
