package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/thaibinh-pcmt/portal/photo"
	"github.com/thaibinh-pcmt/portal/seal"
)

// Photo rules of a tip (issue 16): at most MaxAttachments files, each at
// most MaxAttachmentBytes, all of them together at most
// MaxAttachmentsTotal. Sizes are in bytes (MiB, as "MB" in messages).
const (
	MaxAttachments      = 5
	MaxAttachmentBytes  = 10 << 20
	MaxAttachmentsTotal = 25 << 20
)

// AttachmentRef is how the JSON of a submission (the outbox row, the queue
// entry, the case) refers to one of its photos: the photo itself is stored
// beside it, never in it (a queue entry carries a reference, not
// megabytes). An agency's own system fetches it through the desk API.
type AttachmentRef struct {
	// Index is the photo's position among the submission's, from 0.
	Index int `json:"index"`
	// ContentType is "image/jpeg".
	ContentType string `json:"content_type"`
	// Width and Height are in pixels, orientation applied.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Bytes is the size of the sanitised JPEG.
	Bytes int `json:"bytes"`
}

// Attachment is one photo of a submission after package photo sanitised
// it: a JPEG written from the decoded pixels alone, nothing of the
// uploaded file (metadata, name, trailing bytes) survives. It is held in
// memory only.
type Attachment struct {
	// ContentType is always "image/jpeg".
	ContentType string
	// Width and Height are in pixels, after the EXIF orientation was
	// applied.
	Width, Height int
	// Data is the JPEG file.
	Data []byte
}

