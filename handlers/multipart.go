package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/thaibinh-pcmt/portal/intake"
)

// photoBodyLimit is the body limit of the routes that take photos (the tip
// form and POST /api/v1/tips as multipart; the sender's reply, /tra-cuu/tin-nhan
// and POST /api/v1/messages, likewise): five photos at the limit of one
// (5 × 10 MiB, so that a person who picked photos each within the rule but
// too many megabytes in all gets the form back with what they typed and a
// message per file, not a bare error), the text fields and the multipart
// framing. Every other route keeps bodyLimit (fasthttp refuses more before
// a handler runs: bodyLimitFor).
const photoBodyLimit = intake.MaxAttachments*intake.MaxAttachmentBytes + intakeFormBodyLimit + 1<<20

// photoReadTimeout is the time a photo route may take to receive its
// request, instead of readTimeout: 25 MB over a 2 Mbit/s mobile link take
// 100 s, and an informant on a slow connection must not lose the tip to a
// timeout. (fasthttp holds the declared body size in memory meanwhile:
// the reverse proxy, streaming, is the line against slow senders.)
const photoReadTimeout = 2 * time.Minute

// maxFormParts bounds the parts of a multipart body: the form has eight
// fields and five files; more is not a browser.
const maxFormParts = 64

// Locals keys of a parsed multipart body.
const (
	localUploads   = "uploads"   // []intake.Upload
	localMultipart = "multipart" // true when the body came as multipart
)

// Messages of multipart bodies.
const (
	msgMultipartMalformed = "Dữ liệu gửi lên (multipart/form-data) không đúng định dạng."
	msgFieldsTooLarge     = "Dữ liệu gửi lên quá lớn so với giới hạn của mục này. Hãy rút ngắn nội dung rồi gửi lại."
	msgTooManyParts       = "Biểu mẫu gửi lên có quá nhiều trường."
	msgEncoded            = "Không nhận dữ liệu nén (Content-Encoding); hãy gửi dữ liệu không nén."
	msgPhotosTooLarge     = "Dữ liệu gửi lên quá lớn. Mỗi tin báo gửi được tối đa 5 ảnh, mỗi ảnh không quá 10 MB và tổng cộng không quá 25 MB."
	// msgPhotosTooLargeForm: the form shown in place of a body too large
	// to read, so nothing typed could be kept.
	msgPhotosTooLargeForm = "Tin báo chưa được gửi vì dữ liệu gửi lên quá lớn (tối đa 5 ảnh, mỗi ảnh không quá 10 MB, tổng cộng không quá 25 MB), nên cổng thông tin cũng không đọc được nội dung bạn đã nhập. " +
		"Nếu trình duyệt còn giữ nội dung ở trang trước, hãy quay lại để sao chép; rồi nhập lại dưới đây và chọn ít ảnh hơn hoặc ảnh nhỏ hơn."
)

var (
	errMultipartMalformed = errors.New("malformed multipart body")
	errFieldsTooLarge     = errors.New("text fields over the limit")
	errTooManyParts       = errors.New("too many parts")
)

// isPhotoRoute reports whether a POST to path may carry photos, as Fiber
// routes it (case-insensitive, trailing slash optional).
func isPhotoRoute(path string) bool {
	path = strings.TrimSuffix(strings.ToLower(path), "/")
	return path == "/tin-bao" || path == "/api/v1/tips" || path == "/tra-cuu/tin-nhan" || path == "/api/v1/messages"
}

// bodyLimitFor is fasthttp's HeaderReceived hook: it gives the photo
// routes photoBodyLimit and photoReadTimeout, read before the body is, so
// that the larger limit is not every route's. A body over the limit never reaches a
// handler: fasthttp answers 413 through handleError (Vietnamese page or
// JSON) and lingerClose lets the client read it.
func bodyLimitFor(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if !bytes.Equal(h.Method(), []byte(fiber.MethodPost)) {
		return fasthttp.RequestConfig{}
	}
	path, _, _ := bytes.Cut(h.RequestURI(), []byte("?"))
	if !isPhotoRoute(string(path)) || !bytes.HasPrefix(h.ContentType(), []byte(fiber.MIMEMultipartForm)) {
		return fasthttp.RequestConfig{}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: photoBodyLimit, ReadTimeout: photoReadTimeout}
}

// isMultipart reports whether the request's body is multipart/form-data,
// and its boundary.
func isMultipart(c *fiber.Ctx) (string, bool) {
	mt, params, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if err != nil || mt != fiber.MIMEMultipartForm {
		return "", false
	}
	return params["boundary"], true
}

