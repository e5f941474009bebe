package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/thaibinh-pcmt/portal/internal/formerr"
)

// ErrMalformed is returned by the Decode functions for a body that is not
// one JSON object (syntax error, not an object, trailing data). The API
// answers it with 400; FieldErrors (a field of the wrong JSON type) with 422.
var ErrMalformed = errors.New("intake: malformed JSON")

// DecodeTip reads the body of POST /api/v1/tips. A field the API does not
// know is refused (FieldErrors naming it), not dropped: a client that sends
// something it believes is delivered (a misspelt field, photos in JSON)
// learns at once that it is not. Photos come only as multipart files.
func DecodeTip(body []byte) (TipInput, error) {
	var in TipInput
	return in, decodeObject(body, &in)
}

// DecodeEnquiry reads the body of POST /api/v1/rehab-enquiries; unknown
// fields are refused as by DecodeTip.
func DecodeEnquiry(body []byte) (EnquiryInput, error) {
	var in EnquiryInput
	return in, decodeObject(body, &in)
}

// StatusRequest is the body of POST /api/v1/status.
type StatusRequest struct {
	Receipt string `json:"receipt"`
}

// DecodeStatusRequest reads the body of POST /api/v1/status; unknown
// fields are refused as by DecodeTip.
func DecodeStatusRequest(body []byte) (StatusRequest, error) {
	var in StatusRequest
	return in, decodeObject(body, &in)
}

// ReplyRequest is the body of POST /api/v1/messages: the receipt and the
// sender's answer.
type ReplyRequest struct {
	Receipt string `json:"receipt"`
	Body    string `json:"body"`
}

// DecodeReplyRequest reads the body of POST /api/v1/messages; unknown
// fields are refused as by DecodeTip.
func DecodeReplyRequest(body []byte) (ReplyRequest, error) {
	var in ReplyRequest
	return in, decodeObject(body, &in)
}

// decodeObject decodes exactly one JSON object into v. A value of the wrong
// type for a known field, and a field v does not have, become a
// FieldErrors entry naming the field; any other failure wraps ErrMalformed.
func decodeObject(body []byte, v any) error {
	trimmed := TrimJSON(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: the body must be one JSON object", ErrMalformed)
	}
	if fe := checkKeys(trimmed, v); fe != nil {
		return fe
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if name, ok := unknownField(err); ok {
		return unknownFieldError(name, v)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		field := typeErr.Field
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:]
		}
		label, ok := FieldLabels[field]
		if !ok {
			return fmt.Errorf("%w: field %q has the wrong type", ErrMalformed, typeErr.Field)
		}
		want := "một chuỗi ký tự"
		if field == FieldConsent {
			want = "true hoặc false"
		}
		return formerr.FieldErrors{field: label + ": phải là " + want}
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	return nil
}

// TrimJSON returns body without the spaces around it and without a leading
// UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore and some
// Windows clients send.
func TrimJSON(body []byte) []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(body), []byte("\uFEFF")))
}

// checkKeys returns the FieldErrors of the first key of the JSON object
// body that v does not have (unknownFieldError: a tip's photos are told to
// come as files), else of the first key sent twice (CheckFields); nil when
// there is none or body is not well-formed (Decode then says so).
func checkKeys(body []byte, v any) formerr.FieldErrors {
	keys, _ := JSONKeys(body)
	fields := JSONFields(v)
	for _, k := range keys {
		if !slices.Contains(fields, k) {
			return unknownFieldError(k, v)
		}
	}
	return CheckFields(keys, fields, FieldLabels)
}

// JSONKeys returns the keys of the JSON object body in order, repeats
// included; ok is false when body is not a well-formed object.
func JSONKeys(body []byte) (keys []string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		key, isKey := t.(string)
		if err != nil || !isKey {
			return keys, false
		}
		keys = append(keys, key)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return keys, false
		}
	}
	return keys, true
}

// CheckFields returns the FieldErrors of the first of keys (a request's
// field names in order, repeats included: JSON keys or form fields) that
// is not exactly one of fields (UnknownField), or that comes a second time
// (named by its label in labels, else by its name); nil when there is none.
// Exact names, once each: encoding/json alone matches keys without regard
// to case, even by Unicode case folding ("DeScRiPtIoN", "deſcription" reach
// Description), and keeps the last of repeated keys where a form keeps the
// first, so a filter in front that reads one key, or the two encodings,
// would see another request than the one stored.
func CheckFields(keys, fields []string, labels map[string]string) formerr.FieldErrors {
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !slices.Contains(fields, k) {
			return UnknownField(k, fields)
		}
		if seen[k] {
			label := labels[k]
			if label == "" {
				label = k
			}
			return formerr.FieldErrors{k: label + ": được gửi nhiều lần trong cùng một yêu cầu; hãy gửi một lần"}
		}
		seen[k] = true
	}
	return nil
}

// unknownField returns the field named by encoding/json's error for a key
// the target has no field for (DisallowUnknownFields). encoding/json has no
// typed error for it; its message is `json: unknown field ` and the key
// quoted as by %q.
func unknownField(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, uerr := strconv.Unquote(rest)
	return name, uerr == nil
}

// unknownFieldError is the FieldErrors of an unknown field of v's JSON
// (UnknownField with v's fields). Photos sent in a tip's JSON are told to
// come as multipart files.
func unknownFieldError(name string, v any) formerr.FieldErrors {
	if _, tip := v.(*TipInput); tip && strings.EqualFold(strings.TrimSpace(name), FieldAttachments) {
		return formerr.FieldErrors{FieldAttachments: FieldLabels[FieldAttachments] +
			": không gửi được ảnh trong JSON. Hãy gửi tin báo dạng multipart/form-data (Content-Type: multipart/form-data), mỗi ảnh là một tệp trong trường “attachments”, các trường khác giữ nguyên tên."}
	}
	return UnknownField(name, JSONFields(v))
}

// UnknownField is the FieldErrors of a field a request does not take:
// keyed by the field's name as sent (cleaned and cut to 64 characters, so
// that a client's key is neither a control sequence nor megabytes), with
// the list of the fields it takes (accepted).
func UnknownField(name string, accepted []string) formerr.FieldErrors {
	name = cleanText(name, false)
	if r := []rune(name); len(r) > 64 {
		name = string(r[:63]) + "…"
	}
	if name == "" {
		name = "?"
	}
	return formerr.FieldErrors{name: name + ": trường này không có trong yêu cầu nên không được nhận; hãy bỏ trường đó rồi gửi lại. Các trường được nhận: " +
		strings.Join(accepted, ", ") + "."}
}

// TipFields are the JSON and form field names of a tip, without the
// photos (FieldAttachments), in order.
func TipFields() []string { return JSONFields(&TipInput{}) }

// JSONFields lists the JSON names of the fields of the struct v points
// to, in declaration order (fields tagged "-" are not JSON).
func JSONFields(v any) []string {
	t := reflect.TypeOf(v).Elem()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}
