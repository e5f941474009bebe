package handlers

import (
	"mime"
	"net"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/thaibinh-pcmt/portal/intake"
	"github.com/thaibinh-pcmt/portal/internal/formerr"
	"github.com/thaibinh-pcmt/portal/photo"
)

// Body limits of the intake routes, checked before anything is parsed so
// that people get a readable 413 rather than a reset connection. A form
// post of a 5,000-character Vietnamese description, percent-encoded, is
// about 45 KB; the form fields carry maxlength, so only scripts hit these.
const (
	intakeFormBodyLimit = 128 << 10
	intakeAPIBodyLimit  = 256 << 10 // 5,000 characters as \u escapes of NFD text reach ~90 KiB
)

// honeypotField is the form field people never see or fill; bots that fill
// every field do.
const honeypotField = "website"

// nonceField is the hidden field holding the form's one-time submission
// nonce (intake.NewNonce): a second POST of the same form (double click,
// refresh) stores nothing and shows that it was already sent.
const nonceField = "_nonce"

// Messages of the intake pages that are not about one field.
const (
	msgIntakeDown     = "Chức năng tiếp nhận đang tạm dừng. Vui lòng thử lại sau; trường hợp khẩn cấp hãy gọi 113."
	msgBodyTooLarge   = "Dữ liệu gửi lên quá lớn so với giới hạn của mục này. Hãy rút ngắn nội dung rồi gửi lại."
	msgFixErrors      = "Chưa gửi được. Vui lòng sửa các mục dưới đây rồi gửi lại; những gì bạn đã nhập vẫn được giữ nguyên."
	msgHoneypot       = "Chưa gửi được vì biểu mẫu có vẻ đã được điền tự động. Vui lòng gửi lại; nếu vẫn không được, hãy tắt tính năng tự điền của trình duyệt."
	msgMalformedJSON  = "Dữ liệu JSON không hợp lệ: cần đúng một đối tượng JSON."
	msgInvalidInput   = "Dữ liệu chưa hợp lệ."
	msgReceiptUnknown = "Không tìm thấy tin nào với mã tiếp nhận này. Hãy kiểm tra lại 16 chữ số."
	// A form sent a second time (double click, refresh, back and send):
	// nothing is stored, and what was posted comes back with a fresh nonce
	// so that an edited or added text is not lost.
	msgAlreadySentTip = "Biểu mẫu này đã được gửi trước đó (có thể do bấm nút gửi hai lần hoặc tải lại trang), nên lần này cổng thông tin không lưu thêm bản nào; mã tiếp nhận đã hiện ở lần gửi đầu. " +
		"Nội dung bạn vừa gửi vẫn ở dưới đây: nếu đó là thông tin mới hoặc đã sửa, hãy bấm “Gửi tin báo” để gửi thành một tin báo mới."
	msgAlreadySentEnquiry = "Biểu mẫu này đã được gửi trước đó (có thể do bấm nút gửi hai lần hoặc tải lại trang), nên lần này cổng thông tin không lưu thêm bản nào; mã tiếp nhận đã hiện ở lần gửi đầu. " +
		"Thông tin bạn vừa gửi vẫn ở dưới đây: nếu muốn gửi thành một đăng ký mới, hãy bấm “Gửi đăng ký”."
	msgReceiptFormat = "Mã tiếp nhận phải gồm đúng 16 chữ số, ví dụ 1234 5678 9012 3456."
	msgCSRFRetry     = "Chưa gửi được vì phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. Những gì bạn đã nhập vẫn còn dưới đây: hãy kiểm tra lại rồi bấm “%s” lần nữa."
	msgNotJSON       = "Dữ liệu phải được gửi dưới dạng JSON, với tiêu đề Content-Type: application/json."
	msgNotJSONTip    = "Dữ liệu phải được gửi dưới dạng JSON (Content-Type: application/json), hoặc multipart/form-data khi kèm ảnh."
	msgCrossSite     = "Không nhận yêu cầu gửi từ trang web khác. Vui lòng gửi trực tiếp trên cổng thông tin."
)

