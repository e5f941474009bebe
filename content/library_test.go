package content

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/text/unicode/norm"
)

func loadCorpus(t testing.TB, importDir string) *Library {
	t.Helper()
	l, err := Load(Corpus, importDir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var citedSlugs = []string{
	"12-kh-ubnd-2015", "21-ct-tw-2008", "245-kh-ubqg-bca-2017", "25-ct-ttg-2017", "2596-qd-ttg-2013",
	"30-nq-cp-2017", "424-qd-ttg-2017", "43-tb-vpcp-2017", "95-kl-tw-2014", "98-nq-cp-2014",
}

func TestLoadCorpus(t *testing.T) {
	l := loadCorpus(t, filepath.Join(t.TempDir(), "missing"))
	if len(l.Warnings) != 0 {
		t.Errorf("warnings: %v", l.Warnings)
	}
	if l.PlanSlug() != "53-kh-ubnd-2017" {
		t.Fatalf("PlanSlug = %q", l.PlanSlug())
	}
	plan, ok := l.Document(l.PlanSlug())
	if !ok || !plan.HasFullText {
		t.Fatal("plan missing or without full text")
	}
	if strings.Join(plan.Cites, " ") != strings.Join(citedSlugs, " ") {
		t.Errorf("plan.Cites = %q\nwant %q", plan.Cites, citedSlugs)
	}
	if len(plan.CitedBy) != 0 {
		t.Errorf("plan.CitedBy = %q", plan.CitedBy)
	}
	docs := l.Documents()
	if len(docs) != 17 {
		t.Fatalf("Documents() has %d, want 17 (plan + 10 cited + 6 laws and decrees of the catalogue)", len(docs))
	}
	for _, s := range citedSlugs {
		d, ok := l.Document(s)
		if !ok {
			t.Errorf("cited %s not in library", s)
			continue
		}
		if d.HasFullText {
			t.Errorf("%s: HasFullText = true for a catalogue record", s)
		}
		if strings.Join(d.CitedBy, " ") != "53-kh-ubnd-2017" {
			t.Errorf("%s: CitedBy = %q", s, d.CitedBy)
		}
		if d.Issuer == "" || d.IssuedOn.IsZero() || d.Type == "" {
			t.Errorf("%s: incomplete facts %+v", s, d)
		}
	}
	// Sorted by date of issue, newest first.
	for i := 1; i < len(docs); i++ {
		if docs[i].IssuedOn.After(docs[i-1].IssuedOn) {
			t.Errorf("Documents not sorted: %s before %s", docs[i-1].Slug, docs[i].Slug)
		}
	}
	if docs[0].Slug != "116-2021-nd-cp" || docs[len(docs)-1].Slug != "23-2000-qh10" {
		t.Errorf("first %s last %s", docs[0].Slug, docs[len(docs)-1].Slug)
	}
	// The catalogue's facts, where the plan says nothing of the issuer.
	tb, _ := l.Document("43-tb-vpcp-2017")
	if tb.Issuer != "Văn phòng Chính phủ" || tb.Type != TypeNotice {
		t.Errorf("43/TB-VPCP = %q %q", tb.Issuer, tb.Type)
	}
	// Every citation of the plan is resolved to a document of the library.
	for _, c := range plan.Citations {
		if _, ok := l.Document(c.Slug); !ok {
			t.Errorf("citation %s resolved to unknown slug %q", c.Number, c.Slug)
		}
	}
}

func TestAssignments(t *testing.T) {
	l := loadCorpus(t, "")
	as := l.Assignments()
	wantAgencies := []string{
		"Sở Lao động Thương binh và Xã hội", "Công an tỉnh", "Sở Y tế", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
		"Bộ Chỉ huy Quân sự tỉnh", "Sở Thông tin và Truyền thông", "Sở Văn hóa, Thể thao và du lịch",
		"Sở Nông nghiệp và Phát triển nông thôn", "Sở Công Thương", "Sở Tài chính", "Sở Kế hoạch và Đầu tư",
		"Ủy ban Mặt trận Tổ quốc và các tổ chức thành viên", "Ủy ban nhân dân các huyện, thành phố",
	}
	wantTasks := []int{6, 6, 4, 1, 1, 2, 1, 1, 1, 1, 2, 1, 3}
	if len(as) != 13 {
		t.Fatalf("%d assignments, want 13", len(as))
	}
	for i, a := range as {
		if a.Number != i+1 || a.Agency != wantAgencies[i] || len(a.Tasks) != wantTasks[i] || a.Anchor != "muc-iii-"+strconv.Itoa(i+1) {
			t.Errorf("assignment %d = %d %q %s with %d tasks; want %q with %d", i, a.Number, a.Agency, a.Anchor, len(a.Tasks), wantAgencies[i], wantTasks[i])
		}
		if a.Requested != (i == 11) {
			t.Errorf("assignment %d Requested = %v", i+1, a.Requested)
		}
	}
	if !strings.HasPrefix(as[0].Tasks[0], "Chủ trì, phối hợp các đơn vị có liên quan rà soát") || !strings.HasPrefix(as[2].Tasks[3], "Tăng cường công tác thanh tra") {
		t.Errorf("task texts: %q / %q", as[0].Tasks[0], as[2].Tasks[3])
	}
	// Derived from the text: changing the plan changes the result.
	as[0].Agency = "x"
	if l.Assignments()[0].Agency == "x" {
		t.Error("Assignments returns shared slice")
	}
}

func TestArticles(t *testing.T) {
	l := loadCorpus(t, "")
	as := l.Articles()
	if len(as) < 3 || len(as) > 5 {
		t.Fatalf("%d articles, want 3 to 5", len(as))
	}
	for i, a := range as {
		if i > 0 && a.Published.After(as[i-1].Published) {
			t.Errorf("articles not newest first")
		}
		if got, ok := l.Article(a.Slug); !ok || got != a {
			t.Errorf("Article(%q) not found", a.Slug)
		}
		if a.Title == "" || a.Summary == "" || a.Text == "" || a.HTML == "" || len(a.Cites) == 0 {
			t.Errorf("%s: empty field", a.Slug)
		}
		for _, s := range []string{a.Title, a.Summary, a.Text, a.Markdown, string(a.HTML)} {
			if !norm.NFC.IsNormalString(s) {
				t.Errorf("%s: not NFC", a.Slug)
			}
		}
		if strings.Contains(a.Text, "](") || strings.Contains(a.Text, "**") {
			t.Errorf("%s: Text keeps Markdown: %q", a.Slug, a.Text)
		}
		// Every link to the plan points at an anchor that exists.
		for _, m := range strings.Split(a.Markdown, "(/van-ban/")[1:] {
			target := m[:strings.IndexByte(m, ')')]
			slug, anchor, _ := strings.Cut(target, "#")
			d, ok := l.Document(slug)
			if !ok {
				t.Errorf("%s links to unknown document %q", a.Slug, slug)
				continue
			}
			if anchor != "" && !hasAnchor(d.Sections, anchor) {
				t.Errorf("%s links to missing anchor %q", a.Slug, target)
			}
		}
	}
	if len(l.ArticlesCiting("53-kh-ubnd-2017")) != len(as) {
		t.Error("every article cites the plan")
	}
}

func hasAnchor(ss []Section, a string) bool {
	found := false
	walkSections(ss, func(s *Section) { found = found || s.Anchor == a })
	return found
}

func TestLoadImportDir(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"quyet-dinh-424-qd-ttg.txt", "ket-luan-95-kl-tw.txt", "no-number.txt"} {
		b := readFile(t, filepath.Join("testdata", name))
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A document of our own that cites a text without its date.
	cit := "ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 99/KH-UBND | Thái Bình, ngày 01 tháng 10 năm 2017\nKẾ HOẠCH\nTỆP KIỂM THỬ\nThực hiện Chỉ thị số 25/CT-TTg của Thủ tướng Chính phủ và Kế hoạch số 53/KH-UBND của Ủy ban nhân dân tỉnh./.\n"
	if err := os.WriteFile(filepath.Join(dir, "99.txt"), []byte(cit), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "ignored.md"), []byte("not a text"), 0o600)

	l := loadCorpus(t, dir)
	// no-number.txt goes in without a number, with a warning naming it.
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].Error(), "no-number.txt") || !strings.Contains(l.Warnings[0].Error(), "không đọc được số hiệu") {
		t.Fatalf("Warnings = %v, want one for no-number.txt", l.Warnings)
	}
	if d, ok := l.Document("ke-hoach-2017-09-14-tep-kiem-thu-thieu-so-hieu"); !ok || d.Number != "" || !d.HasFullText {
		t.Errorf("numberless plan not loaded: %+v", d)
	}
	// The full text replaces the catalogue record and keeps its links.
	qd, _ := l.Document("424-qd-ttg-2017")
	if !qd.HasFullText || qd.Title != "Phê duyệt Chương trình phòng, chống ma túy đến năm 2020" {
		t.Errorf("424: HasFullText %v title %q", qd.HasFullText, qd.Title)
	}
	if strings.Join(qd.CitedBy, " ") != "53-kh-ubnd-2017" {
		t.Errorf("424 CitedBy = %q", qd.CitedBy)
	}
	// The Kết luận cites 21-CT/TW (with date in its title, without in its body).
	kl, _ := l.Document("95-kl-tw-2014")
	if strings.Join(kl.Cites, " ") != "21-ct-tw-2008" || !kl.HasFullText {
		t.Errorf("95 Cites = %q", kl.Cites)
	}
	ct21, _ := l.Document("21-ct-tw-2008")
	if strings.Join(ct21.CitedBy, " ") != "53-kh-ubnd-2017 95-kl-tw-2014" {
		t.Errorf("21 CitedBy = %q", ct21.CitedBy)
	}
	// Citations without a date resolve to the known document of that number.
	p, ok := l.Document("99-kh-ubnd-2017")
	if !ok {
		t.Fatal("imported plan 99 missing")
	}
	if strings.Join(p.Cites, " ") != "25-ct-ttg-2017 53-kh-ubnd-2017" {
		t.Errorf("99 Cites = %q", p.Cites)
	}
	for _, c := range p.Citations {
		if !c.IssuedOn.IsZero() {
			t.Errorf("citation %s has a date", c.Number)
		}
	}
	plan, _ := l.Document("53-kh-ubnd-2017")
	if strings.Join(plan.CitedBy, " ") != "99-kh-ubnd-2017" {
		t.Errorf("plan CitedBy = %q", plan.CitedBy)
	}
	ct25, _ := l.Document("25-ct-ttg-2017")
	if strings.Join(ct25.CitedBy, " ") != "53-kh-ubnd-2017 99-kh-ubnd-2017" {
		t.Errorf("25 CitedBy = %q", ct25.CitedBy)
	}
}

