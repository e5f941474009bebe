package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// The structure walkers below read a file's container (JPEG markers, PNG
// chunks, RIFF chunks) without decoding pixels. They find where the image
// ends, so that anything appended to it (a ZIP, a script) is noticed; the
// EXIF block, for its orientation; and what the pixel decoder will
// allocate. They only index into the slice they are given, with every
// length checked against what is left, and are fuzzed (FuzzSanitise).

// errCorrupt and errTrailing are the walkers' two failures: a container
// that is broken or cut short, and bytes after the image's end.
var (
	errCorrupt  = errors.New("photo: broken or truncated container")
	errTrailing = errors.New("photo: data after the end of the image")
)

// layout is what a walk learns about a file.
type layout struct {
	// exif is the TIFF structure of the EXIF block (JPEG APP1 "Exif",
	// PNG eXIf, WebP EXIF), nil when there is none.
	exif []byte
	// progressive: a progressive JPEG, which Go's decoder holds as
	// coefficients (4 bytes per sample) before it builds the pixels.
	progressive bool
	// components is the number of colour components of a JPEG frame.
	components int
	// frameW, frameH are a WebP's frame dimensions (VP8 or VP8L header),
	// which the decoder allocates by, whatever the VP8X canvas says.
	frameW, frameH int
	// animated: a WebP animation (ANIM chunk), which is refused.
	animated bool
}

// walkJPEG walks a JPEG from SOI to EOI and returns the offset just past
// EOI. Garbage between segments is skipped as libjpeg and Go's decoder
// do; the entropy-coded data after each SOS is scanned for the next
// marker (0xFF not followed by 0x00, RSTn or a fill byte).
func walkJPEG(b []byte, l *layout) (int, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 0, errCorrupt
	}
	i := 2
	for {
		// Find the next marker.
		for i < len(b) && b[i] != 0xFF {
			i++
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return 0, errCorrupt
		}
		marker := b[i]
		i++
		switch {
		case marker == 0xD9: // EOI
			return i, nil
		case marker == 0xD8, marker == 0x00:
			return 0, errCorrupt
		case marker == 0x01, marker >= 0xD0 && marker <= 0xD7: // TEM, RSTn: no length
			continue
		}
		if i+2 > len(b) {
			return 0, errCorrupt
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return 0, errCorrupt
		}
		data := b[i+2 : i+n]
		i += n
		switch {
		case marker == 0xE1 && l != nil && l.exif == nil && len(data) >= 6 && string(data[:5]) == "Exif\x00":
			l.exif = data[6:]
		case isSOF(marker) && l != nil:
			if len(data) >= 6 {
				l.components = int(data[5])
			}
			l.progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
		case marker == 0xDA: // SOS: skip the entropy-coded data
			for {
				for i < len(b) && b[i] != 0xFF {
					i++
				}
				if i+1 >= len(b) {
					return 0, errCorrupt
				}
				next := b[i+1]
				if next == 0x00 || next >= 0xD0 && next <= 0xD7 {
					i += 2
					continue
				}
				if next == 0xFF {
					i++
					continue
				}
				break // a marker: back to the segment loop
			}
		}
	}
}

