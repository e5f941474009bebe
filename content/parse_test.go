package content

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

const seedPath = "corpus/van-ban/000_abb619c17dc6a783.txt"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// want is what Parse must extract from one document.
type want struct {
	slug, typ, number, issuer, place string
	issued                           time.Time
	title                            string
	preamble                         int
	anchors                          []string // anchors that must exist
	sig                              Signature
	citations                        []string // numbers, in order
	notInText                        []string // debris that must be dropped
}

func TestParseDocuments(t *testing.T) {
	tests := []struct {
		file string
		want want
	}{
		{seedPath, want{
			slug: "53-kh-ubnd-2017", typ: TypePlan, number: "53/KH-UBND",
			issuer: "Ủy ban nhân dân tỉnh Thái Bình", place: "Thái Bình", issued: date(2017, 9, 14),
			title:    "Thực hiện Chỉ thị số 25/CT-TTg ngày 05/6/2017 của Thủ tướng Chính phủ về tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới",
			preamble: 1,
			anchors:  []string{"muc-i", "muc-i-1", "muc-i-2-3", "muc-ii-6", "muc-iii", "muc-iii-2", "muc-iii-2-3", "muc-iii-13-3", "muc-iv-2"},
			sig:      Signature{Authority: "KT. CHỦ TỊCH"},
			citations: []string{"25/CT-TTg", "95-KL/TW", "21-CT/TW", "98/NQ-CP", "424/QĐ-TTg", "30/NQ-CP",
				"43/TB-VPCP", "245/KH-UBQG-BCA", "2596/QĐ-TTg", "12/KH-UBND"},
			notInText: []string{"Ý kiến bạn đọc", "Nhấp vào nút", "micro", "nói không quá nhanh"},
		}},
		{"testdata/quyet-dinh-424-qd-ttg.txt", want{
			slug: "424-qd-ttg-2017", typ: TypeDecision, number: "424/QĐ-TTg",
			issuer: "Thủ tướng Chính phủ", place: "Hà Nội", issued: date(2017, 4, 7),
			title:     "Phê duyệt Chương trình phòng, chống ma túy đến năm 2020",
			preamble:  3, // THỦ TƯỚNG CHÍNH PHỦ, Căn cứ …, QUYẾT ĐỊNH:
			anchors:   []string{"dieu-1", "dieu-1-1", "dieu-1-1-a", "dieu-1-1-b", "dieu-1-2-2", "dieu-3"},
			sig:       Signature{Authority: "KT. THỦ TƯỚNG", Position: "PHÓ THỦ TƯỚNG", Signer: "Nguyễn Văn A"},
			notInText: []string{"Chia sẻ", "Facebook", "Tệp kiểm thử", "Nơi nhận", "Lưu: VT"},
		}},
		{"testdata/nghi-dinh-94-2010-nd-cp.txt", want{
			slug: "94-2010-nd-cp", typ: TypeDecree, number: "94/2010/NĐ-CP",
			issuer: "Chính phủ", place: "Hà Nội", issued: date(2010, 9, 9),
			title:     "Quy định về tổ chức cai nghiện ma túy tại gia đình, cai nghiện ma túy tại cộng đồng",
			preamble:  3,
			anchors:   []string{"chuong-i", "dieu-1", "dieu-2", "chuong-ii", "dieu-3", "dieu-3-2"},
			sig:       Signature{Authority: "TM. CHÍNH PHỦ", Position: "THỦ TƯỚNG", Signer: "Nguyễn Văn A"},
			notInText: []string{"Nơi nhận", "Lưu: Văn thư", "Tệp kiểm thử"},
		}},
		{"testdata/luat-23-2000-qh10.txt", want{
			slug: "23-2000-qh10", typ: TypeLaw, number: "23/2000/QH10",
			issuer: "Quốc hội", place: "", issued: date(2000, 12, 9),
			title:     "Phòng, chống ma túy",
			preamble:  1,
			anchors:   []string{"chuong-i", "dieu-1", "dieu-2-1", "dieu-2-2", "chuong-ii", "dieu-3"},
			sig:       Signature{Authority: "CHỦ TỊCH QUỐC HỘI", Signer: "Nguyễn Văn A"},
			notInText: []string{"Tệp kiểm thử"},
		}},
		{"testdata/chi-thi-25-ct-ttg.txt", want{
			slug: "25-ct-ttg-2017", typ: TypeDirective, number: "25/CT-TTg",
			issuer: "Thủ tướng Chính phủ", place: "Hà Nội", issued: date(2017, 6, 5),
			title:     "Về tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới",
			preamble:  1,
			anchors:   []string{"muc-1", "muc-2", "muc-2-1", "muc-2-2", "muc-3"},
			sig:       Signature{Authority: "THỦ TƯỚNG", Signer: "Nguyễn Văn A"},
			notInText: []string{"Bình luận", "Họ và tên", "Email", "Zalo", "Tệp kiểm thử"},
		}},
		{"testdata/ket-luan-95-kl-tw.txt", want{
			slug: "95-kl-tw-2014", typ: TypeConclusion, number: "95-KL/TW",
			issuer: "Ban Bí thư", place: "Hà Nội", issued: date(2014, 4, 2),
			title:     "Về tiếp tục thực hiện Chỉ thị số 21-CT/TW ngày 26/3/2008 của Bộ Chính trị về “Tiếp tục tăng cường lãnh đạo, chỉ đạo công tác phòng, chống và kiểm soát ma túy trong tình hình mới”",
			preamble:  1,
			anchors:   []string{"muc-1", "muc-2", "muc-3"},
			sig:       Signature{Authority: "T/M BAN BÍ THƯ", Signer: "Nguyễn Văn A"},
			citations: []string{"21-CT/TW"},
			notInText: []string{"Tệp kiểm thử"},
		}},
		{"testdata/thong-bao-43-tb-vpcp.txt", want{
			slug: "43-tb-vpcp-2017", typ: TypeNotice, number: "43/TB-VPCP",
			issuer: "Văn phòng Chính phủ", place: "Hà Nội", issued: date(2017, 1, 25),
			title:     "Kết luận của Thủ tướng Chính phủ Nguyễn Xuân Phúc tại Hội nghị trực tuyến toàn quốc về công tác phòng, chống ma túy và cai nghiện ma túy",
			preamble:  1,
			anchors:   []string{"muc-1", "muc-2"},
			sig:       Signature{Authority: "KT. BỘ TRƯỞNG, CHỦ NHIỆM", Position: "PHÓ CHỦ NHIỆM", Signer: "Nguyễn Văn A"},
			notInText: []string{"Tệp kiểm thử", "./."},
		}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			d, err := Parse(readFile(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("Slug", d.Slug, w.slug)
			check("Type", d.Type, w.typ)
			check("Number", d.Number, w.number)
			check("Issuer", d.Issuer, w.issuer)
			check("Place", d.Place, w.place)
			check("Title", d.Title, w.title)
			if !d.IssuedOn.Equal(w.issued) {
				t.Errorf("IssuedOn = %v, want %v", d.IssuedOn, w.issued)
			}
			if len(d.Preamble) != w.preamble {
				t.Errorf("Preamble has %d paragraphs, want %d: %q", len(d.Preamble), w.preamble, d.Preamble)
			}
			if !d.HasFullText {
				t.Error("HasFullText = false")
			}
			if d.Signature == nil {
				t.Fatal("no signature")
			}
			if *d.Signature != w.sig {
				t.Errorf("Signature = %+v, want %+v", *d.Signature, w.sig)
			}
			anchors := map[string]bool{}
			walkSections(d.Sections, func(s *Section) {
				if anchors[s.Anchor] {
					t.Errorf("duplicate anchor %q", s.Anchor)
				}
				anchors[s.Anchor] = true
			})
			for _, a := range w.anchors {
				if !anchors[a] {
					t.Errorf("anchor %q missing; have %v", a, anchors)
				}
			}
			var nums []string
			for _, c := range d.Citations {
				nums = append(nums, c.Number)
			}
			if strings.Join(nums, " ") != strings.Join(w.citations, " ") {
				t.Errorf("citations = %q, want %q", nums, w.citations)
			}
			for _, s := range w.notInText {
				if strings.Contains(d.Text, s) {
					t.Errorf("Text keeps %q", s)
				}
			}
			assertClean(t, d)
		})
	}
}

func walkSections(ss []Section, f func(*Section)) {
	for i := range ss {
		f(&ss[i])
		walkSections(ss[i].Children, f)
	}
}

// assertClean checks that every string of d is valid UTF-8 and NFC.
func assertClean(t testing.TB, d *Document) {
	t.Helper()
	var strs []string
	strs = append(strs, d.Slug, d.Type, d.Number, d.Issuer, d.Place, d.Title, d.Text)
	strs = append(strs, d.Preamble...)
	strs = append(strs, d.Recipients...)
	strs = append(strs, d.Warnings...)
	walkSections(d.Sections, func(s *Section) {
		strs = append(strs, s.Anchor, s.Marker, s.Heading)
		strs = append(strs, s.Paragraphs...)
	})
	if d.Signature != nil {
		strs = append(strs, d.Signature.Authority, d.Signature.Position, d.Signature.Signer)
	}
	for _, c := range d.Citations {
		strs = append(strs, c.Type, c.Number, c.Issuer, c.Subject, c.Slug)
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8: %q", s)
		}
		if !norm.NFC.IsNormalString(s) {
			t.Fatalf("not NFC: %q", s)
		}
	}
}

