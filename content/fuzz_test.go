package content

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// addCorpusSeeds seeds with the fixtures and a shortened seed plan (its
// header, first parts, citations, section III.3 and the signature with
// the debris after it): small inputs keep the fuzzer fast, and the whole
// seed is covered by the unit tests.
func addCorpusSeeds(f *testing.F) {
	f.Helper()
	files, _ := filepath.Glob("testdata/*.txt")
	kinds, _ := filepath.Glob("testdata/kinds/*/*.txt")
	for _, p := range append(files, kinds...) {
		f.Add(readFile(f, p))
	}
	// The shapes of issue 15, short: a number with a letter, a công văn,
	// laws named before their number or year, tabs, labels with counts.
	f.Add([]byte("UBND\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 17b/KH-UBND\tThái Bình, ngày 1 tháng 2 năm 2022\nV/v thử\nnối dòng\nKính gửi:\n- A;\n- B.\nLuật Phòng, chống ma túy năm 2021; Bộ luật Hình sự số 100/2015/QH13.\nNơi nhận:\t\tKT. CHỦ TỊCH\n\t\tNguyễn Văn A\nChia sẻ (12)\nSố lượt truy cập: 3.402\n"))
	f.Add([]byte("Ngày cập nhật: 04/7/2019 - 10:20\nỦy ban nhân dân huyện X | Cộng hòa xã hội chủ nghĩa Việt Nam\nSố: ……/KH-UBND | X, ngày   tháng 6 năm 2019\nKế hoạch\nThử\n——\nCăn cứ Luật A, Luật B ngày 1 tháng 2 năm 2015;\n"))
	f.Add([]byte("BAN CHỈ ĐẠO 389\nVÀ DU LỊCH\n_____\nSố: 5a/QĐ-CAT\nQUYẾT ĐỊNH\nV/v\nKính gửi\n"))
	lines := strings.Split(string(readFile(f, seedPath)), "\n")
	var short []string
	for i, l := range lines {
		if i < 12 || strings.HasPrefix(l, "II.") || strings.HasPrefix(l, "III.") || strings.HasPrefix(l, "3. Sở Y tế") || i >= len(lines)-6 {
			short = append(short, l)
		}
	}
	shortSeed := strings.Join(short, "\n")
	f.Add([]byte(shortSeed))
	f.Add(norm.NFD.Bytes([]byte(shortSeed)))
	f.Add([]byte(""))
	f.Add([]byte("KẾ HOẠCH\nSố: 1/KH-X\n"))
	f.Add([]byte("Số: 1/KH-X | ngày 31 tháng 2 năm 2017\nLUẬT\nI.\n1.\na)\n-\n+\nChương V\nĐiều 9.\n| KT. CHỦ TỊCH |\n"))
}

// FuzzParse: Parse never panics; on success every string is valid UTF-8
// and NFC, anchors are unique and the document has a type and a slug, and a
// number unless it carries a warning that it has none.
func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		if err != nil {
			if d != nil {
				t.Fatal("document returned with an error")
			}
			return
		}
		assertClean(t, d)
		if d.Type == "" || d.Slug == "" || (d.Number == "") != (len(d.Warnings) > 0) {
			t.Fatalf("incomplete document: %q %q %q, warnings %q", d.Number, d.Type, d.Slug, d.Warnings)
		}
		seen := map[string]bool{}
		walkSections(d.Sections, func(s *Section) {
			if s.Anchor == "" || seen[s.Anchor] {
				t.Fatalf("empty or duplicate anchor %q", s.Anchor)
			}
			seen[s.Anchor] = true
		})
		for _, c := range d.Citations {
			if numberKey(c.Number) == numberKey(d.Number) {
				t.Fatalf("document cites itself: %s", c.Number)
			}
		}
	})
}

// FuzzExtractCitations: no panic, valid NFC output, one citation per
// number, every number shaped like a số hiệu.
func FuzzExtractCitations(f *testing.F) {
	f.Add("Kết luận số 95-KL/TW ngày 02/4/2014 của Ban Bí thư về tiếp tục thực hiện Chỉ thị số 21-CT/TW ngày 26/3/2008 của Bộ Chính trị về “Tiếp tục”;")
	f.Add("Quyết định số 424/QĐ-TTg của Thủ tướng Chính phủ ngày 07/4/2017 về Chương trình")
	f.Add("Thông báo kết luận số 43/TB-VPCP ngày 25/01/2017 của Thủ tướng Chính phủ")
	f.Add("Luật 23/2000/QH10, Nghị định 94/2010/NĐ-CP ngày 09 tháng 9 năm 2010 của")
	f.Add("Nghị quyết số 30/NQ-CP ngày 07/3/2017 phiên họp thường kỳ tháng 02 năm 2017 của Chính phủ; Kế hoạch số 245/KH-UBQG-BCA ngày 18/8/2017 của Ủy ban quốc gia phòng, chống AIDS và phòng, chống tệ nạn ma túy, mại dâm về thực hiện Chương trình.")
	f.Add("Căn cứ Luật Xử lý vi phạm hành chính số 15/2012/QH13, được sửa đổi, bổ sung bởi Luật số 67/2020/QH14; Luật Phòng, chống ma túy năm 2021; Bộ luật Hình sự năm 2015 (sửa đổi, bổ sung năm 2017);")
	f.Add("Luật sửa đổi, bổ sung một số điều của Luật Xử lý vi phạm hành chính năm 2020; Công văn số 1456/UBND-NC ngày 25/6/2020; Kế hoạch số 12a/KH-UBND, Ủy ban nhân dân huyện ban hành")
	f.Add("Nghị định số 116/2021/NĐ-CP ngày 21/12/2021 của Chính phủ quy định chi tiết một số điều của Luật Phòng, chống ma túy, Luật Xử lý vi phạm hành chính về cai nghiện ma túy;")
	f.Fuzz(func(t *testing.T, s string) {
		cs := ExtractCitations(s)
		seen := map[string]bool{}
		for _, c := range cs {
			for _, v := range []string{c.Type, c.Number, c.Issuer, c.Subject, c.Slug} {
				if !utf8.ValidString(v) || !norm.NFC.IsNormalString(v) {
					t.Fatalf("invalid or non-NFC %q", v)
				}
			}
			if !looksLikeNumber(c.Number) {
				t.Fatalf("not a number: %q", c.Number)
			}
			k := numberKey(c.Number)
			if seen[k] {
				t.Fatalf("duplicate %q", c.Number)
			}
			seen[k] = true
		}
	})
}

// FuzzSlug: the slug holds only lower-case letters, digits and single
// inner dashes, is NFC, and is stable under Slug itself.
func FuzzSlug(f *testing.F) {
	for _, n := range []string{"25/CT-TTg", "95-KL/TW", "94/2010/NĐ-CP", "23/2000/QH10", "", "--", "ẤỚỨỆđĐ"} {
		f.Add(n, 2017)
	}
	f.Fuzz(func(t *testing.T, number string, year int) {
		s := Slug(number, year)
		if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
			t.Fatalf("invalid or non-NFC slug %q", s)
		}
		if s == "" {
			return
		}
		if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Fatalf("bad dashes in %q", s)
		}
		for _, r := range s {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				t.Fatalf("bad rune %q in %q", r, s)
			}
			if unicode.ToLower(r) != r || r == 'đ' {
				t.Fatalf("not folded: %q", s)
			}
		}
		if again := Slug(s, 0); again != s {
			t.Fatalf("Slug(%q) = %q, not stable", s, again)
		}
	})
}
