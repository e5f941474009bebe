package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/store"
	"github.com/thaibinh-pcmt/portal/store/storetest"
)

func TestCampaigns(t *testing.T) { storetest.ForEach(t, testCampaigns) }

func testCampaigns(t *testing.T, db *store.DB) {
	ctx := context.Background()
	mk := func(title, status string, at time.Time) store.Campaign {
		c, err := db.CreateCampaign(ctx, store.Campaign{Slug: "thang-hanh-dong", Kind: store.KindCampaign, Title: title,
			Summary: "Tóm tắt", BodyMD: "# Nội dung", Status: status, PublishedAt: at,
			CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"},
			store.AuditEntry{At: t0, Actor: "lan", Action: "campaign.create"})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := mk("Tháng hành động", store.StatusPublished, t0)
	b := mk("Tháng hành động", store.StatusDraft, time.Time{})
	c := mk("Tháng hành động", store.StatusPublished, t0.Add(2*time.Hour)) // scheduled
	if a.Slug != "thang-hanh-dong" || b.Slug != "thang-hanh-dong-2" || c.Slug != "thang-hanh-dong-3" {
		t.Fatalf("slugs %q %q %q", a.Slug, b.Slug, c.Slug)
	}
	if a.Version != 1 {
		t.Fatalf("new campaign versions %+v", a)
	}
	if !a.Public(t0) || b.Public(t0) || c.Public(t0) || !c.Scheduled(t0) || !c.Public(t0.Add(2*time.Hour)) {
		t.Fatal("Public/Scheduled wrong")
	}
	if _, err := db.CreateCampaign(ctx, store.Campaign{Slug: "x", Kind: store.KindCampaign, Title: "x", Status: store.StatusPublished,
		CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lan", UpdatedBy: "lan"}, store.AuditEntry{}); err == nil {
		t.Fatal("published without a time accepted")
	}

	pub, err := db.ListPublicCampaigns(ctx, t0, 0)
	if err != nil || len(pub) != 1 || pub[0].ID != a.ID {
		t.Fatalf("public at t0 = %+v, %v", pub, err)
	}
	pub, _ = db.ListPublicCampaigns(ctx, t0.Add(3*time.Hour), 0)
	if len(pub) != 2 || pub[0].ID != c.ID || pub[1].ID != a.ID {
		t.Fatalf("public later = %+v (want newest first)", pub)
	}
	pub, _ = db.ListPublicCampaigns(ctx, t0.Add(3*time.Hour), 1)
	if len(pub) != 1 || pub[0].ID != c.ID {
		t.Fatalf("limit 1 = %+v", pub)
	}

	// Edit a: version goes up.
	a.Title = "Tháng hành động phòng, chống ma túy"
	a.UpdatedAt, a.UpdatedBy = t0.Add(time.Minute), "minh"
	saved, err := db.UpdateCampaign(ctx, a, store.AuditEntry{At: t0, Actor: "minh", Action: "campaign.update"})
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 2 || saved.Title != a.Title || saved.Slug != "thang-hanh-dong" || saved.UpdatedBy != "minh" || saved.CreatedBy != "lan" {
		t.Fatalf("saved %+v", saved)
	}
	if _, err := db.UpdateCampaign(ctx, a, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale version: err = %v, want store.ErrConflict", err)
	}
	vs, err := db.CampaignVersions(ctx)
	if err != nil || len(vs) != 3 || vs[0].ID != a.ID || vs[0].Version != 2 || !vs[0].Public(t0) || vs[1].Public(t0) ||
		vs[2].Slug != "thang-hanh-dong-3" || vs[2].Public(t0) || !vs[2].Public(t0.Add(2*time.Hour)) {
		t.Fatalf("versions %+v %v", vs, err)
	}

	got, err := db.CampaignBySlug(ctx, "thang-hanh-dong-3")
	if err != nil || got.ID != c.ID || !got.PublishedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("by slug %+v %v", got, err)
	}
	if _, err := db.CampaignBySlug(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown slug: %v", err)
	}
	if _, err := db.CampaignByID(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := db.UpdateCampaign(ctx, store.Campaign{ID: 999, Version: 1}, store.AuditEntry{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update unknown id: %v", err)
	}
	all, _ := db.ListCampaigns(ctx)
	if len(all) != 3 || all[0].ID != a.ID {
		t.Fatalf("admin list (most recently edited first) = %+v", all)
	}
	audit, _ := db.ListAudit(ctx, 0, 10)
	if len(audit) != 4 || audit[0].Action != "campaign.update" || audit[0].Target != "chien-dich/thang-hanh-dong" || audit[3].Target != "chien-dich/thang-hanh-dong" {
		t.Fatalf("audit %+v", audit)
	}
}
