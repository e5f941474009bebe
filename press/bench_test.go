package press

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/ratelimit"
	"github.com/thaibinh-pcmt/portal/store/storetest"
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

// BenchmarkAuthenticatePostgres is the session check of every admin
// request with the sessions in PostgreSQL (TEST_DATABASE_URL, a schema of
// its own), as every instance of a cluster does it: one indexed read
// joining the session and its account. It reports the p50 and p99 of one
// check.
func BenchmarkAuthenticatePostgres(b *testing.B) {
	ctx := context.Background()
	clk := &clock{t: t0}
	o, err := New(Config{DB: storetest.Open(b, "postgres"), Limiter: ratelimit.NewMemory(), Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := o.AddStaff(ctx, ActorCLI, "lan", RolePress, goodPassword); err != nil {
		b.Fatal(err)
	}
	s, err := o.Login(ctx, LoginRequest{Username: "lan", Password: goodPassword, ClientKey: "k"})
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := o.Authenticate(ctx, s.Token); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
