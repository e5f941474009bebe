package seal

import (
	"bytes"
	"encoding/json"
)

// Envelope is the JSON of a sealed submission as the outbox holds it and
// the queue entry carries it (queue field "data"): only what routing and
// the inbox filters need stays in clear; everything the person wrote is in
// Sealed, an age file to the desk's public key of the full submission
// JSON (intake.Tip or intake.Enquiry). Consumers other than the portal's
// desk need the desk's private key to read it (docs/security.md).
type Envelope struct {
	// Category is a tip's category code, Substance an enquiry's.
	Category  string `json:"category,omitempty"`
	Substance string `json:"substance,omitempty"`
	// Area is the area code.
	Area string `json:"area"`
	// Sealed is the age file (base64 in JSON).
	Sealed []byte `json:"sealed"`
	// SubmitterKey is the receipt holder's public key (SubmitterIdentity),
	// to which the desk seals the conversation.
	SubmitterKey string `json:"submitter_key,omitempty"`
	// Attachments are a tip's photo references (intake.AttachmentRef:
	// index, type, size, dimensions; no content), in clear so that the
	// desk finds the photos in the outbox.
	Attachments json.RawMessage `json:"attachments,omitempty"`
}

// ParseEnvelope returns the envelope of data, ok false when data is a
// plain submission (no "sealed" member holding an age file).
func ParseEnvelope(data []byte) (Envelope, bool) {
	if !bytes.Contains(data, []byte(`"sealed"`)) {
		return Envelope{}, false
	}
	var e Envelope
	if err := json.Unmarshal(data, &e); err != nil || !IsSealed(e.Sealed) {
		return Envelope{}, false
	}
	return e, true
}
