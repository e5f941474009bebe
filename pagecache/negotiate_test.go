package pagecache

import (
	"testing"
	"time"
)

var all = [numEncodings]bool{true, true, true}

func TestNegotiate(t *testing.T) {
	noBr := [numEncodings]bool{true, true, false}
	onlyIdentity := [numEncodings]bool{true, false, false}
	for _, tc := range []struct {
		ae        string
		available [numEncodings]bool
		want      Encoding
	}{
		{"", all, Identity},
		{"identity", all, Identity},
		{"gzip", all, Gzip},
		{"x-gzip", all, Gzip},
		{"GZIP", all, Gzip},
		{"br", all, Brotli},
		{"gzip, deflate, br", all, Brotli},       // browsers
		{"gzip, deflate, br, zstd", all, Brotli}, // newer browsers
		{"gzip, deflate, br", noBr, Gzip},
		{"br", noBr, Identity},
		{"gzip, br", onlyIdentity, Identity},
		{"br;q=0.5, gzip", all, Gzip},
		{"br;q=0.5, gzip;q=0.8", all, Gzip},
		{"br ; q=0.9 , gzip ; q=0.9", all, Brotli}, // equal weights: brotli first
		{"gzip;q=0, br;q=0", all, Identity},
		{"br;q=0", all, Identity},
		{"gzip;q=0.001", all, Gzip},             // any weight above 0 beats unlisted identity
		{"identity, gzip;q=0.5", all, Identity}, // identity asked for more strongly
		{"identity;q=0.4, gzip;q=0.5", all, Gzip},
		{"*", all, Brotli},
		{"*;q=0.5, gzip", all, Gzip},
		{"*;q=0", all, Identity}, // nothing acceptable: identity anyway
		{"*;q=0, gzip", all, Gzip},
		{"deflate", all, Identity},
		{"compress, deflate", all, Identity},
		{"gzip;q=2", all, Identity},      // malformed weight: element ignored
		{"gzip;q=0.5x", all, Identity},   // malformed
		{"gzip;q=0.0001", all, Identity}, // four decimals: malformed
		{"gzip;q=1.000", all, Gzip},
		{"gzip;level=9;q=0.7", all, Gzip},
		{",,, ,gzip,,", all, Gzip},
		{"br;q=", all, Identity},
		{"gz", all, Identity},
		{"brotli", all, Identity},
	} {
		if got := Negotiate([]byte(tc.ae), tc.available); got != tc.want {
			t.Errorf("Negotiate(%q, %v) = %q, want %q", tc.ae, tc.available, got.Token(), tc.want.Token())
		}
	}
}

func TestMatchesETag(t *testing.T) {
	const tag = `"abc-gz"`
	for _, tc := range []struct {
		inm  string
		want bool
	}{
		{`"abc-gz"`, true},
		{`W/"abc-gz"`, true}, // weak comparison (RFC 9110, 13.1.2)
		{`*`, true},
		{` * `, true},
		{`"x", "abc-gz"`, true},
		{`"x",W/"abc-gz" , "y"`, true},
		{`"a,b", "abc-gz"`, true}, // a comma inside a tag
		{`"abc"`, false},          // the identity coding's tag
		{`"abc-br"`, false},
		{`abc-gz`, false}, // unquoted
		{`"abc-gz`, false},
		{`W/`, false},
		{`"x", *`, false}, // * only alone
		{``, false},
		{`,,,`, false},
	} {
		if got := MatchesETag([]byte(tc.inm), tag); got != tc.want {
			t.Errorf("MatchesETag(%q) = %v, want %v", tc.inm, got, tc.want)
		}
	}
}

func TestNotModifiedSince(t *testing.T) {
	lm := time.Date(2026, 6, 26, 8, 30, 15, 0, time.UTC)
	text := "Fri, 26 Jun 2026 08:30:15 GMT"
	for _, tc := range []struct {
		ims  string
		want bool
	}{
		{text, true},
		{"Fri, 26 Jun 2026 08:30:16 GMT", true},  // later than the date: still current
		{"Fri, 26 Jun 2026 08:30:14 GMT", false}, // earlier: send the page
		{"Friday, 26-Jun-26 08:30:15 GMT", true}, // RFC 850 form
		{"Fri Jun 26 08:30:15 2026", true},       // asctime form
		{"yesterday", false},
		{"", false},
	} {
		if got := NotModifiedSince([]byte(tc.ims), lm, text); got != tc.want {
			t.Errorf("NotModifiedSince(%q) = %v, want %v", tc.ims, got, tc.want)
		}
	}
	if NotModifiedSince([]byte(text), lm, "") {
		t.Error("a page sent without Last-Modified matched If-Modified-Since")
	}
}

func TestNegotiateAllocatesNothing(t *testing.T) {
	ae := []byte("gzip, deflate;q=0.9, br;q=1.0, zstd")
	inm := []byte(`W/"x", "abc-gz"`)
	if n := testing.AllocsPerRun(100, func() {
		Negotiate(ae, all)
		MatchesETag(inm, `"abc-gz"`)
	}); n != 0 {
		t.Errorf("allocations per request: %v, want 0", n)
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br", "br;q=0.5, gzip;q=0.8", "*;q=0", "gzip;q=1.000", "identity;q=0, *;q=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ae string) {
		for _, av := range [][numEncodings]bool{all, {true, true, false}, {true, false, false}} {
			if e := Negotiate([]byte(ae), av); e >= numEncodings || !av[e] {
				t.Fatalf("Negotiate(%q, %v) = %d: not an available coding", ae, av, e)
			}
		}
	})
}

func FuzzMatchesETag(f *testing.F) {
	for _, s := range []string{`"a"`, `W/"a", "b"`, `*`, `"a,b",W/`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inm string) {
		got := MatchesETag([]byte(inm), `"abc"`)
		// A list that matched still matches with one more tag after it.
		if got2 := MatchesETag([]byte(inm+`, "x"`), `"abc"`); got && !got2 && string(trimOWS([]byte(inm))) != "*" {
			t.Fatalf("%q matched but %q did not", inm, inm+`, "abc"`)
		}
	})
}
