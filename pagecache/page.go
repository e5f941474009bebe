package pagecache

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"math/bits"
	"net/http"
	"time"

	"github.com/andybalholm/brotli"
)

// Content is what a page's builder returns: the identity bytes and how
// they are to be served.
type Content struct {
	// Body is the page as sent without content coding. The cache keeps it
	// (and compresses it once); the builder must not change it afterwards.
	Body []byte
	// ContentType is the Content-Type field value, e.g.
	// "text/html; charset=utf-8".
	ContentType string
	// CacheControl is the Cache-Control field value sent with the page and
	// with its 304s.
	CacheControl string
	// Expires, when not zero, is when the page stops being true by itself
	// (the time of the next scheduled publication it would list): the
	// first request at or after it builds the page again. Zero: the page
	// holds until Invalidate.
	Expires time.Time
}

// Representation is one content coding of a page (RFC 9110, section 3.2):
// its bytes and its strong entity tag.
type Representation struct {
	Encoding Encoding
	Body     []byte
	// ETag is the quoted strong entity tag: a hash of the identity bytes,
	// with "-gz" or "-br" added for the compressed codings (section
	// 8.8.3.3: a strong validator differs between codings of the same
	// content, since their bytes differ).
	ETag string
}

// Page is a page held by the cache (or an asset built once at start): every
// coding of it, prepared once, and the field values it is served with. A
// Page never changes once built; read it from any goroutine.
type Page struct {
	ContentType  string
	CacheControl string
	// Expires: see Content.Expires.
	Expires time.Time
	// LastModified is when this exact content was first built by this
	// process (the cache's clock, whole seconds); zero: no Last-Modified
	// (assets). LastModifiedText is it as an HTTP-date (IMF-fixdate).
	LastModified     time.Time
	LastModifiedText string
	reps             [numEncodings]Representation
	available        [numEncodings]bool
}

// Compression settings: pages are compressed once, so both codings use
// their best ratio; the cost is paid by the one request that builds the
// page (measured in docs/performance.md, "Pages").
const (
	gzipLevel     = gzip.BestCompression
	brotliQuality = brotli.BestCompression
	// minSaving: a coding is kept only when it saves at least this share
	// of the identity size; tiny bodies (robots.txt) grow when compressed.
	minSaving = 0.1
)

// NewPage prepares c for serving: its entity tags, and its gzip and brotli
// codings when they are usefully smaller. It is what the cache does with a
// built page, and what the web layer does with each static asset at start.
func NewPage(c Content) *Page { return newPage(c, entityTag(c.Body)) }

// entityTag is the opaque part of the identity coding's ETag: 18 bytes of
// the SHA-256 of the bytes, base64url.
func entityTag(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}

// newPage is NewPage for bytes whose entityTag is tag.
func newPage(c Content, tag string) *Page {
	p := &Page{ContentType: c.ContentType, CacheControl: c.CacheControl, Expires: c.Expires}
	p.reps[Identity] = Representation{Encoding: Identity, Body: c.Body, ETag: identityETag(tag)}
	p.available[Identity] = true
	limit := int(float64(len(c.Body)) * (1 - minSaving))
	if gz := gzipBytes(c.Body); len(gz) <= limit {
		p.reps[Gzip] = Representation{Encoding: Gzip, Body: gz, ETag: `"` + tag + `-gz"`}
		p.available[Gzip] = true
	}
	if br := brotliBytes(c.Body); len(br) <= limit {
		p.reps[Brotli] = Representation{Encoding: Brotli, Body: br, ETag: `"` + tag + `-br"`}
		p.available[Brotli] = true
	}
	return p
}

// identityETag is the quoted ETag of the identity coding for tag.
func identityETag(tag string) string { return `"` + tag + `"` }

// withLastModified returns a copy of p with Last-Modified t (whole seconds).
func (p *Page) withLastModified(t time.Time) *Page {
	q := *p
	q.LastModified = t.Truncate(time.Second)
	q.LastModifiedText = q.LastModified.UTC().Format(http.TimeFormat)
	return &q
}

// Select returns the representation to send for an Accept-Encoding field
// value (see Negotiate).
func (p *Page) Select(acceptEncoding []byte) *Representation {
	return &p.reps[Negotiate(acceptEncoding, p.available)]
}

// Representation returns the page in coding e, or nil when the page is not
// kept in it (compression would not have saved enough).
func (p *Page) Representation(e Encoding) *Representation {
	if e >= numEncodings || !p.available[e] {
		return nil
	}
	return &p.reps[e]
}

// LastModifiedAt is the Last-Modified field value to send at now, or ""
// when there is none. A page rebuilt with new content in the same second
// as its previous content is dated one second later (so that a client
// holding the previous content cannot get a 304 by date); until that
// second has begun it is sent without Last-Modified, since a date later
// than the response's own is not allowed (RFC 9110, section 8.8.2.1).
func (p *Page) LastModifiedAt(now time.Time) string {
	if p.LastModifiedText == "" || now.Before(p.LastModified) {
		return ""
	}
	return p.LastModifiedText
}

// NotModified decides a conditional GET or HEAD for representation r (RFC
// 9110, section 13.2.2): If-None-Match when present (weak comparison),
// else If-Modified-Since against the Last-Modified sent at now.
func (p *Page) NotModified(r *Representation, ifNoneMatch, ifModifiedSince []byte, now time.Time) bool {
	if len(ifNoneMatch) > 0 {
		return MatchesETag(ifNoneMatch, r.ETag)
	}
	return NotModifiedSince(ifModifiedSince, p.LastModified, p.LastModifiedAt(now))
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzipLevel) // the level is valid
	w.Write(b)                                   // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}

// brotliBytes compresses b with a window just large enough for it (at
// least 64 KiB): the same output as the default 4 MiB window for pages of
// this size, in about half the time and a small part of the memory.
func brotliBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotliQuality, LGWin: min(max(bits.Len(uint(len(b))), 16), 24)})
	w.Write(b) // writes to a bytes.Buffer do not fail
	w.Close()
	return buf.Bytes()
}
