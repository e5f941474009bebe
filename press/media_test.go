package press

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	return img
}

// jpegWithExif returns a JPEG carrying an APP1 Exif block with a GPS
// marker, as phone cameras write.
func jpegWithExif(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	payload := []byte("Exif\x00\x00MM\x00\x2aGPSLatitude=20.4463N;GPSLongitude=106.3366E;Model=CameraX")
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	b := buf.Bytes()
	out := append([]byte{}, b[:2]...) // SOI
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, b[2:]...)
}

// pngClaiming returns a valid small PNG whose header claims w×h pixels.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(1, 1)); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// IHDR data starts at 16 (8 signature + 4 length + 4 type).
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestProcessCoverStripsMetadata(t *testing.T) {
	in := jpegWithExif(t, 2000, 1000)
	if !bytes.Contains(in, []byte("GPSLatitude")) {
		t.Fatal("fixture lacks its metadata")
	}
	out, ext, err := ProcessCover(in)
	if err != nil {
		t.Fatal(err)
	}
	if ext != ".jpg" || bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("GPS")) || bytes.Contains(out, []byte("CameraX")) {
		t.Fatalf("metadata survived (ext %s)", ext)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width != CoverWidth || cfg.Height != 800 {
		t.Fatalf("re-encoded %dx%d, %v; want %dx800", cfg.Width, cfg.Height, err, CoverWidth)
	}

	var pbuf bytes.Buffer
	png.Encode(&pbuf, testImage(300, 200))
	withText := append([]byte{}, pbuf.Bytes()[:33]...) // signature + IHDR
	chunk := []byte("tEXtComment\x00GPS 20.44N 106.33E")
	lenb := make([]byte, 4)
	binary.BigEndian.PutUint32(lenb, uint32(len(chunk)-4))
	crc := make([]byte, 4)
	binary.BigEndian.PutUint32(crc, crc32.ChecksumIEEE(chunk))
	withText = append(append(append(withText, lenb...), chunk...), crc...)
	withText = append(withText, pbuf.Bytes()[33:]...)
	out, ext, err = ProcessCover(withText)
	if err != nil || ext != ".png" || bytes.Contains(out, []byte("GPS")) {
		t.Fatalf("png: ext %s err %v, metadata kept %v", ext, err, bytes.Contains(out, []byte("GPS")))
	}
}

func TestProcessCoverRejects(t *testing.T) {
	var gif bytes.Buffer
	gif.WriteString("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	for name, data := range map[string][]byte{
		"empty":     nil,
		"html":      []byte("<!DOCTYPE html><script>alert(1)</script>"),
		"svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`),
		"gif":       gif.Bytes(),
		"too big":   append(jpegWithExif(t, 8, 8), make([]byte, MaxCoverBytes)...),
		"bomb":      pngClaiming(t, 50000, 50000),
		"truncated": jpegWithExif(t, 64, 64)[:200],
	} {
		_, _, err := ProcessCover(data)
		var fe formerr.FieldErrors
		if !errors.As(err, &fe) || fe["cover"] == "" {
			t.Errorf("%s: err = %v, want a cover field error", name, err)
		}
	}
}

func TestSaveCover(t *testing.T) {
	ctx := context.Background()
	o, _ := newTestOffice(t, Config{})
	name, err := o.SaveCover(ctx, bytes.NewReader(jpegWithExif(t, 40, 30)))
	if err != nil {
		t.Fatal(err)
	}
	b, ct, err := o.Media(ctx, name)
	if err != nil || ct != "image/jpeg" || !strings.HasSuffix(name, ".jpg") || bytes.Contains(b, []byte("GPS")) {
		t.Fatalf("Media(%q) = %d bytes, %q, %v", name, len(b), ct, err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("stored image does not decode: %v", err)
	}
	for _, bad := range []string{"../portal.db", "x.jpg", strings.Repeat("a", 32) + ".svg", filepath.Join("..", name), strings.Repeat("a", 32) + ".jpg"} {
		if _, _, err := o.Media(ctx, bad); !errors.Is(err, ErrNoMedia) {
			t.Errorf("Media(%q) = %v, want ErrNoMedia", bad, err)
		}
	}
}

func FuzzProcessCover(f *testing.F) {
	var buf bytes.Buffer
	png.Encode(&buf, testImage(4, 4))
	f.Add(buf.Bytes())
	buf.Reset()
	jpeg.Encode(&buf, testImage(4, 4), nil)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _, err := ProcessCover(b)
		if err == nil && len(out) == 0 {
			t.Fatal("no error and no image")
		}
	})
}

// TestProcessCoverSharesThePhotoChecks: covers go through package photo:
// a phone photo taken upright (EXIF orientation 6) comes out upright, and
// a JPEG with a ZIP appended is refused.
func TestProcessCoverSharesThePhotoChecks(t *testing.T) {
	out, ext, err := ProcessCover(pt.PhoneJPEG(t, 400, 300, 6))
	if err != nil || ext != ".jpg" {
		t.Fatal(ext, err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Width != 300 || cfg.Height != 400 || bytes.Contains(out, []byte(pt.Marker)) {
		t.Errorf("turned cover %dx%d, %v; metadata kept %v", cfg.Width, cfg.Height, err, bytes.Contains(out, []byte(pt.Marker)))
	}
	_, _, err = ProcessCover(append(pt.PhoneJPEG(t, 40, 30, 1), "PK\x03\x04secret"...))
	var fe formerr.FieldErrors
	if !errors.As(err, &fe) || !strings.HasPrefix(fe["cover"], "Ảnh bìa có dữ liệu khác gắn kèm") {
		t.Errorf("JPEG with a ZIP: %v", err)
	}
}
