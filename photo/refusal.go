package photo

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Reason says why a file was refused.
type Reason int

// The reasons of a Refusal.
const (
	// ReasonEmpty: the file has no bytes.
	ReasonEmpty Reason = iota + 1
	// ReasonTooLarge: the file is over Limits.MaxBytes (HTTP 413).
	ReasonTooLarge
	// ReasonNotImage: the content is no image format we know, whatever
	// the file is named (a text file named .jpg, a PDF, an archive).
	ReasonNotImage
	// ReasonUnsupported: an image format photo does not decode (HEIC,
	// AVIF, GIF, BMP, TIFF, animated WebP); Refusal.Format names it.
	ReasonUnsupported
	// ReasonTooManyPixels: the header declares more pixels than the
	// limits (a decompression bomb, or simply too large a picture).
	ReasonTooManyPixels
	// ReasonCorrupt: the container or the pixel data is broken or cut
	// short.
	ReasonCorrupt
	// ReasonTrailingData: something else follows the image or is built
	// into it to be read as another file (a polyglot, e.g. a JPEG with a
	// ZIP appended).
	ReasonTrailingData
)

// Refusal is the error of a file that is not taken. Its Error is the
// Vietnamese message for the person, naming the file.
type Refusal struct {
	Reason Reason
	// Name is the file's name as chosen by the person, cleaned for
	// display (DisplayName).
	Name string
	// Format names the unsupported format (ReasonUnsupported).
	Format string
	// Size and Limit are the file's size and the limit, in bytes
	// (ReasonTooLarge).
	Size, Limit int64
	// Width, Height, MaxPixels and MaxSide describe a ReasonTooManyPixels.
	Width, Height int
	MaxPixels     int64
	MaxSide       int
}

func refuse(name string, r Reason) *Refusal { return &Refusal{Reason: r, Name: DisplayName(name)} }

// TooLarge reports whether the refusal is about bytes (HTTP 413 Content
// Too Large) rather than content (422).
func (r *Refusal) TooLarge() bool { return r.Reason == ReasonTooLarge }

// Error returns the message: what is wrong with the file and what to do.
func (r *Refusal) Error() string {
	q := "“" + r.Name + "”"
	switch r.Reason {
	case ReasonEmpty:
		return "Tệp " + q + " trống (0 byte). Vui lòng chọn lại ảnh."
	case ReasonTooLarge:
		return fmt.Sprintf("Ảnh %s nặng %s, quá mức %s cho mỗi ảnh. Hãy gửi ảnh nhỏ hơn (ví dụ chụp ở chế độ thường thay vì độ phân giải cao nhất, hoặc chụp màn hình ảnh đó).",
			q, MB(r.Size), MB(r.Limit))
	case ReasonNotImage:
		return "Tệp " + q + " không phải là ảnh nên không được nhận. Chỉ nhận ảnh JPEG, PNG hoặc WebP; tên tệp có đuôi .jpg cũng chưa đủ để tệp là ảnh."
	case ReasonUnsupported:
		if r.Format == "HEIC" {
			return "Ảnh " + q + " ở định dạng HEIC (mặc định của iPhone) mà cổng chưa đọc được. Trên iPhone, hãy chọn ảnh bằng nút chọn tệp trong Safari (ảnh được tự chuyển sang JPEG), hoặc vào Cài đặt › Camera › Định dạng và chọn “Tương thích nhất” rồi chụp lại."
		}
		return "Ảnh " + q + " ở định dạng " + r.Format + " mà cổng không nhận. Chỉ nhận ảnh JPEG, PNG hoặc WebP; hãy lưu ảnh sang JPEG rồi gửi lại."
	case ReasonTooManyPixels:
		return fmt.Sprintf("Ảnh %s có kích thước %s×%s điểm ảnh, quá mức tối đa %s triệu điểm ảnh (mỗi chiều không quá %s điểm ảnh). Vui lòng thu nhỏ ảnh rồi gửi lại.",
			q, Thousands(int64(r.Width)), Thousands(int64(r.Height)), Thousands(r.MaxPixels/1_000_000), Thousands(int64(r.MaxSide)))
	case ReasonCorrupt:
		return "Không đọc được ảnh " + q + ": tệp bị hỏng hoặc chưa được tải về máy đầy đủ. Hãy mở thử ảnh trên máy rồi chọn lại."
	case ReasonTrailingData:
		return "Ảnh " + q + " có dữ liệu khác gắn kèm (ví dụ một tệp nén ghép sau phần ảnh) nên không được nhận. Hãy gửi riêng tấm ảnh, không kèm dữ liệu khác."
	}
	return "Tệp " + q + " không được nhận."
}

// DisplayName cleans a file name for messages: the last path element
// (some browsers send "C:\fakepath\…"), valid UTF-8 in NFC, without control
// or format characters (bidirectional overrides could make a name read as
// something else), at most 80 characters; "(không tên)" when nothing is
// left.
func DisplayName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = norm.NFC.String(strings.ToValidUTF8(name, ""))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 80 {
		name = string([]rune(name)[:79]) + "…"
	}
	if name == "" {
		return "(không tên)"
	}
	return name
}

// MB writes a size in bytes the Vietnamese way, in megabytes of 2^20 bytes
// with one decimal after a comma: 11534336 → "11 MB", 11010048 → "10,5 MB".
func MB(n int64) string {
	tenths := (n*10 + 1<<19) >> 20
	s := Thousands(tenths / 10)
	if d := tenths % 10; d != 0 {
		s += "," + strconv.FormatInt(d, 10)
	}
	return s + " MB"
}

// Thousands writes n with a dot between groups of three digits, as
// Vietnamese does: 20000 → "20.000".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}
