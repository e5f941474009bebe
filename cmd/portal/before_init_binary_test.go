package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// caseLink is the path of a case page in the desk inbox.
var caseLink = regexp.MustCompile(`^/quan-tri/hop-thu/\d+$`)

// TestCasesFromBeforeDeskInit: a portal run without desk keys (as `go run
// ./cmd/portal` starts) takes two tips, and the police desk writes to both
// senders; one sender looks the receipt up, the other does not. Then the
// operator runs `portal desk init`, as the start-up warning tells them.
// Init seals both cases and their conversations (nothing of them readable
// in the data dir), the desk still reads all of it; the sender who had
// looked up still reads the whole conversation (the look-up recorded the
// receipt's key, so init sealed the messages to it as well); the other's
// look-up answers 200 and says that the older message cannot be shown, and
// from that look-up on the desk's new messages reach that sender too.
func TestCasesFromBeforeDeskInit(t *testing.T) {
	redisURL, _ := cryptoRedis(t)
	dataDir := t.TempDir()
	env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + redisURL, "PORTAL_SECRET=before-init-binary-test-secret-0123456789",
		"PORTAL_LIMIT_TIPS=1000/h", "PORTAL_LIMIT_STATUS=1000/h", "PORTAL_LIMIT_MESSAGES=1000/h"}
	runPortalOK(t, env, deskTestPassword+"\n", "user", "add", "--username", "hung", "--role", "police", "--password-stdin")

	p := startPortal(t, env...)
	if !strings.Contains(p.Logs(), "ENCRYPTION AT REST IS OFF") {
		t.Fatalf("no warning without desk keys:\n%s", p.Logs())
	}
	tip := func(description string) string {
		st, m := apiPost(t, p.URL, "/api/v1/tips", `{"category":"mua-ban","area":"vu-thu","description":"`+description+`"}`, nil)
		receipt, _ := m["receipt"].(string)
		if st != 202 || receipt == "" {
			t.Fatalf("tip: %d %v", st, m)
		}
		return receipt
	}
	status := func(receipt string) (int, string) {
		st, m := apiPost(t, p.URL, "/api/v1/status", `{"receipt":"`+receipt+`"}`, nil)
		b, _ := json.Marshal(m)
		return st, string(b)
	}
	receiptA := tip("Kho hàng Brundelquist ở bến xe, gọi 0977 246 135.")
	waitFor(t, 60*time.Second, "case A", func() bool { _, b := status(receiptA); return strings.Contains(b, `"status":"new"`) })
	// B's sender never looks the receipt up before init: the case is
	// awaited in the desk's inbox (a look-up that finds the case records
	// the receipt's key).
	receiptB := tip("Điểm bán Fenwobrick ở chợ cũ.")
	police := newDeskClient(t, p.URL)
	police.login("hung", deskTestPassword)
	var paths []string
	waitFor(t, 60*time.Second, "case B", func() bool {
		police.get("/quan-tri/hop-thu")
		paths = nil
		police.last.Find(`a[href^="/quan-tri/hop-thu/"]`).Each(func(_ int, a *goquery.Selection) {
			if h, _ := a.Attr("href"); caseLink.MatchString(h) && !slices.Contains(paths, h) {
				paths = append(paths, h)
			}
		})
		return len(paths) == 2
	})
	pathA, pathB := paths[0], paths[1]
	if police.get(pathA); !strings.Contains(police.last.Text(), "Brundelquist") {
		pathA, pathB = pathB, pathA
	}
	write := func(path, body string) {
		t.Helper()
		police.get(path)
		if resp, out := police.post(path+"/tin-nhan", url.Values{"body": {body}}); resp.StatusCode != 303 {
			t.Fatalf("desk message %q: %d %s", body, resp.StatusCode, out)
		}
	}
	write(pathA, "Trước khi mã hóa: xe Wombreldix còn ở đó không?")
	write(pathB, "Trước khi mã hóa: hỏi thêm về Grelmodax.")
	if _, b := status(receiptA); !strings.Contains(b, "Wombreldix") {
		t.Fatalf("before init sender A reads the desk's message: %s", b)
	}
	p.stop(t)

	// The operator makes the police desk's key and grants hung.
	rec, errOut := runPortalOK(t, env, "", "desk", "init", "--role", "police")
	// Two submissions and two messages were in clear.
	if !strings.Contains(errOut, "Đã mã hóa 4 nội dung") {
		t.Errorf("desk init said: %s", errOut)
	}
	runPortalOK(t, env, strings.TrimSpace(rec)+"\n", "desk", "grant", "--role", "police", "--username", "hung", "--recovery-key-stdin")
	words := []string{"Brundelquist", "Fenwobrick", "Wombreldix", "Grelmodax", "977246135", "0977 246 135"}
	if hits := filesContaining(t, dataDir, words); len(hits) > 0 {
		t.Errorf("after desk init the data dir still holds the old cases in clear:\n%s", strings.Join(hits, "\n"))
	}

	p = startPortal(t, env...)
	defer p.stop(t)
	if strings.Contains(p.Logs(), "sealed cases stored before") {
		t.Errorf("init left something for serve to seal:\n%s", p.Logs())
	}
	police = newDeskClient(t, p.URL)
	police.login("hung", deskTestPassword)
	police.get(pathA)
	for _, w := range []string{"Brundelquist", "Wombreldix"} {
		if !strings.Contains(police.last.Text(), w) {
			t.Errorf("after init the desk cannot read %q of case A", w)
		}
	}
	police.get(pathB)
	for _, w := range []string{"Fenwobrick", "Grelmodax"} {
		if !strings.Contains(police.last.Text(), w) {
			t.Errorf("after init the desk cannot read %q of case B", w)
		}
	}
	// Sender A had looked up: the whole conversation still reads.
	if st, b := status(receiptA); st != 200 || !strings.Contains(b, "Wombreldix") || strings.Contains(b, `"sealed"`) {
		t.Errorf("sender A after init: %d %s", st, b)
	}
	// Sender B had not: 200, the older message withheld and flagged...
	st, b := status(receiptB)
	if st != 200 || strings.Contains(b, "Grelmodax") || !strings.Contains(b, `"sealed":true`) {
		t.Fatalf("sender B after init: %d %s", st, b)
	}
	sender := newDeskClient(t, p.URL)
	sender.get("/tra-cuu")
	if resp, body := sender.post("/tra-cuu", url.Values{"receipt": {receiptB}}); resp.StatusCode != 200 ||
		!strings.Contains(sender.last.Find("ol.conversation").Text(), "đã được mã hóa chỉ cho cán bộ tiếp nhận") || strings.Contains(body, "Grelmodax") {
		t.Errorf("/tra-cuu of B after init: %d %q", resp.StatusCode, sender.last.Find("ol.conversation").Text())
	}
	// ... and from that look-up on, what the desk writes reaches B.
	write(pathB, "Sau khi mã hóa: cảm ơn Quarnifel.")
	if st, b := status(receiptB); st != 200 || !strings.Contains(b, "Quarnifel") {
		t.Errorf("sender B does not read the desk's message after init: %d %s", st, b)
	}
	if hits := filesContaining(t, dataDir, append(words, "Quarnifel")); len(hits) > 0 {
		t.Errorf("the data dir holds what people wrote:\n%s", strings.Join(hits, "\n"))
	}
}

