package photo

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"strings"
	"testing"

	pt "github.com/thaibinh-pcmt/portal/photo/phototest"
)

// jpegMarkers lists the markers of a JPEG from SOI to EOI.
func jpegMarkers(t testing.TB, b []byte) []byte {
	t.Helper()
	var ms []byte
	i := 2
	for i < len(b) {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		ms = append(ms, m)
		if m == 0xD9 {
			if i+2 != len(b) {
				t.Fatalf("%d bytes after EOI", len(b)-i-2)
			}
			return ms
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		i += 2 + n
		if m == 0xDA {
			for !(b[i] == 0xFF && b[i+1] != 0 && (b[i+1] < 0xD0 || b[i+1] > 0xD7)) {
				i++
			}
		}
	}
	t.Fatal("no EOI")
	return nil
}

// checkClean asserts that out is a plain JPEG (SOI, DQT, SOF0, DHT, SOS,
// EOI only: no APPn, COM or anything after EOI) holding none of the
// fixtures' metadata, of size w×h.
func checkClean(t *testing.T, img Image, w, h int) image.Image {
	t.Helper()
	out := img.Data
	if img.ContentType != "image/jpeg" || img.Width != w || img.Height != h {
		t.Fatalf("got %s %d×%d, want image/jpeg %d×%d", img.ContentType, img.Width, img.Height, w, h)
	}
	for _, m := range jpegMarkers(t, out) {
		switch m {
		case 0xDB, 0xC0, 0xC4, 0xDA, 0xD9:
		default:
			t.Errorf("output has marker FF%02X", m)
		}
	}
	lat := binary.LittleEndian.AppendUint32(nil, pt.GPSLatitude[0])
	for _, s := range []string{pt.Marker, "Exif", "http://ns.adobe.com", "xmpmeta", "ICC_PROFILE", "acsp", "Photoshop", "8BIM",
		"2026:11:20", "21:34:55", "2026-11-20", "8842", string(lat) + string(binary.LittleEndian.AppendUint32(nil, 1))} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("output holds %q", s)
		}
	}
	for _, ord := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		var raw []byte
		for _, v := range pt.GPSLatitude {
			raw = ord.AppendUint32(raw, v)
		}
		if bytes.Contains(out, raw) {
			t.Errorf("output holds the GPS latitude")
		}
	}
	m, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("decodes as %v, want %d×%d", b, w, h)
	}
	return m
}

