package photo

import "encoding/binary"

// orientation reads the Orientation tag (0x0112) of IFD0 from an EXIF
// block's TIFF structure (TIFF 6.0 §2; Exif 2.32 §4.6.4): 1 to 8, or 1
// when the block is missing, malformed or says anything else. It reads
// nothing but that one tag: no library is needed for two bytes, and
// nothing else of the block is kept.
func orientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 1
	}
	n := int64(bo.Uint16(tiff[ifd:]))
	for k := int64(0); k < n; k++ {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(tiff)) {
			return 1
		}
		if bo.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		var v int
		switch bo.Uint16(tiff[e+2:]) { // field type
		case 3: // SHORT
			v = int(bo.Uint16(tiff[e+8:]))
		case 4: // LONG, written by a few tools
			v = int(bo.Uint32(tiff[e+8:]))
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return v
	}
	return 1
}