// TestDeskInitWhileServing: `portal desk init` run while the portal
// serves. Tips sent just before and just after it (the running process
// notices the new key only within seal.KeyRecheck, so the second may be
// stored in clear) are, within half a minute, nowhere in the data dir in
// clear, with the portal still running: init seals what exists, and the
// running process seals what it stored before it noticed the key.
func TestDeskInitWhileServing(t *testing.T) {
	redisURL, _ := cryptoRedis(t)
	dataDir := t.TempDir()
	env := []string{"PORTAL_DATA_DIR=" + dataDir, "REDIS_URL=" + redisURL, "PORTAL_SECRET=init-while-serving-test-secret-0123456789",
		"PORTAL_LIMIT_TIPS=1000/h"}
	p := startPortal(t, env...)
	defer p.stop(t)
	tip := func(description string) {
		t.Helper()
		if st, m := apiPost(t, p.URL, "/api/v1/tips", `{"category":"mua-ban","area":"vu-thu","description":"`+description+`"}`, nil); st != 202 {
			t.Fatalf("tip: %d %v", st, m)
		}
	}
	tip("Trước khi tạo khóa: Plumquaddle ở bến phà.")
	runPortalOK(t, env, "", "desk", "init", "--role", "police")
	tip("Ngay sau khi tạo khóa: Zintharow ở chợ đêm.")
	words := []string{"Plumquaddle", "Zintharow"}
	deadline := time.Now().Add(40 * time.Second)
	for {
		hits := filesContaining(t, dataDir, words)
		if len(hits) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("40 s after desk init the data dir still holds tips in clear:\n%s\n%s", strings.Join(hits, "\n"), p.Logs())
		}
		time.Sleep(time.Second)
	}
	// Whether the second tip fell in the window depends on timing; say so.
	t.Logf("the running process sealed leftovers itself: %v", strings.Contains(p.Logs(), "sealed cases stored before the desk key"))
}
