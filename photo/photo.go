// Package photo turns an uploaded image file into a clean one: it checks
// the container and the dimensions before decoding (decompression bombs,
// files with something appended), decodes JPEG, PNG or WebP, applies the
// EXIF orientation, and encodes the pixels afresh as JPEG, so that nothing
// of the original file survives: no EXIF (GPS position, camera make, model
// and serial, time), XMP, IPTC, ICC profile, maker notes, thumbnails,
// comments or trailing bytes. A file it will not take gets a *Refusal with
// a Vietnamese message naming the file.
//
// It works on bytes already in memory and writes nothing anywhere. Decoding
// draws on one memory budget shared by the whole process (MemoryBudget), so
// that many uploads at once queue instead of exhausting memory. It has no
// dependency on the web layer.
package photo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"time"

	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"
)

// Default limits. A 12-megapixel phone photo is 4032×3024; 40 million
// pixels leaves room for 24–32 MP phones and 8K frames (7680×4320) and
// refuses only what no phone sends in its normal mode.
const (
	DefaultMaxBytes  = 10 << 20 // 10 MiB, the intake rule for one photo
	DefaultMaxPixels = 40_000_000
	DefaultMaxSide   = 16_384 // also WebP's own limit
	// Quality is the JPEG quality of re-encoded photos: small files whose
	// text (plates, chat screenshots) stays legible.
	Quality = 85
	// MemoryBudget bounds, in bytes, what all decodes in progress may
	// hold at once (see cost). A 12 MP photo costs about 130 MiB, so
	// about seven decode together; the largest allowed image (40 MP,
	// progressive) still fits alone.
	MemoryBudget = 1 << 30
	// BudgetWait is how long a decode waits for memory before ErrBusy.
	BudgetWait = 20 * time.Second
)

// ContentType is the type of every image Sanitise returns.
const ContentType = "image/jpeg"

// ErrBusy is returned when the memory budget stayed taken for BudgetWait
// (or the context ended first): the server is busy, the file is fine.
var ErrBusy = errors.New("photo: too many images being processed; try again")

// budget is the process-wide memory budget of decodes.
var budget = semaphore.NewWeighted(MemoryBudget)

// Limits bound what one file may be; zero fields take the defaults.
type Limits struct {
	// MaxBytes is the largest file accepted, in bytes.
	MaxBytes int
	// MaxPixels is the largest width×height accepted, checked from the
	// header before anything is decoded.
	MaxPixels int64
	// MaxSide is the largest width or height accepted, in pixels.
	MaxSide int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSide
	}
	return l
}

// Format is a file format photo reads.
type Format string

// The formats that decode. Others are recognised only to be refused with
// their name (ReasonUnsupported).
const (
	JPEG Format = "JPEG"
	PNG  Format = "PNG"
	WebP Format = "WebP"
)

// Image is a sanitised photo: a JPEG written from the decoded pixels
// alone. Width and Height are those of Data, after the EXIF orientation
// was applied (a portrait phone photo is taller than wide).
type Image struct {
	Data          []byte
	ContentType   string // always ContentType, "image/jpeg"
	Width, Height int
}

// Info is what Inspect learns of a file without decoding its pixels.
type Info struct {
	Format        Format
	Width, Height int // as stored, before orientation
	Orientation   int // EXIF orientation, 1 to 8
	cost          int64
}

// Inspect checks a file without decoding its pixels: its size, that its
// content (not its name) is JPEG, PNG or WebP, its dimensions from the
// header against the limits, and its container from start to end (nothing
// appended). name is the file's name as the person chose it, used only in
// the message of a *Refusal, the only error it returns. It reads data
// only; it costs a pass over the bytes.
func Inspect(name string, data []byte, lim Limits) (Info, error) {
	lim = lim.withDefaults()
	if len(data) == 0 {
		return Info{}, refuse(name, ReasonEmpty)
	}
	if len(data) > lim.MaxBytes {
		r := refuse(name, ReasonTooLarge)
		r.Size, r.Limit = int64(len(data)), int64(lim.MaxBytes)
		return Info{}, r
	}
	format, other := sniff(data)
	if format == "" {
		if other != "" {
			r := refuse(name, ReasonUnsupported)
			r.Format = other
			return Info{}, r
		}
		return Info{}, refuse(name, ReasonNotImage)
	}
	var cfg image.Config
	var err error
	switch format {
	case JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case WebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, refuse(name, ReasonCorrupt)
	}
	var l layout
	var end int
	switch format {
	case JPEG:
		end, err = walkJPEG(data, &l)
		if err == nil {
			err = jpegTrailer(data[end:])
		}
	case PNG:
		end, err = walkPNG(data, &l)
		if err == nil && end != len(data) {
			err = errTrailing
		}
	case WebP:
		_, err = walkWebP(data, &l)
	}
	// Dimensions first: a bomb is named as such even when it is also cut
	// short (a bomb has no need of its pixel data to be refused).
	w, h := cfg.Width, cfg.Height
	if format == WebP && err == nil {
		if l.frameW <= 0 || l.frameH <= 0 {
			err = errCorrupt
		}
		// The decoder allocates by the frame, whatever the canvas says.
		w, h = max(w, l.frameW), max(h, l.frameH)
	}
	if w > lim.MaxSide || h > lim.MaxSide || int64(w)*int64(h) > lim.MaxPixels {
		r := refuse(name, ReasonTooManyPixels)
		r.Width, r.Height, r.MaxPixels, r.MaxSide = w, h, lim.MaxPixels, lim.MaxSide
		return Info{}, r
	}
	switch {
	case errors.Is(err, errTrailing):
		return Info{}, refuse(name, ReasonTrailingData)
	case err != nil:
		return Info{}, refuse(name, ReasonCorrupt)
	case format == WebP && l.animated:
		r := refuse(name, ReasonUnsupported)
		r.Format = "WebP động (ảnh chuyển động)"
		return Info{}, r
	case zipAtEnd(data):
		// A ZIP hidden where the container allows free bytes (an APP
		// segment, a motion photo's video) still opens as an archive.
		return Info{}, refuse(name, ReasonTrailingData)
	}
	info := Info{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: orientation(l.exif)}
	info.cost = cost(format, cfg, l, w, h)
	return info, nil
}

