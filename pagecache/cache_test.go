package pagecache

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// clock is a settable clock for the cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 26, 8, 0, 0, 400e6, time.UTC)} }

// html is a page body that compresses well, as real pages do.
func html(s string) []byte {
	return []byte("<!doctype html><title>" + s + "</title>" + strings.Repeat("<p>Phòng, chống ma túy tỉnh Thái Bình.</p>\n", 200))
}

func content(body []byte) BuildFunc {
	return func(context.Context) (Content, error) {
		return Content{Body: body, ContentType: "text/html; charset=utf-8", CacheControl: "public, max-age=60"}, nil
	}
}

func TestCodingsDecompressToIdentity(t *testing.T) {
	body := html("trang chủ")
	p := NewPage(Content{Body: body})
	gz, br := p.Representation(Gzip), p.Representation(Brotli)
	if gz == nil || br == nil {
		t.Fatal("a compressible page lacks gzip or brotli")
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	if err != nil {
		t.Fatal(err)
	}
	unGz, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unGz, body) {
		t.Errorf("gzip does not give the identity bytes back (err %v)", err)
	}
	unBr, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br.Body)))
	if err != nil || !bytes.Equal(unBr, body) {
		t.Errorf("brotli does not give the identity bytes back (err %v)", err)
	}
	if len(br.Body) >= len(gz.Body) || len(gz.Body) >= len(body)/3 {
		t.Errorf("sizes identity %d, gzip %d, brotli %d: expected brotli < gzip < a third", len(body), len(gz.Body), len(br.Body))
	}
	id := p.Representation(Identity)
	tags := map[string]bool{id.ETag: true, gz.ETag: true, br.ETag: true}
	if len(tags) != 3 {
		t.Errorf("codings share an ETag: %q %q %q", id.ETag, gz.ETag, br.ETag)
	}
	for tag := range tags {
		if !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || strings.HasPrefix(tag, "W/") {
			t.Errorf("ETag %s is not a quoted strong tag", tag)
		}
	}
	if p2 := NewPage(Content{Body: html("trang chủ")}); p2.Representation(Identity).ETag != id.ETag {
		t.Error("the same bytes got another ETag (instances must agree)")
	}
	if p3 := NewPage(Content{Body: html("trang khác")}); p3.Representation(Identity).ETag == id.ETag {
		t.Error("other bytes got the same ETag")
	}
}

func TestTinyBodiesStayIdentity(t *testing.T) {
	p := NewPage(Content{Body: []byte("User-agent: *\nDisallow: /quan-tri/\n")})
	if p.Representation(Gzip) != nil || p.Representation(Brotli) != nil {
		t.Error("a body that compression does not shrink is kept compressed")
	}
	if r := p.Select([]byte("gzip, br")); r.Encoding != Identity {
		t.Errorf("selected %q for a tiny body", r.Encoding.Token())
	}
}

func TestGetBuildsOnceAndServesFromMemory(t *testing.T) {
	clk := newClock()
	c := New(clk.Now)
	var builds atomic.Int32
	release := make(chan struct{})
	build := func(context.Context) (Content, error) {
		builds.Add(1)
		<-release
		return Content{Body: html("a")}, nil
	}
	var wg sync.WaitGroup
	pages := make([]*Page, 50)
	for i := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := c.Get(context.Background(), "/a", build)
			if err != nil {
				t.Error(err)
			}
			pages[i] = p
		}()
	}
	time.Sleep(50 * time.Millisecond) // let every Get reach the build
	close(release)
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("50 concurrent requests built the page %d times, want 1", n)
	}
	for _, p := range pages {
		if p != pages[0] {
			t.Fatal("concurrent requests got different pages")
		}
	}
	if c.Peek("/a", clk.Now()) != pages[0] {
		t.Error("the built page is not held")
	}
	if _, err := c.Get(context.Background(), "/a", build); err != nil || builds.Load() != 1 {
		t.Errorf("a later request built again (%d builds, %v)", builds.Load(), err)
	}
}

