package intake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrAlreadySubmitted is returned by the Submit methods when the form's
// one-time nonce (WithNonce) was already used: the same form was sent
// before (double click, refresh, back and send again). Nothing is stored;
// the receipt was shown the first time.
var ErrAlreadySubmitted = errors.New("intake: this form was already submitted")

// nonceBytes is the size of a submission nonce: 128 random bits, written
// as 22 characters of unpadded base64url.
const nonceBytes = 16

// NewNonce returns a fresh one-time submission nonce for a form: 22
// characters of base64url (128 random bits).
func NewNonce() (string, error) {
	var b [nonceBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("intake: draw nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// ValidNonce reports whether s has the shape NewNonce gives.
func ValidNonce(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == nonceBytes
}

// SubmitOption changes how one submission is written.
type SubmitOption func(*submitOptions)

type submitOptions struct {
	nonce string
}

// WithNonce makes the submission one-time: the outbox records a keyed
// hash of nonce (HMAC-SHA256 under the portal secret, never the nonce
// itself) and refuses a second submission with the same nonce
// (ErrAlreadySubmitted). A nonce that is not ValidNonce is ignored.
func WithNonce(nonce string) SubmitOption {
	return func(o *submitOptions) {
		if ValidNonce(nonce) {
			o.nonce = nonce
		}
	}
}

// hashNonce is the hex HMAC-SHA256 of a nonce, domain-separated from
// receipts under the same key.
func (h *ReceiptHasher) hashNonce(nonce string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("portal submission nonce v1\x00"))
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}