// registerIntake registers the tip-off form (/tin-bao), the rehab guidance
// and enquiry form (/cai-nghien, /cai-nghien/dang-ky), the receipt look-up
// (/tra-cuu) and their JSON API under /api/v1. Every submission route
// checks its body size, then the client's rate limit, then (forms) the
// CSRF token. No route here logs anything about the request.
func (s *Server) registerIntake(app *fiber.App) {
	tips := s.submissionLimit(scopeTips, s.Limits.Tips, nil)
	enquiries := s.submissionLimit(scopeEnquiries, s.Limits.Enquiries, nil)
	status := s.rateLimit(scopeStatus, s.Limits.Status)
	form := limitBody(intakeFormBodyLimit)
	api := limitBody(intakeAPIBodyLimit)

	// The forms: a 429 or a failed CSRF check shows the same form again
	// with what was typed (submissionLimit, intakeCSRF). The tip form
	// takes photos: photoForm parses its multipart body (photoBodyLimit).
	app.Get("/tin-bao", intakeNoStore, s.csrf, s.tipPage)
	app.Post("/tin-bao", intakeNoStore, photoForm(intakeFormBodyLimit),
		s.submissionLimit(scopeTips, s.Limits.Tips, s.tipAgain), s.intakeCSRF(s.tipAgain, "Gửi tin báo"), s.tipSubmit)
	app.Get("/cai-nghien", s.rehabGuide)
	app.Get("/cai-nghien/dich-vu/:slug", s.rehabService)
	app.Get("/cai-nghien/dang-ky", intakeNoStore, s.csrf, s.enquiryPage)
	app.Post("/cai-nghien/dang-ky", intakeNoStore, form,
		s.submissionLimit(scopeEnquiries, s.Limits.Enquiries, s.enquiryAgain), s.intakeCSRF(s.enquiryAgain, "Gửi đăng ký"), s.enquirySubmit)
	app.Get("/tra-cuu", intakeNoStore, s.csrf, s.statusPage)
	app.Post("/tra-cuu", intakeNoStore, form,
		s.limitEach(scopeStatus, s.Limits.Status, s.statusAgain), s.intakeCSRF(s.statusAgain, "Tra cứu"), s.statusSubmit)

	app.Get("/api/v1/form-options", s.apiFormOptions)
	app.Post("/api/v1/tips", intakeNoStore, photoForm(intakeAPIBodyLimit), s.apiGuard, tips, s.apiTip)
	app.Post("/api/v1/rehab-enquiries", intakeNoStore, api, s.apiGuard, enquiries, s.apiEnquiry)
	app.Post("/api/v1/status", intakeNoStore, api, s.apiGuard, status, s.apiStatus)
}

// apiGuard keeps other websites from using visitors' browsers to post to
// the JSON API (cross-site request forgery without cookies: a page
// elsewhere could file tips in people's names and spend their rate-limit
// budget). A browser sends a cross-site POST without a CORS preflight only
// with a "simple" Content-Type (text/plain, form encodings), so requiring
// application/json forces a preflight, which this portal never approves
// (it sets no Access-Control-Allow-Origin). Independently, originGuard
// (csrf.go) has refused a request whose Origin names another site. Apps
// and curl, which send no Origin, are unaffected. It runs before the rate
// limit, so refused requests spend no budget.
//
// POST /api/v1/tips also takes multipart/form-data (photos; photoForm has
// parsed it by now). That is a "simple" type a page elsewhere can post
// without a preflight, so it is refused from browsers unless the request
// is same-origin by both Origin (originGuard) and Sec-Fetch-Site (sent by
// every current browser; apps and curl send neither).
func (s *Server) apiGuard(c *fiber.Ctx) error {
	_, multipartBody := uploadsOf(c)
	mt, _, err := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	if !multipartBody && (err != nil || mt != fiber.MIMEApplicationJSON) {
		if isPhotoRoute(c.Path()) {
			return &Problem{Status: fiber.StatusUnsupportedMediaType, Message: msgNotJSONTip}
		}
		return &Problem{Status: fiber.StatusUnsupportedMediaType, Message: msgNotJSON}
	}
	if !multipartBody && encoded(c) {
		return &Problem{Status: fiber.StatusUnsupportedMediaType, Message: msgEncoded}
	}
	if site := c.Get("Sec-Fetch-Site"); multipartBody && site != "" && site != "same-origin" && site != "none" {
		return &Problem{Status: fiber.StatusForbidden, Message: msgCrossSite}
	}
	return c.Next()
}

// sameOrigin reports whether the Origin header value names the site at
// base (scheme, host and port; default ports may be left out). "null" and
// anything unparsable are not the same origin.
func sameOrigin(origin, base string) bool {
	o, err := url.Parse(origin)
	if err != nil || o.Scheme == "" || o.Host == "" {
		return false
	}
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return false
	}
	return strings.EqualFold(o.Scheme, b.Scheme) && strings.EqualFold(hostPort(o), hostPort(b))
}

// hostPort is u's host with its port, the scheme's default port added.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// intakeNoStore keeps receipts, statuses and the form pages (each carries
// its own CSRF token and one-time nonce) out of every cache.
func intakeNoStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, cacheNoStore)
	return c.Next()
}

// limitBody answers 413 when the body (or its declared length) exceeds max.
// It measures the body as sent: c.Body() would first inflate a body with
// a Content-Encoding, without bound (see encoded).
func limitBody(max int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Request().Header.ContentLength() > max || len(c.Request().Body()) > max {
			return &Problem{Status: fiber.StatusRequestEntityTooLarge, Message: msgBodyTooLarge}
		}
		return c.Next()
	}
}

// formError is one entry of the error summary at the top of a form.
type formError struct {
	Field   string // field name; the input's id is "f-" + Field
	Message string
}

// summary lists the messages of fe for fields, in the order given (the
// form's order), each under prefix+field: the error summary at the top of
// a form that came back with errors.
func summary(fe formerr.FieldErrors, prefix string, fields ...string) []formError {
	var out []formError
	for _, f := range fields {
		if m := fe[f]; m != "" {
			out = append(out, formError{Field: prefix + f, Message: m})
		}
	}
	return out
}

