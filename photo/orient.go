package photo

import (
	"image"
	"image/draw"
)

// canonical returns img as one of the three types the rest of the package
// works on: *image.YCbCr (what JPEG and lossy WebP decode to; kept as it
// is, so a photo without rotation goes from decoder to encoder without a
// copy), *image.Gray, or else *image.RGBA (premultiplied, so transparency
// survives for callers that keep it). image/draw has fast paths for the
// common sources (NRGBA, Paletted via the generic path is slower but
// those are small screenshots).
func canonical(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.YCbCr:
		if m.Rect.Min == (image.Point{}) && transposable(m.SubsampleRatio) {
			return m
		}
	case *image.Gray:
		if m.Rect.Min == (image.Point{}) {
			return m
		}
	case *image.RGBA:
		if m.Rect.Min == (image.Point{}) {
			return m
		}
	}
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	return dst
}

// transposable reports whether a YCbCr image of ratio r, turned by 90°,
// is again a YCbCr ratio Go has (4:1:1 would become a 1×4 subsampling).
func transposable(r image.YCbCrSubsampleRatio) bool {
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440:
		return true
	}
	return false
}

// swapsAxes reports whether EXIF orientation o turns the image by 90°
// (5 to 8), so that width and height trade places.
func swapsAxes(o int) bool { return o >= 5 && o <= 8 }

// orient returns img (of a type canonical returns) as it is meant to be
// seen, given its EXIF orientation o (Exif 2.32, tag 0x0112: 1 as stored,
// 2 mirrored, 3 turned 180°, 4 flipped, 5 transposed, 6 turned 90°
// clockwise, 7 transversed, 8 turned 90° anticlockwise). The result is a
// new image of the same type; for o == 1 (or any unknown value) img itself.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	switch m := img.(type) {
	case *image.YCbCr:
		w, h := m.Rect.Dx(), m.Rect.Dy()
		ratio := m.SubsampleRatio
		if swapsAxes(o) {
			switch ratio {
			case image.YCbCrSubsampleRatio422:
				ratio = image.YCbCrSubsampleRatio440
			case image.YCbCrSubsampleRatio440:
				ratio = image.YCbCrSubsampleRatio422
			}
		}
		cw, ch := chromaSize(w, h, m.SubsampleRatio)
		y, dw, dh := orientPlane(m.Y, m.YStride, w, h, 1, o)
		cb, cdw, _ := orientPlane(m.Cb, m.CStride, cw, ch, 1, o)
		cr, _, _ := orientPlane(m.Cr, m.CStride, cw, ch, 1, o)
		return &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: dw, CStride: cdw,
			SubsampleRatio: ratio, Rect: image.Rect(0, 0, dw, dh)}
	case *image.Gray:
		p, dw, dh := orientPlane(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), 1, o)
		return &image.Gray{Pix: p, Stride: dw, Rect: image.Rect(0, 0, dw, dh)}
	case *image.RGBA:
		p, dw, dh := orientPlane(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), 4, o)
		return &image.RGBA{Pix: p, Stride: 4 * dw, Rect: image.Rect(0, 0, dw, dh)}
	}
	return orient(canonical(img), o)
}

// chromaSize is the size of the Cb and Cr planes of a w×h YCbCr image at
// the origin, as image.NewYCbCr lays them out.
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	}
	return w, h
}

// orientPlane returns a new plane holding the w×h plane src (rows stride
// bytes apart, bpp bytes a pixel) in orientation o, with its width and
// height. Source pixel (x, y) goes to:
//
//	2 (w-1-x, y)   3 (w-1-x, h-1-y)   4 (x, h-1-y)
//	5 (y, x)       6 (h-1-y, x)       7 (h-1-y, w-1-x)   8 (y, w-1-x)
func orientPlane(src []byte, stride, w, h, bpp, o int) ([]byte, int, int) {
	dw, dh := w, h
	if swapsAxes(o) {
		dw, dh = h, w
	}
	dst := make([]byte, dw*dh*bpp)
	for y := 0; y < h; y++ {
		row := src[y*stride : y*stride+w*bpp]
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			d := (dy*dw + dx) * bpp
			copy(dst[d:d+bpp], row[x*bpp:x*bpp+bpp])
		}
	}
	return dst, dw, dh
}

// flatten makes a premultiplied RGBA image opaque in place, as if laid on
// white (JPEG has no transparency): each channel c of alpha a becomes
// c + 255 - a, which for premultiplied values never exceeds 255.
func flatten(m *image.RGBA) {
	for y := 0; y < m.Rect.Dy(); y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+4*m.Rect.Dx()]
		for i := 0; i < len(row); i += 4 {
			if a := row[i+3]; a != 0xFF {
				k := 0xFF - a
				row[i] += k
				row[i+1] += k
				row[i+2] += k
				row[i+3] = 0xFF
			}
		}
	}
}
