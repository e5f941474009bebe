package press

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/store"
)

func TestMakeSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Tháng hành động phòng, chống ma túy":              "thang-hanh-dong-phong-chong-ma-tuy",
		"ĐẨY MẠNH tuyên truyền – Ngày 26/6":                "day-manh-tuyen-truyen-ngay-26-6",
		"Người nghiện được cai nghiện tự nguyện":           "nguoi-nghien-duoc-cai-nghien-tu-nguyen",
		"Hòa bình, hoà bình, thuỷ, thủy":                   "hoa-binh-hoa-binh-thuy-thuy",
		nfd("Quyết định về cai nghiện ở cộng đồng"):        "quyet-dinh-ve-cai-nghien-o-cong-dong",
		"<script>alert(1)</script>":                        "script-alert-1-script",
		"!!!":                                              "chien-dich",
		"中文 标题":                                            "chien-dich",
		strings.Repeat("tuyên truyền ", 20):                strings.TrimSuffix(strings.Repeat("tuyen-truyen-", 6), "-"),
		"Ứng phó ma túy tổng hợp: ấn, ớt, ức, ệ — Đắk Lắk": "ung-pho-ma-tuy-tong-hop-an-ot-uc-e-dak-lak",
	} {
		if got := MakeSlug(in); got != want {
			t.Errorf("MakeSlug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePublishAt(t *testing.T) {
	want := time.Date(2026, 7, 1, 1, 0, 0, 0, time.UTC) // 08:00 in Vietnam
	for _, s := range []string{"2026-07-01T08:00", "2026-07-01 08:00", "01/07/2026 08:00", "1/7/2026 08:00", " 2026-07-01T08:00:00 "} {
		got, ok := ParsePublishAt(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParsePublishAt(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"mai", "2026-13-01T08:00", "32/01/2026 08:00", "2026-07-01"} {
		if _, ok := ParsePublishAt(s); ok {
			t.Errorf("ParsePublishAt(%q) accepted", s)
		}
	}
	if FormatPublishAt(want) != "2026-07-01T08:00" {
		t.Errorf("FormatPublishAt = %q", FormatPublishAt(want))
	}
}

func TestCampaignLifecycle(t *testing.T) {
	ctx := context.Background()
	o, clk := newTestOffice(t, Config{})
	press := Principal{Username: "lan", Role: RolePress}
	police := Principal{Username: "hung", Role: RolePolice}
	in := CampaignInput{Title: "Tháng hành động phòng, chống ma túy", Summary: "Hưởng ứng Ngày 26/6.", BodyMD: "# Mở đầu\n\nNội dung.", Status: "published"}

	if _, err := o.CreateCampaign(ctx, police, in); !errors.Is(err, ErrForbidden) {
		t.Fatalf("police may not publish: %v", err)
	}
	var fe formerr.FieldErrors
	_, err := o.CreateCampaign(ctx, press, CampaignInput{Title: " ", BodyMD: "", Status: "live", Kind: "ad", PublishAt: "mai"})
	if !errors.As(err, &fe) || len(fe) != 5 || fe["title"] != "Vui lòng nhập tiêu đề." {
		t.Fatalf("empty form: %v", err)
	}
	_, err = o.CreateCampaign(ctx, press, CampaignInput{Title: "x", BodyMD: "y", Status: "published", PublishAt: "2020-01-01T08:00"})
	if !errors.As(err, &fe) || !strings.Contains(fe["publish_at"], "đã qua") {
		t.Fatalf("past time: %v", err)
	}

	a, err := o.CreateCampaign(ctx, press, in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug != "thang-hanh-dong-phong-chong-ma-tuy" || !a.Public(clk.Now()) || !a.PublishedAt.Equal(t0) || a.CreatedBy != "lan" {
		t.Fatalf("created %+v", a)
	}
	b, err := o.CreateCampaign(ctx, press, CampaignInput{Title: in.Title, BodyMD: "Bản nháp", Status: "draft", Kind: "article"})
	if err != nil || b.Slug != a.Slug+"-2" || b.Public(clk.Now()) || b.Kind != store.KindArticle {
		t.Fatalf("draft %+v %v", b, err)
	}
	// Scheduled for 10:00 local = 03:00 UTC, two hours after t0.
	c, err := o.CreateCampaign(ctx, press, CampaignInput{Title: "Ra quân 26/6", BodyMD: "Lễ ra quân.", Status: "published", PublishAt: "2026-06-26T10:00"})
	if err != nil || !c.Scheduled(clk.Now()) || !c.PublishedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("scheduled %+v %v", c, err)
	}
	if _, err := o.PublicCampaign(ctx, c.Slug); !errors.Is(err, ErrNotFound) {
		t.Fatalf("scheduled one is public early: %v", err)
	}
	if _, err := o.PublicCampaign(ctx, b.Slug); !errors.Is(err, ErrNotFound) {
		t.Fatalf("draft is public: %v", err)
	}
	list, _ := o.PublicCampaigns(ctx, 0)
	if len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("public list %+v", list)
	}
	clk.Add(2 * time.Hour)
	if _, err := o.PublicCampaign(ctx, c.Slug); err != nil {
		t.Fatalf("scheduled one not public on time: %v", err)
	}
	list, _ = o.PublicCampaigns(ctx, 0)
	if len(list) != 2 || list[0].ID != c.ID {
		t.Fatalf("public list later %+v", list)
	}

	// Edit keeps the slug and the publication time.
	edit := in
	edit.Title, edit.Version = "Tháng hành động (cập nhật)", a.Version
	a2, err := o.UpdateCampaign(ctx, press, a.ID, edit)
	if err != nil || a2.Slug != a.Slug || !a2.PublishedAt.Equal(t0) || a2.Title != edit.Title || a2.Version != 2 {
		t.Fatalf("edit %+v %v", a2, err)
	}
	if _, err := o.UpdateCampaign(ctx, press, a.ID, edit); !errors.Is(err, ErrEditConflict) {
		t.Fatalf("stale edit: %v", err)
	}
	if _, err := o.UpdateCampaign(ctx, press, 999, edit); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	a3, err := o.Unpublish(ctx, press, a.ID, a2.Version)
	if err != nil || a3.Public(clk.Now()) {
		t.Fatalf("unpublish %+v %v", a3, err)
	}
	if _, err := o.PublicCampaign(ctx, a.Slug); !errors.Is(err, ErrNotFound) {
		t.Fatal("unpublished still public")
	}
	clk.Add(17 * time.Second) // publication times are not minute-aligned
	a4, err := o.PublishNow(ctx, press, a.ID, a3.Version)
	if err != nil || !a4.Public(clk.Now()) || !a4.PublishedAt.Equal(clk.Now()) {
		t.Fatalf("publish now %+v %v", a4, err)
	}
	// Saving the editor as shown (publication time pre-filled, to the
	// minute) an hour later keeps the exact publication time.
	clk.Add(time.Hour)
	shown := edit
	shown.Version, shown.PublishAt = a4.Version, FormatPublishAt(a4.PublishedAt)
	a5, err := o.UpdateCampaign(ctx, press, a.ID, shown)
	if err != nil || !a5.PublishedAt.Equal(a4.PublishedAt) {
		t.Fatalf("re-save as shown: %+v %v", a5, err)
	}

	audit, _ := o.Audit(ctx, 0, 20)
	var got []string
	for _, e := range audit {
		got = append(got, e.Action+" "+e.Target)
	}
	want := []string{
		"campaign.update chien-dich/thang-hanh-dong-phong-chong-ma-tuy",
		"campaign.publish chien-dich/thang-hanh-dong-phong-chong-ma-tuy",
		"campaign.unpublish chien-dich/thang-hanh-dong-phong-chong-ma-tuy",
		"campaign.update chien-dich/thang-hanh-dong-phong-chong-ma-tuy",
		"campaign.schedule chien-dich/ra-quan-26-6",
		"campaign.create chien-dich/thang-hanh-dong-phong-chong-ma-tuy-2",
		"campaign.publish chien-dich/thang-hanh-dong-phong-chong-ma-tuy",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

var slugShape = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func FuzzMakeSlug(f *testing.F) {
	for _, s := range []string{"Tháng hành động phòng, chống ma túy", "ĐẨY MẠNH – 26/6", "", "!!!", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := MakeSlug(title)
		if len(s) > maxSlugLen || !slugShape.MatchString(s) {
			t.Fatalf("MakeSlug(%q) = %q", title, s)
		}
		// A time that parses survives the editor's round trip (minutes).
		if at, ok := ParsePublishAt(title); ok && !at.IsZero() {
			back, ok2 := ParsePublishAt(FormatPublishAt(at))
			if !ok2 || !back.Equal(at.Truncate(time.Minute)) {
				t.Fatalf("ParsePublishAt(%q) = %v; round trip %v %v", title, at, back, ok2)
			}
		}
	})
}
