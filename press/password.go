package press

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2Params are the argon2id cost parameters of new hashes. The values
// are OWASP's Password Storage Cheat Sheet minimum for argon2id (19 MiB of
// memory, 2 passes, 1 lane), chosen for a small shared server.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2 is used by HashPassword.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Password rules.
const (
	// MinPasswordLen is the minimum length in characters (runes), per
	// NIST SP 800-63B's advice to favour length; the issue asks for one.
	MinPasswordLen = 12
	// MaxPasswordLen bounds the input so that hashing stays cheap.
	MaxPasswordLen = 256
)

// ErrBadHash is returned by VerifyPassword for a stored hash it cannot read.
var ErrBadHash = errors.New("press: malformed argon2id hash")

//go:embed common_passwords.txt
var commonPasswordsTxt string

// commonPasswords is the embedded list, lower-cased, built once.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsTxt))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = true
	}
	return m
}()

// CheckPassword applies the password rules and returns a Vietnamese message
// about the first one broken, or "" when the password is acceptable: at least
// MinPasswordLen characters, at most MaxPasswordLen bytes, not one character
// repeated, not on the list of common passwords, and not containing the
// username.
func CheckPassword(password, username string) string {
	password = norm.NFC.String(password)
	if !utf8.ValidString(password) {
		return "Mật khẩu chứa ký tự không hợp lệ."
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return fmt.Sprintf("Mật khẩu phải có ít nhất %d ký tự.", MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return fmt.Sprintf("Mật khẩu không được dài quá %d ký tự.", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if strings.Count(lower, string([]rune(lower)[:1])) == n {
		return "Mật khẩu không được chỉ gồm một ký tự lặp lại."
	}
	squashed := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, lower)
	if commonPasswords[lower] || commonPasswords[squashed] {
		return "Mật khẩu này quá phổ biến và dễ bị đoán. Vui lòng chọn mật khẩu khác."
	}
	if u := strings.ToLower(strings.TrimSpace(username)); u != "" && strings.Contains(lower, u) {
		return "Mật khẩu không được chứa tên đăng nhập."
	}
	return ""
}

// HashPassword hashes password with argon2id and DefaultArgon2, returning
// the PHC string format used by the reference implementation:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt, base64 without padding>$<key>
//
// The password is NFC-normalised first, so the same password typed on any
// keyboard (precomposed or decomposed Vietnamese) hashes the same.
func HashPassword(password string) (string, error) {
	p := DefaultArgon2
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("press: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC-format argon2id
// hash, comparing in constant time. The cost parameters are read from the
// hash (so they can be raised later) but bounded, so that a tampered row
// cannot make a login allocate gigabytes. A hash it cannot read gives
// ErrBadHash.
func VerifyPassword(password, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, ErrBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, ErrBadHash
	}
	if m < 8 || m > 64*1024 || t < 1 || t > 16 || p < 1 || p > 16 {
		return false, ErrBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return false, ErrBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, ErrBadHash
	}
	got := argon2.IDKey([]byte(norm.NFC.String(password)), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the username is unknown, so that a
// login takes as long whether or not the account exists. Made on first use.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("không có tài khoản này")
	if err != nil {
		return "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	}
	return h
})