// sniff names the format by content. For a known image format photo does
// not decode, it returns "" and that format's name.
func sniff(b []byte) (Format, string) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG, ""
	case bytes.HasPrefix(b, pngSignature):
		return PNG, ""
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP, ""
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1":
			return "", "HEIC"
		case "avif", "avis":
			return "", "AVIF"
		}
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "", "GIF"
	case bytes.HasPrefix(b, []byte("BM")) && len(b) >= 26:
		return "", "BMP"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "", "TIFF"
	}
	return "", ""
}

// cost estimates, in bytes, the most a decode of the file holds at once:
// the decoded pixels (a progressive JPEG also holds 4 bytes of
// coefficients per sample until the end), plus an RGBA copy and a turned
// copy in the worst case, plus the output.
func cost(f Format, cfg image.Config, l layout, w, h int) int64 {
	px := int64(w) * int64(h)
	var decoded int64
	switch f {
	case JPEG:
		comps := int64(max(1, min(l.components, 4)))
		decoded = px * comps
		if l.progressive {
			decoded += px * comps * 4
		}
	case PNG:
		switch cfg.ColorModel {
		case color.RGBA64Model, color.NRGBA64Model:
			decoded = px * 8
		case color.Gray16Model:
			decoded = px * 2
		case color.GrayModel:
			decoded = px
		default: // Paletted, RGBA, NRGBA
			decoded = px * 4
		}
	case WebP:
		decoded = px * 4
	}
	return decoded + px*8 + px/2
}

// Sanitise checks data as Inspect does, then decodes it, applies its EXIF
// orientation, lays any transparency on white and encodes the pixels as a
// new JPEG at Quality. Errors: a *Refusal (the file is not taken: the
// message names it), ErrBusy (memory budget taken for too long), or an
// encoding failure (a bug, not the file's fault).
func Sanitise(ctx context.Context, name string, data []byte, lim Limits) (Image, error) {
	img, _, release, err := decode(ctx, name, data, lim)
	if err != nil {
		return Image{}, err
	}
	defer release()
	if m, ok := img.(*image.RGBA); ok {
		flatten(m)
	}
	var buf bytes.Buffer
	buf.Grow(len(data) + 64<<10) // phones write at a higher quality: the output is smaller
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: Quality}); err != nil {
		return Image{}, fmt.Errorf("photo: encode %q: %w", name, err)
	}
	b := img.Bounds()
	return Image{Data: buf.Bytes(), ContentType: ContentType, Width: b.Dx(), Height: b.Dy()}, nil
}

// Decode checks data as Inspect does and returns its pixels the way they
// are meant to be seen (EXIF orientation applied), as an *image.YCbCr,
// *image.Gray or *image.RGBA (premultiplied; transparency kept), with the
// format it came in. For callers that encode differently (press covers
// keep PNG transparency). Errors as Sanitise.
func Decode(ctx context.Context, name string, data []byte, lim Limits) (image.Image, Format, error) {
	img, info, release, err := decode(ctx, name, data, lim)
	if err != nil {
		return nil, "", err
	}
	release()
	return img, info.Format, nil
}

// decode runs Inspect, waits for the memory budget, decodes and orients.
// release gives the budget back; call it once the image is no longer
// needed.
func decode(ctx context.Context, name string, data []byte, lim Limits) (image.Image, Info, func(), error) {
	info, err := Inspect(name, data, lim)
	if err != nil {
		return nil, Info{}, nil, err
	}
	w := min(info.cost, MemoryBudget)
	wait, cancel := context.WithTimeout(ctx, BudgetWait)
	defer cancel()
	if err := budget.Acquire(wait, w); err != nil {
		return nil, Info{}, nil, ErrBusy
	}
	release := func() { budget.Release(w) }
	var img image.Image
	switch info.Format {
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(data))
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case WebP:
		img, err = webp.Decode(bytes.NewReader(data))
	}
	if err != nil || img.Bounds().Dx() != info.Width || img.Bounds().Dy() != info.Height {
		release()
		return nil, Info{}, nil, refuse(name, ReasonCorrupt)
	}
	return orient(canonical(img), info.Orientation), info, release, nil
}
