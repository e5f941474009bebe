package seal

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// Argon2 cost of the key that wraps a member's private key: the same as
// the password hashes (press.DefaultArgon2: OWASP's minimum for argon2id,
// 19 MiB, 2 passes, 1 lane), with its own salt, so that the password hash
// in the database does not give the wrapping key.
const (
	argonMemory = 19 * 1024
	argonTime   = 2
	saltLen     = 16
)

// Wrap formats: the first byte says how the key was derived.
const (
	wrapPassword byte = 1 // argon2id(password, salt)
	wrapSecret   byte = 2 // HKDF-SHA256(high-entropy secret: a desk token)
)

// ErrWrongKey is returned by the unwrap functions when the password or
// secret does not open the wrap.
var ErrWrongKey = errors.New("seal: wrong password or key")

// WrapWithPassword encrypts secret (a private key's text) under a key
// derived from password with argon2id and a fresh salt: version byte,
// salt, nonce, XChaCha20-Poly1305 ciphertext.
func WrapWithPassword(password string, secret []byte) ([]byte, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, 1, chacha20poly1305.KeySize)
	return wrap(wrapPassword, salt, key, secret)
}

// UnwrapWithPassword opens what WrapWithPassword made; ErrWrongKey for
// another password.
func UnwrapWithPassword(password string, w []byte) ([]byte, error) {
	if len(w) < 1+saltLen || w[0] != wrapPassword {
		return nil, errors.New("seal: not a password wrap")
	}
	salt := w[1 : 1+saltLen]
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, 1, chacha20poly1305.KeySize)
	return unwrap(wrapPassword, key, w[1+saltLen:])
}

// WrapWithSecret encrypts secret under a key derived with HKDF-SHA256 from
// a high-entropy secret (a 256-bit desk API token): no stretching needed.
func WrapWithSecret(high string, secret []byte) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, []byte(high), nil, "portal seal wrap v1", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return wrap(wrapSecret, nil, key, secret)
}

// UnwrapWithSecret opens what WrapWithSecret made.
func UnwrapWithSecret(high string, w []byte) ([]byte, error) {
	if len(w) < 1 || w[0] != wrapSecret {
		return nil, errors.New("seal: not a secret wrap")
	}
	key, err := hkdf.Key(sha256.New, []byte(high), nil, "portal seal wrap v1", chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return unwrap(wrapSecret, key, w[1:])
}

func wrap(kind byte, salt, key, secret []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{kind}, salt...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, secret, []byte{kind}), nil
}

func unwrap(kind byte, key, rest []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("seal: wrap too short")
	}
	nonce, ct := rest[:aead.NonceSize()], rest[aead.NonceSize():]
	out, err := aead.Open(nil, nonce, ct, []byte{kind})
	if err != nil {
		return nil, ErrWrongKey
	}
	return out, nil
}

// SubmitterIdentity is the age key of the holder of a receipt: X25519 with
// the scalar HKDF-SHA256(receipt code, salt submission id). The desk seals
// the conversation's messages to its public key (stored in clear with the
// case), and /tra-cuu, given the receipt again, derives it to open them.
// Nothing of it is stored: the receipt is the only key (see
// docs/security.md for what a thief of PORTAL_SECRET can do).
func SubmitterIdentity(receipt, submissionID string) (*age.X25519Identity, error) {
	k, err := hkdf.Key(sha256.New, []byte(receipt), []byte(submissionID), "portal submitter key v1", 32)
	if err != nil {
		return nil, err
	}
	id, err := age.ParseX25519Identity(strings.ToUpper(bech32Encode("age-secret-key-", k)))
	if err != nil {
		return nil, fmt.Errorf("seal: submitter key: %w", err)
	}
	return id, nil
}

// bech32Encode encodes data (8-bit bytes) under hrp as BIP 173 bech32,
// the text form of age keys (age keeps its encoder internal).
func bech32Encode(hrp string, data []byte) string {
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	// 8-bit groups to 5-bit groups, padded.
	var five []byte
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			five = append(five, byte(acc>>bits&31))
		}
	}
	if bits > 0 {
		five = append(five, byte(acc<<(5-bits)&31))
	}
	polymod := func(values []byte) uint32 {
		gen := []uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
		chk := uint32(1)
		for _, v := range values {
			top := chk >> 25
			chk = (chk&0x1ffffff)<<5 ^ uint32(v)
			for i := 0; i < 5; i++ {
				if top>>i&1 == 1 {
					chk ^= gen[i]
				}
			}
		}
		return chk
	}
	var exp []byte
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]>>5)
	}
	exp = append(exp, 0)
	for i := 0; i < len(hrp); i++ {
		exp = append(exp, hrp[i]&31)
	}
	values := append(append(exp, five...), 0, 0, 0, 0, 0, 0)
	mod := polymod(values) ^ 1
	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, v := range five {
		sb.WriteByte(charset[v])
	}
	for i := 0; i < 6; i++ {
		sb.WriteByte(charset[mod>>(5*(5-i))&31])
	}
	return sb.String()
}
