package handlers

import (
	"context"
	"strings"
)

// menu is the main navigation for the page at path. A section appears only
// when it has something in it: "Chiến dịch" waits for the first published
// campaign, the forms for the intake service. A database error hides the
// campaigns entry (logged) rather than failing the page.
func (s *Server) menu(ctx context.Context, path string) []menuItem {
	var items []menuItem
	add := func(p, label string, show bool) {
		if show {
			items = append(items, menuItem{Path: p, Label: label, Current: path == p || strings.HasPrefix(path, p+"/")})
		}
	}
	add("/van-ban", "Văn bản", len(s.Library.Documents()) > 0)
	add("/phan-cong", "Phân công", len(s.Library.Assignments()) > 0)
	add("/bai-viet", "Bài viết", len(s.Library.Articles()) > 0)
	add("/chien-dich", "Chiến dịch", s.hasCampaigns(ctx))
	add("/tin-bao", "Tố giác", s.Intake != nil)
	add("/cai-nghien", "Cai nghiện", s.Intake != nil)
	return items
}

// hasCampaigns reports whether at least one campaign is public.
func (s *Server) hasCampaigns(ctx context.Context) bool {
	if s.Press == nil {
		return false
	}
	list, err := s.Press.PublicCampaigns(ctx, 1)
	if err != nil {
		s.log.Error("menu: public campaigns", "err", err)
		return false
	}
	return len(list) > 0
}