// A cited text known nowhere joins the library from the citation's facts,
// when its slug can be made.
func TestLoadCitationOnlyDocuments(t *testing.T) {
	fsys := fstest.MapFS{
		"van-ban/a.txt": {Data: []byte("CHÍNH PHỦ\nSố: 1/NQ-CP | Hà Nội, ngày 02/01/2020\nNGHỊ QUYẾT\nTHỬ\nCăn cứ Luật số 23/2000/QH10 và Nghị định số 94/2010/NĐ-CP ngày 09/9/2010 của Chính phủ về tổ chức cai nghiện; Chỉ thị số 5/CT-XX của Bộ Y tế.\n")},
	}
	l, err := Load(fsys, "")
	if err != nil {
		t.Fatal(err)
	}
	nd, ok := l.Document("94-2010-nd-cp")
	if !ok || nd.HasFullText || nd.Issuer != "Chính phủ" || nd.Title != "Tổ chức cai nghiện" || nd.IssuedOn.Format("2006-01-02") != "2010-09-09" {
		t.Errorf("94/2010/NĐ-CP = %+v", nd)
	}
	if _, ok := l.Document("23-2000-qh10"); !ok {
		t.Error("law without date not added (its number holds the year)")
	}
	a, _ := l.Document("1-nq-cp-2020")
	if strings.Join(a.Cites, " ") != "23-2000-qh10 94-2010-nd-cp" {
		t.Errorf("Cites = %q (5/CT-XX has no year and is unknown: no link)", a.Cites)
	}
	if l.PlanSlug() != "" || l.Assignments() != nil || len(l.Articles()) != 0 {
		t.Error("no plan, no assignments, no articles expected")
	}
}

