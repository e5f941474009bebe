package search

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// seedPlan reads the shipped seed (Kế hoạch 53/KH-UBND) and cuts it into
// sections the way the document page anchors them: "I." → muc-i, "1." under
// it → muc-i-1, dash items → muc-i-1-gN. Only what the search tests need.
func seedPlan(t testing.TB) Doc {
	t.Helper()
	paths, _ := filepath.Glob("../content/corpus/van-ban/000_*.txt")
	if len(paths) == 0 {
		t.Fatal("seed document not found under content/corpus/van-ban")
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
	roman := regexp.MustCompile(`^([IVX]+)\.\s+(.*)$`)
	arabic := regexp.MustCompile(`^(\d+)\.\s+(.*)$`)
	d := Doc{
		Slug: "53-kh-ubnd-2017", Type: "Kế hoạch", Number: "53/KH-UBND",
		Issuer: "Ủy ban nhân dân tỉnh Thái Bình", Year: 2017, Issued: "14/9/2017",
		Title: "Thực hiện Chỉ thị số 25/CT-TTg ngày 05/6/2017 của Thủ tướng Chính phủ về tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới",
		URL:   "/van-ban/53-kh-ubnd-2017",
	}
	var cur *Section
	r, a, dash := "", "", 0
	for _, ln := range lines[4:] {
		ln = strings.TrimSpace(ln)
		if ln == "" || strings.HasPrefix(ln, "|") {
			continue
		}
		if strings.HasPrefix(ln, "Ý kiến bạn đọc") {
			break
		}
		switch {
		case roman.MatchString(ln):
			m := roman.FindStringSubmatch(ln)
			r, a, dash = strings.ToLower(m[1]), "", 0
			d.Sections = append(d.Sections, Section{Anchor: "muc-" + r, Heading: ln})
		case arabic.MatchString(ln) && r != "":
			m := arabic.FindStringSubmatch(ln)
			a, dash = m[1], 0
			d.Sections = append(d.Sections, Section{Anchor: "muc-" + r + "-" + a, Heading: ln})
		case strings.HasPrefix(ln, "- ") && r != "":
			dash++
			anchor := "muc-" + r
			if a != "" {
				anchor += "-" + a
			}
			d.Sections = append(d.Sections, Section{Anchor: anchor + "-g" + itoa(dash), Text: strings.TrimPrefix(ln, "- ")})
		default:
			if len(d.Sections) == 0 {
				d.Sections = append(d.Sections, Section{Anchor: "mo-dau"})
			}
			cur = &d.Sections[len(d.Sections)-1]
			if cur.Text != "" {
				cur.Text += "\n"
			}
			cur.Text += ln
		}
	}
	d.Summary = "Kế hoạch của Ủy ban nhân dân tỉnh Thái Bình triển khai Chỉ thị 25/CT-TTg về phòng, chống và cai nghiện ma túy."
	return d
}

func itoa(n int) string { return strconv.Itoa(n) }

// catalogue are the texts the plan cites, known by their metadata only.
func catalogue() []Doc {
	// The dates of issue as the plan cites them, printed as the portal
	// prints them (handlers.documentSearchDoc).
	issued := map[string]string{
		"25-ct-ttg-2017": "5/6/2017", "95-kl-tw-2014": "2/4/2014", "21-ct-tw-2008": "26/3/2008",
		"98-nq-cp-2014": "26/12/2014", "424-qd-ttg-2017": "7/4/2017", "30-nq-cp-2017": "7/3/2017",
		"43-tb-vpcp-2017": "25/1/2017", "245-kh-ubqg-bca-2017": "18/8/2017", "2596-qd-ttg-2013": "27/12/2013",
		"12-kh-ubnd-2015": "9/3/2015",
	}
	c := func(slug, typ, number, issuer string, year int, title string) Doc {
		return Doc{Slug: slug, Type: typ, Number: number, Issuer: issuer, Year: year, Issued: issued[slug], Title: title, URL: "/van-ban/" + slug}
	}
	return []Doc{
		c("25-ct-ttg-2017", "Chỉ thị", "25/CT-TTg", "Thủ tướng Chính phủ", 2017, "Về tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới"),
		c("95-kl-tw-2014", "Kết luận", "95-KL/TW", "Ban Bí thư", 2014, "Về tiếp tục thực hiện Chỉ thị số 21-CT/TW của Bộ Chính trị về tiếp tục tăng cường lãnh đạo, chỉ đạo công tác phòng, chống và kiểm soát ma túy trong tình hình mới"),
		c("21-ct-tw-2008", "Chỉ thị", "21-CT/TW", "Bộ Chính trị", 2008, "Về tiếp tục tăng cường lãnh đạo, chỉ đạo công tác phòng, chống và kiểm soát ma túy trong tình hình mới"),
		c("98-nq-cp-2014", "Nghị quyết", "98/NQ-CP", "Chính phủ", 2014, "Về tăng cường chỉ đạo công tác phòng, chống, kiểm soát và cai nghiện ma túy trong tình hình mới"),
		c("424-qd-ttg-2017", "Quyết định", "424/QĐ-TTg", "Thủ tướng Chính phủ", 2017, "Phê duyệt Chương trình phòng, chống ma túy đến năm 2020"),
		c("30-nq-cp-2017", "Nghị quyết", "30/NQ-CP", "Chính phủ", 2017, "Phiên họp Chính phủ thường kỳ tháng 02 năm 2017"),
		c("43-tb-vpcp-2017", "Thông báo", "43/TB-VPCP", "Văn phòng Chính phủ", 2017, "Kết luận của Thủ tướng Chính phủ tại Hội nghị trực tuyến toàn quốc về công tác phòng, chống ma túy và cai nghiện ma túy"),
		c("245-kh-ubqg-bca-2017", "Kế hoạch", "245/KH-UBQG-BCA", "Ủy ban quốc gia phòng, chống AIDS và phòng, chống tệ nạn ma túy, mại dâm", 2017, "Thực hiện Chương trình phòng, chống ma túy đến năm 2020"),
		c("2596-qd-ttg-2013", "Quyết định", "2596/QĐ-TTg", "Thủ tướng Chính phủ", 2013, "Phê duyệt Đề án đổi mới công tác cai nghiện ma túy ở Việt Nam đến năm 2020"),
		c("12-kh-ubnd-2015", "Kế hoạch", "12/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", 2015, "Thực hiện Đề án đổi mới công tác cai nghiện ma túy trên địa bàn tỉnh"),
	}
}

// fixtures are small documents that test one rule each.
func fixtures() []Doc {
	return []Doc{
		// Exact-accent ranking: "ma", "mã", "má" fold to the same word.
		{Slug: "fx-ma", Type: "Bài viết", Year: 2024, Title: "Con ma trong truyện cổ tích", URL: "/bai-viet/fx-ma",
			Sections: []Section{{Anchor: "p1", Text: "Truyện kể về con ma ở đầu làng."}}},
		{Slug: "fx-ma-nga", Type: "Bài viết", Year: 2024, Title: "Mã số hồ sơ trực tuyến", URL: "/bai-viet/fx-ma-nga",
			Sections: []Section{{Anchor: "p1", Text: "Mỗi hồ sơ có một mã riêng."}}},
		{Slug: "fx-ma-sac", Type: "Bài viết", Year: 2024, Title: "Má tôi kể chuyện", URL: "/bai-viet/fx-ma-sac",
			Sections: []Section{{Anchor: "p1", Text: "Má dặn con tránh xa cám dỗ."}}},
		// New-style tone placement and NFD text (as a Mac or iPhone sends it).
		{Slug: "fx-hoa-nhap", Type: "Bài viết", Year: 2025, Title: "Giúp người sau cai nghiện tái hoà nhập", URL: "/bai-viet/fx-hoa-nhap",
			Sections: []Section{{Anchor: "p1", Heading: "Hoà nhập cộng đồng", Text: norm.NFD.String("Đưa người sau cai trở về với gia đình, hoà nhập, thoát khỏi ma tuý.")}}},
		// Shares the parts 424 and QĐ-TTg with 424/QĐ-TTg but is another text.
		{Slug: "fx-425-qd-ttg", Type: "Quyết định", Number: "425/QĐ-TTg", Issuer: "Thủ tướng Chính phủ", Year: 2019,
			Title: "Về một việc khác, có 424 trường hợp được nêu", URL: "/van-ban/fx-425-qd-ttg"},
		// Cites 25/CT-TTg in a short body: ranks below the plan, which
		// carries the directive out (its title names it).
		{Slug: "fx-cites-25", Type: "Bài viết", Year: 2026, Title: "Ba mục tiêu giảm", URL: "/bai-viet/fx-cites-25",
			Sections: []Section{{Anchor: "p1", Text: "Chỉ thị số 25/CT-TTg yêu cầu giảm cung và giảm cầu."}}},
		// HTML-looking text must come back escaped.
		{Slug: "fx-html", Type: "Bài viết", Year: 2023, Title: "Cảnh báo <script> độc hại trong tin nhắn lừa đảo", URL: "/bai-viet/fx-html",
			Sections: []Section{{Anchor: "p1", Text: "Đừng bấm vào <b>liên kết</b> & đừng cài ứng dụng lạ."}}},
		// Synonyms and other spellings (data/synonyms.txt).
		{Slug: "fx-heroin-vi", Type: "Bài viết", Year: 2022, Title: "Tác hại của chất dạng thuốc phiện", URL: "/bai-viet/fx-heroin-vi",
			Sections: []Section{{Anchor: "p1", Text: "Hê-rô-in rất độc. Ma túy không quý như đá quý."}}},
		{Slug: "fx-heroin-en", Type: "Bài viết", Year: 2022, Title: "Những chất bị cấm", URL: "/bai-viet/fx-heroin-en",
			Sections: []Section{{Anchor: "p1", Text: "Heroin và methamphetamine là chất bị cấm."}}},
	}
}

// corpus is the plan, its catalogue and the fixtures.
func corpus(t testing.TB) []Doc {
	docs := append([]Doc{seedPlan(t)}, catalogue()...)
	return append(docs, fixtures()...)
}

// fixtures15 are the documents of the issue 15 search cases
// (testdata/relevance-bleve.txt), searched together with corpus.
func fixtures15() []Doc {
	return []Doc{
		// Issue 15 point 7: a number with its year but no code ("144/2021").
		{Slug: "fx-nd-144", Type: "Nghị định", Number: "144/2021/NĐ-CP", Issuer: "Chính phủ", Year: 2021,
			Title: "Quy định xử phạt vi phạm hành chính trong lĩnh vực an ninh, trật tự, an toàn xã hội", URL: "/van-ban/fx-nd-144"},
		{Slug: "fx-cites-144", Type: "Bài viết", Year: 2022, Title: "Mức phạt mới đối với hành vi gây rối", URL: "/bai-viet/fx-cites-144",
			Sections: []Section{{Anchor: "p1", Text: "Theo Nghị định số 144/2021/NĐ-CP, hành vi gây rối nơi công cộng bị phạt tiền."}}},
		{Slug: "fx-kh-17", Type: "Kế hoạch", Number: "17/KH-UBND", Issuer: "Ủy ban nhân dân huyện Vũ Thư", Year: 2021,
			Title: "Tuyên truyền pháp luật ở cơ sở", URL: "/van-ban/fx-kh-17"},
		{Slug: "fx-date-2021", Type: "Bài viết", Year: 2021, Title: "Hội nghị sơ kết ngày 14/9/2021", URL: "/bai-viet/fx-date-2021",
			Sections: []Section{{Anchor: "p1", Text: "Ngày 14/9/2021 có 144 đại biểu dự hội nghị; năm 2021 là năm đầu của kế hoạch."}}},
		// Issue 15 point 8: a law's whole name, against texts that mention
		// it more often; two words together against the same words apart.
		{Slug: "fx-luat-xlvphc", Type: "Luật", Number: "15/2012/QH13", Issuer: "Quốc hội", Year: 2012,
			Title: "Xử lý vi phạm hành chính", URL: "/van-ban/fx-luat-xlvphc"},
		{Slug: "fx-about-luat-1", Type: "Bài viết", Year: 2022, Title: "Tìm hiểu Luật Xử lý vi phạm hành chính", URL: "/bai-viet/fx-about-luat-1",
			Sections: []Section{{Anchor: "p1", Text: "Luật Xử lý vi phạm hành chính được sửa đổi. Luật Xử lý vi phạm hành chính quy định các biện pháp xử lý hành chính."}}},
		{Slug: "fx-about-luat-2", Type: "Bài viết", Year: 2023, Title: "Hỏi đáp Luật Xử lý vi phạm hành chính", URL: "/bai-viet/fx-about-luat-2",
			Sections: []Section{{Anchor: "p1", Text: "Theo Luật Xử lý vi phạm hành chính, vi phạm hành chính bị xử lý kịp thời."}}},
		{Slug: "fx-diem-nong", Type: "Bài viết", Year: 2024, Title: "Xóa một điểm nóng ở khu dân cư", URL: "/bai-viet/fx-diem-nong",
			Sections: []Section{{Anchor: "p1", Text: "Công an xã đã xóa điểm nóng sau ba tháng."}}},
		{Slug: "fx-diem-xa", Type: "Bài viết", Year: 2024, Title: "Điểm danh học sinh ngày nóng", URL: "/bai-viet/fx-diem-xa",
			Sections: []Section{{Anchor: "p1", Text: "Điểm số tốt. Trời nóng. Điểm danh xong thì nắng nóng hơn."}}},
		// Issue 15 point 10: "tội phạm", for Telex and VNI left-overs.
		{Slug: "fx-toi-pham", Type: "Bài viết", Year: 2024, Title: "Đấu tranh với tội phạm trên tuyến biên giới", URL: "/bai-viet/fx-toi-pham",
			Sections: []Section{{Anchor: "p1", Text: "Lực lượng biên phòng bắt giữ nhiều đối tượng phạm tội."}}},
	}
}
