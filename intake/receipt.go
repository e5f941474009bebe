package intake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ReceiptDigits is the length of a receipt code: 16 decimal digits, about
// 53 bits, drawn from crypto/rand.
const ReceiptDigits = 16

// ErrReceiptFormat is returned by ParseReceipt for text that is not 16
// digits (spaces, dots and dashes between them are allowed).
var ErrReceiptFormat = errors.New("intake: a receipt is 16 digits")

var receiptMax = new(big.Int).Exp(big.NewInt(10), big.NewInt(ReceiptDigits), nil)

// NewReceipt draws a receipt code: 16 decimal digits, uniformly random
// (crypto/rand), leading zeros kept. It is shown once to the person and
// never stored; only its HMAC is (ReceiptHasher).
func NewReceipt() (string, error) {
	n, err := rand.Int(rand.Reader, receiptMax)
	if err != nil {
		return "", fmt.Errorf("intake: draw receipt: %w", err)
	}
	return fmt.Sprintf("%0*d", ReceiptDigits, n), nil
}

// FormatReceipt groups the 16 digits in fours ("1234 5678 9012 3456") for
// reading aloud and copying by hand.
func FormatReceipt(r string) string {
	if len(r) != ReceiptDigits {
		return r
	}
	return r[0:4] + " " + r[4:8] + " " + r[8:12] + " " + r[12:16]
}

// ParseReceipt accepts a receipt as people type it back: digits with any
// spaces, dots or dashes, full-width digits too (after NFKC-like folding of
// U+FF10–U+FF19). It returns the 16 digits or ErrReceiptFormat.
func ParseReceipt(s string) (string, error) {
	if len(s) > 100 {
		return "", ErrReceiptFormat
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '.' || r == '-' || r == '\t' || r == '\u00a0':
		default:
			return "", ErrReceiptFormat
		}
	}
	if b.Len() != ReceiptDigits {
		return "", ErrReceiptFormat
	}
	return b.String(), nil
}

// ReceiptHasher keys receipts: the status row of a submission is found by
// HMAC-SHA256(secret, receipt), so a copy of the database alone does not
// reveal or confirm receipt codes.
type ReceiptHasher struct {
	key []byte
}

// NewReceiptHasher returns a hasher under secret (the portal secret; at
// least 16 bytes).
func NewReceiptHasher(secret []byte) (*ReceiptHasher, error) {
	if len(secret) < 16 {
		return nil, errors.New("intake: receipt secret shorter than 16 bytes")
	}
	k := make([]byte, len(secret))
	copy(k, secret)
	return &ReceiptHasher{key: k}, nil
}

// Hash returns the hex HMAC-SHA256 of the 16-digit receipt, under a
// domain-separation prefix so the same secret can key other things.
func (h *ReceiptHasher) Hash(receipt string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte("portal receipt v1\x00"))
	m.Write([]byte(receipt))
	return hex.EncodeToString(m.Sum(nil))
}
