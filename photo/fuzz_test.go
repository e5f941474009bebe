package photo

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"image/png"
	"testing"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// fuzzLimits keep each input small enough for many runs a second; the
// pixel cap is what bounds memory, whatever the bytes say.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 4096}

// FuzzSanitise feeds arbitrary bytes to the whole image path: never a
// panic; a refusal is a *Refusal naming the file; an accepted file comes
// out as a plain JPEG (no APPn, COM or trailing byte) of the size Sanitise
// reports, within the pixel cap.
func FuzzSanitise(f *testing.F) {
	f.Add(pt.PhoneJPEG(f, 24, 16, 6))
	f.Add(pt.PhonePNG(f, 12, 10, 3))
	f.Add(pt.PhoneWebP(f, 10, 6, 8))
	f.Add(pt.RIFF(pt.RIFFChunk("VP8L", pt.VP8LQuadrants(5, 3))))
	f.Add(pt.SmallBomb(f, 3000, 3000)[:200])
	var buf bytes.Buffer
	jpeg.Encode(&buf, pt.Quadrants(9, 9), &jpeg.Options{Quality: 50})
	f.Add(append(buf.Bytes(), pt.MP4()...))
	buf.Reset()
	png.Encode(&buf, pt.Quadrants(3, 3))
	f.Add(buf.Bytes())
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xd9"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Sanitise(context.Background(), "fuzz.jpg", data, fuzzLimits)
		if err != nil {
			var r *Refusal
			if !errors.As(err, &r) {
				t.Fatalf("error is not a refusal: %v", err)
			}
			if !bytes.Contains([]byte(r.Error()), []byte("“fuzz.jpg”")) {
				t.Fatalf("message does not name the file: %q", r.Error())
			}
			return
		}
		if int64(img.Width)*int64(img.Height) > fuzzLimits.MaxPixels {
			t.Fatalf("accepted %d×%d", img.Width, img.Height)
		}
		for _, m := range jpegMarkers(t, img.Data) {
			if m >= 0xE0 && m <= 0xEF || m == 0xFE {
				t.Fatalf("output has marker FF%02X", m)
			}
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil || cfg.Width != img.Width || cfg.Height != img.Height {
			t.Fatalf("output %dx%d (%v), reported %dx%d", cfg.Width, cfg.Height, err, img.Width, img.Height)
		}
	})
}
