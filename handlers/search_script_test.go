package handlers

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestSearchScript runs static/assets/search.js in Node against a fake page
// (handlers/testdata/search_js_check.js): instant search waits ≥ 300 ms,
// needs 2 characters, aborts the request in flight and stops after a 429;
// the voice button never starts on the informant pages.
func TestSearchScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	out, err := exec.Command(node, "testdata/search_js_check.js", "../static/assets/search.js").CombinedOutput()
	if err != nil {
		t.Fatalf("search.js check failed: %v\n%s", err, out)
	}
}

// TestVoiceSearchDisclosure: the voice button says that the browser may
// send the audio to Google, /tim-kiem says it next to the form, and the
// informant pages have no voice button at all.
func TestVoiceSearchDisclosure(t *testing.T) {
	app := newSearchApp(t)
	for _, path := range []string{"/", "/tim-kiem", "/van-ban"} {
		d := getDoc(t, app, path, http.StatusOK)
		mic := d.Find("header button[data-mic]")
		if title, _ := mic.Attr("title"); mic.Length() != 1 || !strings.Contains(title, "Google") {
			t.Errorf("%s: voice button title %q", path, title)
		}
	}
	d := getDoc(t, app, "/tim-kiem", http.StatusOK)
	note := d.Find("main [data-mic-note]")
	if !strings.Contains(note.Text(), "Google") || !strings.Contains(note.Text(), "âm thanh") {
		t.Errorf("/tim-kiem voice note %q", note.Text())
	}
	for _, path := range []string{"/tin-bao", "/cai-nghien/dang-ky", "/tra-cuu"} {
		// Without the intake service these pages answer 503, inside the
		// same layout and search box.
		_, body := get(t, app, path)
		if !strings.Contains(body, `action="/tim-kiem"`) {
			t.Errorf("%s: no search box to check", path)
		}
		if strings.Contains(body, "data-mic") {
			t.Errorf("%s: voice button on an informant page", path)
		}
	}
}