// PhotoDocument is the JSON document a photo is sealed as (seal.Sealer
// and desk.PlainSealer seal JSON documents): the sanitised JPEG travels
// base64 in Data beside what the desk's list needs. The same document is
// what case_attachments holds (sealed, or plain while the desk has no
// key), so that a photo intake sealed moves to the case unchanged.
type PhotoDocument struct {
	ContentType string `json:"content_type"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Data        []byte `json:"data"`
}

// SealPhoto seals photo a of a submission to desk through sealer
// (Scope{Desk}: the desk's alone, never the submitter's) and returns the
// blob: an age file of its PhotoDocument when the desk has a key, or the
// PhotoDocument's JSON as it is when it has none yet (seal.Sealer) or when
// sealer is a plain one (desk.PlainSealer). Errors are the sealer's.
func SealPhoto(ctx context.Context, sealer ContentSealer, desk string, a Attachment) ([]byte, error) {
	doc, err := json.Marshal(PhotoDocument{ContentType: a.ContentType, Width: a.Width, Height: a.Height, Data: a.Data})
	if err != nil {
		return nil, err
	}
	return sealer.Seal(ctx, seal.Scope{Desk: desk}, doc)
}

// outboxPhoto returns what outbox_attachments holds of photo a of a
// submission to desk: the age file of its PhotoDocument when the desk has
// a key (issue 11: the photo is encrypted to the desk like the text, before
// it is written anywhere; the desk moves it to the case unchanged), the
// JPEG itself when it has none yet or the service has no Sealer (the desk
// seals it when it takes the case).
func (s *Service) outboxPhoto(ctx context.Context, desk string, a Attachment) ([]byte, error) {
	if s.sealer == nil {
		return a.Data, nil
	}
	blob, err := SealPhoto(ctx, s.sealer, desk, a)
	if err != nil {
		return nil, err
	}
	if !seal.IsSealed(blob) {
		return a.Data, nil
	}
	return blob, nil
}

// Upload is one file as it arrived, before sanitising, held in memory
// only: its bytes are never written anywhere.
type Upload struct {
	// Name is the file name the browser sent; used in messages only,
	// never stored (a camera's name carries the time to the second).
	Name string
	// Data is the file's bytes; nil when they were not kept because the
	// file is beyond a limit (Size tells how large it was).
	Data []byte
	// Size is the size of the file as sent, in bytes.
	Size int64
}

// AttachmentError is the refusal of one uploaded file.
type AttachmentError struct {
	// Index is the file's position among the files sent, from 0.
	Index int
	// Name is the file's name as shown in the message (photo.DisplayName).
	Name string
	// Message is the Vietnamese message; it names the file.
	Message string
	// TooLarge: a refusal about bytes (the file or the total), HTTP 413.
	TooLarge bool
}

// AttachmentErrors are the refusals of a submission's files, in file order.
type AttachmentErrors []AttachmentError

// Error joins the messages.
func (ae AttachmentErrors) Error() string {
	msgs := make([]string, len(ae))
	for i, e := range ae {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, " ")
}

// TooLarge reports whether any refusal is about bytes (HTTP 413).
func (ae AttachmentErrors) TooLarge() bool {
	for _, e := range ae {
		if e.TooLarge {
			return true
		}
	}
	return false
}

// photoLimits are the limits of one photo of a tip.
var photoLimits = photo.Limits{MaxBytes: MaxAttachmentBytes}

// CheckUploads applies the rules of a submission's files without decoding
// them: at most MaxAttachments (the sixth and later are refused), each at
// most MaxAttachmentBytes, together at most MaxAttachmentsTotal (counted
// over the files that are within their own limit), and each a JPEG, PNG or
// WebP of allowed dimensions with nothing appended (photo.Inspect). It
// returns nil when every file passes.
func CheckUploads(ups []Upload) AttachmentErrors {
	var ae AttachmentErrors
	var total int64
	for i, u := range ups {
		name := photo.DisplayName(u.Name)
		q := "“" + name + "”"
		fail := func(msg string, tooLarge bool) {
			ae = append(ae, AttachmentError{Index: i, Name: name, Message: msg, TooLarge: tooLarge})
		}
		switch {
		case i >= MaxAttachments:
			fail(fmt.Sprintf("Mỗi tin báo chỉ gửi được tối đa %d ảnh; tệp %s là tệp thứ %d nên chưa được nhận. Hãy bỏ bớt ảnh rồi gửi lại.",
				MaxAttachments, q, i+1), false)
			continue
		case u.Size > MaxAttachmentBytes:
			fail(fmt.Sprintf("Ảnh %s nặng %s, quá mức %s cho mỗi ảnh. Hãy gửi ảnh nhỏ hơn (ví dụ chụp ở chế độ thường thay vì độ phân giải cao nhất, hoặc chụp màn hình ảnh đó).",
				q, photo.MB(u.Size), photo.MB(MaxAttachmentBytes)), true)
			continue
		}
		total += u.Size
		if total > MaxAttachmentsTotal {
			fail(fmt.Sprintf("Tổng dung lượng ảnh vượt mức %s: tính đến ảnh %s đã là %s. Hãy bớt ảnh hoặc gửi ảnh nhỏ hơn.",
				photo.MB(MaxAttachmentsTotal), q, photo.MB(total)), true)
			continue
		}
		if _, err := photo.Inspect(u.Name, u.Data, photoLimits); err != nil {
			fail(refusalMessage(err), isTooLarge(err))
		}
	}
	return ae
}

// SanitiseUploads re-encodes every upload (photo.Sanitise), in order, and
// returns the attachments, or the refusals of the files that failed (a
// file can pass CheckUploads and still hold broken pixel data). err is
// photo.ErrBusy when the server had no memory to spare for too long, or an
// encoding failure; the files are not at fault then.
func SanitiseUploads(ctx context.Context, ups []Upload) ([]Attachment, AttachmentErrors, error) {
	if ae := CheckUploads(ups); ae != nil {
		return nil, ae, nil
	}
	atts := make([]Attachment, 0, len(ups))
	var ae AttachmentErrors
	for i, u := range ups {
		img, err := photo.Sanitise(ctx, u.Name, u.Data, photoLimits)
		var r *photo.Refusal
		switch {
		case errors.As(err, &r):
			ae = append(ae, AttachmentError{Index: i, Name: r.Name, Message: r.Error(), TooLarge: r.TooLarge()})
			continue
		case err != nil:
			return nil, nil, err
		}
		atts = append(atts, Attachment{ContentType: img.ContentType, Width: img.Width, Height: img.Height, Data: img.Data})
	}
	if ae != nil {
		return nil, ae, nil
	}
	return atts, nil, nil
}

func refusalMessage(err error) string {
	var r *photo.Refusal
	if errors.As(err, &r) {
		return r.Error()
	}
	return err.Error()
}

func isTooLarge(err error) bool {
	var r *photo.Refusal
	return errors.As(err, &r) && r.TooLarge()
}
