package intake

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
)

// Field names: the same in the HTML forms, the JSON API and FieldErrors.
const (
	FieldCategory       = "category"
	FieldArea           = "area"
	FieldDescription    = "description"
	FieldOccurredAt     = "occurred_at"
	FieldLocationDetail = "location_detail"
	FieldRelationship   = "relationship"
	FieldSubstance      = "substance"
	FieldPreferredForm  = "preferred_form"
	FieldContactName    = "contact_name"
	FieldPhone          = "phone"
	FieldMessage        = "message"
	FieldConsent        = "consent"
	FieldReceipt        = "receipt"
	// FieldAttachments is the file field of the tip form and of the
	// multipart API: the photos (attachments.go).
	FieldAttachments = "attachments"
	FieldService     = "service"
	// FieldBody is a message in the conversation with the desk (the
	// /tra-cuu form and POST /api/v1/messages).
	FieldBody = "body"
)

// FieldLabels are the Vietnamese names of the fields, used as form labels
// and at the start of every error message ("Nội dung: …").
var FieldLabels = map[string]string{
	FieldCategory:       "Loại hành vi",
	FieldArea:           "Địa bàn",
	FieldDescription:    "Nội dung",
	FieldOccurredAt:     "Thời gian",
	FieldLocationDetail: "Địa điểm cụ thể",
	FieldRelationship:   "Người gửi",
	FieldSubstance:      "Chất đang sử dụng",
	FieldPreferredForm:  "Hình thức mong muốn",
	FieldContactName:    "Tên người liên hệ",
	FieldPhone:          "Số điện thoại",
	FieldMessage:        "Lời nhắn",
	FieldConsent:        "Đồng ý xử lý dữ liệu cá nhân",
	FieldReceipt:        "Mã tiếp nhận",
	FieldAttachments:    "Ảnh đính kèm",
	FieldService:        "Cơ sở, dịch vụ quan tâm",
	FieldBody:           "Lời nhắn",
}

// Length limits in characters (runes), counted after NFC normalisation.
const (
	DescriptionMin    = 20
	DescriptionMax    = 5000
	OccurredAtMax     = 200
	LocationDetailMax = 500
	ContactNameMin    = 2
	ContactNameMax    = 100
	MessageMax        = 2000
)

// ConsentBasis names the rule the consent of a rehab enquiry comes from;
// it travels with the enquiry to the desk.
const ConsentBasis = "Luật Bảo vệ dữ liệu cá nhân (Luật số 91/2025/QH15)"

// addLabelledf records, unless field already has a message, the message
// "<label>: <format filled with args>", the label from FieldLabels.
func addLabelledf(fe formerr.FieldErrors, field, format string, args ...any) {
	fe.Add(field, FieldLabels[field]+": "+fmt.Sprintf(format, args...))
}

// number formats n the Vietnamese way, with a dot between thousands.
func number(n int) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// TipInput is a tip-off as sent by the form or the app, before validation.
// Attachments are its photos, already sanitised (SanitiseUploads); they
// come only as multipart files, never in JSON.
type TipInput struct {
	Category       string       `json:"category"`
	Area           string       `json:"area"`
	Description    string       `json:"description"`
	OccurredAt     string       `json:"occurred_at,omitempty"`
	LocationDetail string       `json:"location_detail,omitempty"`
	Attachments    []Attachment `json:"-"`
}

// Tip is a validated tip-off, as stored in the outbox and sent to the
// police queue (JSON). Each free-text field comes twice: the plain text
// exactly as typed (NFC, control characters removed, nothing else changed;
// escape it when displaying) and its *_html twin, bluemonday StrictPolicy
// output that is safe to embed in an HTML desk UI as it is (see
// strictPolicy in text.go).
type Tip struct {
	Category           string `json:"category"`
	CategoryLabel      string `json:"category_label"`
	Area               string `json:"area"`
	AreaLabel          string `json:"area_label"`
	Description        string `json:"description"`
	DescriptionHTML    string `json:"description_html"`
	OccurredAt         string `json:"occurred_at,omitempty"`
	OccurredAtHTML     string `json:"occurred_at_html,omitempty"`
	LocationDetail     string `json:"location_detail,omitempty"`
	LocationDetailHTML string `json:"location_detail_html,omitempty"`
	// Attachments are the sanitised photos, held in memory up to
	// SubmitTip. They are not part of the JSON stored in the outbox and
	// sent to the queue: they are megabytes, stored beside the submission
	// (store: outbox_attachments) and referred to by AttachmentRefs.
	Attachments []Attachment `json:"-"`
	// AttachmentRefs refer to the photos in the JSON of the outbox and the
	// queue entry (set by SubmitTip); empty without photos.
	AttachmentRefs []AttachmentRef `json:"attachments,omitempty"`
}

