package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

// CopyInto moves every table, keeps ids, advances sequences, verifies
// counts, and refuses a target that holds anything.
func TestCopyIntoPostgres(t *testing.T) {
	ctx := context.Background()
	src, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := storetest.Open(t, "postgres")

	lan, err := src.CreateStaff(ctx, "lan", "press", "$argon2id$x", t0, store.AuditEntry{At: t0, Actor: "dòng lệnh", Action: "staff.create", Target: "lan"})
	if err != nil {
		t.Fatal(err)
	}
	minh, _ := src.CreateStaff(ctx, "minh", "admin", "$argon2id$y", t0, store.AuditEntry{})
	src.SetStaffDisabled(ctx, "minh", true, t0, store.AuditEntry{})
	tok := []byte("0123456789abcdef0123456789abcdef")
	if err := src.CreateSession(ctx, store.Session{TokenHash: tok, StaffID: lan.ID, CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}, nil, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	cover := "0123456789abcdef0123456789abcdef.jpg"
	if err := src.PutMedia(ctx, store.Media{Name: cover, ContentType: "image/jpeg", Data: []byte{0xff, 0xd8, 0, 1, 2}, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, slug := range []string{"mot", "hai", "ba"} {
		c, err := src.CreateCampaign(ctx, store.Campaign{Slug: slug, Kind: store.KindCampaign, Title: "Chiến dịch " + slug, Status: store.StatusPublished,
			PublishedAt: t0, Cover: cover, CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{At: t0, Actor: "lan", Action: "campaign.create"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	if err := src.InsertSubmissions(ctx, []store.Submission{
		{ID: "s1", Kind: "tip", ReceivedAt: t0, Data: []byte(`{"description":"Tin một"}`), ReceiptHash: "r1", ReceivedOn: "2026-06-26", NonceHash: "n1"},
		{ID: "s2", Kind: "tip", ReceivedAt: t0, Data: []byte(`{"description":"Tin hai"}`), ReceiptHash: "r2", ReceivedOn: "2026-06-26"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.MarkSent(ctx, store.SentEntry{ID: "s1", StreamID: "1764547200000-0", Epoch: "e1", At: t0}); err != nil {
		t.Fatal(err)
	}

	counts, err := store.CopyInto(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range counts {
		got[c.Table] = c.Rows
	}
	want := map[string]int64{"staff": 2, "staff_sessions": 1, "campaigns": 3, "media": 1, "intake_outbox": 2, "intake_status": 2, "intake_nonce": 1, "audit_log": 4, "meta": 0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d rows copied, want %d (all: %v)", k, got[k], v, got)
		}
	}
	// Same ids, same values, booleans converted.
	s, err := dst.SessionByHash(ctx, tok)
	if err != nil || s.Staff.Username != "lan" || s.StaffID != lan.ID {
		t.Fatalf("session %+v %v", s, err)
	}
	m, err := dst.StaffByUsername(ctx, "minh")
	if err != nil || m.ID != minh.ID || !m.Disabled {
		t.Fatalf("minh %+v %v", m, err)
	}
	c, err := dst.CampaignByID(ctx, ids[2])
	if err != nil || c.Slug != "ba" || c.Title != "Chiến dịch ba" || c.Cover != cover || !c.PublishedAt.Equal(t0) {
		t.Fatalf("campaign %+v %v", c, err)
	}
	if md, err := dst.MediaByName(ctx, cover); err != nil || string(md.Data) != string([]byte{0xff, 0xd8, 0, 1, 2}) {
		t.Fatalf("media %+v %v", md, err)
	}
	pend, _ := dst.PendingSubmissions(ctx, 10)
	if len(pend) != 1 || pend[0].ID != "s2" {
		t.Fatalf("outbox %+v", pend)
	}
	if st, err := dst.StatusByReceiptHash(ctx, "r1"); err != nil || st.Status != store.StatusForwarded {
		t.Fatalf("status %+v %v", st, err)
	}
	// Sequences advanced: new rows get ids after the copied ones.
	n, err := dst.CreateCampaign(ctx, store.Campaign{Slug: "bon", Kind: store.KindCampaign, Title: "bốn", Status: store.StatusDraft,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{At: t0, Actor: "lan", Action: "campaign.create"})
	if err != nil || n.ID != ids[2]+1 {
		t.Fatalf("new campaign id %d (%v), want %d", n.ID, err, ids[2]+1)
	}
	if _, err := dst.CreateStaff(ctx, "hoa", "press", "$x", t0, store.AuditEntry{}); err != nil {
		t.Fatalf("new staff after copy: %v", err)
	}

	// The target is no longer empty: a second copy is refused, untouched.
	if _, err := store.CopyInto(ctx, src, dst); !errors.Is(err, store.ErrTargetNotEmpty) {
		t.Fatalf("second copy: %v", err)
	}
	if all, _ := dst.ListCampaigns(ctx); len(all) != 4 {
		t.Fatalf("target changed by the refused copy: %d campaigns", len(all))
	}
}