func TestParseSeedStructure(t *testing.T) {
	d, err := Parse(readFile(t, seedPath))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Sections) != 4 {
		t.Fatalf("top-level sections = %d, want 4 (I–IV)", len(d.Sections))
	}
	headings := []string{"MỤC ĐÍCH, YÊU CẦU", "NHIỆM VỤ GIẢI PHÁP TRỌNG TÂM", "PHÂN CÔNG NHIỆM VỤ", "TỔ CHỨC THỰC HIỆN"}
	children := []int{2, 6, 13, 2}
	for i, s := range d.Sections {
		if s.Heading != headings[i] || s.Level != 1 || len(s.Children) != children[i] {
			t.Errorf("section %d = %q level %d with %d parts, want %q level 1 with %d", i, s.Heading, s.Level, len(s.Children), headings[i], children[i])
		}
	}
	yc := d.Sections[0].Children[1]
	if yc.Heading != "Yêu cầu" || yc.Anchor != "muc-i-2" || len(yc.Children) != 3 || yc.Children[0].Marker != "-" || yc.Children[0].Level != 4 {
		t.Errorf("I.2 = %+v", yc)
	}
	// A long numbered paragraph is not a heading.
	ii1 := d.Sections[1].Children[0]
	if ii1.Heading != "" || len(ii1.Paragraphs) != 1 || !strings.HasPrefix(ii1.Paragraphs[0], "Tổ chức quán triệt") {
		t.Errorf("II.1 = heading %q paragraphs %d", ii1.Heading, len(ii1.Paragraphs))
	}
	if !strings.HasSuffix(d.Sections[3].Children[1].Paragraphs[0], "theo quy định.") {
		t.Errorf("end mark ./. not stripped: %q", d.Sections[3].Children[1].Paragraphs[0])
	}
	if !strings.HasPrefix(d.Preamble[0], "Thực hiện Chỉ thị số 25/CT-TTg") {
		t.Errorf("preamble = %q", d.Preamble)
	}
}

