package content

import (
	"testing"
	"time"
)

func TestExtractCitations(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Citation
	}{
		{"issuer before date, long date form",
			"theo Quyết định số 424/QĐ-TTg của Thủ tướng Chính phủ ngày 07 tháng 4 năm 2017 về Chương trình phòng, chống ma túy đến năm 2020; và",
			[]Citation{{TypeDecision, "424/QĐ-TTg", "Thủ tướng Chính phủ", date(2017, 4, 7), "Chương trình phòng, chống ma túy đến năm 2020", "424-qd-ttg-2017"}}},
		{"nested citation in the subject",
			"Kết luận số 95-KL/TW ngày 02/4/2014 của Ban Bí thư về tiếp tục thực hiện Chỉ thị số 21-CT/TW ngày 26/3/2008 của Bộ Chính trị về “Tiếp tục tăng cường lãnh đạo”.",
			[]Citation{
				{TypeConclusion, "95-KL/TW", "Ban Bí thư", date(2014, 4, 2), "tiếp tục thực hiện Chỉ thị số 21-CT/TW ngày 26/3/2008 của Bộ Chính trị về “Tiếp tục tăng cường lãnh đạo”", "95-kl-tw-2014"},
				{TypeDirective, "21-CT/TW", "Bộ Chính trị", date(2008, 3, 26), "Tiếp tục tăng cường lãnh đạo", "21-ct-tw-2008"},
			}},
		{"same number twice: one citation, facts merged, printed case preferred",
			"THỰC HIỆN CHỈ THỊ SỐ 25/CT-TTG CỦA THỦ TƯỚNG CHÍNH PHỦ. Chỉ thị số 25/CT-TTg ngày 05/6/2017 về tăng cường công tác phòng, chống.",
			[]Citation{{TypeDirective, "25/CT-TTg", "Thủ tướng Chính phủ", date(2017, 6, 5), "tăng cường công tác phòng, chống", "25-ct-ttg-2017"}}},
		{"no date and no year in the number: slug left to the library",
			"Thực hiện Chỉ thị số 25/CT-TTg của Thủ tướng Chính phủ, các ngành",
			[]Citation{{TypeDirective, "25/CT-TTg", "Thủ tướng Chính phủ", time.Time{}, "", ""}}},
		{"number with its year, without “số”",
			"theo Nghị định 94/2010/NĐ-CP và Luật số 23/2000/QH10.",
			[]Citation{
				{TypeDecree, "94/2010/NĐ-CP", "", time.Time{}, "", "94-2010-nd-cp"},
				{TypeLaw, "23/2000/QH10", "", time.Time{}, "", "23-2000-qh10"},
			}},
		{"announcement of conclusions: the “của” is not the issuer",
			"Thông báo kết luận số 43/TB-VPCP ngày 25/01/2017 của Thủ tướng Chính phủ Nguyễn Xuân Phúc tại Hội nghị trực tuyến toàn quốc về công tác phòng, chống ma túy;",
			[]Citation{{TypeNotice, "43/TB-VPCP", "", date(2017, 1, 25), "công tác phòng, chống ma túy", "43-tb-vpcp-2017"}}},
		{"issuer after intervening words",
			"Nghị quyết số 30/NQ-CP ngày 07/3/2017 phiên họp thường kỳ tháng 02 năm 2017 của Chính phủ; tiếp",
			[]Citation{{TypeResolution, "30/NQ-CP", "Chính phủ", date(2017, 3, 7), "", "30-nq-cp-2017"}}},
		{"issuer then next citation joined by “và”",
			"theo Quyết định số 2596/QĐ-TTg ngày 27/12/2013 của Thủ tướng Chính phủ và Kế hoạch số 12/KH-UBND ngày 09/3/2015 của Ủy ban nhân dân tỉnh. Đa dạng",
			[]Citation{
				{TypeDecision, "2596/QĐ-TTg", "Thủ tướng Chính phủ", date(2013, 12, 27), "", "2596-qd-ttg-2013"},
				{TypePlan, "12/KH-UBND", "Ủy ban nhân dân tỉnh", date(2015, 3, 9), "", "12-kh-ubnd-2015"},
			}},
		{"not citations",
			"xây dựng kế hoạch vốn đầu tư 2016 - 2020; quyết định đưa vào cơ sở; pháp luật 23/2000/QH10; Ban chỉ đạo 138 tỉnh; ngày 14/9/2017; XKế hoạch số 1/KH-X",
			nil},
		{"invalid date ignored",
			"Chỉ thị số 7/CT-UBND ngày 31/02/2017 của Ủy ban nhân dân tỉnh",
			[]Citation{{TypeDirective, "7/CT-UBND", "Ủy ban nhân dân tỉnh", time.Time{}, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExtractCitations(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d citations %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Type != w.Type || g.Number != w.Number || g.Issuer != w.Issuer || !g.IssuedOn.Equal(w.IssuedOn) || g.Subject != w.Subject || g.Slug != w.Slug {
					t.Errorf("citation %d:\n got  %+v\n want %+v", i, g, w)
				}
			}
		})
	}
}
