package search

import (
	"reflect"
	"testing"
)

// Full-width text from some phone keyboards parses like plain text.
func TestParseFullWidth(t *testing.T) {
	for wide, plain := range map[string]string{
		"ｍａ ｔｕｙ":               "ma tuy",
		"４２４/ＱĐ-ＴＴｇ":           "424/QĐ-TTg",
		"cai nghiện ｔự nguyện": "cai nghiện tự nguyện",
	} {
		if got, want := Parse(wide), Parse(plain); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %+v, want as Parse(%q) = %+v", wide, got, plain, want)
		}
	}
}
