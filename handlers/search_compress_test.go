package handlers

import (
	"bytes"
	"strings"
	"testing"
)

// TestSearchPageNegotiatesCoding: the results page (built for each
// request, no secret in it) goes out in brotli or gzip as negotiated, each
// decoding to the identity bytes, identity when neither is accepted, with
// Vary and no-store either way.
func TestSearchPageNegotiatesCoding(t *testing.T) {
	app := newSearchApp(t)
	const target = "/tim-kiem?q=ma+tuy"
	resp, identity := fetch(t, app, "GET", target, "Accept-Encoding", "identity")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Contains(identity, []byte(`value="ma tuy"`)) {
		t.Fatalf("identity: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Encoding"), len(identity))
	}
	for _, tc := range []struct{ ae, want string }{
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br, zstd", "br"},
		{"br;q=0.5, gzip;q=0.9", "gzip"},
		{"gzip;q=0, br;q=0", ""},
		{"", ""},
	} {
		hdr := []string{}
		if tc.ae != "" {
			hdr = []string{"Accept-Encoding", tc.ae}
		}
		resp, body := fetch(t, app, "GET", target, hdr...)
		enc := resp.Header.Get("Content-Encoding")
		if resp.StatusCode != 200 || enc != tc.want {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", tc.ae, resp.StatusCode, enc, tc.want)
			continue
		}
		if got := decode(t, enc, body); !bytes.Equal(got, identity) {
			t.Errorf("%q: body does not decode to the identity bytes (%d vs %d bytes)", tc.ae, len(got), len(identity))
		}
		if enc != "" && len(body) > len(identity)/3 {
			t.Errorf("%s: %d bytes of %d: hardly compressed", enc, len(body), len(identity))
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%q: Vary %q, Cache-Control %q", tc.ae, resp.Header.Get("Vary"), resp.Header.Get("Cache-Control"))
		}
	}
}
