package seal_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestSubmitterIdentityIsDeterministicAndValid(t *testing.T) {
	a, err := seal.SubmitterIdentity("1234567812345678", "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := seal.SubmitterIdentity("1234567812345678", "sub-1")
	c, _ := seal.SubmitterIdentity("1234567812345679", "sub-1")
	d, _ := seal.SubmitterIdentity("1234567812345678", "sub-2")
	if a.String() != b.String() {
		t.Fatal("same receipt and submission gave two keys")
	}
	if a.String() == c.String() || a.String() == d.String() {
		t.Fatal("another receipt or submission gave the same key")
	}
	// The text form round-trips through age's own parser (checksum and all).
	if _, err := age.ParseX25519Identity(a.String()); err != nil {
		t.Fatal(err)
	}
	blob, err := seal.Encrypt([]byte(`{"body":"x"}`), a.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seal.Decrypt(blob, b); err != nil {
		t.Fatalf("derived again, the key does not open: %v", err)
	}
	if _, err := seal.Decrypt(blob, c); !errors.Is(err, seal.ErrSealed) {
		t.Fatalf("another receipt's key: err %v, want ErrSealed", err)
	}
}

func TestWraps(t *testing.T) {
	w, err := seal.WrapWithPassword("mật khẩu dài đủ 12", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := seal.UnwrapWithPassword("mật khẩu dài đủ 12", w); err != nil || string(got) != "secret" {
		t.Fatalf("unwrap: %q %v", got, err)
	}
	if _, err := seal.UnwrapWithPassword("another password", w); !errors.Is(err, seal.ErrWrongKey) {
		t.Fatalf("wrong password: %v", err)
	}
	tw, _ := seal.WrapWithSecret("pdt_token", []byte("secret"))
	if got, err := seal.UnwrapWithSecret("pdt_token", tw); err != nil || string(got) != "secret" {
		t.Fatalf("unwrap secret: %q %v", got, err)
	}
	if _, err := seal.UnwrapWithSecret("pdt_other", tw); !errors.Is(err, seal.ErrWrongKey) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := seal.UnwrapWithPassword("pdt_token", tw); err == nil {
		t.Fatal("a token wrap opened as a password wrap")
	}
}

func TestSessionsForgetOnIdleAndSignOut(t *testing.T) {
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	s := &seal.Sessions{Idle: 30 * time.Minute, Now: func() time.Time { return now }}
	id, _ := age.GenerateX25519Identity()
	s.Put("tok-a", "police", id)
	s.Put("tok-b", "police", id)
	if d, got, ok := s.Get("tok-a"); !ok || d != "police" || got != id {
		t.Fatal("key not held")
	}
	now = now.Add(29 * time.Minute)
	if _, _, ok := s.Get("tok-a"); !ok {
		t.Fatal("key dropped before the idle limit")
	}
	now = now.Add(30 * time.Minute) // tok-a used 30 min ago, tok-b 59
	if _, _, ok := s.Get("tok-b"); ok {
		t.Fatal("idle key still held")
	}
	if _, _, ok := s.Get("tok-a"); ok {
		t.Fatal("idle key still held")
	}
	s.Put("tok-c", "police", id)
	s.Forget("tok-c")
	if _, _, ok := s.Get("tok-c"); ok || s.Len() != 0 {
		t.Fatalf("signed-out key still held (len %d)", s.Len())
	}
}

// TestKeyring walks the life of a desk's key: init, first sign-in, grant
// by the recovery key, sealing and opening, a password change, an admin's
// reset, a token's own copy, and the admin who cannot read.
func TestKeyring(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
		k := seal.NewKeyring(db, func() time.Time { return now })
		s := seal.Sealer{Keys: k}

		plain := []byte(`{"description":"buôn bán tại chợ"}`)
		if got, err := s.Seal(ctx, seal.Scope{Desk: "police"}, plain); err != nil || string(got) != string(plain) {
			t.Fatalf("before init: %q %v, want the JSON as it is", got, err)
		}
		rec, err := k.Init(ctx, "police", "dòng lệnh")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(rec, "AGE-SECRET-KEY-1") {
			t.Fatalf("recovery key %q", rec)
		}
		if _, err := k.Init(ctx, "police", "dòng lệnh"); !errors.Is(err, seal.ErrDeskKeyExists) {
			t.Fatalf("second init: %v", err)
		}
		blob, err := s.Seal(ctx, seal.Scope{Desk: "police"}, plain)
		if err != nil || !seal.IsSealed(blob) || strings.Contains(string(blob), "chợ") {
			t.Fatalf("after init: sealed %v err %v", seal.IsSealed(blob), err)
		}
		if _, err := s.Open(ctx, seal.Scope{Desk: "police"}, blob); !errors.Is(err, seal.ErrSealed) {
			t.Fatalf("open without key: %v", err)
		}

		police, err := db.CreateStaff(ctx, "lan", "police", "x", now, store.AuditEntry{})
		if err != nil {
			t.Fatal(err)
		}
		admin, _ := db.CreateStaff(ctx, "quantri", "admin", "x", now, store.AuditEntry{})
		if err := k.Grant(ctx, "police", mustRecover(t, k, rec), "lan", "dòng lệnh"); !errors.Is(err, seal.ErrNoStaffKey) {
			t.Fatalf("grant before first sign-in: %v", err)
		}
		// First sign-in: the member's key pair is made; no grant yet.
		if id, err := k.Unlock(ctx, police, "police", "mật khẩu của lan 1"); err != nil || id != nil {
			t.Fatalf("first sign-in: %v %v", id, err)
		}
		if _, err := k.FromRecovery(ctx, "police", "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"); err == nil {
			t.Fatal("a wrong recovery key opened the desk's key")
		}
		if err := k.Grant(ctx, "police", mustRecover(t, k, rec), "lan", "dòng lệnh"); err != nil {
			t.Fatal(err)
		}
		if err := k.Grant(ctx, "police", mustRecover(t, k, rec), "quantri", "dòng lệnh"); err == nil {
			t.Fatal("an admin was granted a desk's key")
		}
		id, err := k.Unlock(ctx, police, "police", "mật khẩu của lan 1")
		if err != nil || id == nil {
			t.Fatalf("granted sign-in: %v %v", id, err)
		}
		got, err := s.Open(seal.WithDeskKey(ctx, "police", id), seal.Scope{Desk: "police"}, blob)
		if err != nil || string(got) != string(plain) {
			t.Fatalf("open with the session's key: %q %v", got, err)
		}
		// Another desk's key does not open it.
		if _, err := s.Open(seal.WithDeskKey(ctx, "social-affairs", id), seal.Scope{Desk: "police"}, blob); !errors.Is(err, seal.ErrSealed) {
			t.Fatalf("open as another desk: %v", err)
		}
		// The admin signs in: own key pair, nothing of the desk.
		if id, err := k.Unlock(ctx, admin, "", "mật khẩu quản trị 1"); err != nil || id != nil {
			t.Fatalf("admin: %v %v", id, err)
		}
		if _, err := db.DeskGrant(ctx, "police", "staff:"+itoa(admin.ID)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("admin holds a grant: %v", err)
		}

		// A password change rewraps: the new password opens, the old does not.
		if err := k.ChangePassword(ctx, police, "mật khẩu của lan 1", "mật khẩu mới của lan"); err != nil {
			t.Fatal(err)
		}
		if id, err := k.Unlock(ctx, police, "police", "mật khẩu mới của lan"); err != nil || id == nil {
			t.Fatalf("after change: %v %v", id, err)
		}
		// An admin's reset (the wrap no longer opens with the new password)
		// loses the grant.
		if id, err := k.Unlock(ctx, police, "police", "đặt lại bởi quản trị"); err != nil || id != nil {
			t.Fatalf("after reset: %v %v, want no key", id, err)
		}

		// A token's own copy.
		if err := k.GrantToken(ctx, "police", mustRecover(t, k, rec), "pdt_abc", "he-thong", "dòng lệnh"); err != nil {
			t.Fatal(err)
		}
		tid, err := k.UnlockToken(ctx, "police", "pdt_abc")
		if err != nil || tid == nil {
			t.Fatalf("token: %v %v", tid, err)
		}
		if got, err := s.Open(seal.WithDeskKey(ctx, "police", tid), seal.Scope{Desk: "police"}, blob); err != nil || string(got) != string(plain) {
			t.Fatalf("open with the token's key: %q %v", got, err)
		}
		if tid, err := k.UnlockToken(ctx, "police", "pdt_other"); err != nil || tid != nil {
			t.Fatalf("unknown token: %v %v", tid, err)
		}

		// Submitter content: the desk and the receipt holder both open it.
		sub, _ := seal.SubmitterIdentity("1111222233334444", "sub-9")
		msg, err := s.Seal(ctx, seal.Scope{Desk: "police", Submitter: true, SubmitterKey: sub.Recipient().String()}, []byte(`{"body":"hẹn gặp"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(seal.WithSubmitterKey(ctx, sub), seal.Scope{Desk: "police", Submitter: true}, msg); err != nil {
			t.Fatalf("receipt holder: %v", err)
		}
		if _, err := s.Open(seal.WithSubmitterKey(ctx, sub), seal.Scope{Desk: "police"}, blob); !errors.Is(err, seal.ErrSealed) {
			t.Fatalf("receipt holder opened desk-only content: %v", err)
		}
		if _, err := s.Open(seal.WithDeskKey(ctx, "police", tid), seal.Scope{Desk: "police", Submitter: true}, msg); err != nil {
			t.Fatalf("desk on a message: %v", err)
		}
	})
}

func mustRecover(t *testing.T, k *seal.Keyring, rec string) *age.X25519Identity {
	t.Helper()
	id, err := k.FromRecovery(context.Background(), "police", rec)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
