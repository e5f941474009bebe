package press

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/photo"
	"github.com/thaibinh-pcmt/portal/store"
)

// Cover image rules (issue item 3: "type and size checked, image
// re-encoded so metadata is stripped"); package photo applies them.
const (
	// MaxCoverBytes is the largest upload accepted: 5 MiB.
	MaxCoverBytes = 5 << 20
	// MaxCoverPixels bounds width×height before decoding, against
	// decompression bombs (a small file that decodes to gigabytes).
	MaxCoverPixels = 40_000_000
	// MaxCoverSide is the largest width or height accepted.
	MaxCoverSide = 12_000
	// CoverWidth is the width covers are scaled down to (never up): enough
	// for a page and an Open Graph card, small for a cheap phone.
	CoverWidth = 1600
	// coverQuality is the JPEG quality of re-encoded covers.
	coverQuality = 85
)

// mediaNameRE is the shape of a stored media name: 128 random bits in hex
// and the extension of the format we wrote.
var mediaNameRE = regexp.MustCompile(`^[0-9a-f]{32}\.(jpg|png)$`)

func validMediaName(name string) bool { return mediaNameRE.MatchString(name) }

// ErrNoMedia is returned by Media for a name that is not a stored image.
var ErrNoMedia = errors.New("Không tìm thấy ảnh này.")

// contentTypeOf is the fixed content type of a media name we wrote.
func contentTypeOf(name string) string {
	if filepath.Ext(name) == ".png" {
		return "image/png"
	}
	return "image/jpeg"
}

// Media returns a stored image and its fixed content type, read from the
// system of record (so every instance serves the same ones). A name that
// we could not have written, or that is not stored, gives ErrNoMedia.
func (o *Office) Media(ctx context.Context, name string) (data []byte, contentType string, err error) {
	if !validMediaName(name) {
		return nil, "", ErrNoMedia
	}
	m, err := o.db.MediaByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", ErrNoMedia
	}
	if err != nil {
		return nil, "", err
	}
	return m.Data, m.ContentType, nil
}

// coverError is the FieldErrors of a rejected cover.
func coverError(msg string) error { return formerr.FieldErrors{"cover": msg} }

// SaveCover checks and stores an uploaded cover image and returns its media
// name. The type is judged by content, not by name or header: JPEG, PNG or
// WebP. Dimensions are read before decoding and bounded, and nothing may
// follow the image (package photo). The image is decoded, turned as its
// EXIF orientation says, scaled down to CoverWidth if wider, and encoded
// afresh (JPEG at quality 85; PNG stays PNG to keep transparency), which
// drops every metadata block: EXIF, GPS position, camera, time. The result
// is stored in the system of record (table media), under a random name.
// Rejections are FieldErrors{"cover": …}.
func (o *Office) SaveCover(ctx context.Context, r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCoverBytes+1))
	if err != nil {
		return "", fmt.Errorf("press: read cover: %w", err)
	}
	out, ext, err := ProcessCover(data)
	if err != nil {
		return "", err
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("press: media name: %w", err)
	}
	name := hex.EncodeToString(rnd[:]) + ext
	if err := o.db.PutMedia(ctx, store.Media{Name: name, ContentType: contentTypeOf(name), Data: out, CreatedAt: o.now()}); err != nil {
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	return name, nil
}

// coverLimits are the cover rules as package photo applies them.
var coverLimits = photo.Limits{MaxBytes: MaxCoverBytes, MaxPixels: MaxCoverPixels, MaxSide: MaxCoverSide}

// ProcessCover is SaveCover without the file: it checks data and returns
// the re-encoded image and its extension (".jpg" or ".png"). The checks
// and the decoding are package photo's, as for the photos of tips (type by
// content, dimensions before decoding, nothing appended to the image, EXIF
// orientation applied); the refusals get the cover's own messages.
func ProcessCover(data []byte) ([]byte, string, error) {
	img, format, err := photo.Decode(context.Background(), "cover", data, coverLimits)
	var r *photo.Refusal
	switch {
	case errors.As(err, &r):
		return nil, "", coverError(coverRefusal(r))
	case errors.Is(err, photo.ErrBusy):
		return nil, "", coverError("Máy chủ đang bận xử lý ảnh. Vui lòng thử lại sau ít phút.")
	case err != nil:
		return nil, "", fmt.Errorf("press: decode cover: %w", err)
	}
	ext := ".jpg"
	if format == photo.PNG {
		ext = ".png"
	}
	img = scaleDown(img, CoverWidth, ext == ".jpg")
	var buf bytes.Buffer
	if ext == ".png" {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: coverQuality})
	}
	if err != nil {
		return nil, "", fmt.Errorf("press: encode cover: %w", err)
	}
	return buf.Bytes(), ext, nil
}

