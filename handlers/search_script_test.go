package handlers

import (
	"net/http"
	"strings"
	"testing"
)

// TestVoiceSearchDisclosure: the voice button says that the browser may
// send the audio to Google (its title in the header, the note it points to
// on /tim-kiem, whose only search box is its own), and the informant pages
// have no voice button at all. What search.js does with the button, and
// the instant results, are checked in a real browser (e2e).
func TestVoiceSearchDisclosure(t *testing.T) {
	app := newSearchApp(t)
	for _, path := range []string{"/", "/van-ban"} {
		d := getDoc(t, app, path, http.StatusOK)
		mic := d.Find("header button[data-mic]")
		if title, _ := mic.Attr("title"); mic.Length() != 1 || !strings.Contains(title, "Google") {
			t.Errorf("%s: voice button title %q", path, title)
		}
	}
	d := getDoc(t, app, "/tim-kiem", http.StatusOK)
	if n := d.Find(`input[name=q]`).Length(); n != 1 {
		t.Errorf("/tim-kiem has %d search boxes, want 1", n)
	}
	mic := d.Find("main button[data-mic]")
	noteID, _ := mic.Attr("aria-describedby")
	note := d.Find("main #" + noteID)
	if noteID == "" || !strings.Contains(note.Text(), "Google") || !strings.Contains(note.Text(), "âm thanh") {
		t.Errorf("/tim-kiem voice note %q (button described by %q)", note.Text(), noteID)
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