// EnquiryInput is a rehab enquiry as sent by the form or the app.
type EnquiryInput struct {
	Relationship  string `json:"relationship"`
	Substance     string `json:"substance"`
	PreferredForm string `json:"preferred_form"`
	Area          string `json:"area"`
	ContactName   string `json:"contact_name"`
	Phone         string `json:"phone"`
	Message       string `json:"message,omitempty"`
	Consent       bool   `json:"consent"`
	// Service is the slug of the rehab service the family is interested
	// in (FormOptions.RehabServices); optional.
	Service string `json:"service,omitempty"`
}

// Enquiry is a validated rehab enquiry, as stored in the outbox and sent to
// the social-affairs queue (JSON). Phone is E.164. Free text comes as plain
// text exactly as typed plus its *_html twin, as in Tip.
type Enquiry struct {
	Relationship       string `json:"relationship"`
	RelationshipLabel  string `json:"relationship_label"`
	Substance          string `json:"substance"`
	SubstanceLabel     string `json:"substance_label"`
	PreferredForm      string `json:"preferred_form"`
	PreferredFormLabel string `json:"preferred_form_label"`
	Area               string `json:"area"`
	AreaLabel          string `json:"area_label"`
	ContactName        string `json:"contact_name"`
	ContactNameHTML    string `json:"contact_name_html"`
	Phone              string `json:"phone"`
	Message            string `json:"message,omitempty"`
	MessageHTML        string `json:"message_html,omitempty"`
	Consent            bool   `json:"consent"`
	ConsentBasis       string `json:"consent_basis"`
	Service            string `json:"service,omitempty"`
	ServiceLabel       string `json:"service_label,omitempty"`
}

// choice checks that code is one of list and returns its label.
func choice(fe formerr.FieldErrors, field, code string, list []Option) (string, string) {
	code = strings.TrimSpace(code)
	if code == "" {
		addLabelledf(fe, field, "hãy chọn một mục")
		return "", ""
	}
	label, ok := Label(list, code)
	if !ok {
		addLabelledf(fe, field, "hãy chọn một mục trong danh sách")
		return "", ""
	}
	return code, label
}

// text cleans and measures one free-text field and returns the plain text
// (cleanText) and its safe HTML (safeHTML). min 0 means the field is
// optional.
func text(fe formerr.FieldErrors, field, raw string, multiline bool, min, max int) (plain, safe string) {
	if len(raw) > 8*max+64 { // far too long: do not spend time cleaning it
		addLabelledf(fe, field, "tối đa %s ký tự", number(max))
		return "", ""
	}
	s := cleanText(raw, multiline)
	n := utf8.RuneCountInString(s)
	v := visibleLen(s)
	switch {
	case v == 0 && min > 0:
		addLabelledf(fe, field, "không được để trống")
		return "", ""
	case n > max:
		addLabelledf(fe, field, "tối đa %s ký tự (bạn đã nhập %s)", number(max), number(n))
		return "", ""
	case v < min:
		addLabelledf(fe, field, "cần ít nhất %s ký tự (bạn đã nhập %s)", number(min), number(v))
		return "", ""
	case v == 0:
		// Optional, but only invisible characters: treat as not given.
		return "", ""
	}
	return s, safeHTML(s)
}

