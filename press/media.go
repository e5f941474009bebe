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

	"github.com/thaibinh-pcmt/portal/photo"
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

// MediaFile returns the path and the fixed content type of a stored media
// file name, or ok false when name is not one we could have written (so no
// path outside the media directory can be asked for).
func (o *Office) MediaFile(name string) (path, contentType string, ok bool) {
	if !validMediaName(name) || o.media == "" {
		return "", "", false
	}
	ct := "image/jpeg"
	if filepath.Ext(name) == ".png" {
		ct = "image/png"
	}
	return filepath.Join(o.media, name), ct, true
}

// coverError is the FieldErrors of a rejected cover.
func coverError(msg string) error { return FieldErrors{"cover": msg} }

// SaveCover checks and stores an uploaded cover image and returns its media
// name. The type is judged by content, not by name or header: JPEG, PNG or
// WebP. Dimensions are read before decoding and bounded, and nothing may
// follow the image (package photo). The image is decoded, turned as its
// EXIF orientation says, scaled down to CoverWidth if wider, and encoded
// afresh (JPEG at quality 85; PNG stays PNG to keep transparency), which
// drops every metadata block: EXIF, GPS position, camera, time.
// Rejections are FieldErrors{"cover": …}.
func (o *Office) SaveCover(r io.Reader) (string, error) {
	if o.media == "" {
		return "", errors.New("press: no media directory configured")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxCoverBytes+1))
	if err != nil {
		return "", fmt.Errorf("press: read cover: %w", err)
	}
	out, ext, err := ProcessCover(data)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(o.media, 0o755); err != nil {
		return "", fmt.Errorf("press: media dir: %w", err)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("press: media name: %w", err)
	}
	name := hex.EncodeToString(rnd[:]) + ext
	tmp, err := os.CreateTemp(o.media, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("press: save cover: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.media, name)); err != nil {
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

// mediaNameInText finds media names in a cover field or a Markdown body.
var mediaNameInText = regexp.MustCompile(`[0-9a-f]{32}\.(?:jpg|png)`)

// coverExists reports whether the media file name (already checked by
// validMediaName) exists in the media directory.
func (o *Office) coverExists(name string) bool {
	if o.media == "" {
		return false
	}
	st, err := os.Stat(filepath.Join(o.media, name))
	return err == nil && st.Mode().IsRegular()
}

// CleanMedia deletes the files of the media directory that no campaign
// names, as cover or in its body, and that are older than OrphanMediaAge
// (by modification time, against the Office's clock): covers uploaded with
// a form that was never saved, replaced or removed covers, and temporary
// files of interrupted uploads (".upload-*"). Only names the Office writes
// are considered; nothing else in the directory is touched. It holds the
// media lock, so a campaign naming a file cannot be saved between the
// look-up of the names in use and the deletion. It returns how many files
// were deleted; a missing directory is not an error.
func (o *Office) CleanMedia(ctx context.Context) (int, error) {
	if o.media == "" {
		return 0, nil
	}
	o.mediaMu.Lock()
	defer o.mediaMu.Unlock()
	texts, err := o.db.CampaignMediaTexts(ctx)
	if err != nil {
		return 0, fmt.Errorf("press: clean media: %w", err)
	}
	inUse := map[string]bool{}
	for _, t := range texts {
		for _, name := range mediaNameInText.FindAllString(t, -1) {
			inUse[name] = true
		}
	}
	entries, err := os.ReadDir(o.media)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("press: clean media: %w", err)
	}
	cutoff := o.now().Add(-OrphanMediaAge)
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !(validMediaName(name) || strings.HasPrefix(name, ".upload-")) || inUse[name] || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(o.media, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("press: clean media: %w", err)
		}
		removed++
	}
	if removed > 0 {
		o.log.Info("media cleanup: unreferenced files deleted", "count", removed)
	}
	return removed, nil
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
