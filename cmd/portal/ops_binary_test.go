package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/thaibinh-pcmt/portal/internal/redistest"
	"github.com/thaibinh-pcmt/portal/queue"
)

// What a new operator tries first: every subcommand answers --help with
// its usage and exit status 0, "portal --help" lists the subcommands, and
// "portal version" names the version and the build.
func TestEverySubcommandAnswersHelp(t *testing.T) {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"import", "--help"},
		{"queue", "--help"}, {"queue", "consume", "--help"}, {"queue", "stats", "--help"}, {"queue", "trim", "--help"},
		{"user", "--help"}, {"user", "add", "--help"}, {"user", "list", "--help"}, {"user", "disable", "--help"}, {"user", "passwd", "--help"}, {"user", "totp-reset", "--help"},
		{"store", "--help"}, {"store", "migrate-to", "--help"}, {"backup", "--help"}, {"restore", "--help"}, {"version", "--help"},
	} {
		out, errOut, err := runPortal(t, "", env, args...)
		if err != nil {
			t.Errorf("portal %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
			continue
		}
		if !strings.Contains(strings.ToLower(out+errOut), "usage") {
			t.Errorf("portal %s printed no usage:\n%s%s", strings.Join(args, " "), out, errOut)
		}
	}
	out, _, _ := runPortal(t, "", env, "--help")
	for _, sub := range []string{"serve", "import", "queue consume", "user add", "user add|list|disable|passwd|totp-reset", "store migrate-to", "backup", "restore", "version"} {
		if !strings.Contains(out, "portal "+sub) && !strings.Contains(out, "portal ["+sub+"]") {
			t.Errorf("portal --help does not list %q:\n%s", sub, out)
		}
	}
	out, errOut, err := runPortal(t, "", env, "version")
	if err != nil || !regexp.MustCompile(`(?m)^portal \S+\nbuild: go1\.\d+.*linux/.*module github.com/thaibinh-pcmt/portal`).MatchString(out) {
		t.Errorf("portal version: %v\n%s%s", err, out, errOut)
	}
	// A wrong subcommand still fails.
	if _, _, err := runPortal(t, "", env, "nope"); err == nil {
		t.Error("unknown subcommand exited 0")
	}
}

// A second "portal serve" on a data dir in use refuses at once, naming
// the data dir, and the first keeps serving.
func TestSecondServeOnTheSameDataDirRefuses(t *testing.T) {
	dataDir := t.TempDir()
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir)
	defer p.stop(t)
	start := time.Now()
	cmd := exec.Command(portalBinary(t), "serve")
	cmd.Env = []string{"PORTAL_DATA_DIR=" + dataDir, "PORTAL_ADDR=127.0.0.1:0"}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("second serve still running after 10 s")
	}
	if err == nil || !strings.Contains(string(out), "data dir "+dataDir+" is in use by another portal process (process ") {
		t.Fatalf("second serve: %v after %v\n%s", err, time.Since(start), out)
	}
	t.Logf("refused after %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(string(out)))
	if status, _ := httpGet(t, p.URL+"/healthz"); status != 200 {
		t.Errorf("first serve: /healthz %d", status)
	}
}