// isSOF reports whether marker starts a frame (SOF0–SOF15 without DHT,
// JPG and DAC, which share the range).
func isSOF(m byte) bool {
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// jpegTrailer checks what follows a JPEG's EOI. Phones append things that
// belong to the photo: further JPEGs described by the MPF block (Ultra HDR
// and iPhone gain maps, previews), a motion photo's MP4 (Google), a
// Samsung SEF trailer (ending "SEFT", which may hold a motion photo too).
// Those are accepted, and dropped by the re-encoding like everything but
// the pixels; anything else after the image (a ZIP, a script, a second
// file of any kind) is errTrailing.
func jpegTrailer(t []byte) error {
	for len(t) > 0 {
		switch {
		case len(t) >= 2 && t[0] == 0xFF && t[1] == 0xD8:
			n, err := walkJPEG(t, nil)
			if err != nil {
				return errTrailing
			}
			t = t[n:]
		case len(t) >= 8 && string(t[4:8]) == "ftyp":
			return bmffBoxes(t)
		case samsungTrailer(t):
			return nil
		default:
			return errTrailing
		}
	}
	return nil
}

// bmffBoxes accepts t when it is a run of ISO base media (MP4) boxes that
// ends exactly at the end of t, as a motion photo's video does.
func bmffBoxes(t []byte) error {
	for len(t) > 0 {
		if len(t) < 8 {
			return errTrailing
		}
		size := uint64(binary.BigEndian.Uint32(t))
		for _, c := range t[4:8] {
			if c < 0x20 || c > 0x7E {
				return errTrailing
			}
		}
		switch size {
		case 0: // to the end
			return nil
		case 1:
			if len(t) < 16 {
				return errTrailing
			}
			size = binary.BigEndian.Uint64(t[8:])
			if size < 16 {
				return errTrailing
			}
		default:
			if size < 8 {
				return errTrailing
			}
		}
		if size > uint64(len(t)) {
			return errTrailing
		}
		t = t[size:]
	}
	return nil
}

// samsungTrailer reports whether t is a Samsung SEF trailer: data blocks
// followed by a directory "SEFH" version count entries…, its length and
// "SEFT" as the last four bytes; every entry must point inside t.
func samsungTrailer(t []byte) bool {
	if len(t) < 8+12 || string(t[len(t)-4:]) != "SEFT" {
		return false
	}
	dirLen := int64(binary.LittleEndian.Uint32(t[len(t)-8:]))
	start := int64(len(t)) - 8 - dirLen
	if dirLen < 12 || start < 0 || string(t[start:start+4]) != "SEFH" {
		return false
	}
	count := int64(binary.LittleEndian.Uint32(t[start+8:]))
	if count == 0 || 12+count*12 > dirLen {
		return false
	}
	for k := int64(0); k < count; k++ {
		e := t[start+12+k*12:]
		off := int64(binary.LittleEndian.Uint32(e[4:]))
		n := int64(binary.LittleEndian.Uint32(e[8:]))
		if off > start || n > off {
			return false
		}
	}
	return true
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// walkPNG walks a PNG's chunks from IHDR to IEND and returns the offset
// just past IEND. CRCs are left to the decoder.
func walkPNG(b []byte, l *layout) (int, error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return 0, errCorrupt
	}
	i := len(pngSignature)
	first := true
	for {
		if i+8 > len(b) {
			return 0, errCorrupt
		}
		n := int64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		end := int64(i) + 12 + n
		if n > 1<<31-1 || end > int64(len(b)) {
			return 0, errCorrupt
		}
		if first && typ != "IHDR" {
			return 0, errCorrupt
		}
		first = false
		data := b[i+8 : i+8+int(n)]
		switch typ {
		case "eXIf":
			if l.exif == nil {
				l.exif = data
			}
		case "IEND":
			return int(end), nil
		}
		i = int(end)
	}
}

// walkWebP walks a RIFF WEBP file's chunks. The RIFF size must account for
// the whole file (one pad byte allowed); the frame header's dimensions are
// read from VP8 or VP8L.
func walkWebP(b []byte, l *layout) (int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, errCorrupt
	}
	size := int64(binary.LittleEndian.Uint32(b[4:]))
	end := 8 + size
	if size < 4 || end > int64(len(b)) {
		return 0, errCorrupt
	}
	i := int64(12)
	for i < end {
		if i+8 > end {
			return 0, errCorrupt
		}
		fcc := string(b[i : i+4])
		n := int64(binary.LittleEndian.Uint32(b[i+4:]))
		if i+8+n > end {
			return 0, errCorrupt
		}
		data := b[i+8 : i+8+n]
		switch fcc {
		case "VP8 ":
			// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit
			// width and height, each with 2 bits of scaling.
			if len(data) < 10 || data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a {
				return 0, errCorrupt
			}
			l.frameW = int(binary.LittleEndian.Uint16(data[6:]) & 0x3fff)
			l.frameH = int(binary.LittleEndian.Uint16(data[8:]) & 0x3fff)
		case "VP8L":
			if len(data) < 5 || data[0] != 0x2f {
				return 0, errCorrupt
			}
			v := binary.LittleEndian.Uint32(data[1:])
			l.frameW = int(v&0x3fff) + 1
			l.frameH = int(v>>14&0x3fff) + 1
		case "ANIM", "ANMF":
			l.animated = true
		case "EXIF":
			if l.exif == nil {
				// Some writers keep JPEG's "Exif\0\0" prefix.
				l.exif = bytes.TrimPrefix(data, []byte("Exif\x00\x00"))
			}
		}
		i += 8 + n + n&1
	}
	// A RIFF size that leaves the last chunk's pad byte outside is common.
	if int64(len(b)) > end && !(int64(len(b)) == end+1 && size&1 == 1) {
		return 0, errTrailing
	}
	return len(b), nil
}

// zipAtEnd reports whether b ends with a ZIP end-of-central-directory
// record whose comment runs exactly to the end of b: what ZIP readers look
// for, so a file with one opens as an archive whatever comes before it.
// The exact comment length makes a chance match in compressed data
// vanishingly unlikely.
func zipAtEnd(b []byte) bool {
	const eocd = 22
	lo := len(b) - (eocd + 0xFFFF)
	if lo < 0 {
		lo = 0
	}
	for i := len(b) - eocd; i >= lo; i-- {
		if b[i] == 'P' && b[i+1] == 'K' && b[i+2] == 5 && b[i+3] == 6 &&
			int(binary.LittleEndian.Uint16(b[i+20:])) == len(b)-i-eocd {
			return true
		}
	}
	return false
}
