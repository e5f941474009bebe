// Package phototest makes test photos that carry what phones write into
// a photo: EXIF with GPS position, make, model, body serial, time, maker
// note and an embedded thumbnail; an XMP packet; an IPTC block; an ICC
// profile with a distinctive name; a comment; in JPEG, PNG and WebP, with
// any EXIF orientation. Every distinctive value holds Marker, so a byte
// search for it finds any of them that survived. Also decompression bombs
// and what phones append to JPEGs. For tests only.
package phototest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"testing"
)

// Marker is in every distinctive metadata value of the fixtures.
const Marker = "Zq7"

// Red, Green, Blue and White are the quadrant colours of the test image, as stored (before orientation).
var (
	Red   = color.RGBA{255, 0, 0, 255}     // top left
	Green = color.RGBA{0, 255, 0, 255}     // top right
	Blue  = color.RGBA{0, 0, 255, 255}     // bottom left
	White = color.RGBA{255, 255, 255, 255} // bottom right
)

// Quadrants returns a w×h image of four plain Quadrants.
func Quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := Red
			switch {
			case x >= w/2 && y < h/2:
				c = Green
			case x < w/2 && y >= h/2:
				c = Blue
			case x >= w/2 && y >= h/2:
				c = White
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// --- TIFF (EXIF) writer ---------------------------------------------------

type tiffType uint16

const (
	tByte      tiffType = 1
	tASCII     tiffType = 2
	tShort     tiffType = 3
	tLong      tiffType = 4
	tRational  tiffType = 5
	tUndefined tiffType = 7
)

// Entry is one field of an IFD.
type Entry struct {
	tag   uint16
	typ   tiffType
	count uint32
	val   []byte // encoded in the writer's byte order
	sub   *IFD   // value is the offset of this IFD (LONG)
	blob  []byte // value is the offset of these bytes (LONG)
}

// IFD is an image file directory: its fields and the IFD chained after
// it (IFD1 holds the thumbnail).
type IFD struct {
	Entries []Entry
	Next    *IFD
}

// TIFFWriter writes TIFF structures (the body of an EXIF block) in the
// byte order BO.
type TIFFWriter struct {
	BO  binary.ByteOrder
	buf []byte
}

// ASCII is a NUL-terminated ASCII field.
func (w *TIFFWriter) ASCII(tag uint16, s string) Entry {
	return Entry{tag: tag, typ: tASCII, count: uint32(len(s) + 1), val: append([]byte(s), 0)}
}

// Short is a SHORT field.
func (w *TIFFWriter) Short(tag uint16, v uint16) Entry {
	b := make([]byte, 2)
	w.BO.PutUint16(b, v)
	return Entry{tag: tag, typ: tShort, count: 1, val: b}
}

// Long is a LONG field.
func (w *TIFFWriter) Long(tag uint16, v uint32) Entry {
	b := make([]byte, 4)
	w.BO.PutUint32(b, v)
	return Entry{tag: tag, typ: tLong, count: 1, val: b}
}

// Rationals is a RATIONAL field of numerator, denominator pairs.
func (w *TIFFWriter) Rationals(tag uint16, v ...uint32) Entry {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		w.BO.PutUint32(b[4*i:], x)
	}
	return Entry{tag: tag, typ: tRational, count: uint32(len(v) / 2), val: b}
}

// Undefined is an UNDEFINED (bytes) field.
func (w *TIFFWriter) Undefined(tag uint16, b []byte) Entry {
	return Entry{tag: tag, typ: tUndefined, count: uint32(len(b)), val: b}
}

// encode writes the TIFF header and ifd0 with everything it points to.
func (w *TIFFWriter) Encode(ifd0 *IFD) []byte {
	if w.BO == binary.LittleEndian {
		w.buf = []byte("II\x2a\x00\x08\x00\x00\x00")
	} else {
		w.buf = []byte("MM\x00\x2a\x00\x00\x00\x08")
	}
	w.writeIFD(ifd0)
	return w.buf
}

func (w *TIFFWriter) align() {
	if len(w.buf)%2 == 1 {
		w.buf = append(w.buf, 0)
	}
}

