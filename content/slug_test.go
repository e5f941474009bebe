package content

import "testing"

func TestSlug(t *testing.T) {
	tests := []struct {
		number string
		year   int
		want   string
	}{
		{"25/CT-TTg", 2017, "25-ct-ttg-2017"},
		{"95-KL/TW", 2014, "95-kl-tw-2014"},
		{"94/2010/NĐ-CP", 2010, "94-2010-nd-cp"},
		{"23/2000/QH10", 2000, "23-2000-qh10"},
		{"53/KH-UBND", 2017, "53-kh-ubnd-2017"},
		{"245/KH-UBQG-BCA", 2017, "245-kh-ubqg-bca-2017"},
		{"424/QĐ-TTg", 2017, "424-qd-ttg-2017"},
		{"424/QD-TTG", 2017, "424-qd-ttg-2017"},            // folded and upper-case forms agree
		{"424/Q\u0110-TTg", 2017, "424-qd-ttg-2017"},       // Đ (U+0110), which NFD does not decompose
		{"14/2015/TT-BLĐTBXH", 2015, "14-2015-tt-bldtbxh"}, // year inside the number
		{"14/2015/TT-BLĐTBXH", 2016, "14-2015-tt-bldtbxh-2016"},
		{"12/KH-UBND", 0, "12-kh-ubnd"},                 // unknown year: nothing appended
		{"  25 // CT -- TTg  ", 2017, "25-ct-ttg-2017"}, // runs of separators become one dash
		{"20/2017/NQ-HĐND", 2017, "20-2017-nq-hdnd"},
		{"1/2020a", 2020, "1-2020a-2020"}, // "2020a" is not the year
		{"Số ấỚứỆ", 2017, "so-aoue-2017"}, // two marks on one vowel fold too
		{"", 2017, ""},
		{"//--", 2017, ""},
	}
	for _, tt := range tests {
		if got := Slug(tt.number, tt.year); got != tt.want {
			t.Errorf("Slug(%q, %d) = %q, want %q", tt.number, tt.year, got, tt.want)
		}
	}
}

// The NFD form of a number gives the same slug as the NFC form.
func TestSlugNFD(t *testing.T) {
	nfd := "94/2010/N\u0110-CP" // Đ has no decomposition; test a vowel too
	if Slug(nfd, 2010) != "94-2010-nd-cp" {
		t.Errorf("Slug(%q) = %q", nfd, Slug(nfd, 2010))
	}
	if got := Slug("Nghi\u0323 quye\u0302\u0301t", 0); got != "nghi-quyet" {
		t.Errorf("Slug(NFD) = %q", got)
	}
}
