package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary over HTTP: build it once, start it on a
// free port, talk to it, stop it with a signal.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// portalBinary builds cmd/portal once per test run and returns its path.
func portalBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portal-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "portal")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("go build: %s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build portal: %v", buildErr)
	}
	return binPath
}

// portalProc is a running portal.
type portalProc struct {
	cmd    *exec.Cmd
	URL    string
	mu     sync.Mutex
	stderr strings.Builder
	done   chan error
}

// Logs returns everything the process wrote to stderr so far.
func (p *portalProc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

var listenRe = regexp.MustCompile(`msg="portal listening" url=(http://[^ ]+)`)

// startPortal starts "portal serve" with env (added to a minimal
// environment) on 127.0.0.1:0 and waits until it listens.
func startPortal(t *testing.T, env ...string) *portalProc {
	t.Helper()
	cmd := exec.Command(portalBinary(t), "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "PORTAL_ADDR=127.0.0.1:0",
		// Two-step sign-in is tested on its own (TestTOTPOverHTTP); the
		// other tests sign in with a password only. A later entry in env
		// wins (os/exec keeps the last of duplicate keys).
		"PORTAL_TOTP_ROLES=none"}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &portalProc{cmd: cmd, done: make(chan error, 1)}
	urlCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stderr.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listenRe.FindStringSubmatch(line); m != nil {
				select {
				case urlCh <- m[1]:
				default:
				}
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.URL = <-urlCh:
	case err := <-p.done:
		t.Fatalf("portal exited before listening: %v\n%s", err, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("portal did not listen within 60s\n%s", p.Logs())
	}
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *portalProc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("portal exited with %v after SIGTERM\n%s", err, p.Logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("portal did not stop within 30s of SIGTERM\n%s", p.Logs())
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeAndShutdown(t *testing.T) {
	dataDir := t.TempDir()
	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir)
	for path, want := range map[string]string{
		"/healthz":                         "ok",
		"/van-ban/53-kh-ubnd-2017":         "53/KH-UBND",
		"/van-ban/424-qd-ttg-2017":         "424/QĐ-TTg",
		"/phan-cong":                       "Sở Lao động Thương binh và Xã hội",
		"/api/v1/documents/25-ct-ttg-2017": `"issued_on":"2017-06-05"`,
	} {
		status, body := httpGet(t, p.URL+path)
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 200 containing %q", path, status, want)
		}
	}
	if status, body := httpGet(t, p.URL+"/readyz"); status != 200 {
		t.Errorf("/readyz: %d %s", status, body)
	}
	if status, _ := httpGet(t, p.URL+"/khong-co"); status != 404 {
		t.Errorf("unknown path: %d", status)
	}
	p.stop(t)
	if !strings.Contains(p.Logs(), "stopped") {
		t.Errorf("no orderly shutdown in logs:\n%s", p.Logs())
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret not generated owner-only in the data dir: %v %v", fi, err)
	}
	if fi, err := os.Stat(dataDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir not owner-only: %v %v", fi.Mode(), err)
	}
}

// A document imported with "portal import" is served by the next "serve".
func TestImportThenServe(t *testing.T) {
	dataDir := t.TempDir()
	doc := filepath.Join(t.TempDir(), "qd.txt")
	text := "THỦ TƯỚNG CHÍNH PHỦ | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\r\n" +
		"Số: 777/QĐ-TTg | Hà Nội, ngày 03 tháng 5 năm 2019 |\r\n" +
		"QUYẾT ĐỊNH\r\n" +
		"VỀ VIỆC THỬ NGHIỆM NHẬP VĂN BẢN\r\n" +
		"Căn cứ Chỉ thị số 25/CT-TTg của Thủ tướng Chính phủ;\r\n" +
		"QUYẾT ĐỊNH:\r\n" +
		"Điều 1. Văn bản mẫu dùng để kiểm thử chức năng nhập văn bản.\r\n" +
		"| THỦ TƯỚNG |\r\n"
	if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(portalBinary(t), "import", "--data-dir", dataDir, doc).CombinedOutput()
	if err != nil {
		t.Fatalf("portal import: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "/van-ban/777-qd-ttg-2019") {
		t.Errorf("import output does not name the slug: %s", out)
	}
	bad := filepath.Join(t.TempDir(), "rong.txt")
	os.WriteFile(bad, []byte("không phải văn bản"), 0o644)
	if out, err := exec.Command(portalBinary(t), "import", "--data-dir", dataDir, bad).CombinedOutput(); err == nil {
		t.Errorf("importing a file without a number succeeded: %s", out)
	}

	// Issue 15: a draft without a number goes in with a warning; a công
	// văn goes in as one.
	kinds := filepath.Join("..", "..", "content", "testdata", "kinds")
	out, err = exec.Command(portalBinary(t), "import", "--data-dir", dataDir,
		filepath.Join(kinds, "1-no-number", "ke-hoach-du-thao-so-cham.txt"),
		filepath.Join(kinds, "3-cong-van", "cong-van-ubnd-huyen-chong.txt")).CombinedOutput()
	if err != nil {
		t.Fatalf("portal import of issue 15 fixtures: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Kế hoạch (không số)") || !strings.Contains(string(out), "cảnh báo: không đọc được số hiệu") ||
		!strings.Contains(string(out), "Công văn 215/UBND-VP (2020-07-03)") {
		t.Errorf("import output: %s", out)
	}

	p := startPortal(t, "PORTAL_DATA_DIR="+dataDir)
	status, body := httpGet(t, p.URL+"/api/v1/documents/ke-hoach-2019-05-20-to-chuc-thang-hanh-dong-phong-chong-ma-tuy-va")
	if status != 200 || !strings.Contains(body, `"number":""`) || !strings.Contains(body, `"cites":["77-kh-bcd-2019"]`) {
		t.Errorf("numberless import: %d %s", status, body)
	}
	status, body = httpGet(t, p.URL+"/api/v1/documents/215-ubnd-vp-2020")
	if status != 200 || !strings.Contains(body, `"type":"Công văn"`) || !strings.Contains(body, `"recipients":["Ủy ban nhân dân các xã, thị trấn"]`) ||
		!strings.Contains(body, `"in_force":{"status":"unknown"`) {
		t.Errorf("công văn: %d %s", status, body)
	}
	status, body = httpGet(t, p.URL+"/api/v1/documents/777-qd-ttg-2019")
	if status != 200 || !strings.Contains(body, `"issued_on":"2019-05-03"`) || !strings.Contains(body, `"cites":["25-ct-ttg-2017"]`) {
		t.Errorf("imported document: %d %s", status, body)
	}
	status, body = httpGet(t, p.URL+"/api/v1/documents/25-ct-ttg-2017")
	if status != 200 || !strings.Contains(body, "777-qd-ttg-2019") {
		t.Errorf("cited text does not link back to the imported one: %s", body)
	}
	p.stop(t)
}

// A Meilisearch that does not answer at start must not keep the portal
// (and its tip forms) down: search falls back to the embedded index.
func TestServeWithMeilisearchDown(t *testing.T) {
	p := startPortal(t, "PORTAL_DATA_DIR="+t.TempDir(), "MEILI_URL=http://127.0.0.1:1")
	if status, body := httpGet(t, p.URL+"/api/v1/search?q=424%2FQD-TTg"); status != 200 || !strings.Contains(body, "424-qd-ttg-2017") {
		t.Errorf("search on the fallback index: %d %s", status, body)
	}
	if status, _ := httpGet(t, p.URL+"/tin-bao"); status != 200 {
		t.Errorf("/tin-bao: %d", status)
	}
	if !strings.Contains(p.Logs(), "Meilisearch unavailable") {
		t.Errorf("fallback not logged:\n%s", p.Logs())
	}
	p.stop(t)
}