func (w *TIFFWriter) writeIFD(d *IFD) uint32 {
	w.align()
	off := len(w.buf)
	w.buf = append(w.buf, make([]byte, 2+12*len(d.Entries)+4)...)
	w.BO.PutUint16(w.buf[off:], uint16(len(d.Entries)))
	for i, e := range d.Entries {
		var v [4]byte
		typ, count := e.typ, e.count
		switch {
		case e.sub != nil:
			typ, count = tLong, 1
			w.BO.PutUint32(v[:], w.writeIFD(e.sub))
		case e.blob != nil:
			typ, count = tLong, 1
			w.align()
			w.BO.PutUint32(v[:], uint32(len(w.buf)))
			w.buf = append(w.buf, e.blob...)
		case len(e.val) <= 4:
			copy(v[:], e.val)
		default:
			w.align()
			w.BO.PutUint32(v[:], uint32(len(w.buf)))
			w.buf = append(w.buf, e.val...)
		}
		p := off + 2 + 12*i
		w.BO.PutUint16(w.buf[p:], e.tag)
		w.BO.PutUint16(w.buf[p+2:], uint16(typ))
		w.BO.PutUint32(w.buf[p+4:], count)
		copy(w.buf[p+8:p+12], v[:])
	}
	if d.Next != nil {
		n := w.writeIFD(d.Next)
		w.BO.PutUint32(w.buf[off+2+12*len(d.Entries):], n)
	}
	return uint32(off)
}

// GPSLatitude is the raw GPSLatitude value of the fixtures (20° 26'
// 44.63" N, Thái Bình), searched for in the output as bytes.
var GPSLatitude = []uint32{20, 1, 26, 1, 4463, 100}

// PhoneExif returns an EXIF TIFF structure as a phone writes it, with
// orientation o, in byte order bo, and a thumbnail JPEG in IFD1.
func PhoneExif(t testing.TB, bo binary.ByteOrder, o uint16, prefix string) []byte {
	w := &TIFFWriter{BO: bo}
	exif := &IFD{Entries: []Entry{
		w.ASCII(0x9003, "2026:11:20 21:34:55"), // DateTimeOriginal
		w.ASCII(0x9010, "+07:00"),              // OffsetTimeOriginal
		w.Undefined(0x927C, []byte("MAKERNOTE-"+Marker+"-"+prefix+"\x00\x01\x02\x03 serial 8842")), // MakerNote
		w.ASCII(0xA420, "UNIQUEID-"+Marker+"-"+prefix),                                             // ImageUniqueID
		w.ASCII(0xA431, "SERIAL-8842"+Marker+"-"+prefix),                                           // BodySerialNumber
		w.ASCII(0xA434, "LENS-"+Marker+"-"+prefix),                                                 // LensModel
	}}
	gps := &IFD{Entries: []Entry{
		{tag: 0x0000, typ: tByte, count: 4, val: []byte{2, 3, 0, 0}}, // GPSVersionID
		w.ASCII(0x0001, "N"),
		w.Rationals(0x0002, GPSLatitude...),
		w.ASCII(0x0003, "E"),
		w.Rationals(0x0004, 106, 1, 20, 1, 1234, 100),
		w.Undefined(0x001B, []byte("ASCII\x00\x00\x00GPS-METHOD-"+Marker+"-"+prefix)), // GPSProcessingMethod
		w.ASCII(0x001D, "2026:11:20"), // GPSDateStamp
	}}
	thumb := &IFD{Entries: []Entry{
		w.Short(0x0103, 6), // Compression: JPEG
		{tag: 0x0201, blob: thumbnailJPEG(t, prefix)},
		w.Long(0x0202, uint32(len(thumbnailJPEG(t, prefix)))),
	}}
	ifd0 := &IFD{Entries: []Entry{
		w.ASCII(0x010F, "MAKE-"+Marker+"-"+prefix),
		w.ASCII(0x0110, "MODEL-"+Marker+"-"+prefix),
		w.Short(0x0112, o),
		w.ASCII(0x0131, "SOFTWARE-"+Marker+"-"+prefix),
		w.ASCII(0x013B, "ARTIST-"+Marker+"-"+prefix),
		{tag: 0x8769, sub: exif},
		{tag: 0x8825, sub: gps},
	}, Next: thumb}
	return w.Encode(ifd0)
}

// thumbnailJPEG is the embedded preview: a small JPEG with its own
// comment, as cameras keep of the uncropped picture.
func thumbnailJPEG(t testing.TB, prefix string) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Quadrants(16, 12), nil); err != nil {
		t.Fatal(err)
	}
	return InsertSegments(buf.Bytes(), Segment(0xFE, []byte("THUMB-"+Marker+"-"+prefix)))
}

// --- JPEG ----------------------------------------------------------------

// Segment returns a JPEG Marker Segment.
func Segment(m byte, data []byte) []byte {
	s := []byte{0xFF, m, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(data)+2))
	return append(s, data...)
}

// InsertSegments puts segs right after the SOI of a JPEG.
func InsertSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// XMPPacket is an XMP packet with GPS, camera and creator.
func XMPPacket(prefix string) []byte {
	return []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 exif:GPSLatitude="20,26.7438N" exif:GPSLongitude="106,20.2057E" tiff:Make="XMP-MAKE-` + Marker + `-` + prefix + `"
 exif:DateTimeOriginal="2026-11-20T21:34:55+07:00"><dc:creator><rdf:Seq><rdf:li>XMP-CREATOR-` + Marker + `-` + prefix + `</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
}