func TestParseSeedCitations(t *testing.T) {
	d, err := Parse(readFile(t, seedPath))
	if err != nil {
		t.Fatal(err)
	}
	want := []Citation{
		{TypeDirective, "25/CT-TTg", "Thủ tướng Chính phủ", date(2017, 6, 5), "tăng cường công tác phòng, chống và cai nghiện ma túy trong tình hình mới", "25-ct-ttg-2017"},
		{TypeConclusion, "95-KL/TW", "Ban Bí thư", date(2014, 4, 2), "tiếp tục thực hiện Chỉ thị số 21-CT/TW ngày 26/3/2008 của Bộ Chính trị về “Tiếp tục tăng cường lãnh đạo, chỉ đạo công tác phòng, chống và kiểm soát ma túy trong tình hình mới”", "95-kl-tw-2014"},
		{TypeDirective, "21-CT/TW", "Bộ Chính trị", date(2008, 3, 26), "Tiếp tục tăng cường lãnh đạo, chỉ đạo công tác phòng, chống và kiểm soát ma túy trong tình hình mới", "21-ct-tw-2008"},
		{TypeResolution, "98/NQ-CP", "Chính phủ", date(2014, 12, 26), "tăng cường chỉ đạo công tác phòng, chống, kiểm soát và cai nghiện ma túy trong tình hình mới", "98-nq-cp-2014"},
		{TypeDecision, "424/QĐ-TTg", "Thủ tướng Chính phủ", date(2017, 4, 7), "Chương trình phòng, chống ma túy đến năm 2020", "424-qd-ttg-2017"},
		{TypeResolution, "30/NQ-CP", "Chính phủ", date(2017, 3, 7), "", "30-nq-cp-2017"},
		{TypeNotice, "43/TB-VPCP", "", date(2017, 1, 25), "công tác phòng, chống ma túy và cai nghiện ma túy", "43-tb-vpcp-2017"},
		{TypePlan, "245/KH-UBQG-BCA", "Ủy ban quốc gia phòng, chống AIDS và phòng, chống tệ nạn ma túy, mại dâm", date(2017, 8, 18), "thực hiện Chương trình phòng, chống ma túy đến năm 2020", "245-kh-ubqg-bca-2017"},
		{TypeDecision, "2596/QĐ-TTg", "Thủ tướng Chính phủ", date(2013, 12, 27), "", "2596-qd-ttg-2013"},
		{TypePlan, "12/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", date(2015, 3, 9), "", "12-kh-ubnd-2015"},
	}
	if len(d.Citations) != len(want) {
		t.Fatalf("got %d citations, want exactly %d: %+v", len(d.Citations), len(want), d.Citations)
	}
	for i, w := range want {
		g := d.Citations[i]
		if g.Type != w.Type || g.Number != w.Number || g.Issuer != w.Issuer || !g.IssuedOn.Equal(w.IssuedOn) || g.Subject != w.Subject || g.Slug != w.Slug {
			t.Errorf("citation %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty", nil, ErrEmpty},
		{"blank", []byte(" \r\n\t\n\uFEFF"), ErrEmpty},
		{"no type", readFile(t, "testdata/no-type.txt"), ErrNoType},
		{"prose", []byte("Đây là một đoạn văn bình thường, không phải văn bản hành chính."), ErrNoNumber},
		{"too large", make([]byte, MaxDocumentBytes+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.input)
			if !errors.Is(err, tt.want) || d != nil {
				t.Fatalf("Parse = %v, %v; want nil, %v", d, err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Field == "" {
				t.Errorf("error %v is not a *ParseError with a field", err)
			}
		})
	}
}

// A document whose header has no number is imported without one (issue
// 15, point 1): slug from its type, date and title, and a warning.
func TestParseNoNumberImportsWithWarning(t *testing.T) {
	d, err := Parse(readFile(t, "testdata/no-number.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != "" || d.Slug != "ke-hoach-2017-09-14-tep-kiem-thu-thieu-so-hieu" || d.Type != TypePlan || d.Issuer != "Ủy ban nhân dân tỉnh Thái Bình" {
		t.Errorf("got number %q slug %q type %q issuer %q", d.Number, d.Slug, d.Type, d.Issuer)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "không đọc được số hiệu") || !strings.Contains(d.Warnings[0], d.Slug) {
		t.Errorf("Warnings = %q", d.Warnings)
	}
}

// The same document in NFD with CRLF and a BOM parses to the same result.
func TestParseNormalisesInput(t *testing.T) {
	seed := readFile(t, seedPath)
	want, err := Parse(seed)
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string][]byte{
		"NFD":        norm.NFD.Bytes(seed),
		"CRLF+BOM":   append([]byte("\uFEFF"), []byte(strings.ReplaceAll(string(seed), "\n", "\r\n"))...),
		"NFD+CR":     []byte(strings.ReplaceAll(norm.NFD.String(string(seed)), "\n", "\r")),
		"whitespace": []byte(strings.ReplaceAll(strings.ReplaceAll(string(seed), "\n", "  \n\t"), " ", " \u00A0")),
	}
	for name, in := range variants {
		t.Run(name, func(t *testing.T) {
			got, err := Parse(in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != want.Title || got.Issuer != want.Issuer || got.Text != want.Text || got.Slug != want.Slug || len(got.Citations) != len(want.Citations) {
				t.Errorf("differs from NFC/LF parse:\n title %q\n issuer %q\n citations %d", got.Title, got.Issuer, len(got.Citations))
			}
			assertClean(t, got)
		})
	}
}

func TestParseHeaderShapes(t *testing.T) {
	tests := []struct {
		name, text                      string
		number, issuer, place, date, ty string
	}{
		{"abbreviated UBND, one cell with number and date",
			"UBND TỈNH THÁI BÌNH\nSố: 7/QĐ-UBND Thái Bình, ngày 3/2/2020\nQUYẾT ĐỊNH\nVỀ VIỆC THỬ\nNội dung.",
			"7/QĐ-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "Thái Bình", "2020-02-03", TypeDecision},
		{"department under a province",
			"UBND TỈNH THÁI BÌNH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSỞ Y TẾ | Độc lập - Tự do - Hạnh phúc\nSố: 12/KH-SYT | Thái Bình, ngày 01 tháng 3 năm 2018\nKẾ HOẠCH\nTHỬ\nNội dung.",
			"12/KH-SYT", "Sở Y tế tỉnh Thái Bình", "Thái Bình", "2018-03-01", TypePlan},
		{"ministry over two lines",
			"BỘ LAO ĐỘNG - THƯƠNG BINH | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVÀ XÃ HỘI | Độc lập - Tự do - Hạnh phúc\nSố: 14/2015/TT-BLĐTBXH | Hà Nội, ngày 02 tháng 4 năm 2015\nTHÔNG TƯ\nTHỬ\nNội dung.",
			"14/2015/TT-BLĐTBXH", "Bộ Lao động - Thương binh và Xã hội", "Hà Nội", "2015-04-02", TypeCircular},
		{"centrally-run city, short date",
			"ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 5/CT-UBND | Hà Nội, 20/10/2019\nCHỈ THỊ\nTHỬ\nNội dung.",
			"5/CT-UBND", "Ủy ban nhân dân thành phố Hà Nội", "Hà Nội", "2019-10-20", TypeDirective},
		{"TP. abbreviation",
			"ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 9/KH-UBND | TP. Hồ Chí Minh, ngày 5 tháng 5 năm 2021\nKẾ HOẠCH\nTHỬ\nNội dung.",
			"9/KH-UBND", "Ủy ban nhân dân thành phố Hồ Chí Minh", "TP. Hồ Chí Minh", "2021-05-05", TypePlan},
		{"table lost: issuer, motto, number, place and date run together",
			"ỦY BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH THÁI BÌNH Độc lập - Tự do - Hạnh phúc\nSố: 8/KH-UBND Thái Bình, ngày 2 tháng 3 năm 2018\nKẾ HOẠCH\nTHỬ\nNội dung.",
			"8/KH-UBND", "Ủy ban nhân dân tỉnh Thái Bình", "Thái Bình", "2018-03-02", TypePlan},
		{"issuer and date in one cell, heading not in capitals",
			"CHÍNH PHỦ Hà Nội, ngày 09 tháng 9 năm 2010\nSố: 4/2010/NĐ-CP\nNghị định\nThử\nNội dung.",
			"4/2010/NĐ-CP", "Chính phủ", "Hà Nội", "2010-09-09", TypeDecree},
		{"resolution heading with title on the same line",
			"HỘI ĐỒNG NHÂN DÂN TỈNH THÁI BÌNH\nSố: 3/NQ-HĐND | Thái Bình, ngày 10 tháng 7 năm 2019\nNGHỊ QUYẾT VỀ VIỆC THỬ\nNội dung.",
			"3/NQ-HĐND", "Hội đồng nhân dân tỉnh Thái Bình", "Thái Bình", "2019-07-10", TypeResolution},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if d.Number != tt.number || d.Issuer != tt.issuer || d.Place != tt.place || d.IssuedOn.Format("2006-01-02") != tt.date || d.Type != tt.ty {
				t.Errorf("got %q | %q | %q | %s | %q", d.Number, d.Issuer, d.Place, d.IssuedOn.Format("2006-01-02"), d.Type)
			}
		})
	}
}

func TestParseInvalidDateIgnored(t *testing.T) {
	d, err := Parse([]byte("ỦY BAN NHÂN DÂN\nSố: 1/KH-UBND | Thái Bình, ngày 31 tháng 2 năm 2017\nKẾ HOẠCH\nTHỬ\nNội dung."))
	if err != nil {
		t.Fatal(err)
	}
	if !d.IssuedOn.IsZero() || d.Slug != "1-kh-ubnd" {
		t.Errorf("IssuedOn = %v, Slug = %q; want zero date and slug without year", d.IssuedOn, d.Slug)
	}
}

func TestParseBodyShapes(t *testing.T) {
	text := `QUỐC HỘI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Luật số: 1/2099/QH99 | Hà Nội, ngày 01 tháng 01 năm 2000
LUẬT
THỬ
Căn cứ Hiến pháp, dòng này bị ngắt
giữa chừng khi chép từ PDF;
Chương I
QUY ĐỊNH CHUNG
Mục 1
TÊN MỤC
Điều 1. Tên điều
1. Khoản một bị ngắt
ở giữa câu.
a) Điểm a
* Gạch đầu dòng bằng dấu sao
· Và bằng dấu chấm giữa
Mục 2
Điều 2. Tên điều hai
`
	d, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Preamble) != 1 || d.Preamble[0] != "Căn cứ Hiến pháp, dòng này bị ngắt giữa chừng khi chép từ PDF;" {
		t.Errorf("Preamble = %q", d.Preamble)
	}
	var got []string
	walkSections(d.Sections, func(s *Section) {
		got = append(got, s.Anchor+"|"+s.Heading+"|"+strings.Join(s.Paragraphs, "/"))
	})
	want := []string{
		"chuong-i|QUY ĐỊNH CHUNG|",
		"chuong-i-muc-1|TÊN MỤC|",
		"dieu-1|Tên điều|",
		"dieu-1-1|Khoản một bị ngắt ở giữa câu.|",
		"dieu-1-1-a|Điểm a|",
		"dieu-1-1-a-1||Gạch đầu dòng bằng dấu sao",
		"dieu-1-1-a-2||Và bằng dấu chấm giữa",
		"chuong-i-muc-2||",
		"dieu-2|Tên điều hai|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sections:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Shapes met in provincial and joint texts. Numbers and contents are
// fictitious (test fixtures).
func TestParseMoreShapes(t *testing.T) {
	t.Run("decision of a provincial chairman", func(t *testing.T) {
		d, err := Parse(readFile(t, "testdata/quyet-dinh-ubnd-gia-dinh.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Slug != "9999-qd-ubnd-2019" || d.Issuer != "Ủy ban nhân dân tỉnh Thái Bình" || d.Title != "Về việc ban hành quy chế (tệp kiểm thử)" || len(d.Preamble) != 4 {
			t.Errorf("got %q %q %q preamble %q", d.Slug, d.Issuer, d.Title, d.Preamble)
		}
		want := Signature{Authority: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", Position: "PHÓ CHỦ TỊCH", Signer: "Nguyễn Văn B"}
		if d.Signature == nil || *d.Signature != want {
			t.Errorf("signature %+v", d.Signature)
		}
		if len(d.Citations) != 1 || d.Citations[0].Slug != "424-qd-ttg-2017" {
			t.Errorf("citations %+v", d.Citations)
		}
		if strings.Contains(d.Text, "Tin liên quan") {
			t.Error("debris kept")
		}
	})
	t.Run("resolution of a People's Council, title over two lines", func(t *testing.T) {
		d, err := Parse([]byte("HỘI ĐỒNG NHÂN DÂN | CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nTỈNH THÁI BÌNH | Độc lập - Tự do - Hạnh phúc\nSố: 99/2017/NQ-HĐND | Thái Bình, ngày 14 tháng 12 năm 2017\nNGHỊ QUYẾT\nQUY ĐỊNH CHÍNH SÁCH HỖ TRỢ (TỆP KIỂM THỬ)\nTRÊN ĐỊA BÀN TỈNH THÁI BÌNH\nHỘI ĐỒNG NHÂN DÂN TỈNH THÁI BÌNH\nQUYẾT NGHỊ:\nĐiều 1. Thử\nCHỦ TỊCH\nNguyễn Văn C\n"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Slug != "99-2017-nq-hdnd" || d.Issuer != "Hội đồng nhân dân tỉnh Thái Bình" || d.Title != "Quy định chính sách hỗ trợ (tệp kiểm thử) trên địa bàn tỉnh Thái Bình" {
			t.Errorf("got %q %q %q", d.Slug, d.Issuer, d.Title)
		}
	})
	t.Run("joint circular", func(t *testing.T) {
		d, err := Parse([]byte("BỘ CÔNG AN - BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 99/2015/TTLT-BCA-BLĐTBXH | Hà Nội, ngày 22 tháng 4 năm 2015\nTHÔNG TƯ LIÊN TỊCH\nQuy định thử (tệp kiểm thử)\nCăn cứ Nghị định số 94/2010/NĐ-CP ngày 09/9/2010 của Chính phủ quy định về tổ chức cai nghiện ma túy tại gia đình, cai nghiện ma túy tại cộng đồng;\nĐiều 1. Thử\n"))
		if err != nil {
			t.Fatal(err)
		}
		if d.Type != TypeCircular || d.Issuer != "Bộ Công an - Bộ Lao động - Thương binh và Xã hội" || d.Title != "Quy định thử (tệp kiểm thử)" || d.Slug != "99-2015-ttlt-bca-bldtbxh" {
			t.Errorf("got %q %q %q %q", d.Type, d.Issuer, d.Title, d.Slug)
		}
		if len(d.Citations) != 1 || d.Citations[0].Issuer != "Chính phủ" || d.Citations[0].Subject != "tổ chức cai nghiện ma túy tại gia đình, cai nghiện ma túy tại cộng đồng" {
			t.Errorf("citations %+v", d.Citations)
		}
	})
}

func TestParseWebPageAboveHeader(t *testing.T) {
	text := "TRANG CHỦ\nGIỚI THIỆU\nTIN TỨC\nVĂN BẢN\nCập nhật: 15/9/2017 10:20\nLượt xem: 120\n" + string(readFile(t, seedPath))
	d, err := Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if d.Issuer != "Ủy ban nhân dân tỉnh Thái Bình" || d.IssuedOn.Format("2006-01-02") != "2017-09-14" || d.Slug != "53-kh-ubnd-2017" {
		t.Errorf("got %q %s %q", d.Issuer, d.IssuedOn.Format("2006-01-02"), d.Slug)
	}
}