// encoded reports whether the body declares a Content-Encoding. Fiber's
// c.Body() would inflate it without any bound (a few kilobytes of gzip,
// or gzip inside gzip, become gigabytes); the intake routes read the body
// raw and refuse encoded ones.
func encoded(c *fiber.Ctx) bool {
	ce := strings.TrimSpace(string(c.Request().Header.Peek(fiber.HeaderContentEncoding)))
	return ce != "" && !strings.EqualFold(ce, "identity")
}

// photoForm is the body middleware of the routes that take photos. A
// multipart body is parsed here, from the bytes fasthttp already holds in
// memory, with mime/multipart and a limit on every part: never through
// fasthttp's MultipartForm, which writes large files to temporary files.
// The files go to c.Locals as []intake.Upload; the text fields replace the
// body, as an urlencoded form, so that everything after (rate limit, CSRF
// token, the handler) reads them with c.FormValue, which must never see the
// multipart body. The original bytes in fasthttp's (pooled) buffer are
// zeroed. Any other body gets limitBody(textLimit).
func photoForm(textLimit int) fiber.Handler {
	plain := limitBody(textLimit)
	return func(c *fiber.Ctx) error {
		boundary, ok := isMultipart(c)
		if !ok {
			return plain(c)
		}
		if encoded(c) {
			return &Problem{Status: fiber.StatusUnsupportedMediaType, Message: msgEncoded}
		}
		body := c.Request().Body()
		if len(body) > photoBodyLimit {
			return &Problem{Status: fiber.StatusRequestEntityTooLarge, Message: msgPhotosTooLarge}
		}
		fields, ups, err := readMultipart(body, boundary, textLimit)
		switch {
		case errors.Is(err, errFieldsTooLarge):
			return &Problem{Status: fiber.StatusRequestEntityTooLarge, Message: msgFieldsTooLarge}
		case errors.Is(err, errTooManyParts):
			return &Problem{Status: fiber.StatusRequestEntityTooLarge, Message: msgTooManyParts}
		case err != nil:
			return badRequest(msgMultipartMalformed)
		}
		clear(body)
		c.Request().Header.SetContentType(fiber.MIMEApplicationForm)
		c.Request().SetBodyString(fields.Encode())
		c.Locals(localUploads, ups)
		c.Locals(localMultipart, true)
		return c.Next()
	}
}

// uploadsOf returns the files photoForm parsed, and whether the body was
// multipart.
func uploadsOf(c *fiber.Ctx) ([]intake.Upload, bool) {
	ups, _ := c.Locals(localUploads).([]intake.Upload)
	mp, _ := c.Locals(localMultipart).(bool)
	return ups, mp
}

// readMultipart reads a multipart/form-data body. Text fields (at most
// textLimit bytes together) come back as url.Values; parts named
// intake.FieldAttachments, and any part with a file name, as uploads in
// order. A file's bytes are kept only while the rules could accept it:
// among the first intake.MaxAttachments, within intake.MaxAttachmentBytes,
// and within intake.MaxAttachmentsTotal with those before it; beyond that
// only its size is counted (intake.CheckUploads then refuses it by the
// same rules). An empty file part with an empty name is a file input left
// empty and is skipped. Files under another field name are returned with
// that name in fields (value "") so that a strict caller can refuse them.
func readMultipart(body []byte, boundary string, textLimit int) (url.Values, []intake.Upload, error) {
	if boundary == "" {
		return nil, nil, errMultipartMalformed
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	fields := url.Values{}
	var ups []intake.Upload
	var text, kept int64
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return fields, ups, nil
		}
		if err != nil {
			return nil, nil, errMultipartMalformed
		}
		if parts >= maxFormParts {
			return nil, nil, errTooManyParts
		}
		name := p.FormName()
		if name != intake.FieldAttachments && p.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(p, int64(textLimit)-text+1))
			if err != nil {
				return nil, nil, errMultipartMalformed
			}
			text += int64(len(v))
			if text > int64(textLimit) {
				return nil, nil, errFieldsTooLarge
			}
			fields.Add(name, string(v))
			continue
		}
		if name != intake.FieldAttachments {
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, nil, errMultipartMalformed
			}
			fields.Add(name, "")
			continue
		}
		u := intake.Upload{Name: p.FileName()}
		data, err := io.ReadAll(io.LimitReader(p, intake.MaxAttachmentBytes+1))
		if err != nil {
			return nil, nil, errMultipartMalformed
		}
		rest, err := io.Copy(io.Discard, p)
		if err != nil {
			return nil, nil, errMultipartMalformed
		}
		u.Size = int64(len(data)) + rest
		if u.Size == 0 && u.Name == "" {
			continue
		}
		if len(ups) < intake.MaxAttachments && u.Size <= intake.MaxAttachmentBytes && kept+u.Size <= intake.MaxAttachmentsTotal {
			u.Data = data
			kept += u.Size
		}
		ups = append(ups, u)
	}
}
