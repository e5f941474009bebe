package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/ratelimit"
)

// limitsEnv is the configuration of the limit tests: small limits, the
// test as trusted proxy (each scenario names its own client).
var limitsEnv = []string{"PORTAL_TRUSTED_PROXIES=127.0.0.1", "PORTAL_LIMIT_TIPS=7/h", "PORTAL_LIMIT_ENQUIRIES=5/h",
	"PORTAL_LIMIT_STATUS=9/h", "PORTAL_LIMIT_LOGIN=4/h"}

// burst sends n requests at once (all started before any is answered, as
// far as the goroutines allow), alternating between the portals, and
// returns how many got each status.
func burst(t *testing.T, n int, portals []*portalProc, send func(base string, i int) (int, error)) map[int]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			status, err := send(portals[i%len(portals)].URL, i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			counts[status]++
		}(i)
	}
	close(start)
	wg.Wait()
	return counts
}

var burstClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 100},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postJSONFrom posts body as client (X-Forwarded-For) and returns the status.
func postJSONFrom(base, path, body, client string) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", client)
	resp, err := burstClient.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// loginFrom fetches the login form and posts a wrong password for account
// as client; it returns the status of the POST (401 checked, 429 throttled).
func loginFrom(base, account, client string) (int, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/quan-tri/dang-nhap", nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := burstClient.Do(req)
	if err != nil {
		return 0, err
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	token, _ := doc.Find(`input[name="_csrf"]`).Attr("value")
	form := url.Values{"username": {account}, "password": {"đoán mò mật khẩu"}, "_csrf": {token}}
	post, _ := http.NewRequest(http.MethodPost, base+"/quan-tri/dang-nhap", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("X-Forwarded-For", client)
	for _, c := range resp.Cookies() {
		post.AddCookie(c)
	}
	resp, err = burstClient.Do(post)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

const (
	burstTip     = `{"category":"mua-ban","area":"khac","description":"Có người bán ma túy ở đầu ngõ vào buổi tối, nhiều người lạ ra vào."}`
	burstEnquiry = `{"relationship":"ban-than","substance":"can-sa","preferred_form":"chua-biet","area":"kien-xuong","contact_name":"Trần Văn An","phone":"0362123456","consent":true}`
	burstStatus  = `{"receipt":"1234567890123456"}`
)

// TestBinaryLimitsExactAtConcurrency50: two portal processes (the real
// binary) share one Redis (a redis-server of the test's own); 50
// concurrent requests per scenario, spread over both, get exactly the
// limit for tips, rehab enquiries, receipt look-ups and logins (per
// account and per client); then all of it again, each burst sent while
// that Redis stalls for 400 ms (DEBUG SLEEP, as a busy Redis does).
func TestBinaryLimitsExactAtConcurrency50(t *testing.T) {
	srv := redistest.Start(t)
	env := append([]string{"REDIS_URL=" + srv.URL(0)}, limitsEnv...)
	a := startPortal(t, append(env, "PORTAL_DATA_DIR="+t.TempDir())...)
	b := startPortal(t, append(env, "PORTAL_DATA_DIR="+t.TempDir())...)
	portals := []*portalProc{a, b}
	type scenario struct {
		name    string
		limit   int
		ok, no  int
		send    func(base string, i int, round string) (int, error)
		session bool
	}
	scenarios := []scenario{
		{"tips", 7, 202, 429, func(base string, i int, r string) (int, error) {
			return postJSONFrom(base, "/api/v1/tips", burstTip, "198.51.100.1"+r)
		}, false},
		{"enquiries", 5, 202, 429, func(base string, i int, r string) (int, error) {
			return postJSONFrom(base, "/api/v1/rehab-enquiries", burstEnquiry, "198.51.100.2"+r)
		}, false},
		{"status look-ups", 9, 404, 429, func(base string, i int, r string) (int, error) {
			return postJSONFrom(base, "/api/v1/status", burstStatus, "198.51.100.3"+r)
		}, false},
		{"logins, one account from many clients", 4, 401, 429, func(base string, i int, r string) (int, error) {
			return loginFrom(base, "lan"+r, fmt.Sprintf("203.0.113.%d", i+1))
		}, true},
		{"logins, one client against many accounts", 4, 401, 429, func(base string, i int, r string) (int, error) {
			return loginFrom(base, fmt.Sprintf("user%d", i), "198.51.100.4"+r)
		}, true},
	}
	for _, round := range []string{"0", "1"} {
		stalling := round == "1"
		for _, sc := range scenarios {
			name := sc.name
			if stalling {
				name += ", Redis stalling"
			}
			t.Run(name, func(t *testing.T) {
				var over <-chan struct{}
				if stalling {
					// The burst meets the stall: Redis answers nobody
					// for a second from before the first request.
					over = srv.Stall(time.Second)
				}
				var metStall atomic.Bool
				counts := burst(t, 50, portals, func(base string, i int) (int, error) {
					if over != nil {
						select {
						case <-over:
						default:
							metStall.Store(true) // sent while Redis stalled
						}
					}
					return sc.send(base, i, round)
				})
				if counts[sc.ok] != sc.limit || counts[sc.no] != 50-sc.limit {
					t.Fatalf("statuses %v, want %d × %d and %d × %d", counts, sc.limit, sc.ok, 50-sc.limit, sc.no)
				}
				if stalling && !metStall.Load() {
					t.Fatal("no request of the burst was sent while Redis stalled")
				}
			})
		}
	}
	for _, p := range portals {
		if strings.Contains(p.Logs(), "limiting in process") {
			t.Errorf("a portal fell back to in-process limits while Redis answered:\n%s", p.Logs())
		}
	}
	a.stop(t)
	b.stop(t)
}

// TestBinaryLeavesNothingToLinkATipToAnAddress sends tips, an enquiry and
// look-ups through a trusted proxy naming a distinctive client, then reads
// everything an attacker holding the server's data would: every file of
// the data dir, every Redis key with its value and TTL, the queue entries.
// No address in any form; no limiter key derivable from the address with
// what is on disk (the data dir's secret under the old scheme or any plain
// keyed hash; the key material is only in Redis, with an expiry); no time
// finer than a minute on a submission; no limiter entry outliving its
// window.
func TestBinaryLeavesNothingToLinkATipToAnAddress(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	holdStreams(t, rdb)
	dataDir := t.TempDir()
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir, "REDIS_URL="+srv.URL(0), "PORTAL_TRUSTED_PROXIES=127.0.0.1",
		"PORTAL_LIMIT_TIPS=5/h", "PORTAL_LIMIT_STATUS=60/h")
	const client = "203.0.113.201"
	for i := 0; i < 3; i++ {
		if s, err := postJSONFrom(p.URL, "/api/v1/tips", burstTip, client); err != nil || s != 202 {
			t.Fatalf("tip %d: %d %v", i, s, err)
		}
	}
	if s, err := postJSONFrom(p.URL, "/api/v1/rehab-enquiries", burstEnquiry, client); err != nil || s != 202 {
		t.Fatalf("enquiry: %d %v", s, err)
	}
	if s, err := postJSONFrom(p.URL, "/api/v1/status", burstStatus, client); err != nil || s != 404 {
		t.Fatalf("look-up: %d %v", s, err)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		nt, _ := rdb.XLen(ctx, "portal:queue:police").Result()
		ne, _ := rdb.XLen(ctx, "portal:queue:social-affairs").Result()
		if nt == 3 && ne == 1 {
			break
		}
		if i > 1200 {
			t.Fatalf("not forwarded: %d tips, %d enquiries", nt, ne)
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.stop(t)

	addr := netip.MustParseAddr(client)
	raw := addr.AsSlice()
	needles := [][]byte{[]byte(client), raw, []byte(hex.EncodeToString(raw)), []byte("203-0-113-201"), []byte("203_0_113_201")}

	// What is on disk: the data dir.
	secret, err := os.ReadFile(filepath.Join(dataDir, "secret"))
	if err != nil {
		t.Fatal(err)
	}
	secret = []byte(strings.TrimSpace(string(secret)))
	var disk [][]byte
	filepath.Walk(dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if regexp.MustCompile(`1[78]\d{8,11}`).MatchString(info.Name()) {
			t.Errorf("file name %s holds a Unix time", path)
		}
		b, _ := os.ReadFile(path)
		disk = append(disk, b)
		for _, n := range needles {
			if strings.Contains(string(b), string(n)) {
				t.Errorf("%s holds the address as %q", path, n)
			}
		}
		// RFC 3339 times in the files that hold submissions (the database
		// and its log; the search index holds documents only): to the
		// minute at most.
		if strings.Contains(path, string(filepath.Separator)+"search"+string(filepath.Separator)) {
			return nil
		}
		for _, m := range regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d)(\.\d+)?`).FindAllSubmatch(b, -1) {
			if string(m[1]) != "00" || len(m[2]) > 0 && strings.Trim(string(m[2]), ".0") != "" {
				t.Errorf("%s holds a time finer than a minute: %s", path, m[0])
			}
		}
		return nil
	})

	// What is in Redis: every key, value and TTL.
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	contents := redisContents(t, rdb)
	for _, n := range needles {
		if strings.Contains(contents, string(n)) {
			t.Errorf("Redis holds the address as %q", n)
		}
	}
	limiterKeys := 0
	material := ""
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "portal:rl:keymat:"):
			material, _ = rdb.Get(ctx, k).Result()
			ttl, _ := rdb.TTL(ctx, k).Result()
			if ttl <= 0 || ttl > 24*time.Hour+time.Minute {
				t.Errorf("key material %s: TTL %v, want at most until the end of its day", k, ttl)
			}
		case strings.HasPrefix(k, "portal:rl:"):
			limiterKeys++
			ttl, _ := rdb.TTL(ctx, k).Result()
			v, _ := rdb.Get(ctx, k).Result()
			tat, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Errorf("limiter value %s = %q: not whole seconds", k, v)
			}
			window := time.Hour // every limit here is per hour
			if ttl <= 0 || ttl > window || time.Until(time.Unix(tat, 0)) < ttl-time.Second {
				t.Errorf("limiter key %s: TTL %v, value %s; it must expire when its window ends", k, ttl, v)
			}
			// Not derivable from the address with the data dir: the old
			// scheme (daily key from the secret) and plain HMACs under the
			// secret give none of the keys.
			for _, scope := range []string{"tips", "enquiries", "status", "tips-invalid"} {
				for _, cand := range candidateKeys(secret, scope, addr) {
					if strings.Contains(k, cand) {
						t.Errorf("limiter key %s is derivable from the data dir's secret", k)
					}
				}
			}
		case strings.HasPrefix(k, "portal:queue:"):
			msgs, _ := rdb.XRange(ctx, k, "-", "+").Result()
			for _, m := range msgs {
				ms, _, _ := strings.Cut(m.ID, "-")
				if n, _ := strconv.ParseInt(ms, 10, 64); n%60000 != 0 {
					t.Errorf("entry id %s places a submission finer than a minute", m.ID)
				}
				ra, _ := m.Values["received_at"].(string)
				if at, err := time.Parse(time.RFC3339, ra); err != nil || at.Second() != 0 || at.Nanosecond() != 0 {
					t.Errorf("entry %s: received_at %q is finer than a minute", m.ID, ra)
				}
			}
		default:
			t.Errorf("unexpected Redis key %s", k)
		}
	}
	if limiterKeys < 3 || material == "" {
		t.Fatalf("%d limiter keys, material %q: the test proves nothing\n%s", limiterKeys, material, contents)
	}
	// The key material is nowhere on disk, in no form.
	matHex, _, _ := strings.Cut(material, ".")
	matRaw, _ := hex.DecodeString(matHex)
	for _, b := range disk {
		if strings.Contains(string(b), matHex) || strings.Contains(string(b), string(matRaw)) {
			t.Error("the key material is in the data dir")
		}
	}
	// With the material (Redis, during the day) the key is found: the
	// check above would have seen a key derivable from disk.
	found := false
	m := hmac.New(sha256.New, matRaw)
	m.Write([]byte(ratelimit.ClientKey("tips", addr)))
	want := "portal:rl:tips:" + hex.EncodeToString(m.Sum(nil))
	for _, k := range keys {
		found = found || k == want
	}
	if !found {
		t.Fatalf("no key %s: the keys are not what docs/security.md says", want)
	}
}

// candidateKeys are the HMACs someone holding only the data dir could
// compute for addr: the scheme before issue 10 (HMAC(HMAC(secret, "portal
// ratelimit day DATE"), scope ‖ 0 ‖ address) for yesterday, today and
// tomorrow) and HMACs under the secret itself.
func candidateKeys(secret []byte, scope string, addr netip.Addr) []string {
	var out []string
	mac := func(key []byte, parts ...[]byte) []byte {
		m := hmac.New(sha256.New, key)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	b, _ := addr.MarshalBinary()
	for _, d := range []int{-1, 0, 1} {
		day := time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly)
		dayKey := mac(secret, []byte("portal ratelimit day "+day))
		out = append(out, hex.EncodeToString(mac(dayKey, []byte(scope), []byte{0}, b)))
	}
	out = append(out, hex.EncodeToString(mac(secret, []byte(ratelimit.ClientKey(scope, addr)))))
	out = append(out, hex.EncodeToString(mac(secret, []byte(addr.String()))))
	return out
}

// TestBinarySaysWhenRedisDoesNotPersist: with a Redis that keeps nothing
// (appendonly no, no save points), serve warns once at start and /readyz
// says redis_persistence "none"; with CONFIG disabled it warns that it
// cannot tell and says "unknown"; with AOF it says "aof" and does not warn.
func TestBinarySaysWhenRedisDoesNotPersist(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want      string
		warning   string
		noWarning bool
	}{
		{nil, "none", "Redis does not persist its data", false},
		{[]string{"--rename-command", "CONFIG", ""}, "unknown", "cannot tell whether Redis persists", false},
		{[]string{"--appendonly", "yes"}, "aof", "", true},
	} {
		t.Run(tc.want, func(t *testing.T) {
			srv := redistest.Start(t, tc.args...)
			p := startPortal(t, "PORTAL_DATA_DIR="+t.TempDir(), "REDIS_URL="+srv.URL(0))
			status, body := httpGet(t, p.URL+"/readyz")
			if status != 200 || !strings.Contains(body, `"redis_persistence":"`+tc.want+`"`) {
				t.Fatalf("/readyz: %d %s", status, body)
			}
			deadline := time.Now().Add(10 * time.Second)
			for tc.warning != "" && !strings.Contains(p.Logs(), tc.warning) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			p.stop(t)
			logs := p.Logs()
			if tc.noWarning && strings.Contains(logs, "persist") {
				t.Fatalf("a warning about persistence with AOF on:\n%s", logs)
			}
			if tc.warning != "" && strings.Count(logs, tc.warning) != 1 {
				t.Fatalf("want the warning %q once:\n%s", tc.warning, logs)
			}
		})
	}
}
