package seal_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thaibinh-pcmt/portal/seal"
	"github.com/thaibinh-pcmt/portal/store"
)

// benchTip is a tip of a typical size (about 1.5 KB of JSON, the free text
// twice: plain and HTML).
var benchTip = func() []byte {
	d := strings.Repeat("Nhà có cổng xanh ở ngõ 7 thường có người đến mua bán ma túy vào buổi tối. ", 8)
	b, _ := json.Marshal(map[string]string{"category": "mua-ban", "area": "vu-thu", "description": d, "description_html": d})
	return b
}()

// reportPercentiles adds p50 and p99 of the per-operation times.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}

func benchKeyring(b *testing.B) (*seal.Keyring, string) {
	db, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	k := seal.NewKeyring(db, nil)
	rec, err := k.Init(context.Background(), "police", "bench")
	if err != nil {
		b.Fatal(err)
	}
	return k, rec
}

// BenchmarkSealSubmission is what encryption adds to one submission before
// the outbox (intake.Service.sealSubmission): seal the JSON to the desk's
// key, derive the receipt holder's key, encode the envelope.
func BenchmarkSealSubmission(b *testing.B) {
	k, _ := benchKeyring(b)
	s := seal.Sealer{Keys: k}
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		blob, err := s.Seal(ctx, seal.Scope{Desk: "police"}, benchTip)
		if err != nil {
			b.Fatal(err)
		}
		sid, err := seal.SubmitterIdentity("1234567812345678", "0123456789abcdef0123456789abcdef")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(seal.Envelope{Category: "mua-ban", Area: "vu-thu", Sealed: blob, SubmitterKey: sid.Recipient().String()}); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	reportPercentiles(b, ds)
}

// BenchmarkOpenCase is what decryption adds to opening a case: the
// submission and a conversation of four messages and a note.
func BenchmarkOpenCase(b *testing.B) {
	k, rec := benchKeyring(b)
	s := seal.Sealer{Keys: k}
	ctx := context.Background()
	id, err := k.FromRecovery(ctx, "police", rec)
	if err != nil {
		b.Fatal(err)
	}
	sub, _ := seal.SubmitterIdentity("1234567812345678", "x")
	content, _ := s.Seal(ctx, seal.Scope{Desk: "police"}, benchTip)
	var msgs [][]byte
	for i := 0; i < 5; i++ {
		m, _ := s.Seal(ctx, seal.Scope{Desk: "police", Submitter: i < 4, SubmitterKey: sub.Recipient().String()}, []byte(`{"body":"Nhà số 12, xe máy màu đỏ, thường đến lúc 9 giờ tối."}`))
		msgs = append(msgs, m)
	}
	octx := seal.WithDeskKey(ctx, "police", id)
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := s.Open(octx, seal.Scope{Desk: "police"}, content); err != nil {
			b.Fatal(err)
		}
		for j, m := range msgs {
			if _, err := s.Open(octx, seal.Scope{Desk: "police", Submitter: j < 4}, m); err != nil {
				b.Fatal(err)
			}
		}
		ds = append(ds, time.Since(t0))
	}
	reportPercentiles(b, ds)
}

// BenchmarkUnlockAtSignIn is the key work of one desk sign-in (argon2id
// of the member's wrap, then the grant): paid once per session.
func BenchmarkUnlockAtSignIn(b *testing.B) {
	w, err := seal.WrapWithPassword("mật khẩu cán bộ 2026", []byte("AGE-SECRET-KEY-1X"))
	if err != nil {
		b.Fatal(err)
	}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := seal.UnwrapWithPassword("mật khẩu cán bộ 2026", w); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	reportPercentiles(b, ds)
}
