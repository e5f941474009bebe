package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

var t0 = time.Date(2026, 6, 26, 8, 0, 0, 0, time.UTC)

func TestStaffLifecycle(t *testing.T) { storetest.ForEach(t, testStaffLifecycle) }

func testStaffLifecycle(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := db.CreateStaff(ctx, "lan", "press", "$argon2id$x", t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.add", Target: "lan"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.Username != "lan" || s.Role != "press" || s.Disabled {
		t.Fatalf("created %+v", s)
	}
	if _, err := db.CreateStaff(ctx, "lan", "admin", "h", t0, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate username: err = %v, want store.ErrConflict", err)
	}
	if _, err := db.CreateStaff(ctx, "x", "mayor", "h", t0, store.AuditEntry{}); err == nil {
		t.Fatal("unknown role accepted by the schema")
	}
	got, err := db.StaffByUsername(ctx, "lan")
	if err != nil || got.PasswordHash != "$argon2id$x" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("StaffByUsername = %+v, %v", got, err)
	}
	if _, err := db.StaffByUsername(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: err = %v", err)
	}

	// A session exists; disabling the account removes it.
	hash := make([]byte, 32)
	hash[0] = 7
	if err := db.CreateSession(ctx, store.Session{TokenHash: hash, StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStaffDisabled(ctx, "lan", true, t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.disable", Target: "lan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session of a disabled account still there: %v", err)
	}
	got, _ = db.StaffByUsername(ctx, "lan")
	if !got.Disabled {
		t.Fatal("not disabled")
	}
	if err := db.SetStaffDisabled(ctx, "nobody", true, t0, store.AuditEntry{Action: "staff.disable"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("disable unknown: %v", err)
	}

	// A new password also ends every session.
	if err := db.SetStaffDisabled(ctx, "lan", false, t0, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, store.Session{TokenHash: hash, StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStaffPassword(ctx, "lan", "$argon2id$y", t0.Add(time.Minute), store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.passwd", Target: "lan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, hash); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	got, _ = db.StaffByUsername(ctx, "lan")
	if got.PasswordHash != "$argon2id$y" || got.Disabled || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after passwd: %+v", got)
	}

	if _, err := db.CreateStaff(ctx, "an", "admin", "h", t0, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListStaff(ctx)
	if err != nil || len(list) != 2 || list[0].Username != "an" || list[1].Username != "lan" {
		t.Fatalf("ListStaff = %+v, %v", list, err)
	}

	audit, err := db.ListAudit(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Action)
	}
	want := []string{"staff.passwd", "staff.disable", "staff.add"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit actions = %v, want %v", actions, want)
		}
	}
	if audit[2].Actor != "dòng lệnh" || audit[2].Target != "lan" || !audit[2].At.Equal(t0) {
		t.Fatalf("audit entry %+v", audit[2])
	}
}

func TestSessions(t *testing.T) { storetest.ForEach(t, testSessions) }

func testSessions(t *testing.T, db *store.DB) {
	ctx := context.Background()
	s, err := db.CreateStaff(ctx, "lan", "press", "h", t0, store.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
	h1, h2, old := []byte("11111111111111111111111111111111"), []byte("22222222222222222222222222222222"), []byte("00000000000000000000000000000000")
	// An already expired session, swept by the next CreateSession.
	if err := db.CreateSession(ctx, store.Session{TokenHash: old, StaffID: s.ID, CreatedAt: t0.Add(-2 * time.Hour), LastSeenAt: t0.Add(-2 * time.Hour), ExpiresAt: t0.Add(-time.Hour)}, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, store.Session{TokenHash: h1, StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}, nil, store.AuditEntry{At: t0, Actor: "lan", Action: "staff.login"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, old); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired session not swept: %v", err)
	}
	got, err := db.SessionByHash(ctx, h1)
	if err != nil || got.Staff.Username != "lan" || got.StaffID != s.ID || !got.ExpiresAt.Equal(t0.Add(8*time.Hour)) {
		t.Fatalf("SessionByHash = %+v, %v", got, err)
	}
	if err := db.TouchSession(ctx, h1, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, _ = db.SessionByHash(ctx, h1)
	if !got.LastSeenAt.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("LastSeenAt = %v", got.LastSeenAt)
	}
	// Rotation: the new session replaces the old one in one transaction.
	if err := db.CreateSession(ctx, store.Session{TokenHash: h2, StaffID: s.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(8 * time.Hour)}, h1, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, h1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rotated session still valid: %v", err)
	}
	if err := db.DeleteSession(ctx, h2, store.AuditEntry{At: t0, Actor: "lan", Action: "staff.logout"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionByHash(ctx, h2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session still valid: %v", err)
	}
	if err := db.TouchSession(ctx, h2, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("touch deleted: %v", err)
	}
	if err := db.DeleteSession(ctx, h2, store.AuditEntry{}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	audit, _ := db.ListAudit(ctx, 0, 10)
	if len(audit) != 2 || audit[0].Action != "staff.logout" || audit[1].Action != "staff.login" {
		t.Fatalf("audit = %+v", audit)
	}
	// Paging: entries before the newest one.
	page, _ := db.ListAudit(ctx, audit[0].ID, 10)
	if len(page) != 1 || page[0].Action != "staff.login" {
		t.Fatalf("audit page = %+v", page)
	}
}
