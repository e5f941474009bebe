package content

import "testing"

func TestProperCaseOrgan(t *testing.T) {
	tests := map[string]string{
		"ỦY BAN NHÂN DÂN TỈNH THÁI BÌNH":           "Ủy ban nhân dân tỉnh Thái Bình",
		"UBND TỈNH THÁI BÌNH":                      "Ủy ban nhân dân tỉnh Thái Bình",
		"ỦY BAN NHÂN DÂN HUYỆN VŨ THƯ":             "Ủy ban nhân dân huyện Vũ Thư",
		"ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH":    "Ủy ban nhân dân thành phố Hồ Chí Minh",
		"THỦ TƯỚNG CHÍNH PHỦ":                      "Thủ tướng Chính phủ",
		"CHÍNH PHỦ":                                "Chính phủ",
		"QUỐC HỘI":                                 "Quốc hội",
		"BAN BÍ THƯ":                               "Ban Bí thư",
		"BỘ CHÍNH TRỊ":                             "Bộ Chính trị",
		"VĂN PHÒNG CHÍNH PHỦ":                      "Văn phòng Chính phủ",
		"BỘ Y TẾ":                                  "Bộ Y tế",
		"BỘ CÔNG AN":                               "Bộ Công an",
		"BỘ CÔNG THƯƠNG":                           "Bộ Công Thương",
		"BỘ GIÁO DỤC VÀ ĐÀO TẠO":                   "Bộ Giáo dục và Đào tạo",
		"BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI":      "Bộ Lao động - Thương binh và Xã hội",
		"BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH":          "Bộ Văn hóa, Thể thao và Du lịch",
		"SỞ Y TẾ TỈNH THÁI BÌNH":                   "Sở Y tế tỉnh Thái Bình",
		"CÔNG AN TỈNH THÁI BÌNH":                   "Công an tỉnh Thái Bình",
		"TỈNH ỦY THÁI BÌNH":                        "Tỉnh ủy Thái Bình",
		"BAN CHẤP HÀNH TRUNG ƯƠNG":                 "Ban Chấp hành Trung ương",
		"ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM":         "Ủy ban Mặt trận Tổ quốc Việt Nam",
		"ỦY BAN QUỐC GIA PHÒNG, CHỐNG AIDS":        "Ủy ban quốc gia phòng, chống AIDS",
		"HỘI ĐỒNG NHÂN DÂN THỊ XÃ PHÚ THỌ":         "Hội đồng nhân dân thị xã Phú Thọ",
		"ỦY BAN NHÂN DÂN XÃ ĐÔNG HÒA":              "Ủy ban nhân dân xã Đông Hòa",
		"TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH THÁI BÌNH": "Trung tâm công tác xã hội tỉnh Thái Bình",
	}
	for in, want := range tests {
		if got := properCaseOrgan(in); got != want {
			t.Errorf("properCaseOrgan(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSentenceCase(t *testing.T) {
	ref := "Căn cứ Chỉ thị số 25/CT-TTg của Thủ tướng Chính phủ.\nPHẦN IN HOA THÁI BÌNH\nChương trình phòng, chống AIDS của Bộ Y tế tại tỉnh Thái Bình."
	tests := []struct{ in, want string }{
		{"THỰC HIỆN CHỈ THỊ SỐ 25/CT-TTG CỦA THỦ TƯỚNG CHÍNH PHỦ.", "Thực hiện Chỉ thị số 25/CT-TTg của Thủ tướng Chính phủ"},
		{"PHÒNG, CHỐNG AIDS TẠI TỈNH THÁI BÌNH", "Phòng, chống AIDS tại tỉnh Thái Bình"},
		{"VỀ LUẬT 23/2000/QH10 VÀ NGHỊ ĐỊNH SỐ 94/2010/NĐ-CP", "Về Luật 23/2000/QH10 và Nghị định số 94/2010/NĐ-CP"},
		{"Về việc đã viết thường", "Về việc đã viết thường"},
		{"về tiếp tục", "Về tiếp tục"},
		{"", ""},
	}
	numbers := map[string]string{"25/CT-TTG": "25/CT-TTg"}
	for _, tt := range tests {
		if got := sentenceCase(tt.in, ref, numbers); got != tt.want {
			t.Errorf("sentenceCase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
