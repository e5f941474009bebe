package search

import (
	"testing"
	"unicode/utf8"
)

func TestDecodeKeyboard(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"tooij", "tội"}, {"phamj", "phạm"}, {"to65i", "tội"}, {"pha5m", "phạm"},
		{"dduwowngf", "đường"}, {"duo72ng", "dường"}, {"d9uo72ng", "đường"},
		{"nghieenj", "nghiện"}, {"nghie65n", "nghiện"}, {"cais", "cái"}, {"ma", ""},
		{"tuys", "túy"}, {"tu1y", "túy"}, {"mas", "má"}, {"hoaf", "hòa"}, {"tinhs", "tính"},
		{"phongf", "phòng"}, {"choongs", "chống"}, {"cho6ng1", "chống"}, {"truwowngf", "trường"},
		{"methadone", ""}, {"cafes", ""}, {"424", ""}, {"ttg", ""}, {"qđ", ""}, {"covid19", ""},
	}
	for _, c := range cases {
		got, ok := DecodeKeyboard(c.in)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("DecodeKeyboard(%q) = %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}

func TestParseNumberYearsAndWritten(t *testing.T) {
	cases := []struct {
		q     string
		years []NumberYear
	}{
		{"144/2021", []NumberYear{{"144", "2021"}}},
		{"nghị định 144 / 2021", []NumberYear{{"144", "2021"}}},
		{"144/2021/NĐ-CP", nil},
		{"ngày 14/9/2021", nil},
		{"x144/2021", nil},
		{"144/20215", nil},
	}
	for _, c := range cases {
		p := Parse(c.q)
		if len(p.NumberYears) != len(c.years) || (len(c.years) > 0 && p.NumberYears[0] != c.years[0]) {
			t.Errorf("Parse(%q).NumberYears = %v, want %v", c.q, p.NumberYears, c.years)
		}
	}
	p := Parse("văn bản 9876/QĐ-TTg")
	if len(p.Written) != 1 || p.Written[0] != (WrittenNumber{Key: "9876-qd-ttg", Text: "9876/QĐ-TTg"}) {
		t.Errorf("written %+v", p.Written)
	}
	if p := Parse("9876 qd ttg"); len(p.Written) != 0 {
		t.Errorf("spaced words are not a number written whole: %+v", p.Written)
	}
}

// FuzzDecodeKeyboard: never panics; a decoded word is valid UTF-8, NFC,
// one token, and folds to a Vietnamese syllable.
func FuzzDecodeKeyboard(f *testing.F) {
	for _, s := range []string{"tooij", "to65i", "dduwowngf", "uwow", "w", "ww", "a9", "d9", "aaaa", "uo7", "1", "zz", "tooijj"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := DecodeKeyboard(s)
		if !ok {
			if got != "" {
				t.Fatalf("%q: %q without ok", s, got)
			}
			return
		}
		if !utf8.ValidString(got) || NFC(got) != got {
			t.Fatalf("%q → %q: not NFC", s, got)
		}
		if toks := Tokens(got); len(toks) != 1 || toks[0].Start != 0 || toks[0].End != len(got) {
			t.Fatalf("%q → %q: not one word", s, got)
		}
		if !syllableRe.MatchString(Fold(got)) {
			t.Fatalf("%q → %q: not a syllable", s, got)
		}
	})
}