// IPTCBlock is a Photoshop APP13 block with an IPTC by-line and city.
func IPTCBlock(prefix string) []byte {
	var iptc []byte
	for _, ds := range []struct {
		num byte
		val string
	}{{80, "IPTC-BYLINE-" + Marker + "-" + prefix}, {90, "IPTC-CITY-" + Marker + "-" + prefix}} {
		iptc = append(iptc, 0x1C, 2, ds.num, 0, byte(len(ds.val)))
		iptc = append(iptc, ds.val...)
	}
	b := []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	b = binary.BigEndian.AppendUint32(b, uint32(len(iptc)))
	b = append(b, iptc...)
	if len(iptc)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// ICCProfile is a small ICC profile whose description tag names it.
func ICCProfile(prefix string) []byte {
	desc := []byte("desc\x00\x00\x00\x00")
	name := "ICC-PROFILE-" + Marker + "-" + prefix
	desc = binary.BigEndian.AppendUint32(desc, uint32(len(name)+1))
	desc = append(desc, name...)
	desc = append(desc, make([]byte, 1+4+4+2+1+67)...)
	p := make([]byte, 128)
	copy(p[4:], "lcms")
	binary.BigEndian.PutUint32(p[8:], 0x02100000)
	copy(p[12:], "mntrRGB XYZ ")
	copy(p[36:], "acsp")
	p = binary.BigEndian.AppendUint32(p, 1) // tag count
	p = append(p, "desc"...)
	p = binary.BigEndian.AppendUint32(p, 128+4+12)
	p = binary.BigEndian.AppendUint32(p, uint32(len(desc)))
	p = append(p, desc...)
	binary.BigEndian.PutUint32(p[0:], uint32(len(p)))
	return p
}

// PhoneJPEG returns a w×h JPEG of Quadrants stored unturned, tagged with
// EXIF orientation o, carrying every kind of metadata.
func PhoneJPEG(t testing.TB, w, h int, o uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Quadrants(w, h), &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return InsertSegments(buf.Bytes(),
		Segment(0xE1, append([]byte("Exif\x00\x00"), PhoneExif(t, binary.LittleEndian, o, "JPEG")...)),
		Segment(0xE1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), XMPPacket("JPEG")...)),
		Segment(0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), ICCProfile("JPEG")...)),
		Segment(0xED, IPTCBlock("JPEG")),
		Segment(0xFE, []byte("COMMENT-"+Marker+"-JPEG")),
	)
}

// --- PNG -----------------------------------------------------------------

func PNGChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	z, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}

// InsertChunks puts chunks right after the IHDR of a PNG.
func InsertChunks(p []byte, chunks ...[]byte) []byte {
	const afterIHDR = 8 + 25
	out := append([]byte{}, p[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[afterIHDR:]...)
}

// PhonePNG returns a w×h PNG of Quadrants with text, XMP, EXIF (orientation
// o, GPS, thumbnail) and ICC chunks.
func PhonePNG(t testing.TB, w, h int, o uint16) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, Quadrants(w, h)); err != nil {
		t.Fatal(err)
	}
	return InsertChunks(buf.Bytes(),
		PNGChunk("iCCP", append([]byte("PNG-ICC-"+Marker+"\x00\x00"), zlibBytes(ICCProfile("PNG"))...)),
		PNGChunk("eXIf", PhoneExif(t, binary.BigEndian, o, "PNG")),
		PNGChunk("tEXt", []byte("Author\x00PNG-TEXT-"+Marker)),
		PNGChunk("zTXt", append([]byte("Comment\x00\x00"), zlibBytes([]byte("PNG-ZTXT-"+Marker))...)),
		PNGChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), XMPPacket("PNG")...)),
	)
}

// --- WebP ----------------------------------------------------------------

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (b *bitWriter) put(v uint64, n uint) {
	b.acc |= v << b.nacc
	b.nacc += n
	for b.nacc >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nacc -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nacc > 0 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc, b.nacc = 0, 0
	}
	return b.buf
}