// near reports whether c is within 40 of want on each channel (JPEG).
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v > -40 && v < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// checkCorners asserts the colours seen at the four corners (inset, away
// from JPEG's blur at the quadrant edges).
func checkCorners(t *testing.T, m image.Image, tl, tr, bl, br color.RGBA) {
	t.Helper()
	b := m.Bounds()
	dx, dy := b.Dx()/8, b.Dy()/8
	for _, c := range []struct {
		x, y int
		want color.RGBA
		name string
	}{{dx, dy, tl, "top left"}, {b.Dx() - 1 - dx, dy, tr, "top right"}, {dx, b.Dy() - 1 - dy, bl, "bottom left"}, {b.Dx() - 1 - dx, b.Dy() - 1 - dy, br, "bottom right"}} {
		if got := m.At(c.x, c.y); !near(got, c.want) {
			t.Errorf("%s is %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSanitiseJPEGFromAPhone(t *testing.T) {
	in := pt.PhoneJPEG(t, 160, 120, 6)
	for _, s := range []string{"MAKE-" + pt.Marker, "MODEL-" + pt.Marker, "SERIAL-8842", "MAKERNOTE-" + pt.Marker, "THUMB-" + pt.Marker,
		"XMP-MAKE-" + pt.Marker, "IPTC-BYLINE-" + pt.Marker, "ICC-PROFILE-" + pt.Marker, "COMMENT-" + pt.Marker, "2026:11:20 21:34:55"} {
		if !bytes.Contains(in, []byte(s)) {
			t.Fatalf("fixture lacks %q", s)
		}
	}
	if info, err := Inspect("IMG_1.jpg", in, Limits{}); err != nil || info.Orientation != 6 || info.Width != 160 {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	img, err := Sanitise(context.Background(), "IMG_1.jpg", in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6: stored landscape, seen turned 90° clockwise.
	m := checkClean(t, img, 120, 160)
	checkCorners(t, m, pt.Blue, pt.Red, pt.White, pt.Green)
}

func TestSanitiseEveryOrientation(t *testing.T) {
	// What each EXIF orientation shows at the corners (tl, tr, bl, br) of
	// the pt.Quadrants stored as red, green / blue, white.
	want := map[uint16][4]color.RGBA{
		1: {pt.Red, pt.Green, pt.Blue, pt.White},
		2: {pt.Green, pt.Red, pt.White, pt.Blue},
		3: {pt.White, pt.Blue, pt.Green, pt.Red},
		4: {pt.Blue, pt.White, pt.Red, pt.Green},
		5: {pt.Red, pt.Blue, pt.Green, pt.White},
		6: {pt.Blue, pt.Red, pt.White, pt.Green},
		7: {pt.White, pt.Green, pt.Blue, pt.Red},
		8: {pt.Green, pt.White, pt.Red, pt.Blue},
	}
	for o := uint16(1); o <= 8; o++ {
		for _, f := range []struct {
			name string
			data []byte
		}{{"jpeg", pt.PhoneJPEG(t, 64, 48, o)}, {"png", pt.PhonePNG(t, 64, 48, o)}, {"webp", pt.PhoneWebP(t, 64, 48, o)}} {
			img, err := Sanitise(context.Background(), f.name, f.data, Limits{})
			if err != nil {
				t.Fatalf("%s orientation %d: %v", f.name, o, err)
			}
			w, h := 64, 48
			if o >= 5 {
				w, h = 48, 64
			}
			m := checkClean(t, img, w, h)
			c := want[o]
			t.Run(fmt.Sprintf("%s-orientation-%d", f.name, o), func(t *testing.T) { checkCorners(t, m, c[0], c[1], c[2], c[3]) })
		}
	}
}

func TestSanitisePNGChunks(t *testing.T) {
	in := pt.PhonePNG(t, 90, 70, 6)
	for _, s := range []string{"PNG-TEXT-", "PNG-ZTXT-", "XMP-MAKE-", "PNG-ICC-", "MAKE-" + pt.Marker + "-PNG", "THUMB-"} {
		if !bytes.Contains(in, []byte(s)) && s != "PNG-ZTXT-" {
			t.Fatalf("fixture lacks %q", s)
		}
	}
	img, err := Sanitise(context.Background(), "chụp màn hình.png", in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkCorners(t, checkClean(t, img, 70, 90), pt.Blue, pt.Red, pt.White, pt.Green)
}

func TestSanitiseWebP(t *testing.T) {
	in := pt.PhoneWebP(t, 40, 30, 6)
	img, err := Sanitise(context.Background(), "a.webp", in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkCorners(t, checkClean(t, img, 30, 40), pt.Blue, pt.Red, pt.White, pt.Green)
	// The same without VP8X: a plain lossless WebP.
	img, err = Sanitise(context.Background(), "b.webp", pt.RIFF(pt.RIFFChunk("VP8L", pt.VP8LQuadrants(40, 30))), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkCorners(t, checkClean(t, img, 40, 30), pt.Red, pt.Green, pt.Blue, pt.White)
}

func TestSanitiseTransparencyOnWhite(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for i := range m.Pix {
		m.Pix[i] = 0 // transparent black
	}
	for y := 16; y < 32; y++ {
		for x := 0; x < 32; x++ {
			m.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, m)
	img, err := Sanitise(context.Background(), "t.png", buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out := checkClean(t, img, 32, 32)
	checkCorners(t, out, pt.White, pt.White, pt.Blue, pt.Blue)
}

func TestRefusals(t *testing.T) {
	jpg := pt.PhoneJPEG(t, 64, 48, 1)
	var zipBuf bytes.Buffer
	zw := zip.NewWriter(&zipBuf)
	f, _ := zw.Create("secret.txt")
	f.Write([]byte("hidden"))
	zw.Close()
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, pt.Quadrants(8, 8))
	bomb := pt.PNGBomb(t, 20000, 20000)
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	t.Logf("20.000×20.000 PNG bomb: %d bytes", len(bomb))
	webpBomb := pt.RIFF(pt.VP8X(0, 16, 16), pt.RIFFChunk("VP8L", []byte{0x2f, 0xff, 0xff, 0xff, 0x0f})) // canvas 16×16, frame 16384×16384

	for _, c := range []struct {
		name   string
		data   []byte
		reason Reason
		msg    string
	}{
		{"empty.jpg", nil, ReasonEmpty, "Tệp “empty.jpg” trống"},
		{"notes.jpg", []byte("Đây là một tệp văn bản, không phải ảnh.\n"), ReasonNotImage, "Tệp “notes.jpg” không phải là ảnh"},
		{"page.jpg", []byte("<!DOCTYPE html><script>alert(1)</script>"), ReasonNotImage, "không phải là ảnh"},
		{"archive.jpg", zipBuf.Bytes(), ReasonNotImage, "không phải là ảnh"},
		{"IMG_0001.HEIC", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 64)...), ReasonUnsupported, "định dạng HEIC"},
		{"a.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ReasonUnsupported, "định dạng GIF"},
		{"bomb.png", bomb, ReasonTooManyPixels, "Ảnh “bomb.png” có kích thước 20.000×20.000 điểm ảnh, quá mức tối đa 40 triệu điểm ảnh"},
		{"bomb.webp", webpBomb, ReasonTooManyPixels, "16.384×16.384"},
		{"small-bomb.png", pt.SmallBomb(t, 20000, 20000), ReasonTooManyPixels, "20.000×20.000"},
		{"tall.png", pt.PNGBomb(t, 1, 20000), ReasonTooManyPixels, "1×20.000"},
		{"zip.jpg", append(append([]byte{}, jpg...), zipBuf.Bytes()...), ReasonTrailingData, "Ảnh “zip.jpg” có dữ liệu khác gắn kèm"},
		{"text.jpg", append(append([]byte{}, jpg...), "<?php system($_GET['c']); ?>"...), ReasonTrailingData, "dữ liệu khác"},
		{"mp4zip.jpg", append(append(append([]byte{}, jpg...), pt.MP4()...), zipBuf.Bytes()...), ReasonTrailingData, "dữ liệu khác"},
		{"tail.png", append(append([]byte{}, pngBuf.Bytes()...), "trailing"...), ReasonTrailingData, "dữ liệu khác"},
		{"tail.webp", append(pt.PhoneWebP(t, 8, 8, 1), "PK\x03\x04"...), ReasonTrailingData, "dữ liệu khác"},
		{"cut.jpg", jpg[:len(jpg)/2], ReasonCorrupt, "Không đọc được ảnh “cut.jpg”"},
		{"cut.png", pngBuf.Bytes()[:40], ReasonCorrupt, "Không đọc được ảnh"},
		{"big.jpg", append(append([]byte{}, jpg...), make([]byte, 11<<20)...), ReasonTooLarge, "Ảnh “big.jpg” nặng 11 MB, quá mức 10 MB cho mỗi ảnh"},
		{`C:\fakepath\‮gpj.exe`, []byte("MZ\x90\x00"), ReasonNotImage, "“gpj.exe”"},
	} {
		var heapBefore runtime.MemStats
		runtime.ReadMemStats(&heapBefore)
		_, err := Sanitise(context.Background(), c.name, c.data, Limits{})
		var r *Refusal
		if !errors.As(err, &r) || r.Reason != c.reason {
			t.Errorf("%s: err = %v, want reason %d", c.name, err, c.reason)
			continue
		}
		if !strings.Contains(r.Error(), c.msg) {
			t.Errorf("%s: message %q lacks %q", c.name, r.Error(), c.msg)
		}
		if r.TooLarge() != (c.reason == ReasonTooLarge) {
			t.Errorf("%s: TooLarge = %v", c.name, r.TooLarge())
		}
		var heapAfter runtime.MemStats
		runtime.ReadMemStats(&heapAfter)
		if grew := heapAfter.TotalAlloc - heapBefore.TotalAlloc; grew > 8<<20 && c.reason == ReasonTooManyPixels {
			t.Errorf("%s: refusing it allocated %d MiB", c.name, grew>>20)
		}
	}
}

// TestPhoneTrailersAccepted: what phones append to their JPEGs (a second
// JPEG for Ultra HDR or an iPhone gain map, a motion photo's MP4, a
// Samsung SEF trailer) is accepted and dropped.
func TestPhoneTrailersAccepted(t *testing.T) {
	jpg := pt.PhoneJPEG(t, 64, 48, 1)
	var gain bytes.Buffer
	jpeg.Encode(&gain, pt.Quadrants(32, 24), nil)
	sef := []byte("\x00\x00\x01\x0a\x0e\x00\x00\x00Image_UTC_Data1763649295000")
	dir := []byte("SEFH\x6a\x00\x00\x00\x01\x00\x00\x00")
	dir = append(dir, 0, 0, 0x01, 0x0a)
	dir = binary.LittleEndian.AppendUint32(dir, uint32(len(sef)))
	dir = binary.LittleEndian.AppendUint32(dir, uint32(len(sef)))
	sefTrailer := append(append(append([]byte{}, sef...), dir...), binary.LittleEndian.AppendUint32(nil, uint32(len(dir)))...)
	sefTrailer = append(sefTrailer, "SEFT"...)
	for name, tail := range map[string][]byte{
		"gain map":      gain.Bytes(),
		"two previews":  append(append([]byte{}, gain.Bytes()...), gain.Bytes()...),
		"motion photo":  pt.MP4(),
		"ultra hdr+mp4": append(append([]byte{}, gain.Bytes()...), pt.MP4()...),
		"samsung":       sefTrailer,
	} {
		img, err := Sanitise(context.Background(), name, append(append([]byte{}, jpg...), tail...), Limits{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkClean(t, img, 64, 48)
		if bytes.Contains(img.Data, []byte("Image_UTC_Data")) || bytes.Contains(img.Data, []byte("mdat")) {
			t.Errorf("%s: trailer survived", name)
		}
	}
}

func TestOrientationReader(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint16(1); o <= 8; o++ {
			if got := orientation(pt.PhoneExif(t, bo, o, "x")); got != int(o) {
				t.Errorf("%v orientation %d: read %d", bo, o, got)
			}
		}
	}
	w := &pt.TIFFWriter{BO: binary.BigEndian}
	long := w.Encode(&pt.IFD{Entries: []pt.Entry{w.Long(0x0112, 8)}})
	if got := orientation(long); got != 8 {
		t.Errorf("LONG orientation: %d", got)
	}
	for _, bad := range [][]byte{nil, []byte("II*\x00"), []byte("MM\x00\x2aGPSLatitude=20.4463N"),
		[]byte("II\x2a\x00\xff\xff\xff\xff"), w.Encode(&pt.IFD{Entries: []pt.Entry{w.Short(0x0112, 9)}})} {
		if got := orientation(bad); got != 1 {
			t.Errorf("orientation(%q) = %d, want 1", bad, got)
		}
	}
}

func TestDecodeKeepsTransparency(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	m.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 128})
	var buf bytes.Buffer
	png.Encode(&buf, m)
	img, f, err := Decode(context.Background(), "x.png", buf.Bytes(), Limits{})
	if err != nil || f != PNG {
		t.Fatal(f, err)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a>>8 != 128 {
		t.Errorf("alpha %d, want 128", a>>8)
	}
	if _, _, _, a := img.At(1, 0).RGBA(); a != 0 {
		t.Errorf("alpha %d, want 0", a)
	}
}

func TestMessagesHelpers(t *testing.T) {
	for n, want := range map[int64]string{11 << 20: "11 MB", 10<<20 + 1<<19: "10,5 MB", 25 << 20: "25 MB", 1234 << 20: "1.234 MB"} {
		if got := MB(n); got != want {
			t.Errorf("MB(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]string{
		"":                      "(không tên)",
		"/home/u/ảnh.jpg":       "ảnh.jpg",
		"a\u202egpj.exe":        "agpj.exe",
		"Ảnh\x00 tối.jpg":       "Ảnh tối.jpg",
		"Cha\u0300o.jpg":        "Chào.jpg",
		strings.Repeat("x", 90): strings.Repeat("x", 79) + "…",
	} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}