func TestInvalidateIsExact(t *testing.T) {
	clk := newClock()
	c := New(clk.Now)
	var version atomic.Int32
	build := func(context.Context) (Content, error) {
		return Content{Body: html("version " + string(rune('0'+version.Load())))}, nil
	}
	p1, _ := c.Get(context.Background(), "/", build)
	version.Store(1)
	if p, _ := c.Get(context.Background(), "/", build); p != p1 {
		t.Fatal("rebuilt without an invalidation")
	}
	c.Invalidate()
	if c.Peek("/", clk.Now()) != nil || c.Len() != 0 {
		t.Fatal("a page survived Invalidate")
	}
	p2, _ := c.Get(context.Background(), "/", build)
	if !bytes.Contains(p2.Representation(Identity).Body, []byte("version 1")) {
		t.Error("the first request after Invalidate did not see the change")
	}
}

// A build that read the old state before the change must not be stored
// after the change's Invalidate.
func TestBuildOverlappingInvalidateIsNotKept(t *testing.T) {
	clk := newClock()
	c := New(clk.Now)
	reading := make(chan struct{})
	finish := make(chan struct{})
	done := make(chan *Page)
	go func() {
		p, _ := c.Get(context.Background(), "/chien-dich", func(context.Context) (Content, error) {
			body := html("before the publication") // read before the change
			close(reading)
			<-finish
			return Content{Body: body}, nil
		})
		done <- p
	}()
	<-reading
	c.Invalidate() // the publication commits and invalidates
	close(finish)
	if p := <-done; !bytes.Contains(p.Representation(Identity).Body, []byte("before")) {
		t.Fatal("the overlapping request got another page")
	}
	if c.Peek("/chien-dich", clk.Now()) != nil {
		t.Fatal("a page built from the state before Invalidate was kept after it")
	}
	p, _ := c.Get(context.Background(), "/chien-dich", content(html("after the publication")))
	if !bytes.Contains(p.Representation(Identity).Body, []byte("after")) {
		t.Error("the next request did not build again")
	}
}

// An Invalidate that did not change a page costs it a render, not a
// compression: the codings of identical bytes are reused.
func TestUnchangedPageKeepsItsCodings(t *testing.T) {
	c := New(nil)
	p1, _ := c.Get(context.Background(), "/", content(html("v1")))
	c.Invalidate()
	p2, _ := c.Get(context.Background(), "/", content(html("v1")))
	if p2 == p1 || &p2.Representation(Brotli).Body[0] != &p1.Representation(Brotli).Body[0] {
		t.Error("identical bytes were compressed again")
	}
	c.Invalidate()
	p3, _ := c.Get(context.Background(), "/", content(html("v2")))
	if p3.Representation(Brotli).ETag == p1.Representation(Brotli).ETag {
		t.Fatal("new bytes kept the old ETag")
	}
	got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(p3.Representation(Brotli).Body)))
	if err != nil || !bytes.Equal(got, html("v2")) {
		t.Error("new bytes served with the old codings")
	}
}

func TestBuildErrorIsNotCached(t *testing.T) {
	c := New(nil)
	errMissing := errors.New("no such campaign")
	if _, err := c.Get(context.Background(), "/x", func(context.Context) (Content, error) { return Content{}, errMissing }); !errors.Is(err, errMissing) {
		t.Fatalf("err = %v", err)
	}
	if c.Len() != 0 {
		t.Error("a failed build was kept")
	}
	if p, err := c.Get(context.Background(), "/x", content(html("x"))); err != nil || p == nil {
		t.Errorf("the next request did not try again: %v", err)
	}
}

