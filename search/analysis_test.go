package search

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestExact(t *testing.T) {
	cases := []struct{ in, want string }{
		// Both tone placements give one key (classic placement).
		{"hoà", "hòa"}, {"hòa", "hòa"}, {"HOÀ", "hòa"},
		{"thuỷ", "thủy"}, {"thủy", "thủy"},
		{"tuý", "túy"}, {"túy", "túy"}, {"TUÝ", "túy"},
		{"khoẻ", "khỏe"}, {"khỏe", "khỏe"},
		{"hoá", "hóa"}, {"Hoá", "hóa"},
		{"uỷ", "ủy"}, {"Ủy", "ủy"},
		// NFD input (macOS, iOS).
		{norm.NFD.String("hoà"), "hòa"}, {norm.NFD.String("nghiện"), "nghiện"},
		{"ho\u0300a", "hòa"}, {"hoa\u0300", "hòa"},
		// A final consonant keeps the tone on the last vowel.
		{"hoàn", "hoàn"}, {"hoạch", "hoạch"}, {"toán", "toán"},
		// qu and gi are consonants.
		{"quý", "quý"}, {"quỳnh", "quỳnh"}, {"giá", "giá"}, {"gì", "gì"}, {"giữa", "giữa"},
		// Vowels with quality marks carry the tone.
		{"người", "người"}, {"nghiện", "nghiện"}, {"thuyền", "thuyền"}, {"mười", "mười"},
		// Three vowels: the middle one.
		{"ngoài", "ngoài"}, {"khuỷu", "khuỷu"},
		// Upper case with two marks.
		{"NGHIỆN", "nghiện"}, {"ĐẤU", "đấu"}, {"Đảng", "đảng"},
		// Not Vietnamese syllables: lower-cased only.
		{"TTg", "ttg"}, {"424", "424"}, {"Methadone", "methadone"}, {"QĐ", "qđ"},
		{"ma", "ma"}, {"mã", "mã"}, {"má", "má"},
	}
	for _, c := range cases {
		if got := Exact(c.in); got != c.want {
			t.Errorf("Exact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Đảng", "dang"}, {"đ", "d"}, {"Đ", "d"},
		{"ấ ớ ứ ệ ặ ỡ ự", "a o u e a o u"},
		{"PHÒNG, CHỐNG MA TÚY", "phong, chong ma tuy"},
		{norm.NFD.String("Quyết định"), "quyet dinh"},
		{"424/QĐ-TTg", "424/qd-ttg"},
		{"ỦY BAN NHÂN DÂN", "uy ban nhan dan"},
		{"thuỷ thủy", "thuy thuy"},
		{"Tiếng Việt có dấu: ăâêôơư", "tieng viet co dau: aaeoou"},
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTokens(t *testing.T) {
	text := "Quyết định số 424/QĐ-TTg (07/4/2017): “phòng, chống” ma tuý."
	var got []string
	for _, tk := range Tokens(text) {
		if text[tk.Start:tk.End] == "" {
			t.Fatalf("empty token %+v", tk)
		}
		got = append(got, tk.Exact+"|"+tk.Fold)
	}
	want := []string{"quyết|quyet", "định|dinh", "số|so", "424|424", "qđ|qd", "ttg|ttg", "7|7", "4|4", "2017|2017", // 07: a day or month without its zero (digitsKey)
		"phòng|phong", "chống|chong", "ma|ma", "túy|tuy"}
	if !slices.Equal(got, want) {
		t.Errorf("Tokens:\n got %v\nwant %v", got, want)
	}
}

func TestNumbers(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Quyết định số 424/QĐ-TTg ngày 07/4/2017", []string{"424-qd-ttg"}},
		{"Kết luận số 95-KL/TW và Chỉ thị số 21-CT/TW", []string{"95-kl-tw", "21-ct-tw"}},
		{"Nghị định 94/2010/NĐ-CP, lại 94/2010/NĐ-CP", []string{"94-2010-nd-cp"}},
		{"Kế hoạch số 245/KH-UBQG-BCA", []string{"245-kh-ubqg-bca"}},
		{"25 / CT - TTg", []string{"25-ct-ttg"}},
		{"ngày 14/9/2017, giai đoạn 2016 - 2020", nil},
	}
	for _, c := range cases {
		if got := Numbers(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Numbers(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, s := range []string{"424/QĐ-TTg", "424/QD-TTg", "424 qd ttg", "424-qđ-ttg", "424 / QĐ – TTg", norm.NFD.String("424/QĐ-TTg")} {
		if got := NumberKey(s); got != "424-qd-ttg" {
			t.Errorf("NumberKey(%q) = %q", s, got)
		}
	}
	for _, s := range []string{"", "424", "ma tuy", "14/9/2017"} {
		if got := NumberKey(s); got != "" {
			t.Errorf("NumberKey(%q) = %q, want empty", s, got)
		}
	}
}

func TestParse(t *testing.T) {
	terms := func(p Parsed) []string {
		var out []string
		for _, t := range p.Terms {
			out = append(out, t.Fold)
		}
		return out
	}
	cases := []struct {
		in          string
		terms       []string
		phrases     int
		numbers     []string
		typeNumbers []TypeNumber
	}{
		{"cai nghiện", []string{"cai", "nghien"}, 0, nil, nil},
		{`"giảm tác hại" ma túy`, []string{"ma", "tuy"}, 1, nil, nil},
		{`“giảm tác hại”`, nil, 1, nil, nil},
		{`"giảm tác hại`, []string{"giam", "tac", "hai"}, 0, nil, nil},
		{`"ma"`, []string{"ma"}, 0, nil, nil},
		{"424/QĐ-TTg", []string{"424", "qd", "ttg"}, 0, []string{"424-qd-ttg", "424-qd"}, nil},
		{"424 qd ttg", []string{"424", "qd", "ttg"}, 0, []string{"424-qd", "424-qd-ttg"}, nil},
		{"quyết định số 424", []string{"quyet", "dinh", "424"}, 0, nil, []TypeNumber{{"quyet dinh", "424"}}},
		{"quyet dinh 424", []string{"quyet", "dinh", "424"}, 0, nil, []TypeNumber{{"quyet dinh", "424"}}},
		{"QĐ 424", []string{"qd", "424"}, 0, nil, []TypeNumber{{"quyet dinh", "424"}}},
		{"title:ma +tuy -cai ^2 *", []string{"title", "ma", "tuy", "cai", "2"}, 0, nil, nil},
		{"   ", nil, 0, nil, nil},
	}
	for _, c := range cases {
		p := Parse(c.in)
		if got := terms(p); !slices.Equal(got, c.terms) {
			t.Errorf("Parse(%q) terms %v, want %v", c.in, got, c.terms)
		}
		if len(p.Phrases) != c.phrases {
			t.Errorf("Parse(%q) phrases %v, want %d", c.in, p.Phrases, c.phrases)
		}
		if !slices.Equal(p.Numbers, c.numbers) {
			t.Errorf("Parse(%q) numbers %v, want %v", c.in, p.Numbers, c.numbers)
		}
		if !slices.Equal(p.TypeNumbers, c.typeNumbers) {
			t.Errorf("Parse(%q) type numbers %v, want %v", c.in, p.TypeNumbers, c.typeNumbers)
		}
	}
	if p := Parse(strings.Repeat("ma túy ", 100)); len(p.Terms) != maxTerms {
		t.Errorf("terms not capped: %d", len(p.Terms))
	}
	if p := Parse("424 qd ttg"); !p.Terms[0].InNumber || !p.Terms[2].InNumber {
		t.Errorf("number parts not marked: %+v", p.Terms)
	}
}

func TestCheckQuery(t *testing.T) {
	if err := CheckQuery(strings.Repeat("á", MaxQueryRunes)); err != nil {
		t.Errorf("200 runes: %v", err)
	}
	// 200 letters typed decomposed are still 200 letters after NFC.
	if err := CheckQuery(norm.NFD.String(strings.Repeat("ệ", MaxQueryRunes))); err != nil {
		t.Errorf("200 NFD letters: %v", err)
	}
	if err := CheckQuery(strings.Repeat("a", MaxQueryRunes+1)); err != ErrQueryTooLong {
		t.Errorf("201 runes: %v", err)
	}
	if err := CheckQuery("ma\xfftuy"); err != ErrQueryInvalidUTF8 {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestWithinOneEdit(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"methadone", "metadone", true}, {"methadone", "methadon", true}, {"methadone", "methadone", true},
		{"methadone", "mathadonx", false}, {"nghien", "nghienn", true}, {"nghien", "nghein", false},
		{"", "a", true}, {"ab", "ba", false},
	}
	for _, c := range cases {
		if got := withinOneEdit(c.a, c.b); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestDescribe(t *testing.T) {
	d, _ := prepare(Doc{Slug: "x", Title: "Tiêu đề", Summary: "Tóm tắt <b>",
		Sections: []Section{
			{Anchor: "a", Heading: "1. Mở đầu", Text: "Không có gì ở đây."},
			{Anchor: "b", Heading: "2. Điều trị", Text: "Điều trị thay thế bằng Methadone cho người nghiện <ma túy> & cai nghiện tự nguyện."},
		}})
	p := Parse("metadone tu nguyen")
	if _, _, snip := Describe(d, p); strings.Contains(snip, "<mark>Methadone</mark>") {
		t.Errorf("typo marked though the engine did not forgive typos: %q", snip)
	}
	p.Typos = true
	anchor, heading, snip := Describe(d, p)
	if anchor != "b" || heading != "2. Điều trị" {
		t.Errorf("anchor %q heading %q", anchor, heading)
	}
	for _, want := range []string{"<mark>Methadone</mark>", "&lt;ma túy&gt; &amp;", "<mark>tự</mark> <mark>nguyện</mark>"} {
		if !strings.Contains(snip, want) {
			t.Errorf("snippet %q lacks %q", snip, want)
		}
	}
	anchor, _, snip = Describe(d, Parse("tóm tắt"))
	if anchor != "" || !strings.Contains(snip, "<mark>Tóm</mark> <mark>tắt</mark> &lt;b&gt;") {
		t.Errorf("metadata snippet: %q %q", anchor, snip)
	}
	// A phrase in the other tone placement is marked whole.
	d2, _ := prepare(Doc{Slug: "y", Title: "t", Sections: []Section{{Anchor: "s", Text: "giúp người tái hoà nhập cộng đồng"}}})
	if _, _, snip := Describe(d2, Parse(`"hòa nhập"`)); !strings.Contains(snip, "<mark>hoà nhập</mark>") {
		t.Errorf("phrase snippet %q", snip)
	}
}

// FuzzAnalysis: the analyser and the query parser never panic and always
// return valid UTF-8; keys are stable (analysing a key gives the key).
func FuzzAnalysis(f *testing.F) {
	for _, s := range []string{"cai nghiện", "424/QĐ-TTg", `"giảm tác hại"`, "hoà nhập", norm.NFD.String("thuỷ"),
		"\xff\xfe", "ma\x00tuy", "“", "quyết định số 424", "\u0301\u0301a", "ĐĐĐ", strings.Repeat("á", 300),
		"metadon", "ma túy đá hê-rô-in", "25/CT", "methadone xyzzy", "144/2021", "ngày 14/9/2021", "9876/QĐ-TTg",
		"tooij phamj", "to65i pha5m", "nghị định 144 / 2021 về"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{NFC(s), Fold(s), Exact(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q: %q", s, out)
			}
		}
		text := NFC(s)
		for _, tk := range Tokens(text) {
			if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
				t.Fatalf("bad token %+v in %q", tk, text)
			}
			if !utf8.ValidString(tk.Exact) || !utf8.ValidString(tk.Fold) {
				t.Fatalf("invalid key %+v", tk)
			}
			if Fold(tk.Exact) != tk.Fold {
				t.Fatalf("Fold(Exact(%q)) = %q, Fold = %q", text[tk.Start:tk.End], Fold(tk.Exact), tk.Fold)
			}
		}
		for _, k := range Numbers(s) {
			if !utf8.ValidString(k) || NumberKey(k) != k {
				t.Fatalf("number key %q not stable", k)
			}
		}
		p := Parse(s)
		for _, tm := range p.AllTerms() {
			if !utf8.ValidString(tm.Exact) || !utf8.ValidString(tm.Fold) {
				t.Fatalf("invalid term %+v", tm)
			}
		}
		for _, ny := range p.NumberYears {
			if !allDigits(ny.Digits) || !isYear(ny.Year) {
				t.Fatalf("number with year %+v from %q", ny, s)
			}
		}
		for _, w := range p.Written {
			if NumberKey(w.Text) != w.Key || !utf8.ValidString(w.Text) {
				t.Fatalf("written number %+v from %q", w, s)
			}
		}
		for _, tm := range p.Terms {
			if tm.Keyboard != "" && (!utf8.ValidString(tm.Keyboard) || NFC(tm.Keyboard) != tm.Keyboard) {
				t.Fatalf("keyboard decoding %+v", tm)
			}
		}
		if len(p.Words) > maxTerms {
			t.Fatalf("%d words kept", len(p.Words))
		}
		words := len(p.Terms)
		for _, g := range p.Synonyms {
			if len(g.Alts) < 2 || len(g.Alts[0]) == 0 {
				t.Fatalf("synonym group %+v", g)
			}
			words += len(g.Alts[0])
		}
		if words > maxTerms {
			t.Fatalf("%d words searched", words)
		}
		d, err := prepare(Doc{Slug: "s", Title: s, Sections: []Section{{Anchor: "a", Text: s}}})
		if err != nil {
			t.Fatal(err)
		}
		_, _, snip := Describe(d, p)
		if !utf8.ValidString(snip) {
			t.Fatalf("invalid snippet %q", snip)
		}
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(snip, "<mark>", ""), "</mark>", ""), "<") {
			t.Fatalf("unescaped < in snippet %q", snip)
		}
	})
}
