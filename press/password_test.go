package press

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"golang.org/x/text/unicode/norm"
)

func nfd(s string) string { return norm.NFD.String(s) }

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		pw, user string
		want     string // "" = accepted; else a word of the message
	}{
		{goodPassword, "lan", ""},
		{"đúng-mười-hai", "lan", ""},
		{"ngắn quá", "lan", "ít nhất 12"},
		{"mườimộtkýtự", "lan", "ít nhất 12"},
		{"Password1234", "lan", "phổ biến"},
		{"MATKHAU12345", "lan", "phổ biến"},
		{"anh yeu em 1234", "lan", "phổ biến"},
		{"qwerty123456", "lan", "phổ biến"},
		{"aaaaaaaaaaaaaaaa", "lan", "lặp lại"},
		{"nguyenthilan-2026", "nguyenthilan", "tên đăng nhập"},
		{strings.Repeat("x", 100) + strings.Repeat("y", 200), "lan", "dài quá"},
	} {
		got := CheckPassword(c.pw, c.user)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("CheckPassword(%q) = %q, want %q", c.pw, got, c.want)
		}
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := HashPassword(goodPassword)
	if h == h2 {
		t.Fatal("same salt twice")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{goodPassword, true}, {nfd(goodPassword), true}, {goodPassword + " ", false}, {"", false}} {
		ok, err := VerifyPassword(c.pw, h)
		if err != nil || ok != c.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	// Parameters are read from the hash, not assumed: a hash made with other
	// costs (as after raising DefaultArgon2) still verifies.
	salt := []byte("somesalt")
	key := argon2.IDKey([]byte("password"), salt, 3, 64, 2, 24)
	other := "$argon2id$v=19$m=64,t=3,p=2$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	if ok, err := VerifyPassword("password", other); err != nil || !ok {
		t.Fatalf("hash with other parameters: %v, %v", ok, err)
	}
	if ok, _ := VerifyPassword("Password", other); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2id$v=18$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2id$v=19$m=99999999,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"$argon2id$v=19$m=65536,t=2,p=4$!!$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"} {
		if _, err := VerifyPassword("password", bad); err != ErrBadHash {
			t.Errorf("VerifyPassword(%q) err = %v, want ErrBadHash", bad, err)
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=16,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Add("$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Fuzz(func(t *testing.T, h string) {
		VerifyPassword("password", h) // must not panic or allocate without bound
	})
}