// SIGTERM stops a serve that is still starting: here it waits on a
// database server that accepts the connection and never answers.
func TestSIGTERMStopsAServeStillStarting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	cmd := exec.Command(portalBinary(t), "serve")
	cmd.Env = []string{"PORTAL_DATA_DIR=" + t.TempDir(), "PORTAL_ADDR=127.0.0.1:0",
		"DATABASE_URL=postgres://portal@" + ln.Addr().String() + "/portal?sslmode=disable&connect_timeout=600"}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	time.Sleep(2 * time.Second) // well into "open the database"
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve ignored SIGTERM while starting")
	}
	var all []string
	for l := range logs {
		all = append(all, l)
	}
	text := strings.Join(all, "\n")
	if !strings.Contains(text, "stopped by a signal while starting") || strings.Contains(text, "portal listening") {
		t.Fatalf("stopped after %v, logs:\n%s", time.Since(start), text)
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

var metricsURLRe = regexp.MustCompile(`metrics_url=(http://\S+)`)

// /metrics on PORTAL_METRICS_ADDR (and not on the public listener) has the
// operator's families after real traffic — requests by route pattern and
// status, latency, outbox, queue length, pending and dead letters, limiter
// decisions, search latency, cache lookups — and no label carries a
// client address, a user agent, a receipt, a search or a submission.
func TestMetricsEndpoint(t *testing.T) {
	dataDir := t.TempDir()
	redisPort := deadPort(t) // nothing listens: tips stay in the outbox
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir, "PORTAL_METRICS_ADDR=127.0.0.1:0",
		"REDIS_URL=redis://127.0.0.1:"+fmt.Sprint(redisPort)+"/0", "PORTAL_LIMIT_SEARCH=3/m",
		"PORTAL_TRUSTED_PROXIES=127.0.0.1")
	defer p.stop(t)
	m := metricsURLRe.FindStringSubmatch(p.Logs())
	if m == nil {
		t.Fatalf("no metrics_url logged:\n%s", p.Logs())
	}
	const (
		clientIP  = "203.0.113.77"
		userAgent = "ThietBiRieng/9.9"
		query     = "cai nghien ma tuy bí mật"
		tipText   = "Có người bán ma túy ở bến xe Thái Bình lúc chiều tối."
	)
	hdr := map[string]string{"X-Forwarded-For": clientIP, "User-Agent": userAgent}
	get := func(path string) int {
		req, _ := http.NewRequest("GET", p.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	t0 := time.Now()
	get("/")
	get("/van-ban/53-kh-ubnd-2017")
	get("/van-ban/khong-co-van-ban-nay")
	get("/duong-dan/" + clientIP + "/khong-ton-tai")
	var searches []int
	for range 5 {
		searches = append(searches, get("/api/v1/search?q="+strings.ReplaceAll(query, " ", "+")))
	}
	status, resp := apiPost(t, p.URL, "/api/v1/tips", `{"category":"mua-ban","area":"vu-thu","description":"`+tipText+`"}`, hdr)
	if status != 202 {
		t.Fatalf("tip: %d %v", status, resp)
	}
	receipt := resp["receipt"].(string)
	apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+receipt+`"}`, hdr)

	t.Logf("traffic took %v", time.Since(t0))
	// Not on the public listener.
	if status, _ := httpGet(t, p.URL+"/metrics"); status != 404 {
		t.Errorf("public /metrics: %d", status)
	}
	t1 := time.Now()
	_, body := httpGet(t, m[1])
	t.Logf("scrape took %v", time.Since(t1))
	for _, family := range []string{
		"portal_http_requests_total", "portal_http_request_duration_seconds_bucket", "portal_outbox_depth",
		"portal_outbox_oldest_age_seconds", "portal_queue_up",
		"portal_ratelimit_decisions_total", "portal_ratelimit_fallback_decisions_total",
		"portal_search_duration_seconds_bucket", "portal_cache_lookups_total", "portal_build_info", "go_goroutines",
	} {
		if !strings.Contains(body, "\n"+family) && !strings.Contains(body, "# TYPE "+strings.TrimSuffix(family, "_bucket")) {
			t.Errorf("family %s missing", family)
		}
	}
	for _, want := range []string{
		`portal_http_requests_total{method="GET",route="/van-ban/:slug",status="200"} 1`,
		`portal_http_requests_total{method="GET",route="/van-ban/:slug",status="404"} 1`,
		`portal_http_requests_total{method="GET",route="unmatched",status="404"} 2`, // and the public /metrics
		`portal_queue_up 0`,
		`portal_http_requests_total{method="POST",route="/api/v1/tips",status="202"} 1`,
		`portal_http_requests_total{method="GET",route="/api/v1/search",status="429"} 2`,
		`portal_ratelimit_decisions_total{decision="limited",scope="search"} 2`,
		`portal_ratelimit_decisions_total{decision="allowed",scope="tips"} 1`,
		`portal_outbox_depth 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "portal_http_requests_total") || strings.HasPrefix(l, "portal_ratelimit") {
				t.Log(l)
			}
		}
		t.Log(p.Logs())
	}
	if searches[0] != 200 || searches[4] != 429 {
		t.Errorf("search statuses %v", searches)
	}
	// The queue gauges are there while Redis is down? No: the scrape
	// counts the failure instead, and answers at once.
	if !strings.Contains(body, `portal_metrics_scrape_errors_total{source="queue"}`) {
		t.Error("queue scrape error not counted")
	}
	// While Redis is down (all of this test), each part says so once:
	// no line per retry, per dial or per request.
	time.Sleep(2 * time.Second)
	logs := p.Logs()
	for _, msg := range []string{`msg="Redis unreachable`, `msg="forwarder: queue unavailable`,
		`msg="rate limiter: Redis unavailable`, `msg="queue trim failed`} {
		if n := strings.Count(logs, msg); n > 1 {
			t.Errorf("%s logged %d times within seconds:\n%s", msg, n, logs)
		}
	}
	if n := strings.Count(logs, "\n"); n > 12 {
		t.Errorf("%d log lines in a few seconds of a Redis outage:\n%s", n, logs)
	}
	// No client data in any label or value line.
	labelRe := regexp.MustCompile(`\{([^}]*)\}`)
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, bad := range []string{clientIP, "203.0.113", userAgent, receipt, "bí mật", "cai+nghien", "nghien", tipText, "ben xe", "khong-co-van-ban-nay", "khong-ton-tai"} {
			if strings.Contains(line, bad) {
				t.Errorf("metrics line carries %q: %s", bad, line)
			}
		}
		if lm := labelRe.FindStringSubmatch(line); lm != nil && strings.Contains(lm[1], "route=") {
			route := regexp.MustCompile(`route="([^"]*)"`).FindStringSubmatch(lm[1])[1]
			if route != "unmatched" && !strings.HasPrefix(route, "/") {
				t.Errorf("route label %q", route)
			}
		}
	}
}

