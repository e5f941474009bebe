package content

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"
)

func TestImportFileEncodings(t *testing.T) {
	text := "THỦ TƯỚNG CHÍNH PHỦ | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\n" +
		"Số: 778/QĐ-TTg | Hà Nội, ngày 03 tháng 5 năm 2019 |\n" +
		"QUYẾT ĐỊNH\nVỀ VIỆC KIỂM THỬ MÃ HÓA TỆP\nĐiều 1. Tệp kiểm thử.\n| THỦ TƯỚNG |\n"
	utf16le := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(text)) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	utf16be := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(text)) {
		utf16be = append(utf16be, byte(u>>8), byte(u))
	}
	// "Thái Bình" in Windows-1258 bytes (not UTF-8).
	cp1258 := []byte("S\xe8: 1/KH-UBND | Th\xe1i B\xecnh |\nK\xca HO\xa0CH\n")

	cases := []struct {
		name    string
		body    []byte
		wantErr error
	}{
		{"utf-8", []byte(text), nil},
		{"utf-16le with BOM", utf16le, nil},
		{"utf-16be with BOM", utf16be, nil},
		{"windows-1258", cp1258, ErrEncoding},
		{"binary", []byte{0x7f, 'E', 'L', 'F', 0, 0, 1, 2}, ErrEncoding},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "in.txt")
			if err := os.WriteFile(src, c.body, 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := ImportFile(src, filepath.Join(dir, "out"))
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Number != "778/QĐ-TTg" || d.Slug != "778-qd-ttg-2019" || d.Type != TypeDecision {
				t.Errorf("got %q %q %q", d.Number, d.Slug, d.Type)
			}
		})
	}
}
