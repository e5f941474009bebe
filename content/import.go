package content

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// ErrEncoding means an imported file is not UTF-8 text (nor UTF-16 with a
// byte-order mark, which is converted). Old Vietnamese files often use
// TCVN3 (ABC), VNI or Windows-1258; guessing among them would garble the
// text, so the person is asked to save the file as UTF-8.
var ErrEncoding = &ParseError{"mã hóa", "tệp không phải văn bản UTF-8 (có thể là mã TCVN3, VNI, Windows-1258 hoặc tệp nhị phân): hãy mở tệp và lưu lại dưới dạng văn bản UTF-8 rồi nhập lại"}

// decodeText returns b as UTF-8: UTF-16 with a byte-order mark is converted
// (Notepad's "Unicode"), valid UTF-8 is returned as it is, anything else is
// ErrEncoding.
func decodeText(b []byte) ([]byte, error) {
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) || bytes.HasPrefix(b, []byte{0xFE, 0xFF}) {
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil || !utf8.Valid(out) {
			return nil, ErrEncoding
		}
		return out, nil
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return nil, ErrEncoding
	}
	return b, nil
}

// readLimited reads a file of at most MaxDocumentBytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxDocumentBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxDocumentBytes {
		return nil, ErrTooLarge
	}
	return b, nil
}

// ImportFile imports the plain text of a document into importDir: it reads
// the file at path, parses it (refusing a file without số hiệu or type:
// the error wraps ErrNoNumber or ErrNoType and says so in Vietnamese),
// then writes the text normalised to NFC with LF line ends, web-page debris
// dropped, to importDir/<slug>.txt, atomically (temporary file in the same
// directory, fsync, rename, fsync of the directory), so a crash leaves
// either the old file or the new one. An existing import of the same slug
// is replaced. It returns the parsed document; the running Library does not
// see it until the next Load.
func ImportFile(path, importDir string) (*Document, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("không đọc được tệp %s: %w", filepath.Base(path), err)
	}
	if b, err = decodeText(b); err != nil {
		return nil, fmt.Errorf("không nhập được tệp %s: %w", filepath.Base(path), err)
	}
	d, text, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("không nhập được tệp %s: %w", filepath.Base(path), err)
	}
	if d.Slug == "" {
		return nil, fmt.Errorf("không nhập được tệp %s: %w", filepath.Base(path), ErrNoNumber)
	}
	if err := os.MkdirAll(importDir, 0o750); err != nil {
		return nil, fmt.Errorf("tạo thư mục nhập văn bản: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(importDir, d.Slug+".txt"), []byte(text)); err != nil {
		return nil, fmt.Errorf("ghi văn bản %s: %w", d.Number, err)
	}
	return d, nil
}

// writeFileAtomic writes data to name through a temporary file in the same
// directory, synced before it is renamed over name; the directory is synced
// after the rename so that the new name is durable.
func writeFileAtomic(name string, data []byte) (err error) {
	dir := filepath.Dir(name)
	f, err := os.CreateTemp(dir, ".import-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Chmod(0o640); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, name); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
