package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/queue"
)

// These tests run the real binary against a redis-server of their own on a
// free port (so the shared instance is not disturbed and can be killed).

// freePort returns a TCP port on 127.0.0.1 where nothing listens now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// deadPort returns a TCP port on 127.0.0.1 where nothing listens and
// nothing can until the test ends: a socket is bound to it without
// listen(2), so a connection is refused at once (as from a Redis that is
// down), and no other listener — the portal's own, given a free port
// later — can be handed the same port (freePort closes its socket, and
// the kernel gave that port to the portal under test once: a "Redis"
// answering HTTP/1.1 400).
func deadPort(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}

// startRedisServer starts redis-server on port without persistence and
// returns a client; it is killed at the end of the test.
func startRedisServer(t *testing.T, port int) *redis.Client {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	t.Cleanup(func() { rdb.Close() })
	for i := 0; ; i++ {
		if rdb.Ping(context.Background()).Err() == nil {
			return rdb
		}
		if i > 200 {
			t.Fatal("redis-server did not answer")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// apiPost posts a JSON body with extra headers and decodes the JSON answer.
func apiPost(t *testing.T, base, path, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %q", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, m
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (p *portalProc) kill9(t *testing.T) {
	t.Helper()
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("portal survived SIGKILL")
	}
}

// holdStreams gives both agency streams a consumer group of an agency's
// own that has read nothing yet, as agencies run (README: "each with a
// consumer group of its own"), so that the entries stay on the streams
// for the test to count and read. Without it, the portal's desk consumer
// acknowledges each entry at once and the trimmer (whose first pass runs
// at start) may remove it before it is counted.
func holdStreams(t *testing.T, rdb *redis.Client) {
	t.Helper()
	for _, stream := range []string{"portal:queue:police", "portal:queue:social-affairs"} {
		if err := rdb.XGroupCreateMkStream(context.Background(), stream, "agency-test", "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// streamTexts returns the data field of every entry of stream.
func streamTexts(t *testing.T, rdb *redis.Client, stream string) []map[string]any {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, m := range msgs {
		var d map[string]any
		if err := json.Unmarshal([]byte(fmt.Sprint(m.Values["data"])), &d); err != nil {
			t.Fatalf("entry %s: data %v", m.ID, m.Values["data"])
		}
		d["_id"] = m.Values["id"]
		d["_kind"] = m.Values["kind"]
		out = append(out, d)
	}
	return out
}

// TestNoSubmissionLostOnRedisOutageAndKill: tips accepted (202) while Redis
// is down, then SIGKILL of the portal; Redis and the portal come back and
// every accepted submission reaches its stream, and /tra-cuu says so.
func TestNoSubmissionLostOnRedisOutageAndKill(t *testing.T) {
	port := freePort(t) // nothing listens here yet
	dataDir := t.TempDir()
	env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=redis://127.0.0.1:" + strconv.Itoa(port) + "/0", "PORTAL_LIMIT_STATUS=1000/h"}
	t0 := time.Now()
	p := startPortal(t, env...)
	t.Logf("started in %v", time.Since(t0))

	const tips = 12
	receipts := map[string]string{} // receipt → description
	for i := 0; i < tips; i++ {
		desc := fmt.Sprintf("Tin thử số %02d: có người bán ma túy ở chợ lúc Redis đang ngừng.", i)
		status, m := apiPost(t, p.URL, "/api/v1/tips", `{"category":"mua-ban","area":"vu-thu","description":"`+desc+`"}`, nil)
		if status != 202 {
			t.Fatalf("tip %d: %d %v", i, status, m)
		}
		receipts[m["receipt"].(string)] = desc
	}
	status, m := apiPost(t, p.URL, "/api/v1/rehab-enquiries", `{"relationship":"ban-than","substance":"heroin","preferred_form":"methadone","area":"dong-hung","contact_name":"Trần Văn Bình","phone":"0987 654 321","consent":true}`, nil)
	if status != 202 {
		t.Fatalf("enquiry: %d %v", status, m)
	}
	enquiryReceipt := m["receipt"].(string)
	t.Logf("accepted in %v", time.Since(t0))
	p.kill9(t)

	rdb := startRedisServer(t, port)
	holdStreams(t, rdb)
	p = startPortal(t, env...)
	defer p.stop(t)
	t.Logf("restarted in %v", time.Since(t0))

	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		nt, _ := rdb.XLen(ctx, "portal:queue:police").Result()
		ne, _ := rdb.XLen(ctx, "portal:queue:social-affairs").Result()
		if nt == tips && ne == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: police stream %d/%d, social-affairs %d/1\n%s", nt, tips, ne, p.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	seen := map[string]int{}
	ids := map[string]bool{}
	for _, d := range streamTexts(t, rdb, "portal:queue:police") {
		seen[fmt.Sprint(d["description"])]++
		ids[fmt.Sprint(d["_id"])] = true
		if d["_kind"] != "tip" || d["area_label"] != "Các xã thuộc huyện Vũ Thư cũ" {
			t.Errorf("entry %v", d)
		}
	}
	for r, desc := range receipts {
		if seen[desc] != 1 {
			t.Errorf("receipt %s: %q is %d times in the stream, want 1", r, desc, seen[desc])
		}
		// The desk consumer in serve takes the entry: the status is the
		// case's, "new" (it was "forwarded" while only the stream had it).
		for i := 0; ; i++ {
			status, m := apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+r+`"}`, nil)
			if status == 200 && m["status"] == "new" && m["status_label"] == "Mới tiếp nhận" {
				break
			}
			if i > 100 {
				t.Fatalf("status of %s: %d %v", r, status, m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(ids) != tips {
		t.Errorf("%d distinct entry ids, want %d", len(ids), tips)
	}
	enq := streamTexts(t, rdb, "portal:queue:social-affairs")
	if enq[0]["phone"] != "+84987654321" || enq[0]["_kind"] != "rehab_enquiry" {
		t.Errorf("enquiry entry %v", enq[0])
	}
	for i := 0; ; i++ {
		status, m := apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+enquiryReceipt+`"}`, nil)
		if status == 200 && m["status"] == "new" {
			break
		}
		if i > 100 {
			t.Fatalf("enquiry status: %d %v", status, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redisContents returns every key of the database with its value as text
// (read by type, so nothing is hidden by RDB compression).
func redisContents(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "\n")
		switch typ, _ := rdb.Type(ctx, k).Result(); typ {
		case "string":
			v, _ := rdb.Get(ctx, k).Result()
			b.WriteString(v)
		case "stream":
			msgs, _ := rdb.XRange(ctx, k, "-", "+").Result()
			for _, m := range msgs {
				fmt.Fprintf(&b, "%s %v\n", m.ID, m.Values)
			}
		case "hash":
			fmt.Fprint(&b, rdb.HGetAll(ctx, k).Val())
		case "list":
			fmt.Fprint(&b, rdb.LRange(ctx, k, 0, -1).Val())
		case "set":
			fmt.Fprint(&b, rdb.SMembers(ctx, k).Val())
		case "zset":
			fmt.Fprint(&b, rdb.ZRangeWithScores(ctx, k, 0, -1).Val())
		default:
			t.Errorf("key %s of unexpected type %q", k, typ)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestBinaryKeepsNoClientAddress runs the binary behind a pretend proxy on
// 127.0.0.1 (trusted) that names a distinctive client, 203.0.113.77. The
// address must reach the limiter (the 4th tip is refused) and nothing
// else: no Redis key or value, no file in the data dir, no log line holds
// it, nor the user agent or referrer. Then, without trusted proxies, a
// forged X-Forwarded-For does not escape the limit.
func TestBinaryKeepsNoClientAddress(t *testing.T) {
	port := freePort(t)
	rdb := startRedisServer(t, port)
	holdStreams(t, rdb)
	dataDir := t.TempDir()
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir, "REDIS_URL=redis://127.0.0.1:"+strconv.Itoa(port)+"/0",
		"PORTAL_TRUSTED_PROXIES=127.0.0.1", "PORTAL_LIMIT_TIPS=3/h")
	const addr = "203.0.113.77"
	hdr := map[string]string{
		"X-Forwarded-For": addr,
		"User-Agent":      "Mozilla/5.0 (Phone; distinctive-UA-5521)",
		"Referer":         p.URL + "/distinctive-ref-5521", // same origin: a foreign Referer is refused on form POSTs
	}
	tip := `{"category":"to-chuc-su-dung","area":"phuong-thai-binh","description":"Một nhóm thanh niên tụ tập sử dụng ma túy trong nhà trọ."}`
	var receipt string
	for i := 0; i < 4; i++ {
		status, m := apiPost(t, p.URL, "/api/v1/tips", tip, hdr)
		if i < 3 && status != 202 || i == 3 && status != 429 {
			t.Fatalf("tip %d: %d %v", i+1, status, m)
		}
		if r, ok := m["receipt"].(string); ok {
			receipt = r
		}
	}
	// The forms too, with a cookie jar: an enquiry, a look-up, an error page.
	w := newWebClient(t, p.URL)
	for k, v := range hdr {
		w.headers[k] = v
	}
	w.get("/cai-nghien/dang-ky")
	resp, body := w.postForm("/cai-nghien/dang-ky", url.Values{
		"relationship": {"khac"}, "substance": {"khong-ro"}, "preferred_form": {"chua-biet"}, "area": {"khac"},
		"contact_name": {"Cô giáo Mai"}, "phone": {"0227 3831 234"}, "consent": {"dong-y"},
	})
	if resp.StatusCode != 200 || !strings.Contains(body, "Mã tiếp nhận") {
		t.Fatalf("enquiry form: %d", resp.StatusCode)
	}
	w.get("/tra-cuu")
	if resp, _ := w.postForm("/tra-cuu", url.Values{"receipt": {receipt}}); resp.StatusCode != 200 {
		t.Errorf("look-up: %d", resp.StatusCode)
	}
	w.get("/khong-co-trang-nay")
	w.get("/tim-kiem?q=cai+nghi%E1%BB%87n")

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

	contents := redisContents(t, rdb)
	if !strings.Contains(contents, "portal:rl:tips:") {
		t.Fatalf("no rate-limit key in Redis; the test proves nothing:\n%s", contents)
	}
	needles := []string{addr, string([]byte{203, 0, 113, 77}), "distinctive-UA-5521", "distinctive-ref-5521", receipt}
	for _, n := range needles {
		if strings.Contains(contents, n) {
			t.Errorf("Redis holds %q", n)
		}
		if strings.Contains(p.Logs(), n) {
			t.Errorf("the log holds %q", n)
		}
	}
	files := 0
	filepath.Walk(dataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		files++
		b, _ := os.ReadFile(path)
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds %q", path, n)
			}
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no file in the data dir")
	}

	// Without trusted proxies, X-Forwarded-For is ignored: forging one per
	// request does not escape the limit.
	p2 := startPortal(t, "PORTAL_DATA_DIR="+t.TempDir(), "PORTAL_LIMIT_TIPS=2/h")
	defer p2.stop(t)
	for i := 0; i < 4; i++ {
		status, _ := apiPost(t, p2.URL, "/api/v1/tips", tip, map[string]string{"X-Forwarded-For": fmt.Sprintf("198.51.100.%d", i+1)})
		if i < 2 && status != 202 || i >= 2 && status != 429 {
			t.Errorf("forged XFF tip %d: %d", i+1, status)
		}
	}
}

// TestEmbeddedQueueBinary: without REDIS_URL a tip goes to the embedded
// queue in the data dir, which another process (here the test) can read
// while serve runs.
func TestEmbeddedQueueBinary(t *testing.T) {
	dataDir := t.TempDir()
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir)
	defer p.stop(t)
	status, m := apiPost(t, p.URL, "/api/v1/tips", `{"category":"tang-tru-van-chuyen","area":"hung-ha","description":"Xe tải biển số lạ thường xuyên chở hàng vào kho lúc nửa đêm."}`, nil)
	if status != 202 {
		t.Fatalf("tip: %d %v", status, m)
	}
	receipt := m["receipt"].(string)
	q, err := queue.OpenLocal(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	if err := q.CreateGroup(ctx, "portal:queue:police", "test-desk"); err != nil {
		t.Fatal(err)
	}
	var got []queue.Message
	for i := 0; len(got) == 0; i++ {
		if got, err = q.Read(ctx, "portal:queue:police", "test-desk", "c1", 10, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if i > 300 {
			t.Fatal("tip never reached the embedded queue")
		}
	}
	var d map[string]any
	json.Unmarshal(got[0].Data, &d)
	if got[0].Kind != "tip" || d["category"] != "tang-tru-van-chuyen" || d["area_label"] != "Các xã thuộc huyện Hưng Hà cũ" {
		t.Errorf("entry %+v %v", got[0], d)
	}
	// The portal's own desk consumer (group "desk") took it too: the
	// receipt shows the case.
	for i := 0; ; i++ {
		status, m := apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+receipt+`"}`, nil)
		if status == 200 && m["status"] == "new" {
			break
		}
		if i > 40 {
			t.Fatalf("status: %d %v", status, m)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