// intakeForm is the Data of the three form pages: the values as the
// person typed them, the message of each field in error, and the choices.
type intakeForm struct {
	Values   map[string]string
	Consent  bool
	Errors   formerr.FieldErrors
	Summary  []formError
	Message  string // above the form, when it came back with errors
	Options  intake.FormOptions
	Agency   string
	Province string
	Min, Max map[string]int
	// Nonce is the one-time submission nonce of the form shown: the one
	// posted when the form comes back (nothing was stored), else fresh.
	Nonce string
	// Files are the refusals of the photos sent (tip form), one message
	// per file; Rechoose: photos were sent, and the person must choose
	// them again (a page cannot fill a file input).
	Files    intake.AttachmentErrors
	Rechoose bool
	// Photos are the rules of the tip form's photos, for its hint.
	Photos photoRules
}

// photoRules are the photo limits as the tip form states them.
type photoRules struct {
	Max           int
	EachMB, AllMB string
}

// Val returns what the person typed in field.
func (f *intakeForm) Val(field string) string { return f.Values[field] }

// Err returns the message of field, or "".
func (f *intakeForm) Err(field string) string { return f.Errors[field] }

// Describe returns the aria-describedby value of field: its hint (when it
// has one) and, when in error, its message "<field>-error".
func (f *intakeForm) Describe(field string, hint string) string {
	ids := []string{}
	if hint != "" {
		ids = append(ids, hint)
	}
	if f.Errors[field] != "" {
		ids = append(ids, field+"-error")
	}
	return strings.Join(ids, " ")
}

// Selected reports whether code is the value typed in field.
func (f *intakeForm) Selected(field, code string) bool { return f.Values[field] == code }

// radioGroup is one required choice of a form, rendered by the partial
// "intake-radio" as a fieldset of radio buttons.
type radioGroup struct {
	Form    *intakeForm
	Field   string
	Legend  string
	Options []intake.Option
}

// Choice describes the radio group of field, for {{template "intake-radio"}}.
func (f *intakeForm) Choice(field, legend string, options []intake.Option) radioGroup {
	return radioGroup{Form: f, Field: field, Legend: legend, Options: options}
}

// newIntakeForm builds the form data; fields lists the form's fields in
// page order, for the error summary.
func (s *Server) newIntakeForm(kind string, values map[string]string, fe formerr.FieldErrors, fields []string) *intakeForm {
	cat := s.Intake.Catalog()
	f := &intakeForm{
		Values: values, Errors: fe, Options: cat.Options, Agency: cat.Routes[kind].Agency, Province: cat.Province,
		Min: map[string]int{intake.FieldDescription: intake.DescriptionMin, intake.FieldContactName: intake.ContactNameMin},
		Max: map[string]int{
			intake.FieldDescription: intake.DescriptionMax, intake.FieldOccurredAt: intake.OccurredAtMax,
			intake.FieldLocationDetail: intake.LocationDetailMax, intake.FieldContactName: intake.ContactNameMax,
			intake.FieldMessage: intake.MessageMax,
		},
	}
	if f.Values == nil {
		f.Values = map[string]string{}
	}
	f.Photos = photoRules{Max: intake.MaxAttachments, EachMB: photo.MB(intake.MaxAttachmentBytes), AllMB: photo.MB(intake.MaxAttachmentsTotal)}
	f.Nonce = f.Values[nonceField]
	if !intake.ValidNonce(f.Nonce) {
		f.Nonce, _ = intake.NewNonce() // on failure "": the form still works, without the double-send check
	}
	f.Summary = summary(fe, "", fields...)
	if len(fe) > 0 {
		f.Message = msgFixErrors
	}
	return f
}

// formValues copies the named form fields out of Fiber's buffers.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	v := make(map[string]string, len(names))
	for _, n := range names {
		v[n] = strings.Clone(c.FormValue(n))
	}
	return v
}

// honeypotFilled reports whether the hidden field was filled.
func honeypotFilled(c *fiber.Ctx) bool { return strings.TrimSpace(c.FormValue(honeypotField)) != "" }

// receiptView is the Data of the page shown once after a submission.
type receiptView struct {
	Receipt     string // grouped in fours
	Kind        string
	KindLabel   string
	StatusLabel string
	Agency      string
}

func (s *Server) renderReceipt(c *fiber.Ctx, kind string, r intake.Receipt) error {
	return s.render(c, fiber.StatusOK, "tiep-nhan", View{
		Title: "Đã tiếp nhận",
		Data: receiptView{
			Receipt: intake.FormatReceipt(r.Code), Kind: kind, KindLabel: intake.KindLabels[kind],
			StatusLabel: intake.StatusLabels[r.Status], Agency: r.Agency,
		},
	})
}

func (s *Server) intakeAvailable() error {
	if s.Intake == nil {
		return &Problem{Status: fiber.StatusServiceUnavailable, Message: msgIntakeDown}
	}
	return nil
}