// VP8LQuadrants encodes Quadrants(w, h) as a lossless VP8L bitstream
// (WebP Lossless Bitstream Specification, RFC 9649 §3): no transforms, no
// colour cache, one group of "simple" prefix codes, since every channel of
// the four colours is 0 or 255 (1 bit each; alpha and distance 0 bits).
func VP8LQuadrants(w, h int) []byte {
	b := &bitWriter{}
	b.put(0x2f, 8)
	b.put(uint64(w-1), 14)
	b.put(uint64(h-1), 14)
	b.put(0, 1)            // alpha_is_used
	b.put(0, 3)            // version
	b.put(0, 1)            // no transform
	b.put(0, 1)            // no colour cache
	b.put(0, 1)            // no meta prefix codes
	twoSymbols := func() { // symbols 0 and 255, one bit each
		b.put(1, 1) // simple code
		b.put(1, 1) // two symbols
		b.put(0, 1) // first symbol in 1 bit
		b.put(0, 1) // 0
		b.put(255, 8)
	}
	twoSymbols() // green
	twoSymbols() // red
	twoSymbols() // blue
	b.put(1, 1)  // alpha: simple, one symbol, 8 bits: 255
	b.put(0, 1)
	b.put(1, 1)
	b.put(255, 8)
	b.put(1, 1) // distance: simple, one symbol, 1 bit: 0
	b.put(0, 1)
	b.put(0, 1)
	b.put(0, 1)
	img := Quadrants(w, h)
	bit := func(v uint8) uint64 {
		if v != 0 {
			return 1
		}
		return 0
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := img.RGBAAt(x, y)
			b.put(bit(c.G), 1)
			b.put(bit(c.R), 1)
			b.put(bit(c.B), 1)
		}
	}
	return b.bytes()
}

func RIFFChunk(fcc string, data []byte) []byte {
	c := append([]byte(fcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func RIFF(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	out = append(out, "WEBP"...)
	return append(out, body...)
}

// VP8X is the extended-format header chunk with the given flags and
// canvas size.
func VP8X(flags byte, w, h int) []byte {
	d := []byte{flags, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	return RIFFChunk("VP8X", d)
}

// PhoneWebP returns a w×h lossless WebP of Quadrants with EXIF
// (orientation o), XMP and ICC chunks.
func PhoneWebP(t testing.TB, w, h int, o uint16) []byte {
	return RIFF(
		VP8X(0x20|0x08|0x04, w, h),
		RIFFChunk("ICCP", ICCProfile("WEBP")),
		RIFFChunk("VP8L", VP8LQuadrants(w, h)),
		RIFFChunk("EXIF", PhoneExif(t, binary.LittleEndian, o, "WEBP")),
		RIFFChunk("XMP ", XMPPacket("WEBP")),
	)
}

func zlibWriter(w io.Writer) (*zlib.Writer, error) {
	return zlib.NewWriterLevel(w, zlib.BestCompression)
}

// SmallBomb returns a PNG of a few kilobytes whose header claims w×h
// pixels: a valid start of the compressed rows, cut after 4 KiB. A
// decoder that trusts the header allocates w×h bytes before it finds out.
func SmallBomb(t testing.TB, w, h int) []byte {
	full := PNGBomb(t, w, h)
	idat := bytes.Index(full, []byte("IDAT"))
	n := int(binary.BigEndian.Uint32(full[idat-4:]))
	data := full[idat+4 : idat+4+min(n, 4096)]
	out := append([]byte{}, full[:idat-4]...)
	out = append(out, PNGChunk("IDAT", data)...)
	return append(out, PNGChunk("IEND", nil)...)
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// PNGBomb returns a real PNG of w×h pixels, 1-bit grey, all zero: it
// decodes to w×h bytes, from a file of a few kilobytes.
func PNGBomb(t testing.TB, w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 1, 0, 0, 0, 0) // bit depth 1, grey
	row := make([]byte, 1+(w+7)/8)
	var raw bytes.Buffer
	z, _ := zlibWriter(&raw)
	for y := 0; y < h; y++ {
		z.Write(row)
	}
	z.Close()
	out := append([]byte{}, pngSignature...)
	out = append(out, PNGChunk("IHDR", ihdr)...)
	out = append(out, PNGChunk("IDAT", raw.Bytes())...)
	return append(out, PNGChunk("IEND", nil)...)
}

// MP4 is a minimal run of MP4 boxes, as a motion photo appends.
func MP4() []byte {
	box := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(8+len(data)))
		return append(append(b, typ...), data...)
	}
	return append(box("ftyp", []byte("mp42\x00\x00\x00\x00isommp42")), box("mdat", bytes.Repeat([]byte{0x11}, 300))...)
}

// Padded returns jpg grown to exactly size bytes (at least len(jpg)+4)
// with APP15 segments of filler after its SOI: a valid JPEG of that size,
// nothing appended.
func Padded(jpg []byte, size int) []byte {
	var segs [][]byte
	for n := size - len(jpg); n > 0; {
		k := min(n, 65535+2)
		if n-k > 0 && n-k < 4 { // leave room for a last segment
			k -= 4
		}
		segs = append(segs, Segment(0xEF, bytes.Repeat([]byte{0x55}, k-4)))
		n -= k
	}
	return InsertSegments(jpg, segs...)
}