// ValidateReply checks a submitter's message to the desk (field "body"):
// required, at most MessageMax characters, cleaned like every free-text
// field of the forms (plain text as typed, NFC, control characters
// removed). It returns the cleaned text or the FieldErrors.
func ValidateReply(raw string) (string, formerr.FieldErrors) {
	fe := formerr.FieldErrors{}
	plain, _ := text(fe, FieldBody, raw, true, 1, MessageMax)
	if len(fe) > 0 {
		return "", fe
	}
	return plain, nil
}

// ValidateTip checks a tip-off against the catalog and returns it cleaned
// (plain text as typed, plus safe HTML), or the FieldErrors (never both non-empty). Category and
// area must be codes of the catalog; the description is required, 20 to
// 5,000 characters; time and place are optional free text; at most
// MaxAttachments photos, which pass through as they are (SanitiseUploads
// made them).
func (c *Catalog) ValidateTip(in TipInput) (Tip, formerr.FieldErrors) {
	fe := formerr.FieldErrors{}
	var t Tip
	t.Category, t.CategoryLabel = choice(fe, FieldCategory, in.Category, c.Options.TipCategories)
	t.Area, t.AreaLabel = choice(fe, FieldArea, in.Area, c.Options.Areas)
	t.Description, t.DescriptionHTML = text(fe, FieldDescription, in.Description, true, DescriptionMin, DescriptionMax)
	t.OccurredAt, t.OccurredAtHTML = text(fe, FieldOccurredAt, in.OccurredAt, false, 0, OccurredAtMax)
	t.LocationDetail, t.LocationDetailHTML = text(fe, FieldLocationDetail, in.LocationDetail, true, 0, LocationDetailMax)
	if len(in.Attachments) > MaxAttachments {
		addLabelledf(fe, FieldAttachments, "tối đa %d ảnh cho một tin báo", MaxAttachments)
	}
	t.Attachments = in.Attachments
	if len(fe) > 0 {
		return Tip{}, fe
	}
	return t, nil
}

// ValidateEnquiry checks a rehab enquiry and returns it cleaned and
// sanitised, or the FieldErrors. The service is optional; when given it must
// be one of Options.RehabServices. The phone is normalised to E.164
// (NormalisePhone); consent must be given, since the desk will process a
// name and a phone number (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, in force
// since 1/1/2026, which replaced Nghị định 13/2023/NĐ-CP).
func (c *Catalog) ValidateEnquiry(in EnquiryInput) (Enquiry, formerr.FieldErrors) {
	fe := formerr.FieldErrors{}
	var e Enquiry
	e.Relationship, e.RelationshipLabel = choice(fe, FieldRelationship, in.Relationship, c.Options.Relationships)
	e.Substance, e.SubstanceLabel = choice(fe, FieldSubstance, in.Substance, c.Options.Substances)
	e.PreferredForm, e.PreferredFormLabel = choice(fe, FieldPreferredForm, in.PreferredForm, c.Options.RehabForms)
	e.Area, e.AreaLabel = choice(fe, FieldArea, in.Area, c.Options.Areas)
	e.ContactName, e.ContactNameHTML = text(fe, FieldContactName, in.ContactName, false, ContactNameMin, ContactNameMax)
	if strings.TrimSpace(in.Phone) == "" {
		addLabelledf(fe, FieldPhone, "không được để trống")
	} else if p, err := NormalisePhone(in.Phone); err != nil {
		addLabelledf(fe, FieldPhone, "không phải số di động hoặc số cố định của Việt Nam (ví dụ 0912 345 678 hoặc 0227 3831 234)")
	} else {
		e.Phone = p
	}
	e.Message, e.MessageHTML = text(fe, FieldMessage, in.Message, true, 0, MessageMax)
	if strings.TrimSpace(in.Service) != "" {
		e.Service, e.ServiceLabel = choice(fe, FieldService, in.Service, c.Options.RehabServices)
	}
	if !in.Consent {
		addLabelledf(fe, FieldConsent, "cần đánh dấu ô đồng ý thì cán bộ mới được dùng tên và số điện thoại của bạn để gọi lại")
	}
	e.Consent = true
	e.ConsentBasis = ConsentBasis
	if len(fe) > 0 {
		return Enquiry{}, fe
	}
	return e, nil
}
