package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/thaibinh-pcmt/portal/press"
)

// benchCampaigns fills the store with n public campaigns of a realistic
// size and returns the slug of one.
func benchCampaigns(b *testing.B, e *pressEnv, n int) string {
	ctx := context.Background()
	p := press.Principal{Username: "lan", Role: press.RolePress}
	var slug string
	for i := 0; i < n; i++ {
		cp, err := e.office.CreateCampaign(ctx, p, press.CampaignInput{
			Title: fmt.Sprintf("Chiến dịch tuyên truyền số %d", i), Summary: "Hưởng ứng Ngày quốc tế phòng, chống ma túy 26/6.",
			BodyMD: xssBody + "\n\n" + xssBody, Status: "published"})
		if err != nil {
			b.Fatal(err)
		}
		slug = cp.Slug
	}
	return slug
}

func benchGet(b *testing.B, e *pressEnv, target string) {
	for b.Loop() {
		resp, err := e.app.Test(httptest.NewRequest(http.MethodGet, target, nil), -1)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %v %v", target, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
}

// BenchmarkCampaignPage is one public campaign page (SQLite read,
// Markdown rendered and sanitised, template) through the real app.
func BenchmarkCampaignPage(b *testing.B) {
	e := newPressEnv(b)
	slug := benchCampaigns(b, e, 20)
	benchGet(b, e, "/chien-dich/"+slug)
}

// BenchmarkFeed is /feed.xml with 50 campaigns (each rendered) and the
// shipped articles.
func BenchmarkFeed(b *testing.B) {
	e := newPressEnv(b)
	benchCampaigns(b, e, 50)
	benchGet(b, e, "/feed.xml")
}

// BenchmarkSitemap is /sitemap.xml with 50 campaigns and the library.
func BenchmarkSitemap(b *testing.B) {
	e := newPressEnv(b)
	benchCampaigns(b, e, 50)
	benchGet(b, e, "/sitemap.xml")
}