// coverRefusal is the message of a refused cover.
func coverRefusal(r *photo.Refusal) string {
	switch r.Reason {
	case photo.ReasonEmpty:
		return "Tệp ảnh bìa trống."
	case photo.ReasonTooLarge:
		return "Ảnh bìa không được lớn quá 5 MB."
	case photo.ReasonNotImage, photo.ReasonUnsupported:
		return "Ảnh bìa phải là tệp ảnh JPEG, PNG hoặc WebP."
	case photo.ReasonTooManyPixels:
		return coverTooLarge(r.Width, r.Height)
	case photo.ReasonTrailingData:
		return "Ảnh bìa có dữ liệu khác gắn kèm sau phần ảnh. Vui lòng mở ảnh, lưu lại thành tệp JPEG hoặc PNG rồi tải lên."
	}
	return "Không đọc được ảnh bìa; tệp có thể bị hỏng."
}

// coverTooLarge is the message of a cover over MaxCoverPixels in total or
// MaxCoverSide on a side: it states both rules, with numbers written the
// Vietnamese way (12.000; 40 triệu).
func coverTooLarge(w, h int) string {
	return fmt.Sprintf("Ảnh bìa quá lớn (%s×%s điểm ảnh). Ảnh bìa được có tối đa %d triệu điểm ảnh (ví dụ 8.000×5.000) và mỗi chiều không quá %s điểm ảnh; vui lòng thu nhỏ ảnh rồi tải lên lại.",
		groupThousands(w), groupThousands(h), MaxCoverPixels/1_000_000, groupThousands(MaxCoverSide))
}

// groupThousands writes n with "." between groups of three digits, as
// Vietnamese does: 12000 → "12.000".
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OrphanMediaAge is how old an unreferenced media file must be before
// CleanMedia deletes it: long enough for an editor left open over a night
// to be saved with the cover it uploaded.
const OrphanMediaAge = 24 * time.Hour

// mediaCleanEvery is how often the scheduler runs CleanMedia.
const mediaCleanEvery = time.Hour

// coverExists reports whether the media name (already checked by
// validMediaName) is stored.
func (o *Office) coverExists(ctx context.Context, name string) bool {
	ok, err := o.db.MediaExists(ctx, name)
	if err != nil {
		o.log.Error("media look-up", "err", err)
	}
	return ok
}

// CleanMedia deletes the stored images that no campaign names, as cover or
// in its body, and that are older than OrphanMediaAge (against the
// Office's clock): covers uploaded with a form that was never saved, and
// replaced or removed covers. A save that names an image refreshes its age
// in the same transaction, so an image cannot be deleted under a campaign
// being saved (store.DeleteOrphanMedia). It returns how many were deleted.
// The scheduler runs it once an hour under its cluster lock.
func (o *Office) CleanMedia(ctx context.Context) (int, error) {
	n, err := o.db.DeleteOrphanMedia(ctx, o.now().Add(-OrphanMediaAge))
	if err != nil {
		return 0, fmt.Errorf("press: clean media: %w", err)
	}
	if n > 0 {
		o.log.Info("media cleanup: unreferenced images deleted", "count", n)
	}
	return n, nil
}

// ImportMediaDir moves the cover images an earlier version kept as files
// (DATA_DIR/media) into the system of record: every file whose name we
// could have written is stored (its modification time as its age) unless
// an image of that name is stored already, then deleted; the directory
// goes when nothing else is left in it. Other files are left alone. It is
// run at every start (serve) and before "portal store migrate-to"; a
// missing directory is not an error. It returns how many it stored.
func (o *Office) ImportMediaDir(ctx context.Context, dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("press: import media: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, name)
		if strings.HasPrefix(name, ".upload-") {
			os.Remove(path) // an upload interrupted by an earlier version
			continue
		}
		if !validMediaName(name) {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return n, fmt.Errorf("press: import media %s: %w", name, err)
		}
		at := o.now()
		if info, err := e.Info(); err == nil {
			at = info.ModTime()
		}
		err = o.db.PutMedia(ctx, store.Media{Name: name, ContentType: contentTypeOf(name), Data: data, CreatedAt: at})
		switch {
		case err == nil:
			n++
		case errors.Is(err, store.ErrConflict): // imported before; the file outlived it
		default:
			return n, fmt.Errorf("press: import media %s: %w", name, err)
		}
		if err := os.Remove(path); err != nil {
			return n, fmt.Errorf("press: import media %s: %w", name, err)
		}
	}
	os.Remove(dir) // only if empty
	if n > 0 {
		o.log.Info("cover images moved from the data dir into the database", "count", n, "dir", dir)
	}
	return n, nil
}

// scaleDown returns img at most maxW wide (keeping its proportions), drawn
// onto white when opaque output is wanted (JPEG has no transparency).
func scaleDown(img image.Image, maxW int, opaque bool) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > maxW {
		h = max(1, h*maxW/w)
		w = maxW
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if opaque {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}