func TestLoadCorpusErrors(t *testing.T) {
	bad := map[string]fstest.MapFS{
		"catalogue type":    {"catalogue.yaml": {Data: []byte("- number: 1/KH-X\n  type: Thư\n  issued_on: 2017-01-01\n")}},
		"catalogue date":    {"catalogue.yaml": {Data: []byte("- number: 1/KH-X\n  type: Kế hoạch\n  issued_on: 1/1/2017\n")}},
		"catalogue number":  {"catalogue.yaml": {Data: []byte("- number: abc\n  type: Kế hoạch\n  issued_on: 2017-01-01\n")}},
		"catalogue url":     {"catalogue.yaml": {Data: []byte("- number: 1/KH-X\n  type: Kế hoạch\n  issued_on: 2017-01-01\n  source_url: javascript:alert(1)\n")}},
		"catalogue dup":     {"catalogue.yaml": {Data: []byte("- number: 1/KH-X\n  type: Kế hoạch\n  issued_on: 2017-01-01\n- number: 1/kh-x\n  type: Kế hoạch\n  issued_on: 2017-05-01\n")}},
		"shipped text":      {"van-ban/x.txt": {Data: []byte("không phải văn bản")}},
		"article cites":     {"bai-viet/a.md": {Data: []byte("---\ntitle: A\nslug: a\nsummary: S\npublished: 2026-01-01\ncites: [khong-co]\n---\nNội dung.\n")}},
		"article no slug":   {"bai-viet/a.md": {Data: []byte("---\ntitle: A\nsummary: S\npublished: 2026-01-01\n---\nNội dung.\n")}},
		"article bad date":  {"bai-viet/a.md": {Data: []byte("---\ntitle: A\nslug: a\nsummary: S\npublished: hôm qua\n---\nNội dung.\n")}},
		"article no front":  {"bai-viet/a.md": {Data: []byte("# A\n")}},
		"article duplicate": {"bai-viet/a.md": {Data: []byte("---\ntitle: A\nslug: a\nsummary: S\npublished: 2026-01-01\n---\nA.\n")}, "bai-viet/b.md": {Data: []byte("---\ntitle: B\nslug: a\nsummary: S\npublished: 2026-01-01\n---\nB.\n")}},
	}
	for name, fsys := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(fsys, ""); err == nil {
				t.Fatal("Load accepted a broken corpus")
			} else if !strings.ContainsAny(err.Error(), "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ") {
				t.Errorf("error is not in Vietnamese: %v", err)
			}
		})
	}
}

func TestImportFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "import")
	d, err := ImportFile("testdata/nghi-dinh-94-2010-nd-cp.txt", dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Slug != "94-2010-nd-cp" {
		t.Fatalf("slug %q", d.Slug)
	}
	stored := readFile(t, filepath.Join(dir, "94-2010-nd-cp.txt"))
	s := string(stored)
	if !norm.NFC.IsNormalString(s) || strings.Contains(s, "\r") || strings.HasPrefix(s, "\uFEFF") || strings.Contains(s, "Tệp kiểm thử") {
		t.Errorf("stored text not normalised or keeps debris:\n%s", s)
	}
	if !strings.HasSuffix(s, "Nguyễn Văn A\n") {
		t.Errorf("stored text lost the signature: %q", s[len(s)-40:])
	}
	again, err := Parse(stored)
	if err != nil || again.Text != d.Text || again.Title != d.Title || *again.Signature != *d.Signature {
		t.Errorf("stored text does not parse to the same document: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("import dir holds %d files (temporary file left?)", len(entries))
	}
	// Importing again replaces the file.
	if _, err := ImportFile("testdata/nghi-dinh-94-2010-nd-cp.txt", dir); err != nil {
		t.Fatal(err)
	}
	// The library picks it up at the next Load.
	l := loadCorpus(t, dir)
	if nd, ok := l.Document("94-2010-nd-cp"); !ok || !nd.HasFullText {
		t.Error("imported decree not in library")
	}

	for name, want := range map[string]error{"no-type.txt": ErrNoType} {
		_, err := ImportFile(filepath.Join("testdata", name), dir)
		if !errors.Is(err, want) || !strings.Contains(err.Error(), "không nhập được tệp "+name) {
			t.Errorf("ImportFile(%s) = %v, want %v", name, err, want)
		}
	}
	// Without a number: imported under a slug of type, date and title,
	// with the warning for the person importing.
	nn, err := ImportFile(filepath.Join("testdata", "no-number.txt"), dir)
	if err != nil || nn.Number != "" || len(nn.Warnings) != 1 {
		t.Fatalf("ImportFile(no-number.txt) = %+v, %v", nn, err)
	}
	if _, err := os.Stat(filepath.Join(dir, nn.Slug+".txt")); err != nil {
		t.Errorf("numberless document not stored: %v", err)
	}
	if _, err := ImportFile(filepath.Join(dir, "khong-co.txt"), dir); err == nil || !strings.Contains(err.Error(), "không đọc được tệp") {
		t.Errorf("missing file: %v", err)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(Corpus, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSeed(b *testing.B) {
	seed := readFile(b, seedPath)
	b.SetBytes(int64(len(seed)))
	for b.Loop() {
		if _, err := Parse(seed); err != nil {
			b.Fatal(err)
		}
	}
}