// With the queue up, the queue gauges: length, dead letters, and the
// pending entries of each consumer group. Redis DB 11 of TEST_REDIS_URL;
// the streams the portal writes there are deleted afterwards.
func TestMetricsQueueGauges(t *testing.T) {
	ctx := context.Background()
	rdb := redis.NewClient(redistest.SharedOptionsDB(11))
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Skipf("Redis does not answer: %v", err)
	}
	const stream = "portal:queue:police"
	cleanup := func() { rdb.Del(ctx, stream, queue.DeadLetterStream(stream), "portal:queue:social-affairs") }
	cleanup()
	t.Cleanup(cleanup)
	p := startPortal(t, "PORTAL_DATA_DIR="+t.TempDir(), "REDIS_URL="+redistest.SharedURLDB(11), "PORTAL_METRICS_ADDR=127.0.0.1:0")
	defer p.stop(t)
	for i := range 2 {
		if status, resp := apiPost(t, p.URL, "/api/v1/tips", `{"category":"mua-ban","area":"vu-thu","description":"Tin thử số `+fmt.Sprint(i)+` cho số liệu hàng đợi."}`, nil); status != 202 {
			t.Fatalf("tip: %d %v", status, resp)
		}
	}
	eventually(t, "both tips on the stream", func() bool { n, _ := rdb.XLen(ctx, stream).Result(); return n == 2 })
	// A consumer group reads one entry and does not acknowledge it.
	if err := rdb.XGroupCreate(ctx, stream, "kiem-thu", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "kiem-thu", Consumer: "c1", Streams: []string{stream, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	m := metricsURLRe.FindStringSubmatch(p.Logs())
	// The forwarder marks the rows forwarded just after the stream took
	// them.
	eventually(t, "outbox empty in the metrics", func() bool {
		_, body := httpGet(t, m[1])
		return strings.Contains(body, "\nportal_outbox_depth 0\n")
	})
	_, body := httpGet(t, m[1])
	for _, want := range []string{
		`portal_queue_length{queue="police"} 2`,
		`portal_queue_dead_letters{queue="police"} 0`,
		`portal_queue_pending{group="kiem-thu",queue="police"} 1`,
		`portal_outbox_depth 0`,
		`portal_outbox_oldest_age_seconds 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
}