func TestExpiresAtTheScheduledTime(t *testing.T) {
	clk := newClock()
	c := New(clk.Now)
	at := clk.Now().Add(90 * time.Minute)
	builds := 0
	build := func(context.Context) (Content, error) {
		builds++
		return Content{Body: html("list"), Expires: at}, nil
	}
	c.Get(context.Background(), "/", build)
	clk.Add(90*time.Minute - time.Nanosecond)
	if c.Peek("/", clk.Now()) == nil {
		t.Fatal("expired before its time")
	}
	clk.Add(time.Nanosecond)
	if c.Peek("/", clk.Now()) != nil {
		t.Fatal("still served at the scheduled time")
	}
	c.Get(context.Background(), "/", build)
	if builds != 2 {
		t.Errorf("builds = %d, want 2", builds)
	}
}

func TestLastModified(t *testing.T) {
	clk := newClock() // 08:00:00.4
	c := New(clk.Now)
	p1, _ := c.Get(context.Background(), "/", content(html("v1")))
	if p1.LastModifiedAt(clk.Now()) != "Fri, 26 Jun 2026 08:00:00 GMT" {
		t.Fatalf("Last-Modified = %q", p1.LastModifiedAt(clk.Now()))
	}
	// Rebuilt with the same bytes after an unrelated change: same date,
	// so clients still get 304 by date.
	clk.Add(time.Hour)
	c.Invalidate()
	p2, _ := c.Get(context.Background(), "/", content(html("v1")))
	if p2.LastModifiedText != p1.LastModifiedText {
		t.Errorf("identical bytes re-dated: %q, was %q", p2.LastModifiedText, p1.LastModifiedText)
	}
	// New bytes: dated now.
	clk.Add(time.Minute) // 09:01:00.4
	c.Invalidate()
	p3, _ := c.Get(context.Background(), "/", content(html("v2")))
	if p3.LastModifiedAt(clk.Now()) != "Fri, 26 Jun 2026 09:01:00 GMT" {
		t.Errorf("new bytes dated %q", p3.LastModifiedAt(clk.Now()))
	}
	// Changed again within the same second: dated the next second, and
	// sent without a date until then, so a client holding v2 with
	// 09:01:00 can never get a 304 for v3.
	clk.Add(300 * time.Millisecond) // 09:01:00.7
	c.Invalidate()
	p4, _ := c.Get(context.Background(), "/", content(html("v3")))
	if p4.LastModifiedAt(clk.Now()) != "" {
		t.Errorf("a date later than now was sent: %q", p4.LastModifiedAt(clk.Now()))
	}
	if p4.NotModified(p4.Select(nil), nil, []byte(p3.LastModifiedText), clk.Now()) {
		t.Error("304 by date for content changed in the same second")
	}
	clk.Add(300 * time.Millisecond) // 09:01:01.0
	if p4.LastModifiedAt(clk.Now()) != "Fri, 26 Jun 2026 09:01:01 GMT" {
		t.Errorf("Last-Modified = %q, want 09:01:01", p4.LastModifiedAt(clk.Now()))
	}
	if !p4.NotModified(p4.Select(nil), nil, []byte(p4.LastModifiedText), clk.Now()) {
		t.Error("no 304 for the current date")
	}
	// If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
	r := p4.Select([]byte("br"))
	if p4.NotModified(r, []byte(`"other"`), []byte(p4.LastModifiedText), clk.Now()) {
		t.Error("If-Modified-Since used although If-None-Match was sent")
	}
	if !p4.NotModified(r, []byte(r.ETag), nil, clk.Now()) {
		t.Error("no 304 for the representation's own ETag")
	}
	if p4.NotModified(r, []byte(p4.Representation(Identity).ETag), nil, clk.Now()) {
		t.Error("304 for the ETag of another coding")
	}
}

func TestPeekAllocatesNothing(t *testing.T) {
	c := New(nil)
	c.Get(context.Background(), "/van-ban/53-kh-ubnd-2017", content(html("x")))
	path := []byte("/van-ban/53-kh-ubnd-2017")
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() {
		if c.PeekBytes(path, now) == nil {
			t.Fatal("miss")
		}
	}); n != 0 {
		t.Errorf("PeekBytes allocates %v times, want 0", n)
	}
}
