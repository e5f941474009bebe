// Package formerr holds FieldErrors, the one type in which every form of the
// portal (intake's tip and enquiry forms and API, the desks' forms and API,
// the press office's campaign and account forms) reports what a person must
// correct, field by field. It imports nothing of the portal, so every layer
// may use it.
package formerr

import (
	"sort"
	"strings"
)

// FieldErrors maps a form field name (the same name in the HTML form, the
// JSON API and the handlers) to the Vietnamese message shown at that field.
// The intake and desk packages start each message with the field's label
// ("Nội dung: …"); the press office's messages are whole sentences.
//
// A non-empty FieldErrors is an error: the handlers show each message at its
// field (HTML) or return them as {"errors": {...}} with status 422 (JSON).
type FieldErrors map[string]string

// Add records msg for field unless field already has a message: the first
// rule a value breaks is the one reported.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Has reports whether field has a message.
func (fe FieldErrors) Has(field string) bool {
	_, ok := fe[field]
	return ok
}

// Error lists the messages in the order of their field names, joined by
// "; ", so the text is the same on every run.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = fe[k]
	}
	return strings.Join(msgs, "; ")
}
