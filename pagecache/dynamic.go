package pagecache

import (
	"bytes"
	"compress/gzip"
	"sync"

	"github.com/andybalholm/brotli"
)

// Levels for answers compressed on every request (CompressDynamic): the
// 15,046-byte results page of "ma tuy" becomes 4,235 bytes of gzip in
// 0.15 ms or 4,206 of brotli in 0.25 ms (2 December, load 1), where the
// cached pages' best compression takes tens of milliseconds.
const (
	dynamicGzipLevel     = 5
	dynamicBrotliQuality = 4
)

// The compressors keep megabytes of state each: pooled, not made per request.
var (
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, dynamicGzipLevel); return w }}
	brotliWriters = sync.Pool{New: func() any {
		return brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: dynamicBrotliQuality, LGWin: 16})
	}}
)

// CompressDynamic returns body in coding e (Identity: body itself), for an
// answer built for one request. Use it only for answers that carry no
// secret of the visitor's (no CSRF token, no receipt): compressing a
// secret next to text an attacker chooses lets the attacker read it from
// the lengths (BREACH); a per-response nonce changes with every answer and
// cannot be read that way.
func CompressDynamic(e Encoding, body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body)/3 + 64)
	switch e {
	case Gzip:
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(&buf)
		w.Write(body) // writes to a bytes.Buffer do not fail
		w.Close()
		gzipWriters.Put(w)
	case Brotli:
		w := brotliWriters.Get().(*brotli.Writer)
		w.Reset(&buf)
		w.Write(body)
		w.Close()
		brotliWriters.Put(w)
	default:
		return body
	}
	return buf.Bytes()
}

// AllEncodings is the available argument of Negotiate for an answer that
// can be sent in every coding.
var AllEncodings = [numEncodings]bool{true, true, true}
