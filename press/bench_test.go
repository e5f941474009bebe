package press

import (
	"context"
	"testing"
)

// BenchmarkHashPassword is the cost of one argon2id hash with DefaultArgon2
// (account creation, password change).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword(goodPassword); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPassword is the CPU cost of one login attempt that
// reaches the password check.
func BenchmarkVerifyPassword(b *testing.B) {
	h, _ := HashPassword(goodPassword)
	for b.Loop() {
		if ok, _ := VerifyPassword(goodPassword, h); !ok {
			b.Fatal("no match")
		}
	}
}

// BenchmarkAuthenticate is the cost a session adds to every admin request
// (token hash, one SQLite read; the activity write happens at most once a
// minute).
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	o, _ := newTestOffice(b, Config{})
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		b.Fatal(err)
	}
	s, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := o.Authenticate(ctx, s.Token); err != nil {
			b.Fatal(err)
		}
	}
}
