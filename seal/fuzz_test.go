package seal_test

import (
	"context"
	"testing"

	"filippo.io/age"
	"github.com/thaibinh-pcmt/portal/seal"
)

// FuzzParseEnvelope: whatever a queue entry's data holds, ParseEnvelope
// and Open neither panic nor take plain data for sealed; an envelope it
// accepts always carries an age file.
func FuzzParseEnvelope(f *testing.F) {
	id, _ := age.GenerateX25519Identity()
	blob, _ := seal.Encrypt([]byte(`{"a":1}`), id.Recipient())
	for _, s := range []string{`{"category":"mua-ban","area":"vu-thu","sealed":"YWdlLWVuY3J5cHRpb24ub3JnL3YxCg=="}`,
		`{"sealed":null}`, `{"sealed":"!!"}`, `{"description":"sealed"}`, `"sealed"`, string(blob), `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if e, ok := seal.ParseEnvelope(data); ok && !seal.IsSealed(e.Sealed) {
			t.Fatalf("accepted an envelope without an age file: %q", data)
		}
		ctx := seal.WithDeskKey(context.Background(), "police", id)
		seal.Sealer{}.Open(ctx, seal.Scope{Desk: "police"}, data)
	})
}
