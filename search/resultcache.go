package search

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ResultCacheSize is how many results of recent queries the Bleve engine
// keeps (see resultCache): the most frequent queries of a province portal
// (ma túy, cai nghiện, a campaign's name) are answered from memory.
const ResultCacheSize = 256

// resultCache keeps the Results of recent queries, least recently used
// evicted first. Every entry records the index generation (Bleve.gen) it was
// computed at; Put and Delete advance the generation once their batch is written, so
// an entry computed before a change is never served after it (one that
// raced with the change is merely not served).
type resultCache struct {
	gen   *atomic.Uint64 // the index's generation, shared with Bleve
	mu    sync.Mutex
	max   int
	ll    *list.List // front: most recent; values *resultEntry
	items map[string]*list.Element
}

type resultEntry struct {
	key string
	gen uint64
	res Result
}

// newResultCache returns a cache of at most n results (n ≤ 0 disables it)
// that follows the index generation gen.
func newResultCache(n int, gen *atomic.Uint64) *resultCache {
	return &resultCache{gen: gen, max: n, ll: list.New(), items: map[string]*list.Element{}}
}

// cacheKey is the key of q: its text (NFC, as typed otherwise), filters and
// page.
func cacheKey(q Query) string {
	page, per := paging(q)
	return strings.Join([]string{NFC(q.Text), NFC(q.Type), NFC(q.Issuer), strconv.Itoa(q.Year), q.InForce,
		strconv.Itoa(page), strconv.Itoa(per)}, "\x1f")
}

// get returns a copy of the cached Result for key when it is current.
func (c *resultCache) get(key string) (Result, bool) {
	if c.max <= 0 {
		return Result{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		return Result{}, false
	}
	en := e.Value.(*resultEntry)
	if en.gen != c.gen.Load() {
		c.ll.Remove(e)
		delete(c.items, key)
		return Result{}, false
	}
	c.ll.MoveToFront(e)
	res := en.res
	res.Hits = append([]Hit(nil), res.Hits...) // callers may edit their hits
	return res, true
}

// put stores res for key as computed at generation gen.
func (c *resultCache) put(key string, gen uint64, res Result) {
	if c.max <= 0 || gen != c.gen.Load() {
		return
	}
	res.Hits = append([]Hit(nil), res.Hits...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.Remove(e)
	}
	c.items[key] = c.ll.PushFront(&resultEntry{key: key, gen: gen, res: res})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*resultEntry).key)
	}
}

// invalidate makes every cached result stale (it advances the index's
// generation, as a change of the index does).
func (c *resultCache) invalidate() { c.gen.Add(1) }
