// Package pagecache keeps the portal's public reading pages rendered,
// compressed and validated in memory, so that serving one is a map look-up
// and a write: no template, no normalisation, no compression per request.
//
// A page is built on the first request for its key (the canonical path),
// by the builder the web layer passes to Get; concurrent requests for the
// same key wait for that one build. The cache compresses the result once
// with gzip and brotli (NewPage), gives each coding a strong ETag and dates
// the content with Last-Modified. The page is then served from memory until
// Invalidate, or until its own Content.Expires (the next scheduled
// publication it would list) has passed.
//
// # The invalidation seam
//
// Invalidate is the one call that says "what the public pages show has
// changed": it drops every page at once, and the next request for each
// builds it again from the system of record. Pages are few and cheap to
// rebuild, so there is no finer-grained invalidation to get wrong. Today it
// is called by:
//
//   - the press office (press.Office.OnChange, wired by handlers.New): a
//     campaign created, edited, published, scheduled or unpublished, and a
//     scheduler pass that brought scheduled campaigns live;
//   - a start: each process begins with an empty cache (New). Imported
//     documents (portal import) are loaded at the next start.
//
// When several instances share one database, each keeps its own cache; a
// change made on one instance must reach the others as a call to Invalidate
// on each, from a PostgreSQL LISTEN/NOTIFY listener or a change-log poller.
// That listener must also call Invalidate after it reconnects, since it may
// have missed notifications meanwhile. Scheduled publications need no
// message: every instance reads their time from the database when it builds
// a page and expires the page by itself.
//
// Invalidation is exact: a build that began before an Invalidate is never
// stored after it (generations), so the first request that starts after
// Invalidate returns sees the change.
//
// Last-Modified is the time this process first built the exact bytes
// served (kept across invalidations that rebuild identical bytes), which
// never goes backwards: a date taken from the content (a campaign's
// publication) would, when an item is withdrawn from a list, and would miss
// a new deployment's change of layout. Entity tags are hashes of the
// bytes, the same on every instance, and take precedence over dates (RFC
// 9110, section 13.2.2).
//
// Nothing here knows HTTP frameworks; the web layer reads the request's
// fields and writes the chosen representation.
package pagecache

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// BuildFunc renders the page of one key. An error means "do not cache":
// it is returned to the caller (a 404 for a slug that does not exist, a
// database error) and the next request tries again.
type BuildFunc func(ctx context.Context) (Content, error)

// Cache holds built pages by key. The zero value is not usable; call New.
// It is safe for concurrent use.
type Cache struct {
	now   func() time.Time
	state atomic.Pointer[generation]

	mu sync.Mutex // held to store a page, to invalidate, and for since
	// since remembers, per key, the entity tag of the identity bytes last
	// built and when they were first built, across invalidations.
	since map[string]dated
	group singleflight.Group
}

// generation is an immutable snapshot of the cache: readers load it
// without locking; a store replaces it with a copy holding one page more.
type generation struct {
	n     uint64
	pages map[string]*Page
}

// dated is what the cache remembers of the last build of a key: its
// identity ETag, since when those bytes are served, and the page itself,
// whose codings a rebuild with the same bytes reuses.
type dated struct {
	etag string
	at   time.Time
	page *Page
}

// New returns an empty cache whose clock is now (nil: time.Now).
func New(now func() time.Time) *Cache {
	if now == nil {
		now = time.Now
	}
	c := &Cache{now: now, since: map[string]dated{}}
	c.state.Store(&generation{pages: map[string]*Page{}})
	return c
}

// Invalidate drops every page: the next request for any key builds it
// again. It is cheap (no page is built here) and safe to call from any
// goroutine, as often as changes happen. See the package documentation
// for who calls it.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	g := c.state.Load()
	c.state.Store(&generation{n: g.n + 1, pages: map[string]*Page{}})
	c.mu.Unlock()
}

// Peek returns the page held for key if it is still valid at now, else
// nil. It allocates nothing (key may be a conversion of a byte slice), for
// the web layer's fast path.
func (c *Cache) Peek(key string, now time.Time) *Page {
	p := c.state.Load().pages[key]
	if p == nil || (!p.Expires.IsZero() && !now.Before(p.Expires)) {
		return nil
	}
	return p
}

// PeekBytes is Peek for a key held in a byte slice (a request's path):
// the map look-up converts it without allocating.
func (c *Cache) PeekBytes(key []byte, now time.Time) *Page {
	p := c.state.Load().pages[string(key)]
	if p == nil || (!p.Expires.IsZero() && !now.Before(p.Expires)) {
		return nil
	}
	return p
}

// Get returns the page of key, building it with build when the cache does
// not hold a valid one. Concurrent Gets of one key in one generation share
// one build; it runs without the caller's cancellation, since others may
// be waiting for it. A build's error is returned and nothing is stored.
func (c *Cache) Get(ctx context.Context, key string, build BuildFunc) (*Page, error) {
	g := c.state.Load()
	if p := c.Peek(key, c.now()); p != nil {
		return p, nil
	}
	v, err, _ := c.group.Do(strconv.FormatUint(g.n, 10)+" "+key, func() (any, error) {
		// A Get of the same generation that was waiting on the lock of
		// the previous build may find the page stored meanwhile.
		if p := c.Peek(key, c.now()); p != nil {
			return p, nil
		}
		content, err := build(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		return c.store(g, key, c.prepare(key, content)), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Page), nil
}

// prepare makes content a Page. Bytes identical to the key's last build
// (an invalidation that did not change this page) reuse its compressed
// codings, so an Invalidate costs the pages it did not change a render and
// a hash, not a compression.
func (c *Cache) prepare(key string, content Content) *Page {
	tag := entityTag(content.Body)
	c.mu.Lock()
	d := c.since[key]
	c.mu.Unlock()
	if d.page == nil || d.etag != identityETag(tag) {
		return newPage(content, tag)
	}
	p := *d.page
	p.ContentType, p.CacheControl, p.Expires = content.ContentType, content.CacheControl, content.Expires
	p.reps[Identity].Body = content.Body
	return &p
}

// store dates p and keeps it under key, unless the cache was invalidated
// since the build began in generation g (then p may show what was true
// before the change: it is returned to the requests that waited for it,
// which began before the change, but not kept).
func (c *Cache) store(g *generation, key string, p *Page) *Page {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	etag := p.reps[Identity].ETag
	d, ok := c.since[key]
	switch {
	case !ok:
		d = dated{etag: etag, at: now}
	case d.etag != etag:
		// New content: dated now, and strictly after the previous
		// content's second (see Page.LastModifiedAt).
		at := now
		if prev := d.at.Truncate(time.Second); !at.Truncate(time.Second).After(prev) {
			at = prev.Add(time.Second)
		}
		d = dated{etag: etag, at: at}
	}
	p = p.withLastModified(d.at)
	d.page = p
	c.since[key] = d
	cur := c.state.Load()
	if cur.n != g.n {
		return p // invalidated while building: served to its waiters, not kept
	}
	pages := make(map[string]*Page, len(cur.pages)+1)
	for k, v := range cur.pages {
		pages[k] = v
	}
	pages[key] = p
	c.state.Store(&generation{n: cur.n, pages: pages})
	return p
}

// Len is the number of pages held (for metrics and tests).
func (c *Cache) Len() int { return len(c.state.Load().pages) }
