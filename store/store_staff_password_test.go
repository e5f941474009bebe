package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestChangeOwnPassword(t *testing.T) { storetest.ForEach(t, testChangeOwnPassword) }

// testChangeOwnPassword: the hash, the key's wrap, the other sessions and
// the audit change together, and a conflict on either the hash or the key
// leaves every one of them as it was.
func testChangeOwnPassword(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := db.CreateStaff(ctx, "tuan", "police", "hash-1", t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.add", Target: "tuan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutStaffKey(ctx, store.StaffKey{StaffID: s.ID, PublicKey: "age1pub", Wrap: []byte("wrap-1")}, t0, false); err != nil {
		t.Fatal(err)
	}
	token := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	for _, b := range []byte{1, 2, 3} {
		if err := db.CreateSession(ctx, store.Session{TokenHash: token(b), StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}, nil, store.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	audit := store.AuditEntry{At: t0, Actor: "tuan", Action: "staff.passwd_self", Target: "tuan"}
	unchanged := func(when string) {
		t.Helper()
		st, _ := db.StaffByUsername(ctx, "tuan")
		k, _ := db.StaffKeyByID(ctx, s.ID)
		if st.PasswordHash != "hash-1" || !bytes.Equal(k.Wrap, []byte("wrap-1")) {
			t.Errorf("%s: hash %q, wrap %q; want both unchanged", when, st.PasswordHash, k.Wrap)
		}
		for _, b := range []byte{1, 2, 3} {
			if _, err := db.SessionByHash(ctx, token(b)); err != nil {
				t.Errorf("%s: session %d ended: %v", when, b, err)
			}
		}
	}
	if _, err := db.ChangeOwnPassword(ctx, s.ID, "hash-0", "hash-2", &store.StaffKey{StaffID: s.ID, PublicKey: "age1pub", Wrap: []byte("wrap-2")},
		token(1), t0, audit); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale hash: err = %v, want ErrConflict", err)
	}
	unchanged("stale hash")
	if _, err := db.ChangeOwnPassword(ctx, s.ID, "hash-1", "hash-2", &store.StaffKey{StaffID: s.ID, PublicKey: "age1other", Wrap: []byte("wrap-2")},
		token(1), t0, audit); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("replaced key pair: err = %v, want ErrConflict", err)
	}
	unchanged("replaced key pair (the hash update is rolled back)")

	ended, err := db.ChangeOwnPassword(ctx, s.ID, "hash-1", "hash-2", &store.StaffKey{StaffID: s.ID, PublicKey: "age1pub", Wrap: []byte("wrap-2")},
		token(1), t0.Add(time.Minute), audit)
	if err != nil || ended != 2 {
		t.Fatalf("change: ended %d, %v; want 2 other sessions", ended, err)
	}
	st, _ := db.StaffByUsername(ctx, "tuan")
	k, _ := db.StaffKeyByID(ctx, s.ID)
	if st.PasswordHash != "hash-2" || !bytes.Equal(k.Wrap, []byte("wrap-2")) || k.PublicKey != "age1pub" {
		t.Errorf("after the change: hash %q, key %+v", st.PasswordHash, k)
	}
	if _, err := db.SessionByHash(ctx, token(1)); err != nil {
		t.Errorf("the session that made the change ended: %v", err)
	}
	for _, b := range []byte{2, 3} {
		if _, err := db.SessionByHash(ctx, token(b)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other session %d: %v, want ended", b, err)
		}
	}
	entries, err := db.ListAudit(ctx, 0, 10)
	if err != nil || len(entries) == 0 || entries[0].Action != "staff.passwd_self" || entries[0].Actor != "tuan" {
		t.Errorf("audit: %+v, %v", entries, err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == "staff.passwd_self" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d password changes audited, want 1 (the refused ones write nothing)", n)
	}
}

func TestResetStaffTOTP(t *testing.T) { storetest.ForEach(t, testResetStaffTOTP) }

func testResetStaffTOTP(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := db.CreateStaff(ctx, "mai", "social-affairs", "h", t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.add", Target: "mai"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutPendingTOTP(ctx, s.ID, "SECRETBASE32", t0); err != nil {
		t.Fatal(err)
	}
	if err := db.EnableTOTP(ctx, s.ID, 100, []string{"code-hash"}, t0, store.AuditEntry{At: t0, Actor: "mai", Action: "staff.totp_enable"}); err != nil {
		t.Fatal(err)
	}
	sess := make([]byte, 32)
	sess[0] = 9
	if err := db.CreateSession(ctx, store.Session{TokenHash: sess, StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.ResetStaffTOTP(ctx, "mai", t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.totp_reset", Target: "mai"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StaffTOTP(ctx, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second factor after the reset: %v, want none", err)
	}
	if ok, err := db.UseRecoveryCode(ctx, s.ID, "code-hash"); ok || err != nil {
		t.Errorf("recovery code after the reset: %v, %v; want gone", ok, err)
	}
	if _, err := db.SessionByHash(ctx, sess); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after the reset: %v, want ended", err)
	}
	// Enrolment starts again from nothing.
	if err := db.PutPendingTOTP(ctx, s.ID, "NEWSECRET", t0); err != nil {
		t.Errorf("enrolment after the reset: %v", err)
	}
	if err := db.ResetStaffTOTP(ctx, "nobody", t0, store.AuditEntry{Action: "staff.totp_reset"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown username: %v, want ErrNotFound", err)
	}
	if entries, _ := db.ListAudit(ctx, 0, 1); len(entries) != 1 || entries[0].Action != "staff.totp_reset" || entries[0].Target != "mai" {
		t.Errorf("audit: %+v", entries)
	}
}
