package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrMalformed is returned by the Decode functions for a body that is not
// one JSON object (syntax error, not an object, trailing data). The API
// answers it with 400; FieldErrors (a field of the wrong JSON type) with 422.
var ErrMalformed = errors.New("intake: malformed JSON")

// DecodeTip reads the body of POST /api/v1/tips. Unknown fields are
// ignored so that older portals accept newer apps.
func DecodeTip(body []byte) (TipInput, error) {
	var in TipInput
	return in, decodeObject(body, &in)
}

// DecodeEnquiry reads the body of POST /api/v1/rehab-enquiries.
func DecodeEnquiry(body []byte) (EnquiryInput, error) {
	var in EnquiryInput
	return in, decodeObject(body, &in)
}

// StatusRequest is the body of POST /api/v1/status.
type StatusRequest struct {
	Receipt string `json:"receipt"`
}

// DecodeStatusRequest reads the body of POST /api/v1/status.
func DecodeStatusRequest(body []byte) (StatusRequest, error) {
	var in StatusRequest
	return in, decodeObject(body, &in)
}

// decodeObject decodes exactly one JSON object into v. A value of the wrong
// type for a known field becomes a FieldErrors entry naming the field; any
// other failure wraps ErrMalformed.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: the body must be one JSON object", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	err := dec.Decode(v)
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
		return FieldErrors{field: label + ": phải là " + want}
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	return nil
}
